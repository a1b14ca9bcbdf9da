"""Stream processors on live sources, end to end on a live server: the enrolled person's face-search record on
a Kinesis stream (moto's server) and the stream.face_matched webhook within seconds of his appearance;
connected-home PERSON and PET sessions with their best frames in the store and Rekognition's notifications in
an SQS queue subscribed to the SNS topic; a region of interest that suppresses what lies outside it; an HTTP
MJPEG camera served by the test; bad sources FAILED with a clear StatusMessage.

The clip (tests/stream_clips.py) loops in real time: nobody 0-1.5 s, Biden and Obama 1.5-4.5 s, a cat
4.5-7 s, nobody 7-8 s.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import boto3
import httpx
import pytest

from tests.conftest import Server, data
from tests.servers import S3_ENV, MotoS3, Receiver, free_port, wait_for
from tests.stream_clips import home_mp4
from tests.video_clips import people_frame

ROLE = "arn:aws:iam::111111111111:role/rekognition"
ACCOUNT = "111111111111"
KVS = f"arn:aws:kinesisvideo:us-east-1:{ACCOUNT}:stream/porch/1"


def kvs(name: str) -> str:
    return f"arn:aws:kinesisvideo:us-east-1:{ACCOUNT}:stream/{name}/1"


class Mjpeg:
    """An HTTP MJPEG camera (multipart/x-mixed-replace, 10 fps of the two-people frame); /private answers 401,
    /text answers a text page."""

    def __init__(self):
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(people_frame()).save(buf, "JPEG", quality=85)
        jpeg = buf.getvalue()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/private":
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/text":
                    body = b"<html><body>not a camera</body></html>" * 50
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                try:
                    while True:
                        self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                         + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    return

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    srv = MotoS3(tmp_path_factory.mktemp("moto-live"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def lsrv(pack, moto, tmp_path_factory) -> Server:
    folder = tmp_path_factory.mktemp("streams-live")
    home_mp4(folder / "home.mp4")
    server = Server(folder, workers=1, env={
        **S3_ENV, "OCULI_KINESIS_ENDPOINT_URL": moto.url, "OCULI_SNS_ENDPOINT_URL": moto.url,
        "OCULI_STREAM_LEASE_SECONDS": "3", "OCULI_STREAM_MAX_FPS": "4", "OCULI_STREAM_SESSION_GAP_SECONDS": "1",
        "OCULI_RETRY_BASE_SECONDS": "0.3", "OCULI_OUTBOUND_ALLOW_NETWORKS": json.dumps(["127.0.0.0/8"]),
        "OCULI_STREAM_SOURCES": json.dumps({KVS: str(folder / "home.mp4")})})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rk(lsrv, receiver):
    rk = lsrv.client(access_key="AKIDTEAMA")
    rk.create_collection(CollectionId="family")
    indexed = rk.index_faces(CollectionId="family", ExternalImageId="obama", MaxFaces=1,
                             Image={"Bytes": data("faces/face_recognition/examples/obama.jpg").read_bytes()})
    rk.obama = indexed["FaceRecords"][0]["Face"]["FaceId"]
    r = httpx.post(f"{lsrv.url}/v1/webhooks", json={"url": receiver.url, "events": ["stream.face_matched",
                   "stream.label_detected", "stream.session_ended", "stream.stopped"], "format": "json",
                   "secret": "a-shared-secret-of-32-characters"})
    assert r.status_code == 201, r.text
    return rk


def aws(moto, service: str):
    return boto3.client(service, endpoint_url=moto.url, region_name="us-east-1", **{
        "aws_access_key_id": "testing", "aws_secret_access_key": "testing"})


def wait_status(rk, name: str, wanted: set[str], timeout: float = 30) -> dict:
    return wait_for(lambda: (d := rk.describe_stream_processor(Name=name))["Status"] in wanted and d, timeout,
                    f"{name} in {wanted}")


def events(receiver: Receiver, kind: str, name: str) -> list[dict]:
    return [e for e in receiver.json(kind) if e["stream"]["name"] == name]


def test_face_search_record_on_kinesis_and_webhook(rk, moto, receiver):
    kinesis = aws(moto, "kinesis")
    kinesis.create_stream(StreamName="faces", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="faces")["StreamDescription"]["StreamARN"]
    rk.create_stream_processor(Name="door", Input={"KinesisVideoStream": {"Arn": KVS}},
                               Output={"KinesisDataStream": {"Arn": arn}}, RoleArn=ROLE,
                               Settings={"FaceSearch": {"CollectionId": "family", "FaceMatchThreshold": 85.0}})
    started = time.time()
    rk.start_stream_processor(Name="door")
    hit = wait_for(lambda: events(receiver, "stream.face_matched", "door"), 30, "stream.face_matched")[0]
    got = [r for r in receiver.of("stream.face_matched") if json.loads(r["body"])["id"] == hit["id"]][0]
    assert hit["match"]["face_id"] == rk.obama and hit["match"]["external_image_id"] == "obama"
    assert hit["match"]["similarity"] >= 85
    # Obama is on screen 1.5-4.5 s into the clip: the event is about a frame then (offsets count from Start, a
    # second or so before the clip begins), delivered within seconds of the frame
    if hit["frame_offset_seconds"] < 8:
        assert 1.4 <= hit["frame_offset_seconds"] <= 6.0, hit["frame_offset_seconds"]
    assert got["at"] - hit["frame_read_at"] < 5.0, got["at"] - hit["frame_read_at"]
    assert got["at"] - started < 15
    shard = kinesis.describe_stream(StreamName="faces")["StreamDescription"]["Shards"][0]["ShardId"]
    it = kinesis.get_shard_iterator(StreamName="faces", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=it["ShardIterator"])["Records"]]
    matched = [r for r in records for f in r["FaceSearchResponse"] for m in f["MatchedFaces"]
               if m["Face"]["FaceId"] == rk.obama]
    assert matched, records[:2]
    rec = matched[0]
    assert rec["InputInformation"]["KinesisVideo"]["StreamArn"] == KVS
    assert rec["StreamProcessorInformation"]["Status"] == "RUNNING"
    face = rec["FaceSearchResponse"][0]["DetectedFace"]
    assert {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"} <= set(face)
    # Biden is seen too, matched to nobody
    assert any(not f["MatchedFaces"] for r in records for f in r["FaceSearchResponse"])
    rk.stop_stream_processor(Name="door")
    wait_status(rk, "door", {"STOPPED"})
    assert wait_for(lambda: events(receiver, "stream.stopped", "door"), 10, "stream.stopped")


def _sqs_messages(sqs, url: str, want, timeout: float = 30) -> list[dict]:
    got: list[dict] = []

    def poll():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(json.loads(m["Body"])["Message"]))
        return want(got)

    wait_for(poll, timeout, "SNS messages in SQS")
    return got


def test_connected_home_sessions_best_frames_and_sns(rk, lsrv, moto, receiver):
    sns, sqs = aws(moto, "sns"), aws(moto, "sqs")
    topic = sns.create_topic(Name="porch")["TopicArn"]
    queue = sqs.create_queue(QueueName="porch")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    common = {"Input": {"KinesisVideoStream": {"Arn": KVS}}, "RoleArn": ROLE,
              "NotificationChannel": {"SNSTopicArn": topic},
              "Settings": {"ConnectedHome": {"Labels": ["PERSON", "PET"], "MinConfidence": 50.0}}}
    rk.create_stream_processor(Name="porch", Output={"S3Destination": {"Bucket": "porch-frames",
                                                                       "KeyPrefix": "cam1/"}}, **common)
    # the right 40% only: Obama's box (the right half) counts; Biden's and the cat's centres lie outside
    rk.create_stream_processor(Name="porch-roi", Output={"S3Destination": {"Bucket": "porch-frames",
                                                                           "KeyPrefix": "roi/"}},
                               RegionsOfInterest=[{"Polygon": [{"X": 0.6, "Y": 0.0}, {"X": 1.0, "Y": 0.0},
                                                               {"X": 1.0, "Y": 1.0}, {"X": 0.6, "Y": 1.0}]}],
                               **common)
    for name in ("porch", "porch-roi"):
        rk.start_stream_processor(Name=name, StopSelector={"MaxDurationInSeconds": 9})
    for name in ("porch", "porch-roi"):
        d = wait_status(rk, name, {"STOPPED", "FAILED"}, timeout=40)
        assert d["Status"] == "STOPPED", d.get("StatusMessage")
    messages = _sqs_messages(sqs, queue, lambda got: sum(
        m["eventNamespace"]["type"] == "STREAM_PROCESSING_COMPLETE" for m in got) >= 2)
    detected = [lb for m in messages if m["eventNamespace"]["type"] == "LABEL_DETECTED" for lb in m["labels"]]
    full = {lb["name"] for lb in detected if "/cam1/" in lb["frameImageUri"]}
    roi = {lb["name"] for lb in detected if "/roi/" in lb["frameImageUri"]}
    assert full == {"PERSON", "PET"}, detected
    assert roi == {"PERSON"}, detected
    for lb in detected:
        assert lb["frameImageUri"].startswith("s3://porch-frames/")
        assert set(lb["boundingBox"]) == {"left", "top", "width", "height"}
    ended = events(receiver, "stream.session_ended", "porch")
    assert {e["label"]["name"] for e in ended} >= {"PERSON", "PET"}
    objects = Path(lsrv.data_dir) / "objects"
    for e in ended:
        assert e["end_offset_seconds"] >= e["start_offset_seconds"]
        best = objects / e["best_frame"].removeprefix("s3://")
        assert best.read_bytes()[:3] == b"\xff\xd8\xff", best
        assert (objects / e["best_frame_crop"].removeprefix("s3://")).exists()
    assert all(e["label"]["name"] == "PERSON" for e in events(receiver, "stream.session_ended", "porch-roi"))
    # the last events through REST, each with its frame (what a page lists)
    porch = [p for p in httpx.get(f"{lsrv.url}/v1/streams/processors").json()["data"] if p["name"] == "porch"][0]
    last = httpx.get(f"{lsrv.url}/v1/streams/processors/{porch['id']}/events", params={"limit": 50}).json()["data"]
    assert last[0]["type"] == "stream.stopped"  # newest first
    sessions = [e for e in last if e["type"] == "stream.session_ended"]
    assert {e["event"]["label"]["name"] for e in sessions} >= {"PERSON", "PET"}
    frame = httpx.get(lsrv.url + sessions[0]["frame_url"])
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/jpeg"
    assert frame.content == (objects / sessions[0]["event"]["best_frame"].removeprefix("s3://")).read_bytes()
    assert all(e["label"]["name"] == "PERSON" for e in events(receiver, "stream.label_detected", "porch-roi"))


def test_update_while_running_changes_what_counts(rk, receiver):
    """UpdateStreamProcessor on a running processor: UPDATING, then RUNNING with the new labels (no more PET)."""
    rk.create_stream_processor(Name="yard", Input={"KinesisVideoStream": {"Arn": KVS}}, RoleArn=ROLE,
                               Output={"S3Destination": {"Bucket": "porch-frames", "KeyPrefix": "yard/"}},
                               NotificationChannel={"SNSTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:none"},
                               Settings={"ConnectedHome": {"Labels": ["ALL"], "MinConfidence": 50.0}})
    rk.start_stream_processor(Name="yard", StopSelector={"MaxDurationInSeconds": 60})
    wait_for(lambda: [e for e in events(receiver, "stream.label_detected", "yard") if e["label"]["name"] == "PET"],
             30, "a PET")
    rk.update_stream_processor(Name="yard", SettingsForUpdate={"ConnectedHomeForUpdate": {"Labels": ["PERSON"]}})
    wait_status(rk, "yard", {"RUNNING"})
    updated = time.time()
    wait_for(lambda: [e for e in events(receiver, "stream.label_detected", "yard")
                      if e["label"]["name"] == "PERSON" and e["frame_read_at"] > updated + 1], 30, "a PERSON after")
    time.sleep(4)  # the cat's scene comes round again within the 8 s loop
    late_pets = [e for e in events(receiver, "stream.label_detected", "yard")
                 if e["label"]["name"] == "PET" and e["frame_read_at"] > updated + 1]
    assert late_pets == []
    # the clip looped at least once: a file starting over is a demo loop, not a dropped source
    assert "dropped" not in (rk.describe_stream_processor(Name="yard").get("StatusMessage") or "")
    rk.stop_stream_processor(Name="yard")
    wait_status(rk, "yard", {"STOPPED"})


def test_mjpeg_camera(rk, moto):
    cam = Mjpeg()
    httpx.put(f"{rk.meta.endpoint_url}/v1/streams/sources", json={"stream_arn": kvs("mjpeg"), "url": cam.url + "/cam"}
              ).raise_for_status()
    kinesis = aws(moto, "kinesis")
    kinesis.create_stream(StreamName="mjpeg-faces", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="mjpeg-faces")["StreamDescription"]["StreamARN"]
    rk.create_stream_processor(Name="mjpeg", Input={"KinesisVideoStream": {"Arn": kvs("mjpeg")}},
                               Output={"KinesisDataStream": {"Arn": arn}}, RoleArn=ROLE,
                               Settings={"FaceSearch": {"CollectionId": "family"}})
    rk.start_stream_processor(Name="mjpeg")
    wait_status(rk, "mjpeg", {"RUNNING"})
    shard = kinesis.describe_stream(StreamName="mjpeg-faces")["StreamDescription"]["Shards"][0]["ShardId"]

    def matched():
        it = kinesis.get_shard_iterator(StreamName="mjpeg-faces", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        return [m for r in kinesis.get_records(ShardIterator=it["ShardIterator"])["Records"]
                for f in json.loads(r["Data"])["FaceSearchResponse"] for m in f["MatchedFaces"]
                if m["Face"]["FaceId"] == rk.obama]

    wait_for(matched, 20, "a face-search record from the MJPEG camera")
    rk.stop_stream_processor(Name="mjpeg")
    wait_status(rk, "mjpeg", {"STOPPED"})


@pytest.mark.parametrize(("name", "url", "says"), [
    ("refused", "rtsp://127.0.0.1:{closed}/cam", "unreachable"),
    ("private", "{mjpeg}/private", "credentials"),
    ("text", "{mjpeg}/text", "not a video"),
    ("missing", "/nonexistent/clip.mp4", "does not exist"),
])
def test_bad_sources_fail_with_a_clear_message(rk, name, url, says):
    cam = Mjpeg()
    url = url.format(closed=free_port(), mjpeg=cam.url)
    httpx.put(f"{rk.meta.endpoint_url}/v1/streams/sources", json={"stream_arn": kvs(name), "url": url}
              ).raise_for_status()
    rk.create_stream_processor(Name=f"bad-{name}", Input={"KinesisVideoStream": {"Arn": kvs(name)}},
                               Output={"S3Destination": {"Bucket": "porch-frames"}}, RoleArn=ROLE,
                               NotificationChannel={"SNSTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:porch"},
                               Settings={"ConnectedHome": {"Labels": ["ALL"]}})
    rk.start_stream_processor(Name=f"bad-{name}")
    d = wait_status(rk, f"bad-{name}", {"FAILED", "RUNNING"}, timeout=40)
    assert d["Status"] == "FAILED" and says in d["StatusMessage"], d.get("StatusMessage")


def _metric(srv_url: str, name: str, processor: str) -> float:
    text = httpx.get(f"{srv_url}/metrics").text
    for line in text.splitlines():
        if line.startswith(f'{name}{{processor="{processor}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_rtsp_camera_restarted_mid_stream(rk, lsrv, moto, receiver, tmp_path):
    from tests.rtsp import RtspCamera

    cam = RtspCamera(home_mp4(tmp_path / "gate.mp4"), tmp_path)
    try:
        httpx.put(f"{lsrv.url}/v1/streams/sources", json={"stream_arn": kvs("gate"), "url": cam.url}
                  ).raise_for_status()
        kinesis = aws(moto, "kinesis")
        kinesis.create_stream(StreamName="gate-faces", ShardCount=1)
        arn = kinesis.describe_stream(StreamName="gate-faces")["StreamDescription"]["StreamARN"]
        rk.create_stream_processor(Name="gate", Input={"KinesisVideoStream": {"Arn": kvs("gate")}},
                                   Output={"KinesisDataStream": {"Arn": arn}}, RoleArn=ROLE,
                                   Settings={"FaceSearch": {"CollectionId": "family"}})
        rk.start_stream_processor(Name="gate")
        wait_for(lambda: events(receiver, "stream.face_matched", "gate"), 30, "a match over RTSP")
        cam.restart(down_for=3.0)
        restarted = time.time()
        d = wait_status(rk, "gate", {"RUNNING"})
        d = wait_for(lambda: "Source dropped" in ((d := rk.describe_stream_processor(Name="gate"))
                                                  .get("StatusMessage") or "") and d, 20, "the gap reported")
        assert d["Status"] == "RUNNING", d
        # after the camera is back, the processor carries on: Obama is found again, in a frame read after it
        wait_for(lambda: [e for e in events(receiver, "stream.face_matched", "gate")
                          if e["frame_read_at"] > restarted], 40, "a match after the camera restarted")
        assert _metric(lsrv.url, "oculi_stream_reconnects_total", f"{ACCOUNT}/gate") >= 1
        back = wait_for(lambda: "was back" in (m := rk.describe_stream_processor(Name="gate").get("StatusMessage")
                                               or "") and m, 10, "the gap's end reported")
        assert "reconnection(s) so far" in back
        assert rk.describe_stream_processor(Name="gate")["Status"] == "RUNNING"
        rk.stop_stream_processor(Name="gate")
        wait_status(rk, "gate", {"STOPPED"})
    finally:
        cam.stop()


@pytest.fixture(scope="module")
def extra_worker(lsrv):
    """A second worker process on the same settings, until the module ends (whichever of the two is killed,
    one is left for the tests after)."""
    extra = lsrv.worker()
    yield extra
    if extra.poll() is None:
        extra.terminate()
        extra.wait(timeout=30)


def test_worker_killed_processor_taken_over(rk, lsrv, receiver, extra_worker):
    import os
    import signal

    rk.create_stream_processor(Name="watch", Input={"KinesisVideoStream": {"Arn": KVS}},
                               Output={"KinesisDataStream": {"Arn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:"
                                                                    "stream/faces"}}, RoleArn=ROLE,
                               Settings={"FaceSearch": {"CollectionId": "family"}})
    rk.start_stream_processor(Name="watch")
    wait_status(rk, "watch", {"RUNNING"})

    def owner():
        return [p["owner"] for p in httpx.get(f"{lsrv.url}/v1/streams/processors").json()["data"]
                if p["name"] == "watch"][0]

    first = wait_for(owner, 10, "an owner")
    pid = int(first.rsplit(":", 1)[1])
    assert pid != lsrv.proc.pid
    os.kill(pid, signal.SIGKILL)
    killed = time.time()
    second = wait_for(lambda: (o := owner()) and o != first and o, 15, "another worker taking it over")
    assert time.time() - killed < 3 + 7, "taken over within the lease (3 s), a tick and a busy machine's slack"
    assert int(second.rsplit(":", 1)[1]) != pid
    assert rk.describe_stream_processor(Name="watch")["Status"] == "RUNNING"
    wait_for(lambda: [e for e in events(receiver, "stream.face_matched", "watch")
                      if e["frame_read_at"] > killed], 30, "matches from the new worker")
    rk.stop_stream_processor(Name="watch")
    wait_status(rk, "watch", {"STOPPED"})


def test_hls_camera(rk, moto, tmp_path):
    """An HLS playlist (segments cut by Debian's ffmpeg) served over HTTP by the test, read paced as a camera."""
    import shutil
    import subprocess
    from functools import partial
    from http.server import SimpleHTTPRequestHandler

    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is missing: scripts/test installs Debian's ffmpeg"
    home_mp4(tmp_path / "clip.mp4")
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-i", str(tmp_path / "clip.mp4"), "-c", "copy",
                    "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", str(tmp_path / "cam.m3u8")], check=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    web = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    Thread(target=web.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{web.server_address[1]}/cam.m3u8"
        httpx.put(f"{rk.meta.endpoint_url}/v1/streams/sources", json={"stream_arn": kvs("hls"), "url": url}
                  ).raise_for_status()
        kinesis = aws(moto, "kinesis")
        kinesis.create_stream(StreamName="hls-faces", ShardCount=1)
        arn = kinesis.describe_stream(StreamName="hls-faces")["StreamDescription"]["StreamARN"]
        rk.create_stream_processor(Name="hls", Input={"KinesisVideoStream": {"Arn": kvs("hls")}},
                                   Output={"KinesisDataStream": {"Arn": arn}}, RoleArn=ROLE,
                                   Settings={"FaceSearch": {"CollectionId": "family"}})
        rk.start_stream_processor(Name="hls")
        shard = kinesis.describe_stream(StreamName="hls-faces")["StreamDescription"]["Shards"][0]["ShardId"]

        def offsets():
            it = kinesis.get_shard_iterator(StreamName="hls-faces", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
            return [json.loads(r["Data"])["InputInformation"]["KinesisVideo"]["FrameOffsetInSeconds"]
                    for r in kinesis.get_records(ShardIterator=it["ShardIterator"])["Records"]
                    if any(m["Face"]["FaceId"] == rk.obama for f in json.loads(r["Data"])["FaceSearchResponse"]
                           for m in f["MatchedFaces"])]

        first = wait_for(offsets, 30, "a face-search record from the HLS camera")
        assert min(first) >= 1.3  # paced: Obama is not seen before his scene (1.5 s) starts
        rk.stop_stream_processor(Name="hls")
        wait_status(rk, "hls", {"STOPPED"})
    finally:
        web.shutdown()
