"""The upload pipeline on the embedded defaults (SQLite, folder store, SQLite Huey queue), through a live
`oculi serve`: upload -> result -> list/search -> delete, bad input, bucket events, enrollment, metrics, logs."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from tests.conftest import data
from tests.integration.pipeline_client import image, s3_event, search, upload, wait_status

OBAMA = "faces/face_recognition/examples/obama.jpg"
OBAMA2 = "faces/face_recognition/examples/obama2.jpg"
BIDEN = "faces/face_recognition/examples/biden.jpg"
TEXT = "text/pytesseract/test.png"



def test_upload_wait_gives_the_full_result_and_stores_it_beside_the_original(srv):
    r = upload(srv.url, data(OBAMA), data(TEXT), tags="lobby, Camera-1")
    assert r.status_code == 200, r.text
    by_name = {x["filename"]: x for x in r.json()["data"]}
    face, text = by_name["obama.jpg"], by_name["test.png"]
    assert face["status"] == text["status"] == "done"
    assert face["tags"] == ["camera-1", "lobby"]
    assert "Person" in [lb["name"] for lb in face["result"]["labels"]]
    assert len(face["result"]["faces"]) == 1 and face["result"]["faces"][0]["confidence"] > 90
    assert "12 point text" in " ".join(t["text"] for t in text["result"]["text"])
    assert set(face["result"]["models"]) == {"labels", "faces", "text", "moderation"}
    original = httpx.get(f"{srv.url}/v1/images/{face['id']}/original")
    assert original.content == data(OBAMA).read_bytes() and original.headers["content-type"] == "image/jpeg"
    stored = httpx.get(f"{srv.url}/v1/images/{face['id']}/result.json").json()
    assert stored == face["result"]
    on_disk = srv.data_dir / "objects" / face["bucket"] / (face["key"] + ".json")  # the seeds' <key>.json
    assert json.loads(on_disk.read_text()) == stored


def test_upload_without_wait_answers_202_and_the_job_finishes(srv):
    r = upload(srv.url, data(BIDEN), wait=False, features="faces")
    assert r.status_code == 202
    (img,) = r.json()["data"]
    assert img["status"] in ("queued", "running", "done") and img["result"] is None
    done = wait_status(srv.url, img["id"])
    assert done["status"] == "done" and set(done["result"]) == {"schema_version", "image", "models", "faces"}


def test_list_and_search(srv):
    upload(srv.url, data(OBAMA2), data(TEXT), tags="search-me,batch")
    assert search(srv.url, label="person", min_confidence=80, tag="search-me") == ["obama2.jpg"]
    assert search(srv.url, label="Person", min_confidence=99.99, tag="search-me") == []
    assert search(srv.url, text="12 POINT", tag="search-me") == ["test.png"]
    assert search(srv.url, text="%", tag="search-me") == []  # LIKE wildcards are escaped
    assert sorted(search(srv.url, tag=["search-me", "batch"])) == ["obama2.jpg", "test.png"]
    assert search(srv.url, tag=["search-me", "nope"]) == []
    assert sorted(search(srv.url, tag="search-me", flagged="false")) == ["obama2.jpg", "test.png"]
    everything = httpx.get(f"{srv.url}/v1/images", params={"limit": 1000}).json()["data"]
    newest = everything[0]["created_at"]
    assert all(x["created_at"] >= newest for x in httpx.get(f"{srv.url}/v1/images",
                                                            params={"since": newest}).json()["data"])
    assert len(search(srv.url, until=newest)) == len(everything) - 1
    seen, cursor = [], None  # cursor paging visits every image once, newest first
    while True:
        page = httpx.get(f"{srv.url}/v1/images", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [x["id"] for x in seen] == [x["id"] for x in everything]
    assert [x["created_at"] for x in seen] == sorted((x["created_at"] for x in seen), reverse=True)
    oldest = httpx.get(f"{srv.url}/v1/images", params={"order": "oldest", "limit": 1000}).json()["data"]
    assert [x["id"] for x in oldest] == [x["id"] for x in reversed(everything)]
    assert httpx.get(f"{srv.url}/v1/images", params={"cursor": "not-a-cursor"}).status_code == 400


def test_faces_matched_to_a_collection_are_searchable(srv, tmp_path):
    rek = srv.client()
    rek.create_collection(CollectionId="staff")
    rek.index_faces(CollectionId="staff", Image={"Bytes": data(OBAMA).read_bytes()}, ExternalImageId="barack",
                    MaxFaces=1)
    rek.create_user(CollectionId="staff", UserId="president")
    face_id = rek.list_faces(CollectionId="staff")["Faces"][0]["FaceId"]
    rek.associate_faces(CollectionId="staff", UserId="president", FaceIds=[face_id])
    r = upload(srv.url, data(OBAMA2), data(BIDEN), collections="staff", features="faces")
    by_name = {x["filename"]: x for x in r.json()["data"]}
    match = by_name["obama2.jpg"]["result"]["faces"][0]["match"]
    assert match["collection"] == "staff" and match["external_image_id"] == "barack" and match["similarity"] > 80
    assert by_name["biden.jpg"]["result"]["faces"][0]["match"] is None
    assert search(srv.url, user_id="president") == ["obama2.jpg"]
    assert search(srv.url, external_image_id="barack", collection="staff") == ["obama2.jpg"]


def _count(srv) -> int:
    return len(httpx.get(f"{srv.url}/v1/images", params={"limit": 1000}).json()["data"])


def _objects(srv) -> set:
    return {p for p in (srv.data_dir / "objects").rglob("*") if p.is_file()}


def test_bad_uploads_get_clear_errors_and_store_nothing(srv):
    before, objects = _count(srv), _objects(srv)
    good = data(OBAMA).read_bytes()
    cases = [
        ([("files", ("x.jpg", b"not an image"))], {}, 400, "InvalidImageFormat"),
        ([("files", ("empty.png", b""))], {}, 400, "InvalidImageFormat"),
        ([("files", ("ok.jpg", good)), ("files", ("bad.jpg", b"\xff\xd8\xff garbage"))], {}, 400,
         "InvalidImageFormat"),
        ([("files", ("ok.jpg", good))], {"collections": "no-such-collection"}, 404, "ResourceNotFound"),
        ([("files", ("ok.jpg", good))], {"features": "labels,telepathy"}, 400, "InvalidParameter"),
        ([], {}, 400, "InvalidParameter"),
    ]
    for files, form, status, error in cases:
        r = httpx.post(f"{srv.url}/v1/images", files=files or None, data=form or None, timeout=60)
        assert r.status_code == status, (files and files[0][1][0], r.text)
        if status < 422:
            assert r.json()["error"] == error
    assert _count(srv) == before and _objects(srv) == objects
    missing = httpx.get(f"{srv.url}/v1/images/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"] == "ImageNotFound"
    # the OpenAPI schema documents these error answers and their body
    schema = httpx.get(f"{srv.url}/openapi.json").json()
    answers = schema["paths"]["/v1/images/{image_id}"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(answers)
    assert answers["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_a_truncated_image_fails_for_good_and_is_kept(srv):
    truncated = data(OBAMA).read_bytes()[:100000]  # the header parses; the pixels do not
    r = httpx.post(f"{srv.url}/v1/images", params={"wait": "true"}, files=[("files", ("cut.jpg", truncated))],
                   timeout=120)
    (img,) = r.json()["data"]
    assert img["status"] == "failed" and "invalid image format" in img["error"]
    assert httpx.get(f"{srv.url}/v1/images/{img['id']}/original").content == truncated  # nothing lost
    failed = httpx.get(f"{srv.url}/v1/jobs", params={"state": "failed", "kind": "analyze"}).json()["data"]
    assert [j["ref"] for j in failed] == [img["id"]] and failed[0]["attempts"] == 1  # no pointless retries


def test_s3_event_enrolls_employees_then_delete_removes_everything(srv):
    bucket_dir = srv.data_dir / "objects" / "badges"
    (bucket_dir / "employees").mkdir(parents=True)
    (bucket_dir / "employees" / "Barack Obama.jpg").write_bytes(data(OBAMA).read_bytes())
    (bucket_dir / "employees" / "notes.txt").write_text("not an image")
    event = s3_event("badges", "employees/Barack Obama.jpg")
    r = httpx.post(f"{srv.url}/v1/events/s3", json=event)
    assert r.status_code == 202, r.text
    (entry,) = r.json()["data"]
    assert entry["status"] == "queued" and entry["key"] == "employees/Barack Obama.jpg"
    again = httpx.post(f"{srv.url}/v1/events/s3", json=event).json()["data"][0]
    assert again["status"] == "duplicate" and again["image_id"] == entry["image_id"]
    skipped = httpx.post(f"{srv.url}/v1/events/s3", json={"Records": [
        s3_event("badges", "employees/notes.txt")["Records"][0],
        s3_event("badges", "employees/x.jpg", name="ObjectRemoved:Delete")["Records"][0]]}).json()["data"]
    assert [s["status"] for s in skipped] == ["skipped", "skipped"]
    assert httpx.post(f"{srv.url}/v1/events/s3", json={"nothing": 1}).status_code == 400
    done = wait_status(srv.url, entry["image_id"])
    assert done["status"] == "done" and done["source"] == "s3_event"
    assert done["result"]["enrolled"]["external_image_id"] == "Barack_Obama"
    faces = srv.client().list_faces(CollectionId="employees")["Faces"]
    assert [(f["ExternalImageId"], f["ImageId"]) for f in faces] == [("Barack_Obama", entry["image_id"])]
    who = httpx.post(f"{srv.url}/v1/identify", files={"image": data(OBAMA2).read_bytes()},
                     data={"collections": "employees"}).json()["data"][0]
    assert who["status"] == "employees" and who["external_image_id"] == "Barack_Obama"
    assert (bucket_dir / "employees" / "Barack Obama.jpg.json").is_file()

    assert httpx.delete(f"{srv.url}/v1/images/{entry['image_id']}").status_code == 204
    assert httpx.get(f"{srv.url}/v1/images/{entry['image_id']}").status_code == 404
    assert srv.client().list_faces(CollectionId="employees")["Faces"] == []
    assert not (bucket_dir / "employees" / "Barack Obama.jpg").exists()
    assert not (bucket_dir / "employees" / "Barack Obama.jpg.json").exists()
    assert search(srv.url, external_image_id="Barack_Obama") == []
    assert httpx.delete(f"{srv.url}/v1/images/{entry['image_id']}").status_code == 404


def test_watch_folder_ingests_and_enrolls(srv, tmp_path):
    (tmp_path / "employees").mkdir()
    (tmp_path / "employees" / "joe.jpg").write_bytes(data(BIDEN).read_bytes())
    (tmp_path / "door.png").write_bytes(data(TEXT).read_bytes())
    out = subprocess.run([sys.executable, "-m", "oculi.cli", "watch", str(tmp_path), "--once"], env=srv.env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = sorted(line.split()[:2] for line in out.stdout.splitlines())
    assert lines == [["queued", "door.png"], ["queued", "employees/joe.jpg"]]
    again = subprocess.run([sys.executable, "-m", "oculi.cli", "watch", str(tmp_path), "--once"], env=srv.env,
                           capture_output=True, text=True, timeout=120)
    assert all(line.startswith("duplicate") for line in again.stdout.splitlines())
    ids = [line.split()[2] for line in out.stdout.splitlines()]
    for image_id in ids:
        assert wait_status(srv.url, image_id)["status"] == "done"
    assert image(srv.url, ids[0])["source"] == "watch"
    names = [f["ExternalImageId"] for f in srv.client().list_faces(CollectionId="employees")["Faces"]]
    assert "joe" in names


def test_metrics_and_structured_logs(srv):
    upload(srv.url, data(TEXT), features="text")
    srv.client().detect_labels(Image={"Bytes": data(OBAMA).read_bytes()})
    listed = httpx.get(f"{srv.url}/v1/images", headers={"x-request-id": "req-123"})
    assert listed.headers["x-request-id"] == "req-123"
    assert httpx.get(f"{srv.url}/healthz").headers["x-request-id"]  # made up when the client sends none
    text = httpx.get(f"{srv.url}/metrics").text
    for needle in ('oculi_requests_total{api="rest",operation="POST /v1/images",status="200"}',
                   'oculi_requests_total{api="rekognition",operation="DetectLabels",status="200"}',
                   'oculi_request_seconds_count{api="rekognition",operation="DetectLabels"}',
                   'oculi_tasks_total{outcome="done",task="analyze"}', "oculi_queue_depth ",
                   'oculi_jobs{state="failed"}', "oculi_webhook_failures_total"):
        assert needle in text, needle
    records = [json.loads(line) for line in srv.log_path.read_text().splitlines() if line.startswith("{")]
    analysed = [r for r in records if r["message"] == "image analysed"]
    assert analysed and all({"image_id", "job_id", "task", "duration_ms", "models"} <= set(r) for r in analysed)
    access = [r for r in records if r["logger"] == "oculi.access" and r.get("request_id") == "req-123"]
    assert [(r["api"], r["operation"], r["status"]) for r in access] == [("rest", "GET /v1/images", 200)]

