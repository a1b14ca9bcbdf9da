"""Face photos for recall and false-face measurements, shared by tests/models and bench/face_detection.py.

- group photos of ../shared/data whose file names list the people in them;
- photos composed here: single-person portraits, each cut around its face and pasted so that the face is
  30-50 px wide, onto a 1,300 px background photo with no person in it (VOC ground truth), as a family photo
  taken from a few metres away looks;
- photos without faces: the VOC photos with no person, the no-face photo, text pages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import SHARED_DATA, load_rgb

FACES = SHARED_DATA / "faces"
VOC = SHARED_DATA / "objects/voc2007"
FR = FACES / "face_recognition/examples"
AWS = FACES / "aws-rekognition-lambda"

# photo -> the number of upright faces a person looking at it sees. Trudeau-Obama-Lawrence holds a third face
# in a photo pasted into it, turned ~60 degrees: neither detector finds it (counted 2); obama_and_biden has a
# girl at the bottom right beside the two men its name lists (counted 3).
GROUPS = {
    AWS / "Justin-Trudeau-Barack-Obama-Lawrence.jpg": 2,
    AWS / "Justin-Trudeau-Barack-Obama.jpg": 2,
    AWS / "Keanu-Avril-Lawrence.jpg": 3,
    AWS / "Keanu-Avril-Mike.jpg": 3,
    FR / "two_people.jpg": 2,
    FR / "knn_examples/test/obama_and_biden.jpg": 3,
    FR / "knn_examples/test/kit_with_rose.jpg": 2,
    FACES / "openface/longoria-cooper.jpg": 2,
}
PORTRAITS = [
    FR / "obama.jpg", FR / "biden.jpg", FR / "alex-lacamoire.png", FR / "lin-manuel-miranda.png",
    FR / "knn_examples/train/kit_harington/john1.jpeg", FR / "knn_examples/train/rose_leslie/img1.jpg",
    FACES / "openface/adams.jpg", FACES / "openface/carell.jpg", FACES / "openface/clapton-1.jpg",
    FACES / "openface/lennon-1.jpg", AWS / "Avril-Lavigne.jpg", AWS / "Jim-Carrey.jpg", AWS / "Keanu-Reeves.jpg",
    AWS / "Mike-Meyers.jpg", AWS / "smiling-lady.jpg", AWS / "Lawrence2.jpg",
]


def voc_without_people() -> list[Path]:
    out = []
    for truth in sorted((VOC / "ground-truth").glob("*.txt")):
        if "person" not in truth.read_text().split():
            image = VOC / "images-optional" / f"{truth.stem}.jpg"
            if image.is_file():
                out.append(image)
    return out


def no_face_photos() -> list[Path]:
    pages = [SHARED_DATA / "text/tesseract/phototest.tif", SHARED_DATA / "text/pytesseract/test-european.jpg"]
    return [AWS / "no-face.jpg", *[p for p in pages if p.is_file()], *voc_without_people()]


@dataclass(frozen=True)
class Composed:
    rgb: np.ndarray
    faces: list[tuple[float, float, float, float]]  # where each pasted face is (x0, y0, x1, y1 px)


def compose(heads: list[tuple[np.ndarray, tuple[float, float, float, float]]], background: np.ndarray,
            seed: int, width: int = 1300, face_px: tuple[int, int] = (30, 50)) -> Composed:
    """Paste each (portrait, its face box) so the face is `face_px` wide, side by side like people standing in
    a row, onto `background` scaled to `width` px. The cut is 2.4 face widths wide and 3 tall (head and
    shoulders), so no pasted face touches another."""
    rnd = random.Random(seed)
    h0, w0 = background.shape[:2]
    height = round(h0 * width / w0)
    canvas = cv2.resize(background, (width, height), interpolation=cv2.INTER_CUBIC)
    slot = width // max(1, len(heads))
    boxes = []
    for i, (rgb, (x0, y0, x1, y1)) in enumerate(heads):
        target = rnd.randint(*face_px)
        s = target / (x1 - x0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, top, bottom = 1.2 * (x1 - x0), 1.0 * (y1 - y0), 2.0 * (y1 - y0)
        cut = (max(0, int(cx - half_w)), max(0, int(cy - top)), min(rgb.shape[1], int(cx + half_w)),
               min(rgb.shape[0], int(cy + bottom)))
        piece = rgb[cut[1]:cut[3], cut[0]:cut[2]]
        pw, ph = max(1, round(piece.shape[1] * s)), max(1, round(piece.shape[0] * s))
        piece = cv2.resize(piece, (pw, ph), interpolation=cv2.INTER_AREA)
        px = min(width - pw, i * slot + rnd.randint(0, max(0, slot - pw)))
        py = min(height - ph, rnd.randint(height // 3, max(height // 3, height - ph)))
        canvas[py:py + ph, px:px + pw] = piece
        boxes.append((px + (x0 - cut[0]) * s, py + (y0 - cut[1]) * s, px + (x1 - cut[0]) * s,
                      py + (y1 - cut[1]) * s))
    return Composed(canvas, boxes)


def composed_photos(face_box, count: int = 6, per_photo: int = 5) -> list[Composed]:
    """`count` photos of `per_photo` people each; `face_box(rgb)` gives a portrait's face box (its largest)."""
    heads = []
    for path in PORTRAITS:
        rgb = load_rgb(path)
        heads.append((rgb, face_box(rgb)))
    backgrounds = voc_without_people()
    rnd = random.Random(11)
    out = []
    for n in range(count):
        chosen = rnd.sample(heads, per_photo)
        out.append(compose(chosen, load_rgb(backgrounds[n % len(backgrounds)]), seed=n))
    return out


def hits(found: list[tuple[float, float, float, float]], truth: list[tuple[float, float, float, float]]
         ) -> tuple[int, int]:
    """(true faces found, detections on no true face): a detection finds a face when its centre is inside it."""
    matched, false = set(), 0
    for x0, y0, x1, y1 in found:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        inside = [i for i, (a, b, c, d) in enumerate(truth) if a <= cx <= c and b <= cy <= d]
        if inside:
            matched.add(inside[0])
        else:
            false += 1
    return len(matched), false
