"""Stored video through boto3 against a live server: every Start*/Get* pair on the storyboard clip
(tests/video_clips.py), paging and sort orders, idempotency, errors, and broken videos.

All jobs start at once in the module fixture (the clip is 10 s, 320x240, 10 fps; chunks of 3 s, so cuts, black
runs and tracks cross chunk boundaries), then each test reads its own job.
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server, assert_shape, data
from tests.video_clips import CUTS, SCENES, TRANSITION_MIDDLES, WORDS, storyboard_mp4, transitions_mp4

VIDEO = {"S3Object": {"Bucket": "videos", "Name": "story.mp4"}}
TRANSITIONS = {"S3Object": {"Bucket": "videos", "Name": "transitions.mp4"}}
FPS = 10


def ms(frame: int) -> int:
    return frame * 1000 // FPS


def error_code(call, **kw) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def wait(get, job_id: str, timeout: float = 300, **kw) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = get(JobId=job_id, **kw)
        if r["JobStatus"] != "IN_PROGRESS":
            return r
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still in progress after {timeout}s")


@pytest.fixture(scope="module")
def vsrv(pack, tmp_path_factory) -> Server:
    folder = tmp_path_factory.mktemp("video")
    (folder / "objects" / "videos").mkdir(parents=True)
    storyboard_mp4(folder / "objects" / "videos" / "story.mp4")
    transitions_mp4(folder / "objects" / "videos" / "transitions.mp4")
    server = Server(folder, workers=1, env={"OCULI_VIDEO_CHUNK_SECONDS": "3", "OCULI_RETRY_BASE_SECONDS": "0.3"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rk(vsrv):
    return vsrv.client()


@pytest.fixture(scope="module")
def jobs(rk) -> dict[str, str]:
    """Every analysis of the clip, started at once (Obama enrolled first, from another photo of him)."""
    rk.create_collection(CollectionId="staff")
    rk.index_faces(CollectionId="staff", ExternalImageId="obama", MaxFaces=1,
                   Image={"Bytes": data("faces/face_recognition/examples/obama.jpg").read_bytes()})
    started = {
        "segments": rk.start_segment_detection(Video=VIDEO, SegmentTypes=["SHOT", "TECHNICAL_CUE"]),
        "labels": rk.start_label_detection(Video=VIDEO, MinConfidence=60, JobTag="archive-1"),
        "faces": rk.start_face_detection(Video=VIDEO, FaceAttributes="DEFAULT"),
        "search": rk.start_face_search(Video=VIDEO, CollectionId="staff", FaceMatchThreshold=80),
        "persons": rk.start_person_tracking(Video=VIDEO),
        "text": rk.start_text_detection(Video=VIDEO),
        "moderation": rk.start_content_moderation(Video=VIDEO, MinConfidence=60),
        "transitions": rk.start_segment_detection(Video=TRANSITIONS, SegmentTypes=["SHOT", "TECHNICAL_CUE"], Filters={
            "ShotFilter": {"MinSegmentConfidence": 60}, "TechnicalCueFilter": {"MinSegmentConfidence": 60}}),
    }
    for op, r in (("StartSegmentDetection", started["segments"]), ("StartLabelDetection", started["labels"])):
        assert_shape(op, r)
    return {k: v["JobId"] for k, v in started.items()}


def test_segments_cuts_black_and_bars(rk, jobs):
    r = wait(rk.get_segment_detection, jobs["segments"])
    assert_shape("GetSegmentDetection", r)
    assert r["JobStatus"] == "SUCCEEDED", r.get("StatusMessage")
    assert r["VideoMetadata"] == [{"Codec": "h264", "DurationMillis": 10000, "Format": "QuickTime / MOV",
                                   "FrameRate": 10.0, "FrameHeight": 240, "FrameWidth": 320, "ColorRange": "LIMITED"}]
    assert r["AudioMetadata"] == []
    assert {t["Type"] for t in r["SelectedSegmentTypes"]} == {"SHOT", "TECHNICAL_CUE"}
    shots = [s for s in r["Segments"] if s["Type"] == "SHOT"]
    starts = [s["StartFrameNumber"] for s in shots[1:]]
    assert len(starts) == len(CUTS), starts
    for found, cut in zip(starts, CUTS, strict=True):
        assert abs(found - cut) <= 2, (starts, CUTS)
    assert shots[0]["StartTimecodeSMPTE"] == "00:00:00:00" and shots[-1]["EndFrameNumber"] == 99
    assert [s["ShotSegment"]["Index"] for s in shots] == list(range(len(shots)))
    cues = {s["TechnicalCueSegment"]["Type"]: s for s in r["Segments"] if s["Type"] == "TECHNICAL_CUE"}
    assert set(cues) == {"BlackFrames", "ColorBars"}
    for name, scene in (("BlackFrames", "black"), ("ColorBars", "bars")):
        first, end = SCENES[scene]
        cue = cues[name]
        assert abs(cue["StartFrameNumber"] - first) <= 2 and abs(cue["EndFrameNumber"] - (end - 1)) <= 2, cue
        assert abs(cue["StartTimestampMillis"] - ms(first)) <= 200 and abs(cue["EndTimestampMillis"] - ms(end)) <= 200
    black = cues["BlackFrames"]
    assert (black["StartTimecodeSMPTE"], black["EndTimecodeSMPTE"], black["DurationSMPTE"]) == \
        ("00:00:05:00", "00:00:06:00", "00:00:01:00")
    assert black["DurationFrames"] == 10 and black["DurationMillis"] == 1000


def test_segments_dissolve_and_fade_through_black(rk, jobs):
    """A pan dissolving into a still, a cut, a fade through black into a walk (25 fps): one new shot within
    2 frames of each transition's middle, the fade's black frames as a BlackFrames cue, nothing else."""
    r = wait(rk.get_segment_detection, jobs["transitions"])
    assert_shape("GetSegmentDetection", r)
    assert r["JobStatus"] == "SUCCEEDED", r.get("StatusMessage")
    assert r["VideoMetadata"][0]["FrameRate"] == 25.0
    shots = [s for s in r["Segments"] if s["Type"] == "SHOT"]
    starts = [s["StartFrameNumber"] for s in shots]
    assert starts[0] == 0 and len(starts) == 1 + len(TRANSITION_MIDDLES), starts
    for found, middle in zip(starts[1:], TRANSITION_MIDDLES, strict=True):
        assert abs(found - middle) <= 2, (starts, TRANSITION_MIDDLES)
    for s in shots[1:]:  # 25 fps, non-drop: HH:MM:SS:FF of the first frame, 40 ms a frame
        n = s["StartFrameNumber"]
        assert s["StartTimecodeSMPTE"] == f"00:00:{n // 25:02d}:{n % 25:02d}" and s["StartTimestampMillis"] == n * 40
    cues = [s for s in r["Segments"] if s["Type"] == "TECHNICAL_CUE"]
    assert [c["TechnicalCueSegment"]["Type"] for c in cues] == ["BlackFrames"]
    assert cues[0]["StartFrameNumber"] <= TRANSITION_MIDDLES[2] <= cues[0]["EndFrameNumber"]


def test_labels_in_their_scenes_sorted_aggregated_and_paged(rk, jobs):
    r = wait(rk.get_label_detection, jobs["labels"])
    assert_shape("GetLabelDetection", r)
    assert r["JobStatus"] == "SUCCEEDED" and r["JobTag"] == "archive-1" and r["LabelModelVersion"]
    assert r["VideoMetadata"]["FrameRate"] == 10.0
    labels = r["Labels"]
    assert [x["Timestamp"] for x in labels] == sorted(x["Timestamp"] for x in labels)
    at = {}
    for x in labels:
        at.setdefault(x["Label"]["Name"], []).append(x["Timestamp"])
    assert min(at["Dining Table"]) < ms(SCENES["pan"][1]) and max(at["Dining Table"]) < ms(SCENES["pan"][1])
    assert any(ms(SCENES["people"][0]) <= t < ms(SCENES["people"][1]) for t in at["Person"])
    assert all(x["Label"]["Confidence"] >= 60 for x in labels)
    # both sort orders, and segments of continuous appearance
    by_name = rk.get_label_detection(JobId=jobs["labels"], SortBy="NAME")
    assert_shape("GetLabelDetection", by_name)
    names = [(x["Label"]["Name"], x["Timestamp"]) for x in by_name["Labels"]]
    assert names == sorted(names) and len(names) == len(labels)
    assert by_name["GetRequestMetadata"] == {"SortBy": "NAME", "AggregateBy": "TIMESTAMPS"}
    seg = rk.get_label_detection(JobId=jobs["labels"], AggregateBy="SEGMENTS")
    assert_shape("GetLabelDetection", seg)
    tables = [x for x in seg["Labels"] if x["Label"]["Name"] == "Dining Table"]
    assert len(tables) == 1 and tables[0]["StartTimestampMillis"] == 0
    assert abs(tables[0]["EndTimestampMillis"] - ms(SCENES["pan"][1])) <= 500
    assert tables[0]["DurationMillis"] == tables[0]["EndTimestampMillis"] - tables[0]["StartTimestampMillis"]
    # pages of 3, the first asked with an empty NextToken as older clients send it
    pages, token = [], ""
    while True:
        page = rk.get_label_detection(JobId=jobs["labels"], MaxResults=3, NextToken=token)
        assert_shape("GetLabelDetection", page)
        assert len(page["Labels"]) <= 3 and page["VideoMetadata"]
        pages += page["Labels"]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == labels
    code, _ = error_code(rk.get_label_detection, JobId=jobs["labels"], NextToken="bm90LWEtdG9rZW4=")
    assert code == "InvalidPaginationTokenException"
    code, _ = error_code(rk.get_label_detection, JobId=jobs["labels"], SortBy="NAME", MaxResults=1,
                         NextToken=rk.get_label_detection(JobId=jobs["labels"], MaxResults=1)["NextToken"])
    assert code == "InvalidPaginationTokenException"  # a token of another sort order


def test_faces_only_where_people_are(rk, jobs):
    r = wait(rk.get_face_detection, jobs["faces"])
    assert_shape("GetFaceDetection", r)
    assert r["JobStatus"] == "SUCCEEDED"
    first, end = SCENES["people"]
    in_scene = [f for f in r["Faces"] if ms(first) <= f["Timestamp"] < ms(end)]
    assert in_scene and all(ms(first) <= f["Timestamp"] < ms(end) or f["Timestamp"] >= ms(SCENES["walk"][0])
                            for f in r["Faces"])
    per_time = {}
    for f in in_scene:
        per_time[f["Timestamp"]] = per_time.get(f["Timestamp"], 0) + 1
    assert set(per_time.values()) == {2}, per_time  # Biden and Obama, at each sampled time


def test_face_search_finds_the_enrolled_person_in_the_right_range(rk, jobs):
    r = wait(rk.get_face_search, jobs["search"])
    assert_shape("GetFaceSearch", r)
    assert r["JobStatus"] == "SUCCEEDED"
    matched = [p for p in r["Persons"] if p["FaceMatches"]]
    first, end = SCENES["people"]
    assert matched and all(ms(first) <= p["Timestamp"] < ms(end) for p in matched)
    assert {m["Face"]["ExternalImageId"] for p in matched for m in p["FaceMatches"]} == {"obama"}
    assert all(p["Person"]["BoundingBox"]["Left"] < 0.5 for p in matched)  # Obama stands on the left
    assert len({p["Person"]["Index"] for p in matched}) == 1  # one track, embedded once
    others = [p for p in r["Persons"] if not p["FaceMatches"]]
    assert others and all(p["Person"]["BoundingBox"]["Left"] > 0.5 or p["Timestamp"] >= ms(SCENES["walk"][0])
                          for p in others)  # Biden (right) and the walker are nobody we know
    by_index = rk.get_face_search(JobId=jobs["search"], SortBy="INDEX")
    assert_shape("GetFaceSearch", by_index)
    keys = [(p["Person"]["Index"], p["Timestamp"]) for p in by_index["Persons"]]
    assert keys == sorted(keys) and len(keys) == len(r["Persons"])


def test_person_tracking_keeps_one_index_across_the_walk(rk, jobs):
    r = wait(rk.get_person_tracking, jobs["persons"])
    assert_shape("GetPersonTracking", r)
    assert r["JobStatus"] == "SUCCEEDED"
    first, end = SCENES["walk"]
    walk = [p for p in r["Persons"] if p["Timestamp"] >= ms(first)]
    assert len({p["Person"]["Index"] for p in walk}) == 1, [(p["Timestamp"], p["Person"]["Index"]) for p in walk]
    assert len({p["Timestamp"] for p in walk}) >= 12  # 15 samples at 5 a second; the pillar hides one or two
    lefts = [p["Person"]["BoundingBox"]["Left"] for p in walk]
    assert lefts[-1] > lefts[0] + 0.3  # left to right
    assert any("Face" in p["Person"] for p in walk)
    by_index = rk.get_person_tracking(JobId=jobs["persons"], SortBy="INDEX")
    keys = [(p["Person"]["Index"], p["Timestamp"]) for p in by_index["Persons"]]
    assert keys == sorted(keys)


def test_text_read_at_the_right_time(rk, jobs):
    r = wait(rk.get_text_detection, jobs["text"])
    assert_shape("GetTextDetection", r)
    assert r["JobStatus"] == "SUCCEEDED" and r["TextModelVersion"]
    words = {(t["TextDetection"]["DetectedText"].upper(), t["Timestamp"]) for t in r["TextDetections"]
             if t["TextDetection"]["Type"] == "WORD"}
    first, end = SCENES["text"]
    assert {w for w, _ in words} >= set(WORDS)
    assert all(ms(first) <= t < ms(end) for w, t in words if w in WORDS)


def test_content_moderation_on_a_safe_clip(rk, jobs):
    r = wait(rk.get_content_moderation, jobs["moderation"], SortBy="NAME", AggregateBy="SEGMENTS")
    assert_shape("GetContentModeration", r)
    assert r["JobStatus"] == "SUCCEEDED" and r["ModerationModelVersion"]
    assert r["GetRequestMetadata"] == {"SortBy": "NAME", "AggregateBy": "SEGMENTS"}
    found = r["ModerationLabels"]
    names = [(m["ModerationLabel"]["Name"], m["Timestamp"]) for m in found]
    assert names == sorted(names) and all(m["ModerationLabel"]["Confidence"] >= 60 for m in found)
    for m in found:  # the model's doubts are its own; none on the drawn, empty or printed scenes
        assert m["DurationMillis"] == m["EndTimestampMillis"] - m["StartTimestampMillis"] > 0
        for scene in ("pan", "text", "black", "bars"):
            first, end = SCENES[scene]
            assert not ms(first) <= m["Timestamp"] < ms(end), m


def test_idempotency_and_scope(rk, vsrv, jobs):
    first = rk.start_segment_detection(Video=VIDEO, SegmentTypes=["SHOT"], ClientRequestToken="tok-1")["JobId"]
    again = rk.start_segment_detection(Video=VIDEO, SegmentTypes=["SHOT"], ClientRequestToken="tok-1")["JobId"]
    assert first == again
    code, msg = error_code(rk.start_segment_detection, Video=VIDEO, SegmentTypes=["TECHNICAL_CUE"],
                           ClientRequestToken="tok-1")
    assert code == "IdempotentParameterMismatchException" and "tok-1" in msg
    other = rk.start_segment_detection(Video=VIDEO, SegmentTypes=["SHOT"], ClientRequestToken="tok-2")["JobId"]
    assert other != first
    r = wait(rk.get_segment_detection, first)
    assert {s["Type"] for s in r["Segments"]} == {"SHOT"} and r["SelectedSegmentTypes"][0]["Type"] == "SHOT"
    # jobs belong to their account and region
    assert error_code(vsrv.client("AKIDTEAMB").get_segment_detection, JobId=first)[0] == "ResourceNotFoundException"
    assert error_code(vsrv.client(region="eu-west-1").get_segment_detection, JobId=first)[0] == \
        "ResourceNotFoundException"
    assert error_code(rk.get_label_detection, JobId=first)[0] == "ResourceNotFoundException"  # not a label job


def test_start_errors(rk):
    code, _ = error_code(rk.start_label_detection, Video={"S3Object": {"Bucket": "videos", "Name": "nope.mp4"}})
    assert code == "InvalidS3ObjectException"
    code, _ = error_code(rk.start_face_search, Video=VIDEO, CollectionId="no-such-collection")
    assert code == "ResourceNotFoundException"
    code, _ = error_code(rk.get_label_detection, JobId="0" * 64)
    assert code == "ResourceNotFoundException"
    code, _ = error_code(rk.start_celebrity_recognition, Video={"S3Object": {"Bucket": "videos", "Name": "nope.mp4"}})
    assert code == "InvalidS3ObjectException"  # celebrity jobs run (tests/integration/test_celebrities.py)


@pytest.mark.parametrize("name", ["corrupt.mp4", "truncated.mp4", "empty.mp4"])
def test_broken_videos_fail_clearly(rk, vsrv, name):
    target = vsrv.data_dir / "objects" / "videos" / name
    whole = (vsrv.data_dir / "objects" / "videos" / "story.mp4").read_bytes()
    target.write_bytes({"corrupt.mp4": bytes(range(256)) * 400, "truncated.mp4": whole[: len(whole) // 2],
                        "empty.mp4": b""}[name])
    job = rk.start_label_detection(Video={"S3Object": {"Bucket": "videos", "Name": name}})["JobId"]
    r = wait(rk.get_label_detection, job)
    assert_shape("GetLabelDetection", r)
    assert r["JobStatus"] == "FAILED" and r["Labels"] == []
    message = r["StatusMessage"]
    assert "video" in message.lower() and ("corrupt" in message.lower() or "unsupported" in message.lower()), message
    # the server keeps serving
    assert rk.detect_labels(Image={"Bytes": data("faces/face_recognition/examples/obama.jpg").read_bytes()})["Labels"]
