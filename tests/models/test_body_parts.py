"""NudeNet (optional package) and the moderation labels it adds, on safe photos of people.

shared/data has no nude image and the project must not ship one, so the detector's pre/post-processing is
pinned to the reference package's own output on a portrait (measured with nudenet 3.4.2's NudeDetector), its
face boxes are checked against BlazeFace's, and the taxonomy mapping is checked on its own.
"""

from __future__ import annotations

import pytest

from oculi.ml.interfaces import BodyPartDetector
from oculi.ml.tasks.body_parts import BodyPart
from oculi.operations.images import ImageOperations
from oculi.services import moderation
from oculi.services.faces import detect_faces
from tests.conftest import assert_shape, data, load_rgb

pytestmark = pytest.mark.slow

SAFE = ("faces/face_recognition/examples/obama.jpg", "faces/aws-rekognition-lambda/smiling-lady.jpg",
        "faces/aws-rekognition-lambda/no-face.jpg", "faces/aws-rekognition-lambda/Avril-Lavigne.jpg")


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_detections_match_the_reference_package(nudenet_analyzer):
    """nudenet 3.4.2 `NudeDetector().detect("Avril-Lavigne.jpg")` gives FACE_FEMALE 0.86 at [485, 398, 444, 525]
    and ARMPITS_EXPOSED 0.59 at [1110, 1199, 182, 225] (x, y, w, h)."""
    found = nudenet_analyzer.models.get(BodyPartDetector).predict(
        load_rgb(data("faces/aws-rekognition-lambda/Avril-Lavigne.jpg")))
    expected = {"FACE_FEMALE": (0.86, (485, 398, 485 + 444, 398 + 525)),
                "ARMPITS_EXPOSED": (0.59, (1110, 1199, 1110 + 182, 1199 + 225))}
    assert sorted(p.name for p in found) == sorted(expected)
    for part in found:
        score, box = expected[part.name]
        assert abs(part.score - score) < 0.01, part
        assert max(abs(a - b) for a, b in zip(part.box, box, strict=True)) <= 2, part


def test_face_boxes_sit_on_the_faces_blazeface_finds(nudenet_analyzer, models):
    for rel in ("faces/face_recognition/examples/two_people.jpg", "faces/aws-rekognition-lambda/smiling-lady.jpg",
                "faces/openface/longoria-cooper.jpg"):
        rgb = load_rgb(data(rel))
        faces = [f.pixel_box for f in detect_faces(models, rgb)]
        parts = [p for p in nudenet_analyzer.models.get(BodyPartDetector).predict(rgb)
                 if p.name.startswith("FACE_") and p.score >= 0.5]
        assert parts, rel
        for part in parts:
            assert max(iou(part.box, f) for f in faces) >= 0.5, (rel, part)


def test_safe_photos_have_no_moderation_labels_with_nudenet(nudenet_analyzer):
    models = nudenet_analyzer.models
    for rel in SAFE:
        assert moderation.detect_moderation_labels(models, load_rgb(data(rel))) == [], rel


def test_operation_names_nudenet_and_keeps_botocore_shape(nudenet_analyzer):
    ops = ImageOperations(nudenet_analyzer)
    body = data(SAFE[0]).read_bytes()
    out = ops.detect_moderation_labels(None, {"Image": {"Bytes": body}})
    assert out["ModerationLabels"] == [] and "NudeNet" in out["ModerationModelVersion"]
    assert_shape("DetectModerationLabels", out)


class _Returns:
    def __init__(self, value):
        self.value = value

    def predict(self, rgb):
        return self.value


class _FixedModels:
    """Stands in for the pack and the two moderation models, to check the taxonomy mapping alone."""

    def __init__(self, parts, nsfw):
        self.pack = self
        self.tasks = {"moderation": _Returns({"nsfl": 0.0, "nsfw": nsfw, "sfw": 1 - nsfw}),
                      "body_parts": _Returns(parts)}

    def has(self, file_id):
        return file_id == "nudenet"

    def get(self, kind):
        return self.tasks[kind.task]


def _labels(parts, nsfw=0.0, min_confidence=50.0):
    return [(m.name, m.parent, m.level, round(m.confidence, 1))
            for m in moderation.detect_moderation_labels(_FixedModels(parts, nsfw), None, min_confidence)]


def test_exposed_parts_become_level_3_labels_with_their_parents():
    box = (0.0, 0.0, 10.0, 10.0)
    parts = [BodyPart("FEMALE_BREAST_EXPOSED", 0.8, box), BodyPart("BUTTOCKS_EXPOSED", 0.6, box),
             BodyPart("ANUS_EXPOSED", 0.7, box), BodyPart("FACE_FEMALE", 0.9, box), BodyPart("BELLY_EXPOSED", 0.9, box),
             BodyPart("MALE_BREAST_EXPOSED", 0.4, box)]
    assert _labels(parts, nsfw=0.9) == [
        ("Explicit", "", 1, 90.0),  # the classifier's NSFW, above its children
        ("Explicit Nudity", "Explicit", 2, 80.0),
        ("Exposed Female Nipple", "Explicit Nudity", 3, 80.0),
        ("Exposed Buttocks or Anus", "Explicit Nudity", 3, 70.0),  # the better of buttocks and anus
    ]
    assert ("Exposed Male Nipple", "Non-Explicit Nudity", 3, 40.0) in _labels(parts, min_confidence=30)
    assert _labels([BodyPart("FACE_MALE", 0.99, box), BodyPart("FEET_EXPOSED", 0.99, box)]) == []
