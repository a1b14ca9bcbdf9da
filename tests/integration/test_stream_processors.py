"""Stream processors through boto3 against a live server: Create/Describe/List/Start/Stop/Update/Delete with
Rekognition's statuses and errors, tags on processor ARNs, answers checked against botocore's output shapes.
The source is a local clip played in real time (tests/stream_clips.py)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server, assert_shape, data
from tests.servers import S3_ENV, MotoS3
from tests.stream_clips import home_mp4

ROLE = "arn:aws:iam::111111111111:role/rekognition"
KVS = "arn:aws:kinesisvideo:us-east-1:111111111111:stream/front-door/1700000000000"
KDS = "arn:aws:kinesis:us-east-1:111111111111:stream/faces"
TOPIC = "arn:aws:sns:us-east-1:111111111111:porch"


def code(call, **kw) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def wait_status(rk, name: str, wanted: set[str], timeout: float = 30) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = rk.describe_stream_processor(Name=name)
        if r["Status"] in wanted:
            return r
        time.sleep(0.2)
    raise AssertionError(f"{name} is still {r['Status']} ({r.get('StatusMessage')}), not {wanted}")


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    srv = MotoS3(tmp_path_factory.mktemp("moto-streams"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def ssrv(pack, moto, tmp_path_factory) -> Server:
    folder = tmp_path_factory.mktemp("streams")
    home_mp4(folder / "home.mp4")
    server = Server(folder, workers=1, env={**S3_ENV, "OCULI_KINESIS_ENDPOINT_URL": moto.url,
                                            "OCULI_SNS_ENDPOINT_URL": moto.url, "OCULI_STREAM_LEASE_SECONDS": "3",
                                            "OCULI_STREAM_SOURCES": json.dumps({KVS: str(folder / "home.mp4")})})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rk(ssrv):
    rk = ssrv.client(access_key="AKIDTEAMA")
    rk.create_collection(CollectionId="family")
    rk.index_faces(CollectionId="family", ExternalImageId="obama", MaxFaces=1,
                   Image={"Bytes": data("faces/face_recognition/examples/obama.jpg").read_bytes()})
    return rk


def face_search(name: str, **extra) -> dict:
    return {"Name": name, "Input": {"KinesisVideoStream": {"Arn": KVS}},
            "Output": {"KinesisDataStream": {"Arn": KDS}}, "RoleArn": ROLE,
            "Settings": {"FaceSearch": {"CollectionId": "family", "FaceMatchThreshold": 85.0}}, **extra}


def home(name: str, labels=("PERSON", "PET"), **extra) -> dict:
    return {"Name": name, "Input": {"KinesisVideoStream": {"Arn": KVS}},
            "Output": {"S3Destination": {"Bucket": "porch-frames", "KeyPrefix": "cam1/"}}, "RoleArn": ROLE,
            "NotificationChannel": {"SNSTopicArn": TOPIC},
            "Settings": {"ConnectedHome": {"Labels": list(labels), "MinConfidence": 60.0}}, **extra}


def test_create_describe_list_delete(rk):
    r = rk.create_stream_processor(**face_search("door", Tags={"site": "home"}))
    assert_shape("CreateStreamProcessor", r)
    assert r["StreamProcessorArn"] == "arn:aws:rekognition:us-east-1:111111111111:streamprocessor/door"
    d = rk.describe_stream_processor(Name="door")
    assert_shape("DescribeStreamProcessor", d)
    assert d["Status"] == "STOPPED" and d["Settings"]["FaceSearch"]["CollectionId"] == "family"
    assert d["Output"] == {"KinesisDataStream": {"Arn": KDS}} and d["Input"]["KinesisVideoStream"]["Arn"] == KVS
    assert code(rk.create_stream_processor, **face_search("door"))[0] == "ResourceInUseException"
    for i in range(3):
        rk.create_stream_processor(**home(f"cam-{i}"))
    first = rk.list_stream_processors(MaxResults=2)
    assert_shape("ListStreamProcessors", first)
    second = rk.list_stream_processors(MaxResults=2, NextToken=first["NextToken"])
    names = [p["Name"] for p in first["StreamProcessors"] + second["StreamProcessors"]]
    assert names == ["cam-0", "cam-1", "cam-2", "door"] and "NextToken" not in second
    assert all(p["Status"] == "STOPPED" for p in first["StreamProcessors"])
    assert code(rk.list_stream_processors, NextToken="bogus")[0] == "InvalidPaginationTokenException"
    assert rk.list_tags_for_resource(ResourceArn=r["StreamProcessorArn"])["Tags"] == {"site": "home"}
    rk.tag_resource(ResourceArn=r["StreamProcessorArn"], Tags={"floor": "0"})
    rk.untag_resource(ResourceArn=r["StreamProcessorArn"], TagKeys=["site"])
    assert rk.list_tags_for_resource(ResourceArn=r["StreamProcessorArn"])["Tags"] == {"floor": "0"}
    gone = "arn:aws:rekognition:us-east-1:111111111111:streamprocessor/nope"
    assert code(rk.list_tags_for_resource, ResourceArn=gone)[0] == "ResourceNotFoundException"
    for i in range(3):
        assert_shape("DeleteStreamProcessor", rk.delete_stream_processor(Name=f"cam-{i}"))
    assert code(rk.describe_stream_processor, Name="cam-0")[0] == "ResourceNotFoundException"
    assert code(rk.delete_stream_processor, Name="cam-0")[0] == "ResourceNotFoundException"


def test_create_errors(rk, ssrv):
    assert code(rk.create_stream_processor, **home("pkg", labels=("PERSON", "PACKAGE")))[0] == \
        "InvalidParameterException"
    c, msg = code(rk.create_stream_processor, **home("pkg", labels=("PACKAGE",)))
    assert c == "InvalidParameterException" and "PACKAGE" in msg and "not supported" in msg
    bad = face_search("nocol")
    bad["Settings"]["FaceSearch"]["CollectionId"] = "strangers"
    c, msg = code(rk.create_stream_processor, **bad)
    assert c == "InvalidParameterException" and "strangers" in msg
    c, _ = code(rk.create_stream_processor, **{**face_search("both"), "Settings": {
        "FaceSearch": {"CollectionId": "family"}, "ConnectedHome": {"Labels": ["PERSON"]}}})
    assert c == "InvalidParameterException"
    c, msg = code(rk.create_stream_processor, **{k: v for k, v in home("nosns").items()
                                                 if k != "NotificationChannel"})
    assert c == "InvalidParameterException" and "SNSTopicArn" in msg
    # the account scope: team B does not see team A's processors, and may use the same name
    rkb = ssrv.client(access_key="AKIDTEAMB")
    assert rkb.list_stream_processors()["StreamProcessors"] == []
    assert code(rkb.describe_stream_processor, Name="door")[0] == "ResourceNotFoundException"


def test_start_stop_update_as_rekognition(rk, ssrv):
    rk.create_stream_processor(**home("porch", RegionsOfInterest=[
        {"BoundingBox": {"Left": 0.5, "Top": 0.0, "Width": 0.5, "Height": 1.0}}]))
    r = rk.start_stream_processor(Name="porch", StartSelector={"KVSStreamStartSelector": {
        "ProducerTimestamp": int(time.time() * 1000)}}, StopSelector={"MaxDurationInSeconds": 60})
    assert_shape("StartStreamProcessor", r)
    assert len(r["SessionId"]) == 36
    assert rk.describe_stream_processor(Name="porch")["Status"] in ("STARTING", "RUNNING")
    assert code(rk.start_stream_processor, Name="porch")[0] == "ResourceInUseException"
    assert code(rk.delete_stream_processor, Name="porch")[0] == "ResourceInUseException"
    wait_status(rk, "porch", {"RUNNING"})
    owner = httpx.get(f"{ssrv.url}/v1/streams/processors").json()["data"]
    assert any(p["name"] == "porch" and p["owner"] for p in owner)
    # Update while running: UPDATING until the runner has the new settings, then RUNNING again
    rk.update_stream_processor(Name="porch", SettingsForUpdate={"ConnectedHomeForUpdate": {
        "Labels": ["PERSON"], "MinConfidence": 75.0}}, ParametersToDelete=["RegionsOfInterest"])
    d = wait_status(rk, "porch", {"RUNNING"})
    assert d["Settings"]["ConnectedHome"] == {"Labels": ["PERSON"], "MinConfidence": 75.0}
    assert "RegionsOfInterest" not in d
    rk.stop_stream_processor(Name="porch")
    assert rk.describe_stream_processor(Name="porch")["Status"] in ("STOPPING", "STOPPED")
    wait_status(rk, "porch", {"STOPPED"})
    assert code(rk.stop_stream_processor, Name="porch")[0] == "ResourceInUseException"
    assert code(rk.stop_stream_processor, Name="nope")[0] == "ResourceNotFoundException"
    # Update of a stopped processor applies at once; face search has nothing to update
    rk.update_stream_processor(Name="porch", ParametersToDelete=["ConnectedHomeMinConfidence"])
    assert rk.describe_stream_processor(Name="porch")["Settings"]["ConnectedHome"] == {"Labels": ["PERSON"]}
    c, _ = code(rk.update_stream_processor, Name="porch", SettingsForUpdate={"ConnectedHomeForUpdate": {
        "Labels": ["PACKAGE"]}})
    assert c == "InvalidParameterException"
    c, _ = code(rk.update_stream_processor, Name="door", SettingsForUpdate={"ConnectedHomeForUpdate": {
        "Labels": ["PERSON"]}})
    assert c == "InvalidParameterException"
    assert code(rk.start_stream_processor, Name="door", StopSelector={"MaxDurationInSeconds": 5})[0] == \
        "InvalidParameterException"
    rk.delete_stream_processor(Name="porch")


def test_max_duration_stops_by_itself(rk):
    rk.create_stream_processor(**home("brief"))
    rk.start_stream_processor(Name="brief", StopSelector={"MaxDurationInSeconds": 2})
    d = wait_status(rk, "brief", {"STOPPED", "FAILED"}, timeout=20)
    assert d["Status"] == "STOPPED" and "MaxDurationInSeconds" in d["StatusMessage"]
    rk.delete_stream_processor(Name="brief")


def test_unregistered_source_fails_with_a_clear_message(rk):
    spec = face_search("nowhere")
    spec["Input"]["KinesisVideoStream"]["Arn"] = "arn:aws:kinesisvideo:us-east-1:111111111111:stream/none/1"
    rk.create_stream_processor(**spec)
    rk.start_stream_processor(Name="nowhere")
    d = wait_status(rk, "nowhere", {"FAILED"})
    assert "No source is registered" in d["StatusMessage"]
    # FAILED may start again (and fail again), and be deleted
    rk.start_stream_processor(Name="nowhere")
    wait_status(rk, "nowhere", {"FAILED"})
    rk.delete_stream_processor(Name="nowhere")


def test_sources_from_the_cli_and_rest(ssrv, rk):
    import subprocess
    import sys

    arn = "arn:aws:kinesisvideo:us-east-1:111111111111:stream/garage/1"
    cli = [sys.executable, "-m", "oculi.cli", "streams"]
    out = subprocess.run([*cli, "add-source", arn, "rtsp://admin:hunter2@127.0.0.1:8554/garage"], env=ssrv.env,
                         capture_output=True, text=True, check=True).stdout
    assert "hunter2" not in out and "admin:***@" in out
    listed = httpx.get(f"{ssrv.url}/v1/streams/sources").json()
    assert {"stream_arn": arn, "url": "rtsp://admin:***@127.0.0.1:8554/garage"} in listed["data"]
    assert any(s["stream_arn"] == KVS for s in listed["data"])  # the setting's source too
    r = httpx.put(f"{ssrv.url}/v1/streams/sources", json={"stream_arn": arn, "url": "http://127.0.0.1:1/mjpeg"})
    assert r.status_code == 200
    shown = subprocess.run([*cli, "sources"], env=ssrv.env, capture_output=True, text=True, check=True).stdout
    assert f"{arn}\thttp://127.0.0.1:1/mjpeg" in shown
    assert httpx.delete(f"{ssrv.url}/v1/streams/sources", params={"stream_arn": arn}).status_code == 204
    assert httpx.delete(f"{ssrv.url}/v1/streams/sources", params={"stream_arn": arn}).status_code == 404
    processors = subprocess.run([*cli, "list"], env=ssrv.env, capture_output=True, text=True, check=True).stdout
    assert "\tdoor\tface_search\t" in processors
