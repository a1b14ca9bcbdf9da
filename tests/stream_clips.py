"""Test clips for live streams, made by the tests (320x240, 10 fps, H.264 in MP4; tests/video_clips.py encodes):
nobody, then two known people (Biden and Obama: Obama is the one enrolled), then a cat (PET), then nobody.

The cat is scikit-image's `chelsea.png`, read from the scikit-image wheel that scripts/test downloads into
~/.cache/oculi/wheels (the shared data has no pet photo; the wheel is never installed).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from tests.video_clips import FPS, H, W, encode, people_frame

WHEELS = Path.home() / ".cache" / "oculi" / "wheels"
# frame ranges [first, end) at 10 fps
SCENES = {"empty": (0, 15), "people": (15, 45), "cat": (45, 70), "after": (70, 80)}


def cat_photo() -> np.ndarray:
    wheels = sorted(WHEELS.glob("scikit_image-*.whl"))
    assert wheels, f"no scikit-image wheel in {WHEELS}: scripts/test downloads it (the cat photo of the tests)"
    with zipfile.ZipFile(wheels[-1]) as z:
        return np.asarray(Image.open(io.BytesIO(z.read("skimage/data/chelsea.png"))).convert("RGB"))


def empty_frame() -> np.ndarray:
    return np.full((H, W, 3), (120, 160, 110), np.uint8)  # a green wall


def cat_frame() -> np.ndarray:
    return np.asarray(Image.fromarray(cat_photo()).resize((W, H), Image.BILINEAR))


def frames(scenes: dict[str, tuple[int, int]] = SCENES) -> list[np.ndarray]:
    make = {"empty": empty_frame, "people": people_frame, "cat": cat_frame, "after": empty_frame}
    out = []
    for name, (first, end) in scenes.items():
        img = make[name]()
        out += [img] * (end - first)
    return out


def home_mp4(path: Path) -> Path:
    return encode(frames(), path, fps=FPS, gop=10)


def seconds(scene: str) -> tuple[float, float]:
    first, end = SCENES[scene]
    return first / FPS, end / FPS
