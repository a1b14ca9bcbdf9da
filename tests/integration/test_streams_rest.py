"""Start and stop of stream processors through REST (what the Streams page's buttons call): the same service
methods as StartStreamProcessor and StopStreamProcessor, so the same statuses and errors; the processor listing
with its source and settings; both routes in the OpenAPI document.

Face search processors on the shared live server: their sources never give a frame, so nothing is sent to a
Kinesis endpoint, and face search sends no SNS notification when it stops."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest

from tests.servers import wait_for

ROLE = "arn:aws:iam::111111111111:role/rekognition"
KINESIS = "arn:aws:kinesis:us-east-1:111111111111:stream/rest-faces"


@pytest.fixture(scope="module")
def rk(live):
    rk = live.client(access_key="AKIDTEAMA")
    rk.create_collection(CollectionId="rest-streams")
    return rk


def make(rk, name: str) -> str:
    arn = f"arn:aws:kinesisvideo:us-east-1:111111111111:stream/{name}/1"
    rk.create_stream_processor(Name=name, Input={"KinesisVideoStream": {"Arn": arn}}, RoleArn=ROLE,
                               Output={"KinesisDataStream": {"Arn": KINESIS}},
                               Settings={"FaceSearch": {"CollectionId": "rest-streams", "FaceMatchThreshold": 90}})
    return arn


def listed(url: str, name: str) -> dict:
    r = httpx.get(f"{url}/v1/streams/processors", timeout=30)
    assert r.status_code == 200, r.text
    return [p for p in r.json()["data"] if p["name"] == name and p["account"] == "111111111111"][0]


def test_openapi_has_start_and_stop(live):
    doc = httpx.get(f"{live.url}/openapi.json", timeout=30).json()
    for path in ("/v1/streams/processors/{processor_id}/start", "/v1/streams/processors/{processor_id}/stop"):
        assert "post" in doc["paths"][path], path
    props = doc["components"]["schemas"]["ProcessorPublic"]["properties"]
    assert {"source", "settings", "started_at", "updated_at", "owner", "status_message"} <= set(props)


def test_start_and_stop_by_id_as_rekognition_does(live, rk):
    name = f"rest-{uuid.uuid4().hex[:8]}"
    arn = make(rk, name)
    p = listed(live.url, name)
    assert p["status"] == "STOPPED" and p["source"] is None and p["mode"] == "face_search"
    assert p["settings"] == {"CollectionId": "rest-streams", "FaceMatchThreshold": 90}
    # a camera that accepts the connection and never answers: the processor stays STARTING while it waits
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        camera = f"http://user:secret@127.0.0.1:{silent.getsockname()[1]}/cam"
        httpx.put(f"{live.url}/v1/streams/sources", json={"stream_arn": arn, "url": camera},
                  timeout=30).raise_for_status()
        p = listed(live.url, name)
        assert p["source"] and "secret" not in p["source"] and str(silent.getsockname()[1]) in p["source"]

        base = f"{live.url}/v1/streams/processors/{p['id']}"
        # selectors are for connected home, as StartStreamProcessor says
        r = httpx.post(f"{base}/start", json={"max_duration_seconds": 30}, timeout=30)
        assert r.status_code == 400 and "connected home" in r.json()["message"], r.text
        r = httpx.post(f"{base}/start", json={"max_duration_seconds": 500}, timeout=30)
        assert r.status_code == 422, r.text
        assert listed(live.url, name)["status"] == "STOPPED"
        r = httpx.post(f"{base}/stop", timeout=30)
        assert r.status_code == 409 and r.json()["error"] == "StreamProcessorInUse", r.text

        r = httpx.post(f"{base}/start", timeout=30)  # no body at all
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "STARTING" and r.json()["started_at"]
        assert rk.describe_stream_processor(Name=name)["Status"] in ("STARTING", "RUNNING")
        r = httpx.post(f"{base}/start", json={}, timeout=30)
        assert r.status_code == 409 and "STOPPED or FAILED" in r.json()["message"], r.text

        r = httpx.post(f"{base}/stop", timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["status"] in ("STOPPING", "STOPPED")
        wait_for(lambda: rk.describe_stream_processor(Name=name)["Status"] == "STOPPED", 40, f"{name} STOPPED")
        assert listed(live.url, name)["status"] == "STOPPED"
    finally:
        silent.close()
    rk.delete_stream_processor(Name=name)
    httpx.delete(f"{live.url}/v1/streams/sources", params={"stream_arn": arn}, timeout=30)


def test_unknown_processor_is_404(live):
    for action in ("start", "stop"):
        r = httpx.post(f"{live.url}/v1/streams/processors/{uuid.uuid4()}/{action}", timeout=30)
        assert r.status_code == 404 and r.json()["error"] == "StreamProcessorNotFound", r.text
