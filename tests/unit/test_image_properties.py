"""Image quality and colours on images of any legal shape (found by the hostile-input suite: a 500)."""

from __future__ import annotations

import numpy as np
import pytest

from oculi.services.image_properties import image_properties, quality


@pytest.mark.parametrize("shape", [(80, 1_000_000), (1_000_000, 80), (80, 65500), (600, 80)])
def test_extreme_shapes_are_measured(shape):
    h, w = shape
    rgb = np.full((h, w, 3), 255, np.uint8)
    if w >= h:  # half black along the long side: contrast high, brightness half
        rgb[:, : w // 2] = 0
    else:
        rgb[: h // 2] = 0
    q = quality(rgb)
    assert 40 < q.brightness < 60 and q.contrast > 90
    colours = {c.rgb: c.pixel_percent for c in image_properties(rgb).dominant_colors}
    assert set(colours) == {(0, 0, 0), (255, 255, 255)}, colours
    assert all(40 < share < 60 for share in colours.values())
