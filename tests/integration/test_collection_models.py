"""Collections keep their face model: a dlib collection keeps answering after the configured embedder changes,
a new collection uses the configured one, and a vector of one model cannot be searched in the other's
collection. Through boto3 against live servers, on SQLite and PostgreSQL; every answer checked against botocore."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from oculi.ml.interfaces import FaceEmbedder
from oculi.storage.db.session import make_engine, migrate
from tests.conftest import Server, assert_shape
from tests.integration.test_collections import BACKENDS, backend_env, img

EX = "faces/face_recognition/examples"
DLIB = "oculi-1 (YuNet 2023mar + FaceMesh + dlib ResNet v1)"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_collection_keeps_the_face_model_it_was_created_with(pack, postgres, tmp_path, backend):
    env = backend_env(backend, postgres)
    before = Server(tmp_path, workers=1, env={**env, "OCULI_MODELS__FACE_EMBEDDING": "dlib"})
    try:
        c = before.client()
        made = c.create_collection(CollectionId="family")
        assert made["FaceModelVersion"] == DLIB
        obama = c.index_faces(CollectionId="family", Image=img(f"{EX}/obama.jpg"), ExternalImageId="obama")
        assert obama["FaceRecords"][0]["Face"]["IndexFacesModelVersion"] == "1.0"
        c.index_faces(CollectionId="family", Image=img(f"{EX}/biden.jpg"), ExternalImageId="biden")
        obama_id = obama["FaceRecords"][0]["Face"]["FaceId"]
    finally:
        before.stop()

    after = Server(tmp_path, workers=1, env={**env, "OCULI_MODELS__FACE_EMBEDDING": "sface"})
    try:
        c = after.client()
        d = c.describe_collection(CollectionId="family")
        assert_shape("DescribeCollection", d)
        assert d["FaceModelVersion"] == DLIB and d["FaceCount"] == 2
        hits = c.search_faces_by_image(CollectionId="family", Image=img(f"{EX}/obama2.jpg"))
        assert_shape("SearchFacesByImage", hits)
        assert [m["Face"]["FaceId"] for m in hits["FaceMatches"]] == [obama_id]  # dlib vectors, dlib query
        assert hits["FaceModelVersion"] == DLIB and hits["FaceMatches"][0]["Similarity"] > 90
        by_id = c.search_faces(CollectionId="family", FaceId=obama_id)
        assert_shape("SearchFaces", by_id)
        assert by_id["FaceModelVersion"] == DLIB and by_id["FaceMatches"] == []  # Biden is not Obama
        more = c.index_faces(CollectionId="family", Image=img(f"{EX}/obama-480p.jpg"))
        assert_shape("IndexFaces", more)
        assert more["FaceModelVersion"] == DLIB
        assert more["FaceRecords"][0]["Face"]["IndexFacesModelVersion"] == "1.0"
        assert len(c.search_faces(CollectionId="family", FaceId=obama_id)["FaceMatches"]) == 1

        made = c.create_collection(CollectionId="fresh")
        assert "SFace 2021dec" in made["FaceModelVersion"]
        rec = c.index_faces(CollectionId="fresh", Image=img(f"{EX}/obama.jpg"))
        assert_shape("IndexFaces", rec)
        assert rec["FaceRecords"][0]["Face"]["IndexFacesModelVersion"] == "2.0"
        c.index_faces(CollectionId="fresh", Image=img(f"{EX}/biden.jpg"))
        found = c.search_faces_by_image(CollectionId="fresh", Image=img(f"{EX}/obama2.jpg"))
        assert [m["Face"]["FaceId"] for m in found["FaceMatches"]] == [rec["FaceRecords"][0]["Face"]["FaceId"]]
        assert "SFace" in found["FaceModelVersion"]
        listed = c.list_collections()
        assert_shape("ListCollections", listed)
        versions = dict(zip(listed["CollectionIds"], listed["FaceModelVersions"], strict=True))
        assert versions["family"] == DLIB and "SFace" in versions["fresh"]
        faces = c.list_faces(CollectionId="fresh")
        assert_shape("ListFaces", faces)
        assert {f["IndexFacesModelVersion"] for f in faces["Faces"]} == {"2.0"}
    finally:
        after.stop()


def test_a_vector_of_another_model_cannot_be_searched(analyzer, tmp_path):
    """By construction: vectors carry their embedder, and a collection refuses any other's."""
    from oculi.services.collections import CollectionService, ModelMismatch, Scope
    from oculi.services.faces import FaceVector
    from oculi.storage.db.session import session_factory
    from oculi.storage.vectors import vector_index_for

    sessions = session_factory(f"sqlite:///{tmp_path}/v.db")
    svc = CollectionService(sessions, vector_index_for(sessions.kw["bind"]), analyzer.models)
    scope = Scope("000000000000", "us-east-1")
    assert svc.create(scope, "old").embedder == analyzer.models.implementation(FaceEmbedder)
    with sessions() as s:
        col = svc.get(s, scope, "old")
        other = "sface" if col.face_embedder == "dlib" else "dlib"
        with pytest.raises(ModelMismatch):
            svc.nearest(s, col, FaceVector(other, np.zeros(128, np.float32)), 1, 80.0)
        assert svc.nearest(s, col, FaceVector(col.face_embedder, np.zeros(128, np.float32)), 1, 80.0) == []


def test_collections_made_before_the_column_are_dlib(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("oculi.storage.db").joinpath("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(text("INSERT INTO collections (account, region, name, face_model_version, created_at, "
                          "vectors_version, tags) VALUES ('000000000000', 'us-east-1', 'old', "
                          "'oculi-1 (BlazeFace full-range + FaceMesh + dlib ResNet v1)', 0, 0, '{}')"))
    migrate(make_engine(url))
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT face_embedder FROM collections WHERE name = 'old'")).scalar() == "dlib"
