"""The affine crop gives warpAffine's own result on the whole photo, and works past OpenCV's 32767 px limit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from oculi.ml.warp import affine_crop


@pytest.mark.parametrize("border", [cv2.BORDER_CONSTANT, cv2.BORDER_REPLICATE])
@pytest.mark.parametrize("src", [
    [[40.3, 50.7], [120.2, 60.1], [30.9, 130.4]],    # rotated, inside
    [[-30.0, -20.0], [60.0, -20.0], [-30.0, 70.0]],  # over the top-left corner
    [[150.0, 100.0], [260.0, 110.0], [140.0, 210.0]],  # over the bottom-right corner
    [[400.0, 400.0], [500.0, 400.0], [400.0, 500.0]],  # wholly outside
])
def test_same_pixels_as_warping_the_whole_photo(src, border):
    rgb = np.random.default_rng(0).integers(0, 255, (180, 240, 3), dtype=np.uint8)
    src = np.float32(src)
    expected = cv2.warpAffine(rgb, cv2.getAffineTransform(src, np.float32([[0, 0], [64, 0], [0, 64]])), (64, 64),
                              flags=cv2.INTER_LINEAR, borderMode=border)
    assert np.array_equal(affine_crop(rgb, src, 64, border), expected)


def test_a_photo_longer_than_opencv_allows():
    rgb = np.zeros((80, 65500, 3), np.uint8)
    rgb[:, 60000:60040] = 200
    crop = affine_crop(rgb, np.float32([[59990, 10], [60050, 10], [59990, 70]]), 32)
    assert crop.shape == (32, 32, 3) and crop[:, 8:20].mean() > 150 and crop[:, :3].max() == 0


@pytest.mark.parametrize("shape", [(40000, 80), (80, 40000), (33000, 33000 // 400)])
def test_a_crop_longer_than_opencv_allows(shape):
    """A parallelogram past 32767 px (a face box over a whole strip, found by the hostile-input run: a 500 from
    SearchFacesByImage) is shrunk first: the crop still shows what lies where."""
    h, w = shape
    rgb = np.zeros((h, w, 3), np.uint8)
    if h > w:
        rgb[: h // 2] = 255  # top half white
        src = np.float32([[0, 0], [w, 0], [0, h]])
    else:
        rgb[:, : w // 2] = 255  # left half white
        src = np.float32([[0, 0], [w, 0], [0, h]])
    crop = affine_crop(rgb, src, 192)
    assert crop.shape == (192, 192, 3)
    inner = crop[8:160, 8:160]  # away from the far edges, where the constant border blends in
    first, second = (inner[:70], inner[100:]) if h > w else (inner[:, :70], inner[:, 100:])
    assert first.min() > 200 and second.max() < 50
