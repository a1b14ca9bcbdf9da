"""Stream processors below the server: the lease and its fence, regions of interest, the one-frame mailbox,
source error messages, and the stream events' wire formats."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

import av
import pytest

from oculi.config import Settings
from oculi.services.collections import Scope
from oculi.services.events import render
from oculi.services.streams import (
    CONNECTED_HOME,
    FAILED,
    RUNNING,
    STARTING,
    STOPPED,
    STOPPING,
    ProcessorSpec,
    StreamProcessorInUse,
    StreamService,
)
from oculi.storage.db.session import session_factory
from oculi.streams.outputs import stream_event
from oculi.streams.regions import Regions
from oculi.streams.runner import Mailbox
from oculi.streams.source import LiveFrame, describe_error, redact

SCOPE = Scope("111111111111", "us-east-1")


@pytest.fixture(params=["sqlite", "postgresql"])
def svc(request, tmp_path) -> StreamService:
    """The lease's conditional updates on both databases (PostgreSQL from the `postgres` fixture)."""
    url = request.getfixturevalue("postgres").database() if request.param == "postgresql" \
        else f"sqlite:///{tmp_path}/s.db"
    settings = Settings(data_dir=tmp_path, stream_lease_seconds=0.5)
    svc = StreamService(session_factory(url), settings)
    svc.create(SCOPE, ProcessorSpec("porch", "arn:aws:kinesisvideo:us-east-1:111111111111:stream/p/1", "role",
                                    CONNECTED_HOME, {"Labels": ["PERSON"]}, s3_bucket="b", sns_topic="t"))
    return svc


def test_a_lease_taken_over_fences_the_first_worker(svc):
    svc.start(SCOPE, "porch", None, None)
    pid = svc.describe(SCOPE, "porch").id
    first = svc.claim(pid, "host:1")
    assert first and first.status == STARTING
    assert svc.claim(pid, "host:2") is None  # held
    assert svc.transition(pid, first.epoch, (STARTING,), RUNNING)
    time.sleep(0.6)  # host:1 stops renewing (killed)
    assert svc.claimable() == [pid]
    second = svc.claim(pid, "host:2")
    assert second and second.epoch == first.epoch + 1 and second.status == RUNNING
    # the first worker wakes up: none of its writes land
    assert svc.renew(pid, first.epoch, status_message="late") is None
    assert not svc.release(pid, first.epoch, FAILED, "late")
    assert svc.renew(pid, second.epoch) is not None
    svc.stop(SCOPE, "porch")
    assert svc.describe(SCOPE, "porch").status == STOPPING  # held: the runner lets go
    assert svc.release(pid, second.epoch, STOPPED, None)
    assert svc.renew(pid, second.epoch) is None  # released: no lease to renew
    assert svc.describe(SCOPE, "porch").status == STOPPED


def test_stop_without_a_live_worker_stops_at_once_and_running_blocks_delete(svc):
    svc.start(SCOPE, "porch", None, None)
    with pytest.raises(StreamProcessorInUse):
        svc.delete(SCOPE, "porch")
    svc.stop(SCOPE, "porch")
    assert svc.describe(SCOPE, "porch").status == STOPPED
    svc.delete(SCOPE, "porch")


def test_regions_count_a_detection_by_its_centre():
    assert Regions([]).admits((0.0, 0.0, 0.1, 0.1))
    box = Regions([{"BoundingBox": {"Left": 0.5, "Top": 0.0, "Width": 0.5, "Height": 1.0}}])
    assert box.admits((0.55, 0.1, 0.95, 0.9)) and not box.admits((0.0, 0.0, 0.9, 1.0))
    triangle = Regions([{"Polygon": [{"X": 0.0, "Y": 0.0}, {"X": 1.0, "Y": 0.0}, {"X": 0.0, "Y": 1.0}]}])
    assert triangle.admits((0.1, 0.1, 0.3, 0.3)) and not triangle.admits((0.6, 0.6, 0.9, 0.9))


def test_the_mailbox_keeps_the_newest_frame_and_counts_the_replaced():
    box = Mailbox()
    a, b = LiveFrame(None, 1.0), LiveFrame(None, 2.0)
    assert box.put(a) is True
    assert box.put(b) is False  # a was dropped
    assert box.take(0.01) is b and box.take(0.01) is None


def test_source_errors_say_what_is_wrong():
    url = "rtsp://admin:secret@127.0.0.1:1/cam"
    assert redact(url) == "rtsp://admin:***@127.0.0.1:1/cam"
    assert "credentials" in describe_error(url, av.error.HTTPUnauthorizedError(-1, "Unauthorized"))
    assert "secret" not in describe_error(url, ConnectionRefusedError("Connection refused"))
    assert "unreachable" in describe_error(url, ConnectionRefusedError("Connection refused"))
    assert "not a video" in describe_error(url, av.error.InvalidDataError(-1, "Invalid data"))
    # FFmpeg quotes the URL: the password is hidden there too, and a port with "401" in it is not a 401
    quoted = ConnectionRefusedError(111, "Connection refused", "rtsp://admin:secret@127.0.0.1:40175/cam")
    said = describe_error("rtsp://admin:secret@127.0.0.1:40175/cam", quoted)
    assert "unreachable" in said and "secret" not in said


def test_stream_events_in_json_and_xml():
    from importlib import resources

    import xmlschema

    schema = xmlschema.XMLSchema(str(resources.files("oculi").joinpath("data/event.xsd")))
    proc = {"name": "door", "arn": "arn:x", "account": "1", "region": "r", "session_id": "s", "input": "arn:k"}
    box = {"Width": 0.1, "Height": 0.2, "Left": 0.3, "Top": 0.4}
    evts = [
        stream_event("stream.face_matched", proc, face={"box": box, "confidence": 99.0, "track": 0},
                     match={"face_id": "f", "similarity": 97.5, "external_image_id": "obama", "collection": "c"},
                     frame_offset_seconds=2.5, frame_read_at=1764600000.123),
        stream_event("stream.label_detected", proc, label={"id": "i", "name": "PET", "confidence": 91.0, "box": box},
                     frame="s3://b/k.jpg", frame_offset_seconds=4.5, frame_read_at=1764600000.5),
        stream_event("stream.session_ended", proc, label={"id": "i", "name": "PET", "confidence": 93.0, "box": box},
                     start_offset_seconds=4.5, end_offset_seconds=6.9, best_frame="s3://b/best.jpg",
                     best_frame_crop="s3://b/crop.jpg", best_frame_offset_seconds=5.0, first_frame="s3://b/k.jpg",
                     ended_at=1764600003.0),
        stream_event("stream.stopped", proc, status="FAILED", message="Source x is unreachable"),
    ]
    assert json.loads(render(evts[0], "json"))["match"]["external_image_id"] == "obama"
    for evt in evts:
        body = render(evt, "xml")
        schema.validate(body)  # raises with the reason
        root = ET.fromstring(body)
        assert root.get("type") == evt["type"]
        assert root.find("{urn:oculi:events:1}stream").get("name") == "door"
    face = ET.fromstring(render(evts[0], "xml")).find("{urn:oculi:events:1}faces/{urn:oculi:events:1}face")
    assert face.get("similarity") == "97.5" and face.get("externalImageId") == "obama"
    ended = ET.fromstring(render(evts[2], "xml")).find("{urn:oculi:events:1}stream")
    assert ended.get("bestFrame") == "s3://b/best.jpg" and ended.get("endOffsetSeconds") == "6.9"
    assert ET.fromstring(render(evts[3], "xml")).find("{urn:oculi:events:1}error").text == "Source x is unreachable"


def test_a_processor_left_stopping_by_a_dead_worker_is_stopped_not_run(svc):
    from oculi.streams.worker import StreamWorker

    svc.start(SCOPE, "porch", None, None)
    pid = svc.describe(SCOPE, "porch").id
    svc.claim(pid, "host:1")
    svc.stop(SCOPE, "porch")
    assert svc.describe(SCOPE, "porch").status == STOPPING
    time.sleep(0.6)  # host:1 died before letting go
    worker = StreamWorker(svc, None, None, None, svc.settings)
    worker.tick()
    assert worker.runners == {} and svc.describe(SCOPE, "porch").status == STOPPED


def test_only_the_last_events_are_kept(svc):
    from oculi.services.stream_records import KEEP_EVENTS, StreamEventNotFound

    pid = svc.describe(SCOPE, "porch").id
    proc = {"name": "porch", "arn": "a", "account": SCOPE.account, "region": SCOPE.region, "session_id": "s"}
    evts = [stream_event("stream.label_detected", proc, label={"name": "PERSON"}) for _ in range(KEEP_EVENTS + 5)]
    for i in range(0, len(evts), 10):
        svc.record(pid, evts[i:i + 10], {evts[i]["id"]: ("b", f"k{i}.jpg")})
    kept = svc.events(pid, limit=1000)
    assert len(kept) == KEEP_EVENTS and kept[0].id == evts[-1]["id"]
    assert svc.event(evts[100]["id"]).frame_key == "k100.jpg"
    svc.delete(SCOPE, "porch")
    with pytest.raises(StreamEventNotFound):
        svc.event(evts[-1]["id"])


def test_max_duration_counts_from_start_not_from_a_takeover(svc, monkeypatch):
    """A worker that takes a processor over 5 s into a 6 s MaxDurationInSeconds stops it within a second."""
    from oculi.streams import runner as runner_module

    svc.start(SCOPE, "porch", None, {"MaxDurationInSeconds": 6})
    pid = svc.describe(SCOPE, "porch").id
    with svc.sessions.begin() as s:
        from oculi.storage.db.stream_models import StreamProcessorRow

        s.get(StreamProcessorRow, pid).started_at = time.time() - 5
    svc.register_source("arn:aws:kinesisvideo:us-east-1:111111111111:stream/p/1", "/dev/null/none.mp4")
    info = svc.claim(pid, "host:2")

    class NoSource:  # a source that never gives a frame: only the clock can end the run
        def __init__(self, *args, **kwargs):
            import threading

            self.stop = threading.Event()
            self.url = "x"

        def frames(self):
            self.stop.wait(30)
            return iter(())

    monkeypatch.setattr(runner_module, "Source", NoSource)
    r = runner_module.Runner(info, svc, None, None, None, svc.settings)
    started = time.time()
    status, message = r._work()
    assert status == STOPPED and "MaxDurationInSeconds" in message
    assert time.time() - started < 2.5


def test_connected_home_notifies_each_label_once_a_session_and_keeps_each_appearance():
    """Rekognition's SNS notification comes the first time a label is seen in a session; Oculi's own events
    and best frames come for every appearance (a person leaving for longer than the gap and coming back)."""
    from types import SimpleNamespace

    import numpy as np

    from oculi.ml.tasks.object_detection import Detection
    from oculi.streams.modes import ConnectedHomeMode
    from oculi.video.decode import Frame
    from oculi.video.features import Context

    seen: list[list[Detection]] = []

    class Detector:
        def predict(self, rgb, min_score=0.4):
            return seen.pop(0)

    models = SimpleNamespace(get=lambda task: Detector())
    proc = SimpleNamespace(settings={"Labels": ["ALL"]}, s3_prefix="p/", name="porch", session_id="s",
                           s3_bucket="b", input_arn="arn:k")
    mode = ConnectedHomeMode(Context(models, None, SCOPE), proc, Regions([]), gap_seconds=1.0)
    person, cat = Detection("Person", 0.9, (0.1, 0.1, 0.4, 0.9)), Detection("Cat", 0.8, (0.5, 0.5, 0.9, 0.9))
    timeline = [[person], [person, cat], [], [], [], [person], []]
    results = []
    for i, dets in enumerate(timeline):
        seen.append(dets)
        t = i * 0.5
        results.append(mode.frame(LiveFrame(Frame(i, t, None), 100.0 + t), np.zeros((8, 8, 3), np.uint8), t))
    results.append(mode.close())
    sns = [lb["name"] for r in results for m in r.sns for lb in m["labels"]]
    detected = [p["label"]["name"] for r in results for kind, p in r.events if kind == "stream.label_detected"]
    ended = [p["label"]["name"] for r in results for kind, p in r.events if kind == "stream.session_ended"]
    assert sorted(sns) == ["PERSON", "PET"]
    assert sorted(detected) == ["PERSON", "PERSON", "PET"] and sorted(ended) == ["PERSON", "PERSON", "PET"]
    assert all(key.startswith("p/porch/s/") for r in results for key, _ in r.frames)
