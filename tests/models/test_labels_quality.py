"""DetectLabels' quality (issue 14): the named share and detection AP on the held-out half of the VOC photos
(calibration is fitted on the other half: bench/voc.py), against the basic passes of before; no label for what
is not there; people labels that agree with DetectFaces; confidences calibrated. bench/labels.py measures the same
on more settings, with latency."""

from __future__ import annotations

import numpy as np
import pytest

from bench import voc
from bench.labels import measure
from oculi.ml.calibration import calibration, fit, shift
from oculi.ml.interfaces import LabelClassifier, ObjectDetector
from oculi.services import labels as label_service
from oculi.services.faces import detect_faces
from oculi.services.labels import BASIC, DEFAULT, detect_labels
from oculi.services.people_labels import PARENTS, p_adult
from tests.conftest import data, load_rgb
from tests.stream_clips import cat_photo

pytestmark = pytest.mark.slow

PEOPLE = set(PARENTS) - {"Person"}
PORTRAITS = ["faces/aws-rekognition-lambda/smiling-lady.jpg", "faces/aws-rekognition-lambda/Keanu-Reeves.jpg",
             "faces/aws-rekognition-lambda/Avril-Lavigne.jpg", "faces/face_recognition/examples/obama.jpg",
             "faces/face_recognition/examples/biden.jpg", "faces/openface/clapton-1.jpg"]


@pytest.fixture(scope="module")
def voc_measures(analyzer):
    photos = [p for p in voc.photos() if p.held_out]
    return {"before": measure(analyzer, BASIC, photos)["held_out"],
            "after": measure(analyzer, DEFAULT, photos)["held_out"]}


def test_named_share_on_held_out_voc(voc_measures):
    before, after = voc_measures["before"]["min55"], voc_measures["after"]["min55"]
    # measured (bench/labels.py, held-out half, MinConfidence 55): before 0.26 (72/278), after 0.64 (178/278; 0.59
    # without the detector tiles that the ONNX runtime pays for); labels a photo 2.3 before, 7.9 after
    assert before["named_share"] < 0.35
    assert after["named_share"] >= 0.60, after["named_per_class"]
    assert after["labels_per_photo_mean"] >= 3 * before["labels_per_photo_mean"]


def test_few_false_labels_on_held_out_voc(voc_measures):
    # of the labels whose own name names an annotated class (Chair, Pillow, Sink...), those on a photo without
    # one: measured 57 of 210 (0.27) at MinConfidence 55; 70 of 237 (0.30) with one calibration per category
    after = voc_measures["after"]["min55"]
    assert after["judged_labels"] >= 150
    assert after["false_share"] <= 0.29, after["false_per_label"]


def test_named_share_at_the_issues_operating_point(voc_measures):
    # issue 14 measured at MinConfidence 50, MaxLabels 50 and asks for >= 60% named; measured (bench/labels.py,
    # held-out half): 0.68 (188/278), 9.2 labels a photo (median 8.5); before 0.28, 2.5
    after = voc_measures["after"]["min50_max50"]
    assert after["named_share"] >= 0.64, after["named_per_class"]
    assert after["labels_per_photo_median"] >= 7


def test_detection_ap_not_lower_than_before(voc_measures):
    # measured: mAP@0.5 over the COCO-mapped classes 0.26 before, 0.42 after (boxes down to raw score 0.2, and
    # from 2 tiles of the 640 px photos; 0.33 without them)
    assert voc_measures["after"]["map50"] >= voc_measures["before"]["map50"]


def test_no_people_labels_without_people(models):
    for photo in voc.photos():
        if any(o[0] == "person" for o in photo.objects):
            continue
        names = {lb.name for lb in detect_labels(models, load_rgb(photo.path), min_confidence=55)}
        assert not names & PEOPLE, (photo.path.name, names & PEOPLE)
    for rgb in (cat_photo(), load_rgb(data("faces/aws-rekognition-lambda/no-face.jpg"))):
        assert not {lb.name for lb in detect_labels(models, rgb, min_confidence=50)} & PEOPLE


def test_a_cat_is_no_dog(models):
    rgb = cat_photo()
    labels = {lb.name: lb for lb in detect_labels(models, rgb, min_confidence=50)}
    assert "Cat" in labels and labels["Cat"].instances and {"Feline", "Mammal", "Animal"} <= set(labels)
    assert not {"Dog", "Canine", "Person", "Bird"} & set(labels), sorted(labels)
    # the cat alone on a grey canvas three times its size (the tiles and regions see parts of it)
    canvas = np.full((rgb.shape[0] * 2, rgb.shape[1] * 2, 3), 128, np.uint8)
    canvas[:rgb.shape[0], rgb.shape[1] // 2: rgb.shape[1] // 2 + rgb.shape[1]] = rgb
    names = {lb.name for lb in detect_labels(models, canvas, min_confidence=55)}
    assert "Cat" in names and not {"Dog", "Canine", "Person"} & names, sorted(names)


@pytest.mark.parametrize("path", PORTRAITS)
def test_people_labels_agree_with_detect_faces(models, path):
    rgb = load_rgb(data(path))
    (face,) = detect_faces(models, rgb, attributes=True)
    labels = {lb.name: lb for lb in detect_labels(models, rgb, min_confidence=50)}
    assert "Person" in labels and "Face" in labels and "Head" in labels
    assert labels["Face"].instances[0][0] == face.box and labels["Face"].category == "Person Description"
    assert set(labels["Face"].parents) == {"Head", "Person"}
    adult = p_adult(*face.attributes["age_range"]) >= 0.5
    male = face.attributes["gender"][0] == "Male"
    expected = {(True, True): "Man", (True, False): "Woman", (False, True): "Boy", (False, False): "Girl"}
    word = expected[(adult, male)]
    if face.attributes["gender"][1] >= 80:  # DetectFaces' gender is unreliable under ~80 (DESIGN.md)
        assert word in labels and labels[word].instances[0][0] == face.box
        assert ("Male" if male else "Female") in labels and set(labels[word].parents) >= {"Person"}
        assert not set(expected.values()) - {word} & set(labels)
    assert ("Smile" in labels) == face.attributes["smile"][0], (face.attributes["smile"], sorted(labels))
    assert "Crowd" not in labels


def test_crowd_label_for_many_faces(models):
    rgb = load_rgb(data("faces/face_recognition/examples/two_people.jpg"))
    row = np.concatenate([rgb, rgb, rgb], axis=1)  # six people side by side
    names = {lb.name for lb in detect_labels(models, row, min_confidence=55)}
    assert "Crowd" in names and "Person" in names


def test_calibration_is_fitted_and_monotonic(models):
    for impl in (models.implementation(ObjectDetector), models.implementation(LabelClassifier)):
        cal = calibration(impl)
        assert cal.default.a > 0 and cal.default != type(cal.default)()  # fitted, not the identity
        scores = [cal(s) for s in np.linspace(0.05, 0.95, 19)]
        assert scores == sorted(scores)
    p = fit(np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9] * 10), np.array([0, 0, 1, 0, 1, 1] * 10))
    assert 0 < p(0.1) < p(0.9) < 1


def test_classifier_labels_calibrated_one_by_one(models):
    """The classifier's labels with enough examples in the fitting half have their own offset on their
    category's slope: the pillows it names at a few percent were all there, its desks often were not."""
    cal = calibration(models.implementation(LabelClassifier))
    assert {"Pillow", "Desk", "Chair"} <= set(cal.labels)
    for name, own in cal.labels.items():
        group = cal.groups.get(label_service.category(name), cal.default)
        assert own.a == group.a > 0, name  # same slope: monotonic, only the offset moved
    home = cal.groups["Home and Indoors"]
    assert cal(0.03, "Home and Indoors", "Pillow") > home(0.03) > cal(0.03, "Home and Indoors", "Desk")
    assert cal(0.03, "Home and Indoors", "Lamp") == home(0.03)  # no examples: the category's mapping
    s = shift(np.array([0.02, 0.03, 0.05] * 3), np.ones(9), home, pull=4.0)
    assert s.a == home.a and s.b > home.b


def test_scene_labels_from_the_taxonomy():
    tax = label_service.taxonomy()
    scenes = {e["fine"]: e["name"] for e in tax["imagenet"] if e.get("scene")}
    assert scenes["seashore"] == "Shoreline" and scenes["library"] == "Library" and scenes["church"] == "Church"
    assert {"Outdoors", "Nature"} <= set(tax["labels"]["Shoreline"]["parents"])
    assert tax["labels"]["Shoreline"]["category"] == "Nature and Outdoors"
    every_parent = {p for info in tax["labels"].values() for p in info["parents"]}
    assert every_parent <= set(tax["labels"])  # every parent is a label with its own category
