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


def _bool_mask(h, w, boxes):
    mask = np.zeros((h, w), bool)
    for b in boxes:
        mask[int(b.top * h): int((b.top + b.height) * h), int(b.left * w): int((b.left + b.width) * w)] = True
    return mask


@pytest.mark.parametrize("seed", range(5))
def test_box_mask_says_what_a_boolean_mask_says(seed):
    """The foreground/background split without a byte a pixel: the same pixels, in the same order, the same
    samples, as the boolean mask the split used before (issue 9: 160 MB for an 80 MP photo)."""
    from oculi.services.image_properties import SAMPLE, BoxMask, masked_pixels
    from oculi.services.types import Box

    rng = np.random.default_rng(seed)
    h, w = 301, 257
    boxes = [Box(*(float(v) for v in (rng.uniform(0, 0.8), rng.uniform(0, 0.8), rng.uniform(0.05, 0.5),
                                          rng.uniform(0.05, 0.5)))) for _ in range(rng.integers(1, 5))]
    boxes.append(Box(0.9, 0.95, 0.3, 0.3))  # past the photo's edge
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    mask, grid = _bool_mask(h, w, boxes), BoxMask.of_boxes(h, w, boxes)
    for m, g in ((mask, grid), (~mask, ~grid)):
        assert g.count() == np.count_nonzero(m)
        assert np.array_equal(g.pixels(rgb), rgb[m])
        index = rng.integers(0, h * w, 1000)
        assert np.array_equal(g.contains(index), m.ravel()[index])
        ys, xs = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        assert g.bounds() == (ys[0], ys[-1] + 1, xs[0], xs[-1] + 1)
    big = rng.integers(0, 256, (1600, 1500, 3), dtype=np.uint8)  # over 50 x SAMPLE pixels inside: sampled
    half = [Box(0.0, 0.0, 1.0, 0.5)]
    keep = _bool_mask(1600, 1500, half).ravel()
    draws = np.random.default_rng(0).integers(0, keep.size, int(1.5 * SAMPLE * keep.size / keep.sum()))
    expected = big.reshape(-1, 3)[draws[keep[draws]][:SAMPLE]]  # the sample the boolean mask drew
    assert np.array_equal(masked_pixels(big, BoxMask.of_boxes(1600, 1500, half)), expected)
