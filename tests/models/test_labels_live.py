"""DetectLabels through boto3 on a live server (issue 14): people labels, scene and object labels in
Rekognition's shape, with MinConfidence, MaxLabels, GeneralLabels filters and Features."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bench import voc
from tests.conftest import assert_shape, data
from tests.stream_clips import cat_photo

pytestmark = pytest.mark.slow

PEOPLE = {"Adult", "Child", "Man", "Woman", "Boy", "Girl", "Male", "Female", "Face", "Head", "Smile", "Crowd"}


def _jpeg(rgb) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def test_portrait_people_labels_in_rekognition_shape(rekognition):
    img = data("faces/aws-rekognition-lambda/smiling-lady.jpg").read_bytes()
    r = rekognition.detect_labels(Image={"Bytes": img})
    assert_shape("DetectLabels", r)
    by_name = {lb["Name"]: lb for lb in r["Labels"]}
    assert all(lb["Confidence"] >= 55 for lb in r["Labels"])  # Rekognition's default MinConfidence
    assert {"Person", "Face", "Head", "Adult", "Woman", "Female", "Smile"} <= set(by_name), sorted(by_name)
    woman = by_name["Woman"]
    assert {p["Name"] for p in woman["Parents"]} == {"Adult", "Female", "Person"}
    assert woman["Categories"] == [{"Name": "Person Description"}] and len(woman["Instances"]) == 1
    face = rekognition.detect_faces(Image={"Bytes": img})["FaceDetails"][0]["BoundingBox"]
    box = by_name["Face"]["Instances"][0]["BoundingBox"]
    assert all(abs(box[k] - face[k]) < 1e-6 for k in face)
    # the category filter removes every people label; an inclusion filter keeps only what it names
    no_people = rekognition.detect_labels(Image={"Bytes": img}, Settings={"GeneralLabels": {
        "LabelCategoryExclusionFilters": ["Person Description"]}})
    assert_shape("DetectLabels", no_people)
    assert not {lb["Name"] for lb in no_people["Labels"]} & (PEOPLE | {"Person"})
    only = rekognition.detect_labels(Image={"Bytes": img}, Settings={"GeneralLabels": {
        "LabelInclusionFilters": ["Smile", "Face"]}})
    assert sorted(lb["Name"] for lb in only["Labels"]) == ["Face", "Smile"]


def test_indoor_photo_many_labels_max_labels_and_features(rekognition):
    photo = next(p for p in voc.photos() if p.held_out and {o[0] for o in p.objects} >= {"chair", "diningtable"})
    img = photo.path.read_bytes()
    r = rekognition.detect_labels(Image={"Bytes": img}, Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"],
                                  MinConfidence=50)
    assert_shape("DetectLabels", r)
    names = {lb["Name"] for lb in r["Labels"]}
    assert len(names) >= 6 and {"Chair", "Furniture"} <= names, sorted(names)
    assert not names & PEOPLE  # nobody in this photo
    for lb in r["Labels"]:
        for inst in lb["Instances"]:
            b = inst["BoundingBox"]
            assert b["Left"] >= 0 and b["Left"] + b["Width"] <= 1.0001 and inst["Confidence"] >= 50
    assert r["ImageProperties"]["Foreground"]  # object instances split the photo
    top = rekognition.detect_labels(Image={"Bytes": img}, MaxLabels=3, MinConfidence=50)
    assert [lb["Name"] for lb in top["Labels"]] == [lb["Name"] for lb in r["Labels"]][:3]


def test_cat_photo_through_boto3(rekognition):
    r = rekognition.detect_labels(Image={"Bytes": _jpeg(cat_photo())})
    assert_shape("DetectLabels", r)
    names = {lb["Name"] for lb in r["Labels"]}
    assert "Cat" in names and not names & ({"Dog", "Person"} | PEOPLE), sorted(names)
