"""Models chosen by setting (the registry), face recall on small faces, no false faces, honest age ranges."""

from __future__ import annotations

import numpy as np
import pytest

from oculi.config import ModelChoice, Settings
from oculi.ml.base import Models, RegistryError, Task
from oculi.ml.interfaces import FaceDetector, FaceEmbedder, LabelClassifier
from oculi.ml.tasks.age_gender import age_range
from oculi.services.analysis import Analyzer, face_model_version
from oculi.services.faces import detect_faces
from tests.conftest import load_rgb
from tests.faces_composed import GROUPS, composed_photos, hits, no_face_photos

pytestmark = pytest.mark.slow


def test_registry_refuses_a_second_implementation_under_one_key():
    before = dict(Task.registry)
    with pytest.raises(RegistryError, match="two implementations of face_detection named 'yunet'"):
        class Another(FaceDetector):  # noqa: F841 (defining it is the test)
            implementation = "yunet"
    assert Task.registry == before  # the first one still answers


def test_settings_choose_the_implementation_per_task(pack, monkeypatch):
    monkeypatch.setenv("OCULI_MODELS__FACE_DETECTION", "blazeface")
    monkeypatch.setenv("OCULI_MODELS__FACE_EMBEDDING", "sface")
    settings = Settings()
    assert settings.models.face_detection == "blazeface" and settings.models.face_embedding == "sface"
    models = Models(pack, processes=0, choice=settings.models.model_dump())
    detector, embedder = models.get(FaceDetector), models.get(FaceEmbedder)
    assert isinstance(detector, FaceDetector) and detector.implementation == "blazeface"
    assert isinstance(embedder, FaceEmbedder) and embedder.implementation == "sface"
    assert models.get(FaceEmbedder, "dlib").implementation == "dlib"  # a collection's own, beside the setting
    assert face_model_version(models) == "oculi-1 (BlazeFace full-range + FaceMesh + SFace 2021dec)"
    assert face_model_version(models, "dlib") == "oculi-1 (BlazeFace full-range + FaceMesh + dlib ResNet v1)"
    with pytest.raises(RegistryError, match="no face_detection implementation named 'nope'"):
        Models(pack, choice={"face_detection": "nope"})
    with pytest.raises(RegistryError, match="no such model task"):
        Models(pack, choice={"face_detector": "yunet"})


def test_every_task_declares_its_version_and_the_whole_image_ones_their_input_size(models):
    for (task, implementation), cls in Task.registry.items():
        if cls.__module__.startswith("oculi."):
            assert cls.version, f"{task}/{implementation} declares no version"
    assert models.model_class(LabelClassifier).input_size == 280
    assert models.model_class(FaceDetector).version in face_model_version(models)


@pytest.fixture(scope="module")
def composed(models):
    def face_box(rgb):
        return max((f.pixel_box for f in detect_faces(models, rgb)), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))

    return composed_photos(face_box)


def test_default_detector_finds_every_small_face_in_composed_group_photos(models, composed):
    """Five people a photo, faces 30-50 px wide on a 1,300 px photo (a family photo from a few metres)."""
    assert models.implementation(FaceDetector) == "yunet"
    for photo in composed:
        found, false = hits([f.pixel_box for f in detect_faces(models, photo.rgb)], photo.faces)
        assert (found, false) == (len(photo.faces), 0)


def test_blazeface_misses_some_of_them(pack, composed):
    """Why the default changed (bench/face_detection.py has the numbers): the old detector's recall is lower."""
    blaze = Analyzer(Settings(models=ModelChoice(face_detection="blazeface"), embedding_processes=0)).models
    found = sum(hits([f.pixel_box for f in detect_faces(blaze, p.rgb)], p.faces)[0] for p in composed)
    assert found < sum(len(p.faces) for p in composed)


@pytest.mark.parametrize("path", list(GROUPS), ids=lambda p: p.name)
def test_group_photos_give_at_least_every_face_a_person_sees(models, path):
    assert len(detect_faces(models, load_rgb(path))) >= GROUPS[path]


def test_no_face_on_photos_without_faces(models):
    false = {p.name: n for p in no_face_photos() if (n := len(detect_faces(models, load_rgb(p))))}
    assert false == {}


def test_age_range_is_a_range_never_one_year(models):
    one_hot = np.zeros(81, np.float32)
    one_hot[25] = 1.0  # the network sure of 25: the old 15th-85th percentile said "25-25"
    _, low, high = age_range(one_hot)
    assert (low, high) == (22, 28)
    wide = np.exp(-0.5 * ((np.arange(81) - 40) / 8.0) ** 2)
    _, low, high = age_range(wide)
    assert low <= 30 and high >= 50  # an unsure network gives a wider range than the floor
    for path in GROUPS:
        for face in detect_faces(models, load_rgb(path), attributes=True):
            low, high = face.attributes.age_range.low, face.attributes.age_range.high
            assert 0 <= low < high, (path.name, low, high)


def test_eye_direction_follows_the_eyes(models):
    """Portraits looking into the camera read near 0; the smiling lady looks to the image's left (her right),
    and her mirror image to its right."""
    from tests.faces_composed import AWS, PORTRAITS

    for path in PORTRAITS:
        if path.name == "smiling-lady.jpg":
            continue
        face = max(detect_faces(models, load_rgb(path), attributes=True), key=lambda f: f.box.area)
        d = face.attributes.eye_direction
        yaw, pitch, confidence = d.yaw, d.pitch, d.confidence
        assert abs(yaw) <= 12 and abs(pitch) <= 15 and 0 <= confidence <= 100, (path.name, yaw, pitch)
    lady = load_rgb(AWS / "smiling-lady.jpg")
    right = max(detect_faces(models, lady, attributes=True), key=lambda f: f.box.area)
    mirrored = max(detect_faces(models, np.ascontiguousarray(lady[:, ::-1]), attributes=True),
                   key=lambda f: f.box.area)
    assert right.attributes.eye_direction.yaw < -15 < 15 < mirrored.attributes.eye_direction.yaw


# Labelled by eye on the portraits (None: not clear enough to call); 16/16 have their eyes open
SMILE = {"obama.jpg": True, "alex-lacamoire.png": True, "john1.jpeg": False, "img1.jpg": False, "adams.jpg": False,
         "clapton-1.jpg": False, "Avril-Lavigne.jpg": False, "Jim-Carrey.jpg": True, "Keanu-Reeves.jpg": False,
         "Mike-Meyers.jpg": True, "smiling-lady.jpg": True, "Lawrence2.jpg": True}
MOUTH_OPEN = {"obama.jpg": True, "biden.jpg": False, "alex-lacamoire.png": True, "lin-manuel-miranda.png": True,
              "john1.jpeg": False, "img1.jpg": False, "adams.jpg": False, "carell.jpg": False, "clapton-1.jpg": False,
              "lennon-1.jpg": False, "Avril-Lavigne.jpg": False, "Jim-Carrey.jpg": True, "Keanu-Reeves.jpg": False,
              "smiling-lady.jpg": True, "Lawrence2.jpg": False}


def test_smile_mouth_open_and_eyes_open_on_labelled_portraits(models):
    from tests.faces_composed import PORTRAITS

    wrong = []
    for path in PORTRAITS:
        a = max(detect_faces(models, load_rgb(path), attributes=True), key=lambda f: f.box.area).attributes
        for name, labels, flag in (("smile", SMILE, a.smile), ("mouth", MOUTH_OPEN, a.mouth_open)):
            if path.name in labels and flag.value != labels[path.name]:
                wrong.append((path.name, name))
        if not a.eyes_open.value:
            wrong.append((path.name, "eyes"))
    assert wrong == []


def test_a_crowd_gives_the_100_largest_faces(models):
    """120 people in ten rows (faces ~50 and ~35 px wide): every face is found when more are allowed, and
    DetectFaces' default answers the 100 largest, as Rekognition does."""
    import cv2

    from tests.faces_composed import PORTRAITS

    heads = []
    for path in PORTRAITS:
        rgb = load_rgb(path)
        x0, y0, x1, y1 = max((f.pixel_box for f in detect_faces(models, rgb)),
                             key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        w = x1 - x0
        heads.append(rgb[max(0, int(y0 - 0.5 * w)):int(y1 + 0.8 * w), max(0, int(x0 - 0.5 * w)):int(x1 + 0.5 * w)])
    canvas, small_rows = np.full((1600, 2400, 3), 90, np.uint8), (8, 9)
    for i in range(120):
        row, col = divmod(i, 12)
        width = 70 if row in small_rows else 100
        head = cv2.resize(heads[i % len(heads)], (width, round(width * heads[i % len(heads)].shape[0] /
                                                                heads[i % len(heads)].shape[1])))[:150]
        y, x = 10 + row * 158, 10 + col * 198
        canvas[y:y + head.shape[0], x:x + width] = head
    assert len(detect_faces(models, canvas, max_faces=500)) == 120
    answered = detect_faces(models, canvas)
    assert len(answered) == 100
    assert sum(f.box.top * 1600 < 8 * 158 for f in answered) == 96  # every large face, then the 4 largest small
