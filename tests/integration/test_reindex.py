"""`oculi collections reindex`: a dlib collection moved to the configured face model answers searches with the
same FaceIds and users, from a folder of its photos or from the kept face crops; a face without a source stops
the move (nothing changed) unless dropped. SQLite and PostgreSQL + pgvector, through boto3 and the CLI."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.conftest import Server, assert_shape, data
from tests.integration.pipeline_client import s3_event, wait_status
from tests.integration.test_cli import run_oculi
from tests.integration.test_collections import BACKENDS, backend_env, img

EX = "faces/face_recognition/examples"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_dlib_collection_reindexed_to_the_configured_model(pack, postgres, tmp_path, backend):
    env = {**backend_env(backend, postgres), "OCULI_KEEP_FACE_CROPS": "true"}
    (tmp_path / "data").mkdir()
    before = Server(tmp_path / "data", workers=1, env={**env, "OCULI_MODELS__FACE_EMBEDDING": "dlib"})
    try:
        c = before.client()
        for name in ("family", "kept"):
            assert "dlib" in c.create_collection(CollectionId=name)["FaceModelVersion"]
        obama = c.index_faces(CollectionId="family", Image=img(f"{EX}/obama.jpg"), ExternalImageId="obama")
        obama_id = obama["FaceRecords"][0]["Face"]["FaceId"]
        c.index_faces(CollectionId="family", Image=img(f"{EX}/biden.jpg"), ExternalImageId="biden")
        lin = c.index_faces(CollectionId="family", Image=img(f"{EX}/lin-manuel-miranda.png"), ExternalImageId="lin")
        lin_id = lin["FaceRecords"][0]["Face"]["FaceId"]
        c.create_user(CollectionId="family", UserId="barack")
        c.associate_faces(CollectionId="family", UserId="barack", FaceIds=[obama_id])
        kept = c.index_faces(CollectionId="kept", Image=img(f"{EX}/two_people.jpg"))  # crops only
        kept_ids = {r["Face"]["FaceId"] for r in kept["FaceRecords"]}
        assert len(kept_ids) == 2
        badges = before.data_dir / "objects" / "badges" / "employees"  # the pipeline keeps this original
        badges.mkdir(parents=True)
        shutil.copy(data(f"{EX}/biden.jpg"), badges / "biden.jpg")
        (entry,) = httpx.post(f"{before.url}/v1/events/s3", json=s3_event("badges", "employees/biden.jpg"),
                              timeout=30).json()["data"]
        assert wait_status(before.url, entry["image_id"])["status"] == "done"
        (employee,) = c.list_faces(CollectionId="employees")["Faces"]
    finally:
        before.stop()

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("obama.jpg", "biden.jpg"):  # named by ExternalImageId; Lin's photo is not there
        shutil.copy(data(f"{EX}/{name}"), photos / name)
    cli_env = {**env, "OCULI_DATA_DIR": str(tmp_path / "data"), "OCULI_MODELS__FACE_EMBEDDING": "sface"}
    refused = run_oculi("collections", "reindex", "family", "--from", str(photos), env=cli_env)
    assert refused.returncode == 1 and "1 of 3 faces have no usable source" in refused.stderr, refused.stderr
    moved = run_oculi("collections", "reindex", "family", "--from", str(photos), "--drop-missing", env=cli_env)
    assert moved.returncode == 0, moved.stderr
    assert "2 face(s) moved from dlib to sface" in moved.stdout and lin_id in moved.stderr
    assert "reindexing family" in moved.stderr  # the progress bar
    store = run_oculi("collections", "reindex", "kept", "--from-store", env=cli_env)
    assert store.returncode == 0 and "2 face(s) moved from dlib to sface" in store.stdout, store.stderr
    original = run_oculi("collections", "reindex", "employees", "--from-store",
                         env={**cli_env, "OCULI_KEEP_FACE_CROPS": "false"})  # no crops: the kept original only
    assert original.returncode == 0 and "1 face(s) moved from dlib to sface" in original.stdout, original.stderr

    after = Server(tmp_path / "data", workers=1, env={**env, "OCULI_MODELS__FACE_EMBEDDING": "sface"})
    try:
        c = after.client()
        d = c.describe_collection(CollectionId="family")
        assert "SFace" in d["FaceModelVersion"] and d["FaceCount"] == 2 and d["UserCount"] == 1
        hits = c.search_faces_by_image(CollectionId="family", Image=img(f"{EX}/obama2.jpg"))
        assert_shape("SearchFacesByImage", hits)
        assert [m["Face"]["FaceId"] for m in hits["FaceMatches"]] == [obama_id]  # the same FaceId
        assert hits["FaceMatches"][0]["Face"]["IndexFacesModelVersion"] == "2.0"
        users = c.search_users_by_image(CollectionId="family", Image=img(f"{EX}/obama2.jpg"))
        assert [u["User"]["UserId"] for u in users["UserMatches"]] == ["barack"]
        assert c.search_faces(CollectionId="family", FaceId=obama_id)["FaceMatches"] == []  # Biden is not Obama
        found = c.search_faces_by_image(CollectionId="kept", Image=img(f"{EX}/biden.jpg"))
        assert len(found["FaceMatches"]) == 1 and found["FaceMatches"][0]["Face"]["FaceId"] in kept_ids
        assert "SFace" in found["FaceModelVersion"]
        biden = c.search_faces_by_image(CollectionId="employees", Image=img(f"{EX}/biden.jpg"))
        assert "SFace" in biden["FaceModelVersion"]
        assert [m["Face"]["FaceId"] for m in biden["FaceMatches"]] == [employee["FaceId"]]
    finally:
        after.stop()
