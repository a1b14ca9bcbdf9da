"""Face models on real photos (../shared/data/faces): counts, verification, attributes."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from oculi.ml.interfaces import FaceEmbedder
from oculi.services.faces import compare_faces, detect_faces, similarity
from tests.conftest import data, load_rgb

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("rel", "count"),
    [
        ("faces/face_recognition/examples/obama.jpg", 1),
        ("faces/face_recognition/examples/two_people.jpg", 2),
        ("faces/aws-rekognition-lambda/Keanu-Avril-Lawrence.jpg", 3),
        ("faces/aws-rekognition-lambda/Justin-Trudeau-Barack-Obama.jpg", 2),
        ("faces/aws-rekognition-lambda/no-face.jpg", 0),
        ("faces/openface/longoria-cooper.jpg", 2),
    ],
)
def test_face_count(models, rel, count):
    assert len(detect_faces(models, load_rgb(data(rel)))) == count


def test_small_faces_in_large_photo_found_by_tiling(pack):
    """BlazeFace: a face ~40 px wide in a 2400 px wide image: the whole-image 192 px view alone misses it."""
    from oculi.ml.base import Models

    models = Models(pack, choice={"face_detection": "blazeface"})
    face = load_rgb(data("faces/face_recognition/examples/obama_small.jpg"))
    canvas = np.full((1600, 2400, 3), 120, np.uint8)
    import cv2

    small = cv2.resize(face, (face.shape[1] // 3, face.shape[0] // 3), interpolation=cv2.INTER_AREA)
    canvas[700:700 + small.shape[0], 1500:1500 + small.shape[1]] = small
    found = detect_faces(models, canvas)
    assert len(found) == 1
    box = found[0].box
    assert abs(box.left * 2400 + box.width * 1200 - (1500 + small.shape[1] / 2)) < small.shape[1] / 2
    assert not detect_faces(models, canvas, tile_min_side=10**6), "without tiles this face is expected missed"


def _identity_embeddings(models):
    people = {}
    for folder in sorted(data("faces/face_recognition/examples/knn_examples/train").iterdir()):
        people[folder.name] = [p for p in sorted(folder.iterdir())]
    for name in ("clapton", "lennon"):
        people[name] = sorted(data("faces/openface").glob(f"{name}-*.jpg"))
    people["lawrence"] = sorted(data("faces/aws-rekognition-lambda").glob("Lawrence*.jpg"))
    people["obama"] += [data("faces/face_recognition/examples") / n for n in ("obama.jpg", "obama2.jpg",
                                                                              "obama-480p.jpg", "obama_small.jpg")]
    out = []
    for who, paths in people.items():
        for p in paths:
            faces = detect_faces(models, load_rgb(p), embed=True)
            assert faces, p
            out.append((who, max(faces, key=lambda f: f.box.area).vectors[models.implementation(FaceEmbedder)]))
    return out


def test_default_threshold_separates_same_from_different_people(models):
    embs = _identity_embeddings(models)
    same, diff = [], []
    for (a, ea), (b, eb) in itertools.combinations(embs, 2):
        (same if a == b else diff).append(similarity(models, float(np.linalg.norm(ea - eb))))
    assert len(same) >= 20 and len(diff) >= 100
    assert min(same) >= 80, f"a same-person pair fell below 80: {min(same):.1f}"
    assert max(diff) < 80, f"a different-person pair reached 80: {max(diff):.1f}"
    assert np.median(same) > 95 and np.median(diff) < 20


def test_compare_faces_finds_obama_in_a_group(models):
    src = load_rgb(data("faces/face_recognition/examples/obama.jpg"))
    tgt = load_rgb(data("faces/face_recognition/examples/knn_examples/test/obama_and_biden.jpg"))
    result = compare_faces(models, src, tgt)
    assert len(result.matches) == 1 and result.matches[0].similarity > 90
    assert len(result.unmatched) >= 1


def test_attributes_on_known_people(models):
    obama = detect_faces(models, load_rgb(data("faces/face_recognition/examples/obama.jpg")), attributes=True)[0]
    a = obama.attributes
    assert a.gender.value == "Male" and a.gender.confidence > 90
    assert 25 <= a.age_range.low < a.age_range.high <= 75
    lady = detect_faces(models, load_rgb(data("faces/aws-rekognition-lambda/smiling-lady.jpg")), attributes=True)
    la = max(lady, key=lambda f: f.box.area).attributes
    assert la.gender.value == "Female"
    assert la.smile.value and la.emotions[0].type == "HAPPY"
    assert la.eyes_open.value
    assert la["smile"] == (la.smile.value, la.smile.confidence)  # the transitional dict view agrees
    assert la.as_dict()["emotions"][0] == ["HAPPY", la.emotions[0].confidence]
    with pytest.raises(dataclasses.FrozenInstanceError):
        la.smile = None


def test_landmarks_sit_inside_the_face_in_order(models):
    face = detect_faces(models, load_rgb(data("faces/face_recognition/examples/obama.jpg")), attributes=True)[0]
    lm, b = face.landmarks, face.box
    assert len(lm) == 30
    for p in lm.values():
        assert b.left - 0.05 <= p.x <= b.left + b.width + 0.05 and b.top - 0.05 <= p.y <= b.top + b.height + 0.05
    assert lm["eyeLeft"].x < lm["nose"].x < lm["eyeRight"].x
    assert lm["eyeLeft"].y < lm["nose"].y < lm["mouthLeft"].y < lm["chinBottom"].y
    roll, yaw, pitch = face.pose
    assert abs(roll) < 10 and abs(yaw) < 20 and abs(pitch) < 25


def test_embedding_workers_give_the_in_process_vector_and_outlive_a_killed_worker(pack):
    """dlib's own runtime embeds in worker processes (it holds the GIL); the vectors must be dlib's own,
    and a worker killed -9 must cost nothing but a retry on a fresh pool."""
    import os
    import signal

    from oculi.ml.base import Models

    group = load_rgb(data("faces/face_recognition/examples/knn_examples/test/obama_and_biden.jpg"))
    models = Models(pack, processes=2, choice={"face_embedding": "dlib"})  # not the default dlib-onnx runtime
    embedder = models.get(FaceEmbedder, "dlib")
    assert embedder.pool is not None and embedder.pool.processes >= 1
    pooled = [f.vectors["dlib"] for f in detect_faces(models, group, embed=True)]
    local = [f.vectors["dlib"] for f in detect_faces(Models(pack, processes=0, choice={"face_embedding": "dlib"}),
                                                     group, embed=True)]
    assert len(pooled) == len(local) >= 2
    assert all(np.array_equal(a, b) for a, b in zip(pooled, local, strict=True))
    os.kill(embedder.pool.pids()[0], signal.SIGKILL)
    again = [f.vectors["dlib"] for f in detect_faces(models, group, embed=True)]
    assert all(np.array_equal(a, b) for a, b in zip(again, local, strict=True))
