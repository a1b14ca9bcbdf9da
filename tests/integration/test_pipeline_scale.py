"""The scale-out combination: PostgreSQL (pgserver) + Redis (redis-server) + S3 (moto server), with the API
and the queue workers in separate processes; a worker killed -9 mid-task has its job run again, once."""

from __future__ import annotations

import json
import os
import signal

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from oculi.storage.db.models import ImageLabel
from tests.conftest import Server, data
from tests.integration.pipeline_client import image, s3_event, search, upload, wait_status
from tests.servers import S3_ENV, wait_for

OBAMA = "faces/face_recognition/examples/obama.jpg"
TEXT = "text/pytesseract/test.png"


@pytest.fixture(scope="module")
def stack(pack, tmp_path_factory, postgres, redis_server, s3_endpoint):
    db = postgres.database()
    env = {"OCULI_DATABASE_URL": db, "OCULI_QUEUE_URL": redis_server.url, "OCULI_OBJECT_STORE": "s3://oculi-scale",
           "OCULI_S3_ENDPOINT_URL": s3_endpoint.url, "OCULI_JOB_LEASE_SECONDS": "3",
           "OCULI_RETRY_BASE_SECONDS": "0.3", **S3_ENV}
    server = Server(tmp_path_factory.mktemp("scale"), workers=1, env=env, role="api")
    engine = create_engine("postgresql+psycopg://" + db.split("://", 1)[1])
    yield server, engine, s3_endpoint.client()
    server.stop()
    engine.dispose()


def job_of(srv, image_id: str, state: str | None = None) -> dict | None:
    params = {"kind": "analyze", **({"state": state} if state else {})}
    jobs = httpx.get(f"{srv.url}/v1/jobs", params=params).json()["data"]
    return next((j for j in jobs if j["ref"] == image_id), None)


def test_upload_result_search_delete_on_postgres_redis_s3(stack):
    srv, engine, s3 = stack
    worker = srv.worker()
    try:
        r = upload(srv.url, data(OBAMA), data(TEXT), tags="scale")
        assert r.status_code == 200, r.text
        by_name = {x["filename"]: x for x in r.json()["data"]}
        assert all(x["status"] == "done" and x["bucket"] == "oculi-scale" for x in by_name.values())
        face = by_name["obama.jpg"]
        stored = json.loads(s3.get_object(Bucket="oculi-scale", Key=face["key"] + ".json")["Body"].read())
        assert stored == face["result"]
        assert s3.get_object(Bucket="oculi-scale", Key=face["key"])["Body"].read() == data(OBAMA).read_bytes()
        assert search(srv.url, label="person", min_confidence=80, tag="scale") == ["obama.jpg"]
        assert search(srv.url, text="12 point", tag="scale") == ["test.png"]
        # Rekognition's S3Object reads from the same store
        labels = srv.client().detect_labels(Image={"S3Object": {"Bucket": "oculi-scale", "Name": face["key"]}})
        assert "Person" in [lb["Name"] for lb in labels["Labels"]]
        with engine.connect() as conn:  # the label filter is served by the (name, confidence) index
            conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(r[0] for r in conn.execute(text(
                "EXPLAIN SELECT images.id FROM images JOIN image_labels ON image_labels.image_id = images.id "
                "WHERE name = 'person' AND confidence >= 80 "
                "ORDER BY image_labels.created_at DESC, image_labels.image_id DESC LIMIT 50")))
        assert "ix_image_labels_name_time" in plan, plan
        before = [o["Key"] for o in s3.list_objects_v2(Bucket="oculi-scale").get("Contents", [])]
        assert face["key"] + ".thumb.jpg" in before  # made by the analysis job, in S3 beside the original
        assert httpx.delete(f"{srv.url}/v1/images/{face['id']}").status_code == 204
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="oculi-scale").get("Contents", [])]
        assert face["key"] not in keys and face["key"] + ".json" not in keys
        assert face["key"] + ".thumb.jpg" not in keys  # the thumbnail the job made goes with the image
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).where(ImageLabel.image_id == face["id"])) == 0
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_worker_killed_mid_task_is_rerun_and_stores_once(stack):
    srv, engine, s3 = stack
    s3.put_object(Bucket="oculi-scale", Key="employees/ann lee.jpg", Body=data(OBAMA).read_bytes())
    first = srv.worker()  # a fresh process: its models load inside the first task, a wide window to kill it
    try:
        r = httpx.post(f"{srv.url}/v1/events/s3", json=s3_event("oculi-scale", "employees/ann lee.jpg"))
        image_id = r.json()["data"][0]["image_id"]
        assert r.json()["data"][0]["status"] == "queued"
        # the image turns "running" just after its job is claimed, before the models load
        wait_for(lambda: image(srv.url, image_id)["status"] == "running", 60, "the job to start", every=0.02)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert job_of(srv, image_id, "running")  # nobody will finish it: its worker is dead
    assert image(srv.url, image_id)["status"] == "running"
    second = srv.worker()
    try:
        done = wait_status(srv.url, image_id, timeout=120)
        assert done["status"] == "done", done
        job = job_of(srv, image_id)
        assert job["state"] == "done" and job["attempts"] == 2 and "lease expired" in (job["last_error"] or "")
        faces = srv.client().list_faces(CollectionId="employees")["Faces"]
        assert [(f["ExternalImageId"], f["ImageId"]) for f in faces] == [("ann_lee", image_id)]  # enrolled once
        result = done["result"]
        expected = {n.lower() for lb in result["labels"] for n in [lb["name"], *lb["aliases"], *lb["parents"]]}
        with engine.connect() as conn:
            names = conn.execute(select(ImageLabel.name).where(ImageLabel.image_id == image_id)).scalars().all()
        assert sorted(names) == sorted(expected)  # one index row per label: stored exactly once
    finally:
        second.terminate()
        second.wait(timeout=30)
