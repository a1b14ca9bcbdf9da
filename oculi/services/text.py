"""DetectText: LINE and WORD detections with ids, parents, boxes and polygons; filters as Rekognition.

Rekognition reads up to 100 words per image; lines whose words would pass that limit are dropped whole.
Where the OCR gives no word boxes for a line, the line box is split in proportion to character counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.ml.base import Models
from oculi.ml.interfaces import TextRecognizer
from oculi.services.imaging import Need
from oculi.services.types import Box, Point

MAX_WORDS = 100


@dataclass(frozen=True)
class TextDetection:
    text: str
    type: str  # LINE | WORD
    id: int
    parent_id: int | None
    confidence: float
    box: Box
    polygon: tuple[Point, ...]


@dataclass(frozen=True)
class WordFilter:
    min_confidence: float = 0.0
    min_box_height: float = 0.0
    min_box_width: float = 0.0


def decode_need(models: Models) -> Need:
    """What DetectText's image must keep when it is large: the text reader looks at a page at most
    `decode_long_side` px long and at a strip at most `decode_pixels` big (an 80 MP page then decodes at 2236 px a
    side, not as 240 MB of RGB held while the detector runs). Boxes are ratios, so the answer does not change."""
    reader = models.model_class(TextRecognizer)
    return Need(long_side=getattr(reader, "decode_long_side", 0), pixels=getattr(reader, "decode_pixels", 0))


def _geometry(quad, w: int, h: int) -> tuple[Box, tuple[Point, ...]]:
    q = np.asarray(quad, float)
    box = Box.from_corners(q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max(), w, h)
    return box, tuple(Point(float(np.clip(x / w, 0, 1)), float(np.clip(y / h, 0, 1))) for x, y in q)


def _split_words(text: str, quad) -> list[tuple[str, tuple]]:
    q = np.asarray(quad, float)
    words, total = text.split(), max(len(text), 1)
    out, pos = [], 0
    for word in words:
        start = text.index(word, pos)
        pos = start + len(word)
        a, b = start / total, pos / total
        top = q[0] + (q[1] - q[0]) * a, q[0] + (q[1] - q[0]) * b
        bottom = q[3] + (q[2] - q[3]) * a, q[3] + (q[2] - q[3]) * b
        out.append((word, (tuple(top[0]), tuple(top[1]), tuple(bottom[1]), tuple(bottom[0]))))
    return out


def _inside(box: Box, regions: list[Box]) -> bool:
    if not regions:
        return True
    cx, cy = box.left + box.width / 2, box.top + box.height / 2
    return any(r.left <= cx <= r.left + r.width and r.top <= cy <= r.top + r.height for r in regions)


def detect_text(models: Models, rgb: np.ndarray, word_filter: WordFilter | None = None,
                regions: list[Box] | None = None) -> list[TextDetection]:
    h, w = rgb.shape[:2]
    wf = word_filter or WordFilter()
    lines, words, n_words = [], [], 0
    ordered = sorted(models.get(TextRecognizer).predict(rgb), key=lambda t: (min(p[1] for p in t.quad), t.quad[0][0]))
    for line in ordered:
        conf = line.score * 100
        box, poly = _geometry(line.quad, w, h)
        if conf < wf.min_confidence or box.height < wf.min_box_height or box.width < wf.min_box_width:
            continue
        if not _inside(box, regions or []):
            continue
        parts = [(t, q) for t, _, q in line.words] if line.words else []
        if not parts or " ".join(p[0] for p in parts).split() != line.text.split():
            parts = _split_words(line.text, line.quad)
        if n_words + len(parts) > MAX_WORDS:
            break
        line_id = len(lines)
        lines.append(TextDetection(line.text, "LINE", line_id, None, conf, box, poly))
        for text, quad in parts:
            wbox, wpoly = _geometry(quad, w, h)
            words.append((text, line_id, conf, wbox, wpoly))
        n_words += len(parts)
    out = list(lines)
    for i, (text, parent, conf, wbox, wpoly) in enumerate(words):
        out.append(TextDetection(text, "WORD", len(lines) + i, parent, conf, wbox, wpoly))
    return out
