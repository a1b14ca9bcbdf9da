"""OCULI_KEEP_FACE_CROPS=true keeps a JPEG crop per indexed face, and every way of deleting the face deletes it."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.conftest import Server, data

OBAMA = "faces/face_recognition/examples/obama.jpg"
GROUP = "faces/face_recognition/examples/two_people.jpg"


@pytest.fixture(scope="module")
def crops_server(pack, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("crops"), workers=1, env={"OCULI_KEEP_FACE_CROPS": "true"})
    yield server
    server.stop()


def crop(srv, collection, face_id) -> httpx.Response:
    return httpx.get(f"{srv.url}/v1/collections/{collection}/faces/{face_id}/crop")


def kept(srv) -> list:
    return sorted(p for p in (srv.data_dir / "objects").rglob("face-crops/**/*.jpg"))


def test_crops_follow_their_faces(crops_server):
    srv, rek = crops_server, crops_server.client()
    rek.create_collection(CollectionId="kept")
    indexed = rek.index_faces(CollectionId="kept", Image={"Bytes": data(GROUP).read_bytes()})["FaceRecords"]
    assert len(indexed) == 2 and len(kept(srv)) == 2
    full = Image.open(data(GROUP))
    for record in indexed:
        r = crop(srv, "kept", record["Face"]["FaceId"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        img = Image.open(io.BytesIO(r.content))
        box = record["Face"]["BoundingBox"]
        assert img.width == pytest.approx(min(1.5 * box["Width"] * full.width, full.width), abs=0.1 * full.width)
        # the crop is of that face: DetectFaces finds exactly one face filling most of it
        (face,) = rek.detect_faces(Image={"Bytes": r.content})["FaceDetails"]
        assert face["BoundingBox"]["Width"] > 0.5
    first, second = (rec["Face"]["FaceId"] for rec in indexed)
    rek.delete_faces(CollectionId="kept", FaceIds=[first])
    assert crop(srv, "kept", first).status_code == 404 and len(kept(srv)) == 1
    assert crop(srv, "kept", second).status_code == 200
    rek.delete_collection(CollectionId="kept")
    assert kept(srv) == []
    assert crop(srv, "kept", second).status_code == 404


def test_crops_are_off_by_default(server):
    url, data_dir = server
    import boto3

    rek = boto3.client("rekognition", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                       aws_secret_access_key="x")
    rek.create_collection(CollectionId="no-crops")
    (record,) = rek.index_faces(CollectionId="no-crops", Image={"Bytes": data(OBAMA).read_bytes()})["FaceRecords"]
    r = httpx.get(f"{url}/v1/collections/no-crops/faces/{record['Face']['FaceId']}/crop")
    assert r.status_code == 404 and "KEEP_FACE_CROPS" in r.json()["message"]
    assert not any((data_dir / "objects").rglob("face-crops/**/*"))
    rek.delete_collection(CollectionId="no-crops")
