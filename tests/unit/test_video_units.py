"""The frame pipeline's pure parts: SMPTE timecodes, sampling grids, the tracker across an occlusion and a
chunk boundary, shot/cue aggregation, metadata of containers and codecs PyAV writes, and results expiry."""

from __future__ import annotations

import time
from fractions import Fraction

import av
import numpy as np
import pytest

from oculi.config import Settings
from oculi.services.collections import Scope
from oculi.services.video import VideoJobNotFound, VideoService
from oculi.storage.db.session import session_factory
from oculi.storage.db.video_models import VideoChunk, VideoJob
from oculi.video import decode, sampling
from oculi.video import segments as seg
from oculi.video.tracking import Tracker


@pytest.mark.parametrize(("frame", "rate", "code"), [
    (0, 25.0, "00:00:00:00"), (24, 25.0, "00:00:00:24"), (25, 25.0, "00:00:01:00"), (90000, 25.0, "01:00:00:00"),
    (1800, 29.97, "00:01:00;02"),  # drop-frame: frames 00 and 01 are skipped at each minute but the tenth
    (17982, 29.97, "00:10:00;00"), (1799, 29.97, "00:00:59;29"), (3600, 59.94, "00:01:00;04"),
    (95, 10.0, "00:00:09:05"),
])
def test_timecodes(frame, rate, code):
    assert seg.timecode(frame, rate) == code


def test_sampling_grid_is_a_function_of_the_frame_number():
    taken = [n for n in range(300) if sampling.takes(n, 2.0, 30.0)]
    assert len(taken) == 20 and taken[:3] == [0, 15, 30]
    assert all(sampling.takes(n, 0.0, 30.0) for n in range(10))  # 0: every frame
    assert [n for n in range(10) if sampling.takes(n, 60.0, 10.0)] == list(range(10))  # faster than the video
    assert sampling.rates({"labels": 1, "nonsense": 3})["labels"] == 1.0


def test_tracker_keeps_an_index_through_an_occlusion_and_a_saved_state():
    tr = Tracker(min_iou=0.1, max_gap=1.5)
    boxes = [(0.05 + 0.05 * i, 0.4, 0.35 + 0.05 * i, 1.0) for i in range(6)]
    ids = [tr.update(i * 0.2, [b])[0].index for i, b in enumerate(boxes[:4])]
    tr.update(0.8, [])  # hidden for a sample
    resumed = Tracker(min_iou=0.1, max_gap=1.5, state=tr.state())  # the next chunk, maybe another process
    ids.append(resumed.update(1.0, [boxes[5]])[0].index)
    assert set(ids) == {0}
    # a second person far away is someone else; a track unseen past max_gap is gone
    assert resumed.update(1.2, [(0.3, 0.4, 0.6, 1.0), (0.0, 0.0, 0.1, 0.2)])[1].index == 1
    assert resumed.update(5.0, [(0.3, 0.4, 0.6, 1.0)])[0].index == 2


def test_segments_from_frame_signals():
    rows = []
    for n in range(60):  # a shot, a cut at 20 to black frames (20-29), a cut at 30 to bars (30-39), a cut at 40
        change = 0.9 if n in (20, 30, 40) else 0.01
        rows.append((n, change if n else 1.0, 1.0 if 20 <= n < 30 else 0.1, 0.95 if 30 <= n < 40 else 0.0))
    found = seg.segments(rows, seg.BlackFrameFilter(), 59, {"SHOT", "TECHNICAL_CUE"})
    shots = [(s.first, s.last) for s in found if s.type == "SHOT"]
    assert shots == [(0, 19), (20, 29), (30, 39), (40, 59)]
    cues = {s.cue: (s.first, s.last) for s in found if s.type == "TECHNICAL_CUE"}
    assert cues == {"BlackFrames": (20, 29), "ColorBars": (30, 39)}
    strict = seg.BlackFrameFilter(min_coverage_percentage=100.0)  # coverage of 1.0 still passes
    assert any(s.cue == "BlackFrames" for s in seg.segments(rows, strict, 59, {"TECHNICAL_CUE"}))
    assert not [s for s in seg.segments(rows, seg.BlackFrameFilter(), 59, {"SHOT"}) if s.type != "SHOT"]


def test_a_fade_through_black_is_one_shot_boundary():
    rows = []  # rows as jobs committed them before the dissolve test (frame, change, black share, bars)
    for n in range(50):  # fade out over 10-19, black 20-29, fade in over 30-39: no frame changes by a cut's worth
        black = 1.0 if 20 <= n < 30 else 0.0
        rows.append((n, 1.0 if n == 0 else (0.06 if 10 <= n < 40 else 0.01), black, 0.0))
    found = seg.segments(rows, seg.BlackFrameFilter(), 49, {"SHOT", "TECHNICAL_CUE"}, frame_rate=10.0)
    shots = [(s.first, s.last, s.confidence) for s in found if s.type == "SHOT"]
    assert shots == [(0, 24, 100.0), (25, 49, seg.FADE_CONFIDENCE)]  # in the middle of the black frames
    assert [(s.cue, s.first, s.last) for s in found if s.type == "TECHNICAL_CUE"] == [("BlackFrames", 20, 29)]
    assert len(seg.segments(rows, seg.BlackFrameFilter(), 49, {"SHOT"}, shot_min_confidence=80.0)) == 1


@pytest.mark.parametrize(("codec", "suffix", "name"), [("libx264", "mp4", "h264"), ("libvpx-vp9", "webm", "vp9"),
                                                      ("mpeg4", "avi", "mpeg4"), ("mjpeg", "mkv", "mjpeg")])
def test_metadata_and_frames_of_other_containers(tmp_path, codec, suffix, name):
    path = tmp_path / f"clip.{suffix}"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=Fraction(12))
        stream.width, stream.height = 96, 64
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for i in range(24):
            img = np.full((64, 96, 3), i * 10, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    info, audio = decode.probe(str(path))
    assert (info.codec, info.width, info.height, info.frame_rate, audio) == (name, 96, 64, 12.0, [])
    assert abs(info.duration_ms - 2000) <= 100
    numbers = [f.number for f in decode.frames(str(path), info, 1.0, 2.0)]
    assert numbers == list(range(12, 24))
    luma, rgb = next(decode.frames(str(path), info, 0.0, 1.0)).glance((16, 9), (8, 4))
    assert luma.shape == (9, 16) and rgb.shape == (4, 8, 3)


def test_unreadable_videos(tmp_path):
    for name, data in (("empty.mp4", b""), ("noise.mp4", bytes(range(256)) * 10)):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(decode.UnreadableVideo, match="(?i)video"):
            decode.probe(str(tmp_path / name))


def test_results_expire(tmp_path):
    settings = Settings(data_dir=tmp_path)
    sessions = session_factory(settings.db_url)
    videos = VideoService(sessions, None, None, settings)
    now = time.time()
    with sessions.begin() as s:
        for job_id, expires in (("old", now - 1), ("new", now + 60)):
            s.add(VideoJob(id=job_id, account="1", region="r", api="StartSegmentDetection", features='["segments"]',
                           params="{}", request_hash="h", bucket="b", key="k", source="aws", status="SUCCEEDED",
                           created_at=now, completed_at=now, expires_at=expires, chunks_total=1, chunks_done=1))
            s.flush()
            s.add(VideoChunk(job_id=job_id, number=0, data=b"x", created_at=now))
    scope = Scope("1", "r")
    assert videos.get(scope, "new").status == "SUCCEEDED"
    with pytest.raises(VideoJobNotFound):
        videos.get(scope, "old")
    with pytest.raises(VideoJobNotFound):
        videos.get(Scope("2", "r"), "new")  # another account's
    with sessions() as s:  # the expired job's chunks went with it
        assert [c.job_id for c in s.query(VideoChunk)] == ["new"]


def test_audio_metadata(tmp_path):
    path = tmp_path / "talk.mp4"
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=Fraction(10))
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=16000, layout="mono")
        for _ in range(20):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 100, np.uint8), format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        t = np.arange(32000) / 16000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, 32000, 1024):
            chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 1024], format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 16000, start
            for packet in audio.encode(chunk):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                out.mux(packet)
    info, tracks = decode.probe(str(path))
    assert info.codec == "h264" and len(tracks) == 1
    a = tracks[0]
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 16000, 1) and abs(a.duration_ms - 2000) <= 150


def test_video_events_in_both_formats():
    import json
    from importlib import resources

    import xmlschema

    from oculi.services import events

    schema = xmlschema.XMLSchema(str(resources.files("oculi").joinpath("data/event.xsd")))
    video = {"id": "j-1", "account": "111122223333", "region": "eu-west-1", "api": "StartLabelDetection",
             "bucket": "videos", "key": "a.mp4", "status": "SUCCEEDED", "job_tag": "t", "features": ["labels"]}
    done = events.video_event("video.completed", video, counts={"labels": 12})
    failed = events.video_event("video.failed", {**video, "status": "FAILED", "job_tag": None}, error="corrupt")
    for evt in (done, failed):
        schema.validate(events.render(evt, "xml"))
        assert json.loads(events.render(evt, "json"))["video"]["id"] == "j-1"
    assert b'<feature name="labels" records="12"' in events.render(done, "xml")
    assert b"<error>corrupt</error>" in events.render(failed, "xml")
