"""A face on a legal photo longer than OpenCV's warp accepts (a side of 32767 px or more): found, described and
embedded, never a 500 (the hostile-input suite's 65500x80 strips)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from oculi.ml.interfaces import FaceEmbedder, FaceLandmarker, FaceRegion
from tests.conftest import data


def _strip_with_a_face() -> np.ndarray:
    face = Image.open(data("faces/face_recognition/examples/obama.jpg")).convert("RGB")
    face = face.resize((round(240 * face.width / face.height), 240))
    canvas = Image.new("RGB", (40000, 260), (255, 255, 255))
    canvas.paste(face, (30000, 10))
    return np.asarray(canvas)


def test_the_face_mesh_of_a_face_on_a_long_strip(models):
    mesh = models.get(FaceLandmarker).predict(_strip_with_a_face(), (30040.0, 60.0, 30160.0, 200.0),
                                              (30070.0, 110.0), (30130.0, 110.0))
    points = np.asarray(mesh.points)
    assert points.shape[0] == 468 and 29900 < points[:, 0].mean() < 30300


def test_the_sface_chip_of_a_face_on_a_long_strip(models):
    sface = models.get(FaceEmbedder, "sface")
    rgb = _strip_with_a_face()
    region = FaceRegion((30040.0, 60.0, 30160.0, 200.0),
                        np.float32([[30070, 110], [30130, 110], [30100, 140], [30075, 170], [30125, 170]]))
    chip = sface.chip(rgb, region, sface.net)
    assert chip.shape == (112, 112, 3) and chip.std() > 10
