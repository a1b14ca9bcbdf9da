"""Stored-video jobs as a deployment runs them: API and queue workers in separate processes, a worker killed -9
mid-job, Rekognition's completion message through SNS (moto's server) into a subscribed SQS queue, webhook
events through the outbox, the job limit, the REST API (POST /v1/videos) and `oculi analyze clip.mp4`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server, assert_shape
from tests.servers import S3_ENV, MotoS3, Receiver, wait_for
from tests.video_clips import CUTS, storyboard_mp4

VIDEO = {"S3Object": {"Bucket": "videos", "Name": "story.mp4"}}


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    srv = MotoS3(tmp_path_factory.mktemp("moto-sns"))  # moto's server answers SNS and SQS too
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def stack(pack, tmp_path_factory, moto):
    folder = tmp_path_factory.mktemp("video-jobs")
    (folder / "objects" / "videos").mkdir(parents=True)
    storyboard_mp4(folder / "objects" / "videos" / "story.mp4")
    env = {"OCULI_VIDEO_CHUNK_SECONDS": "1", "OCULI_JOB_LEASE_SECONDS": "2", "OCULI_RETRY_BASE_SECONDS": "0.3",
           "OCULI_VIDEO_MAX_JOBS": "2", "OCULI_SNS_ENDPOINT_URL": moto.url, "OCULI_WEBHOOK_TIMEOUT": "2",
           "OCULI_OUTBOUND_ALLOW_NETWORKS": json.dumps(["127.0.0.0/8"]), **S3_ENV}
    server = Server(folder, workers=1, env=env, role="api")  # no worker: the tests start and kill them
    yield server
    server.stop()


def aws(moto, service: str):
    return boto3.client(service, endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def db(srv, sql: str, *args):
    with sqlite3.connect(srv.data_dir / "oculi.db", timeout=30) as conn:
        return conn.execute(sql, args).fetchall()


def committed_chunks(srv, job_id: str, after_line: int = 0) -> list[int]:
    """Chunk numbers each run committed, from the workers' JSON log lines (those after line `after_line`)."""
    out = []
    for line in srv.log_path.read_text().splitlines()[after_line:]:
        if line.startswith("{") and '"video chunk committed"' in line:
            rec = json.loads(line)
            if rec.get("video_job") == job_id:
                out.append(rec["chunk"])
    return out


def test_job_limit_per_account(stack):
    other = stack.client("AKIDTEAMB")  # its own account: the limit counts jobs in progress per account
    for tag in ("a", "b"):
        other.start_segment_detection(Video=VIDEO, SegmentTypes=["SHOT"], JobTag=tag)
    with pytest.raises(ClientError) as info:
        other.start_segment_detection(Video=VIDEO, SegmentTypes=["SHOT"], JobTag="c")
    assert info.value.response["Error"]["Code"] == "LimitExceededException"
    assert "OCULI_VIDEO_MAX_JOBS" in info.value.response["Error"]["Message"]


def test_worker_killed_mid_job_costs_one_chunk_and_notifies_once(stack, moto):
    sns, sqs = aws(moto, "sns"), aws(moto, "sqs")
    topic = sns.create_topic(Name="rekognition-done")["TopicArn"]
    queue = sqs.create_queue(QueueName="rekognition-done")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    receiver = Receiver()
    hook = httpx.post(f"{stack.url}/v1/webhooks", json={"url": receiver.url, "format": "json",
                                                        "events": ["video.completed", "video.failed"]}).json()
    rk = stack.client()
    channel = {"SNSTopicArn": topic, "RoleArn": "arn:aws:iam::111111111111:role/rekognition-sns"}
    job_id = rk.start_label_detection(Video=VIDEO, NotificationChannel=channel, JobTag="killed")["JobId"]
    first = stack.worker()
    try:
        wait_for(lambda: db(stack, "SELECT chunks_done FROM video_jobs WHERE id = ?", job_id)[0][0] >= 2, 120,
                 "two chunks committed", every=0.02)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    done_before = db(stack, "SELECT chunks_done, status FROM video_jobs WHERE id = ?", job_id)[0]
    # the chunks in the database when the first worker died (its log line for the last one may not have been
    # written: kill -9 can land between the commit and the log)
    before = {n for (n,) in db(stack, "SELECT number FROM video_chunks WHERE job_id = ?", job_id)}
    assert len(before) == done_before[0]
    log_at_kill = len(stack.log_path.read_text().splitlines())
    assert done_before[1] == "IN_PROGRESS" and done_before[0] < 10
    assert rk.get_label_detection(JobId=job_id)["JobStatus"] == "IN_PROGRESS"
    second = stack.worker()
    try:
        deadline = time.time() + 180
        while (r := rk.get_label_detection(JobId=job_id))["JobStatus"] == "IN_PROGRESS" and time.time() < deadline:
            time.sleep(0.3)
        assert_shape("GetLabelDetection", r)
        assert r["JobStatus"] == "SUCCEEDED" and r["JobTag"] == "killed"
        chunks = committed_chunks(stack, job_id)
        assert len(chunks) == len(set(chunks)), chunks  # no chunk committed twice
        resumed = committed_chunks(stack, job_id, log_at_kill)  # the second worker's
        assert not before & set(resumed), (before, resumed)  # none redone by the second worker
        assert before | set(resumed) == set(range(10)), (before, resumed)  # and none lost
        assert db(stack, "SELECT attempts, state FROM jobs WHERE ref = ? AND kind = 'video'", job_id) == [(2, "done")]
        # the same analysis without a crash gives the same timeline: no frame lost or counted twice
        again = rk.start_label_detection(Video=VIDEO, JobTag="calm")["JobId"]
        deadline = time.time() + 180
        while (calm := rk.get_label_detection(JobId=again))["JobStatus"] == "IN_PROGRESS" and time.time() < deadline:
            time.sleep(0.3)
        assert calm["JobStatus"] == "SUCCEEDED" and calm["Labels"] == r["Labels"]
        # Rekognition's completion message, once, in the queue subscribed to the topic
        messages = []

        def received():
            for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages",
                                                                                                          []):
                messages.append(json.loads(json.loads(m["Body"])["Message"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            return messages

        wait_for(received, 30, "the SNS message in SQS")
        time.sleep(2)
        received()
        assert len(messages) == 1, messages  # once per job (the second job had no NotificationChannel)
        msg = messages[0]
        assert msg["JobId"] == job_id and msg["Status"] == "SUCCEEDED" and msg["API"] == "LABEL_DETECTION"
        assert msg["JobTag"] == "killed" and isinstance(msg["Timestamp"], int)
        assert msg["Video"] == {"S3ObjectName": "story.mp4", "S3Bucket": "videos"}
        # and the webhook event, once per job
        def ours():  # the webhook is the operator's: it hears every account's jobs, each named with its account
            return [e for e in receiver.json("video.completed") if e["video"]["account"] == "000000000000"]

        wait_for(lambda: len(ours()) >= 2, 30, "two video.completed deliveries")
        events = {e["video"]["id"]: e for e in ours()}
        assert set(events) == {job_id, again} and len(ours()) == 2
        assert {e["video"]["account"] for e in receiver.json("video.completed")} == {"000000000000", "222222222222"}
        assert events[job_id]["video"]["job_tag"] == "killed" and events[job_id]["counts"]["labels"] == len(r["Labels"])
    finally:
        second.terminate()
        second.wait(timeout=30)
        receiver.stop()
        httpx.delete(f"{stack.url}/v1/webhooks/{hook['id']}")


def test_rest_upload_progress_and_results(stack):
    worker = stack.worker()
    try:
        clip = stack.data_dir / "objects" / "videos" / "story.mp4"
        r = httpx.post(f"{stack.url}/v1/videos", files={"file": ("my clip.mp4", clip.read_bytes(), "video/mp4")},
                       data={"features": "segments,persons"}, timeout=60)
        assert r.status_code == 202, r.text
        video = r.json()
        assert video["status"] == "IN_PROGRESS" and video["features"] == ["segments", "persons"]
        seen = set()

        def finished():
            v = httpx.get(f"{stack.url}/v1/videos/{video['id']}").json()
            seen.add(v["progress"])
            return v if v["status"] != "IN_PROGRESS" else None

        done = wait_for(finished, 180, "the REST video job", every=0.1)
        assert done["status"] == "SUCCEEDED" and done["progress"] == 1.0 and done["video"]["frames"] == 100
        assert all(0.0 <= p <= 1.0 for p in seen)
        starts = [s["StartFrameNumber"] for s in done["results"]["segments"] if s["Type"] == "SHOT"][1:]
        assert len(starts) == len(CUTS) and all(abs(a - b) <= 2 for a, b in zip(starts, CUTS, strict=True))
        assert len({p["Person"]["Index"] for p in done["results"]["persons"] if p["Timestamp"] >= 7000}) == 1
        beside = stack.data_dir / "objects" / "oculi" / (done["key"] + ".json")
        assert json.loads(beside.read_text())["results"] == done["results"]  # the result JSON beside the video
        assert httpx.get(f"{stack.url}/v1/videos/nope").status_code == 404
        bad = httpx.post(f"{stack.url}/v1/videos", files={"file": ("x.mp4", b"", "video/mp4")},
                         data={"features": "labels"})
        assert bad.status_code == 400
        bad = httpx.post(f"{stack.url}/v1/videos", files={"file": ("x.mp4", b"x", "video/mp4")},
                         data={"features": "smells"})
        assert bad.status_code == 400 and "smells" in bad.text
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_cli_analyze_clip(stack, tmp_path):
    clip = stack.data_dir / "objects" / "videos" / "story.mp4"
    out = subprocess.run([sys.executable, "-m", "oculi.cli", "analyze", str(clip), "--features", "segments"],
                         env=dict(os.environ, OCULI_DATA_DIR=str(tmp_path)), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "shots: 6" in out.stdout and "BlackFrames 00:00:05:00-00:00:06:00" in out.stdout
    assert "ColorBars 00:00:06:00-00:00:07:00" in out.stdout
    assert "10.0/10.0 s" in out.stderr  # the progress bar reached the end
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 1000)
    out = subprocess.run([sys.executable, "-m", "oculi.cli", "analyze", str(bad)], capture_output=True, text=True,
                         env=dict(os.environ, OCULI_DATA_DIR=str(tmp_path)), timeout=60)
    assert out.returncode == 1 and "video" in out.stderr.lower()
