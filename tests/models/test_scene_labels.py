"""Scene labels (issue 14): Indoors, Room, Interior Design and a room type, derived from the objects seen
(services/scene_labels), on the VOC photos of a furnished flat; none on outdoor photos; Rekognition's shape
through boto3. The rules were written on the fitting half of the VOC photos (bench/voc.py); every number
asserted here was measured on all 85 (python bench/labels.py reports the labels a photo they add)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from bench import voc
from oculi.services.labels import detect_labels
from oculi.services.scene_labels import SCENES
from tests.conftest import assert_shape, data, load_rgb
from tests.stream_clips import WHEELS, cat_photo

pytestmark = pytest.mark.slow

ROOM_TYPES = {"Living Room", "Bedroom", "Kitchen", "Dining Room", "Bathroom"}
# what each room type rests on (services/scene_labels), and the annotated classes that show that room
EVIDENCE = {"Bedroom": (["Bed"], ["Quilt"]), "Bathroom": (["Toilet"],), "Living Room": (["Couch"], ["TV", "Pillow"]),
            "Kitchen": (["Sink"], ["Refrigerator", "Oven", "Microwave", "Stove", "Dishwasher", "Toaster", "Bowl",
                                   "Plate"]),
            "Dining Room": (["Dining Table"], ["Chair"], ["Cup", "Bowl", "Plate", "Wine Glass", "Fork", "Knife",
                                                          "Spoon"])}
SHOWN_BY = {"Bedroom": {"bed"}, "Kitchen": {"sink", "countertop"}, "Living Room": {"sofa", "coffeetable", "pillow"},
            "Dining Room": {"diningtable"}, "Bathroom": set()}  # VOC annotates no toilet


def skimage_photo(name: str) -> np.ndarray:
    """A photo of scikit-image's wheel (scripts/test downloads it; never installed)."""
    wheels = sorted(WHEELS.glob("scikit_image-*.whl"))
    assert wheels, f"no scikit-image wheel in {WHEELS}: scripts/test downloads it"
    with zipfile.ZipFile(wheels[-1]) as z:
        return np.asarray(Image.open(io.BytesIO(z.read(f"skimage/data/{name}"))).convert("RGB"))


@pytest.fixture(scope="module")
def voc_labels(models):
    return [(photo, {lb.name: lb for lb in detect_labels(models, load_rgb(photo.path), min_confidence=0.0)})
            for photo in voc.photos()]


def test_indoors_and_room_on_most_voc_photos(voc_labels):
    # measured: Indoors at MinConfidence 55 on 78 of 85 photos (the others 44-52), Room on 78
    indoors = sum(1 for _, labels in voc_labels if "Indoors" in labels and labels["Indoors"].confidence >= 55)
    room = sum(1 for _, labels in voc_labels if "Room" in labels and labels["Room"].confidence >= 55)
    assert indoors >= 72 and room >= 70, (indoors, room)
    for _, labels in voc_labels:
        for name in SCENES & set(labels):
            lb = labels[name]
            assert lb.category == "Home and Indoors" and not lb.instances
            assert lb.confidence <= labels["Indoors"].confidence + 1e-9


def test_room_types_rest_on_their_evidence(voc_labels):
    fired, wrong = 0, []
    for photo, labels in voc_labels:
        rooms = ROOM_TYPES & set(labels)
        assert len(rooms) <= 1, rooms  # one room type a photo
        for room in rooms:
            lb = labels[room]
            assert lb.parents == ["Room", "Indoors"]
            for group in EVIDENCE[room]:  # never surer than any evidence it needs
                assert lb.confidence <= max(labels[n].confidence for n in group if n in labels) + 1e-9
            if room == "Bedroom":
                assert "bed" in {o[0] for o in photo.objects}, photo.path.name  # a Bedroom only where a bed is
            if lb.confidence >= 55:
                fired += 1
                if not SHOWN_BY[room] & {o[0] for o in photo.objects}:
                    wrong.append((photo.path.name, room))
    # measured at MinConfidence 55: 38 room types on 85 photos (16 Living Room, 15 Dining Room, 4 Bedroom, 3
    # Kitchen); 3 without an annotated object of that room: a "Kitchen" from a false fridge and sink and a "Dining
    # Room" from a false cup (both held-out), a "Dining Room" by a table VOC did not annotate (fitting half)
    assert fired >= 33 and len(wrong) <= 4, (fired, wrong)


def test_no_indoor_scene_on_outdoor_photos(models):
    outdoor = {"rocket": skimage_photo("rocket.jpg"),
               "autumn leaves": load_rgb(data("faces/aws-rekognition-lambda/no-face.jpg"))}
    for what, rgb in outdoor.items():
        names = {lb.name for lb in detect_labels(models, rgb, min_confidence=0.0)}
        assert not names & SCENES, (what, sorted(names & SCENES))
    names = {lb.name for lb in detect_labels(models, cat_photo(), min_confidence=0.0)}
    assert "Cat" in names and not names & ROOM_TYPES, sorted(names)  # a cat close up: no room type


def test_scene_labels_through_boto3(rekognition):
    photo = next(p for p in voc.photos() if p.path.name == "2007_000452.jpg")  # a bedroom
    img = photo.path.read_bytes()
    r = rekognition.detect_labels(Image={"Bytes": img}, Features=["GENERAL_LABELS"], MinConfidence=55)
    assert_shape("DetectLabels", r)
    by_name = {lb["Name"]: lb for lb in r["Labels"]}
    assert {"Indoors", "Room", "Bedroom", "Bed"} <= set(by_name), sorted(by_name)
    bedroom = by_name["Bedroom"]
    assert [p["Name"] for p in bedroom["Parents"]] == ["Room", "Indoors"]
    assert bedroom["Categories"] == [{"Name": "Home and Indoors"}] and bedroom["Instances"] == []
    assert by_name["Room"]["Parents"] == [{"Name": "Indoors"}] and by_name["Indoors"]["Parents"] == []
    assert bedroom["Confidence"] <= min(by_name["Bed"]["Confidence"], by_name["Indoors"]["Confidence"]) + 1e-3
    only = rekognition.detect_labels(Image={"Bytes": img}, Settings={"GeneralLabels": {
        "LabelInclusionFilters": ["Bedroom", "Indoors"]}})
    assert_shape("DetectLabels", only)
    assert sorted(lb["Name"] for lb in only["Labels"]) == ["Bedroom", "Indoors"]
    without = rekognition.detect_labels(Image={"Bytes": img}, Settings={"GeneralLabels": {
        "LabelCategoryExclusionFilters": ["Home and Indoors"]}})
    assert_shape("DetectLabels", without)
    assert not {lb["Name"] for lb in without["Labels"]} & SCENES
    high = rekognition.detect_labels(Image={"Bytes": img}, MinConfidence=99)
    assert all(lb["Confidence"] >= 99 for lb in high["Labels"])
    top = rekognition.detect_labels(Image={"Bytes": img}, MaxLabels=3)
    assert [lb["Name"] for lb in top["Labels"]] == [lb["Name"] for lb in r["Labels"]][:3]
