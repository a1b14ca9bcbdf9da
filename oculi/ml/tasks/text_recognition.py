"""Text lines and words: RapidOCR (PP-OCRv6 small det/rec + cls) on onnxruntime, models from the rapidocr wheel.

Reference: rapidocr 3.10 `RapidOCR.__call__(..., return_word_box=True)`. Images are passed as arrays
(BGR, as rapidocr expects): a path to a palette PNG yields no text, and a URL-like string is fetched.
An upside-down page is retried rotated by 180 degrees when the first pass reads little or reads it with
low confidence (mean line score < 0.92; an upright page scores ~0.98, the same page upside down ~0.85).

What a read costs is bounded by the image's pixels and a fixed ceiling, never by its shape (issue 9). rapidocr
scales a page's short side up to 736 px for its detector, so a white 80x5000 strip became a 736x46,000 input
(44-69 s and +5.8 GB for a 5 KB PNG), and a 80x10000 one failed in its resize (ResizeImgError, a 500). A page
more than MAX_ASPECT times longer than wide is read as a strip instead: at its own scale (shrunk to at most
STRIP_PIXELS), in tiles of at most TILE px along it that overlap by half, each read by the same sessions with
the detector's input left at the tile's size; a word is kept from the tile whose core holds its centre, and the
pieces of a line cut by tiles are joined again.
Requests are admitted by that cost (oculi.ml.admission) instead of behind one lock: onnxruntime sessions run
concurrently, and rapidocr keeps no state between calls beyond what every call sets to the same values.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from oculi import large_images
from oculi.ml import interfaces, memory
from oculi.ml.admission import Admission

Quad = tuple[tuple[float, float], ...]

MAX_ASPECT = 8  # rapidocr's own width_height_ratio: up to it, its detector input stays under ~4.3 MP
TILE = 2000  # the longest side rapidocr's detector reads (its max_side_len)
STRIP_PIXELS = 3_000_000  # a strip is read at most at this size (its tiles overlap by half: ~6 MP of detector)
HEAVY_PIXELS = 1_000_000  # detector input above which a read is admitted as heavy
DET_MIN_SIDE = 736  # rapidocr's Det.limit_side_len with limit_type "min"


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float  # 0..1
    quad: Quad  # 4 points, pixels, clockwise from top-left
    words: tuple[tuple[str, float, Quad], ...]


def _sleeping_intra_op_threads() -> None:
    """rapidocr builds its own onnxruntime sessions and has no setting for thread spinning, so its session-options
    builder is wrapped to add what oculi.ml.sessions.OnnxSession sets: idle threads sleep. Measured with two
    processes reading a page side by side on 2 cores: 0.84 -> 1.17 pages/s in all, alone 0.93 -> 0.96."""
    from rapidocr.inference_engine.onnxruntime import main as engine

    build = engine.OrtInferSession._init_sess_opts
    if getattr(build, "oculi_no_spin", False):
        return

    def no_spin(cfg):
        options = build(cfg)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    no_spin.oculi_no_spin = True
    engine.OrtInferSession._init_sess_opts = staticmethod(no_spin)


class TextRecognizer(interfaces.TextRecognizer):
    implementation = "rapidocr"
    version = "PP-OCRv6 small, rapidocr 3.10"
    files = ()
    # what a read looks at, at most (services.text.decode_need): a page shrunk to TILE px a side, a strip to
    # STRIP_PIXELS; a large image is decoded no larger than keeps both
    decode_long_side = TILE
    decode_pixels = STRIP_PIXELS

    def _load(self) -> None:
        from rapidocr import RapidOCR

        _sleeping_intra_op_threads()
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # "detection result is empty" for every blank tile
        self.engine = RapidOCR(params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        self.engine.return_word_box = True  # what `engine(img, return_word_box=True)` sets on every call
        self.strip_engine = _strip_engine(self.engine)
        # one large read at a time (a 2000 px page: +0.6-0.75 GB over a warm process while its detector runs), and
        # small ones beside it (up to 1 MP of detector: +50-200 MB each): ~1.8 GB at most for a process
        self.admission = Admission(HEAVY_PIXELS, heavy=1, light=max(2, self.threads))

    def versions(self) -> dict[str, str]:
        from importlib.metadata import version

        return {"text": f"PP-OCRv6 small det/rec (rapidocr=={version('rapidocr')})"}

    @staticmethod
    def _read(engine, bgr: np.ndarray) -> tuple[list[TextLine], int]:
        """The lines read, and how many text regions the detector found (before recognition kept or dropped
        them): `RapidOCR.__call__`'s steps, which hide that count."""
        ori = engine.load_img(bgr)
        img, record = engine.preprocess_img(ori)
        det, cls, rec, crops = engine.run_ocr_steps(img, record)
        regions = len(det)
        out = engine.build_final_output(ori, det, cls, rec, crops, record)
        if out.boxes is None or out.txts is None:
            return [], regions
        lines = []
        words_per_line = out.word_results if out.word_results and len(out.word_results) == len(out.txts) else None
        for i, (box, text, score) in enumerate(zip(out.boxes, out.txts, out.scores, strict=True)):
            words = ()
            if words_per_line is not None:
                words = tuple((w, float(s), tuple(map(tuple, np.asarray(q, float).tolist())))
                              for w, s, q in words_per_line[i] if w and q is not None)
            lines.append(TextLine(text, float(score), tuple(map(tuple, np.asarray(box, float).tolist())), words))
        return lines, regions

    def predict(self, rgb: np.ndarray) -> list[TextLine]:
        h, w = rgb.shape[:2]
        if max(h, w) > MAX_ASPECT * min(h, w):
            ratio = min(1.0, (STRIP_PIXELS / (h * w)) ** 0.5)
            if ratio < 1.0:
                import cv2

                size = (max(1, round(w * ratio)), max(1, round(h * ratio)))
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            read, cost = self._read_strip, 2 * rgb.shape[0] * rgb.shape[1]
        else:
            if max(h, w) > self.engine.max_side_len:
                # rapidocr reads at most max_side_len (2000) px a side: shrink first with its own resize (so its
                # preprocessing is then a no-op and reads the same pixels), not after two full-size copies (BGR,
                # flipped), and without its scaling every line crop back up to the photo's size
                from rapidocr.utils.process_img import reduce_max_side

                rgb = reduce_max_side(rgb, self.engine.max_side_len)[0]
            read, cost = self._read_page, _detector_pixels(*rgb.shape[:2])
        scale_x, scale_y = w / rgb.shape[1], h / rgb.shape[0]
        if self.admission.is_heavy(cost):
            large_images.admit_work()  # held like a large image, before the heavy slot (one order for both)
        with self.admission.slot(cost) as heavy:
            try:
                lines = self._read_upright(rgb, read)
            finally:
                if heavy:
                    memory.trim()
        if (scale_x, scale_y) == (1.0, 1.0):
            return lines

        def up(q: Quad) -> Quad:
            return tuple((min(x * scale_x, w), min(y * scale_y, h)) for x, y in q)

        return [TextLine(t.text, t.score, up(t.quad), tuple((a, b, up(c)) for a, b, c in t.words)) for t in lines]

    def _read_page(self, bgr: np.ndarray) -> tuple[list[TextLine], int]:
        return self._read(self.engine, bgr)

    def _read_strip(self, bgr: np.ndarray) -> tuple[list[TextLine], int]:
        """Tiles along the strip; each word from the tile whose core holds its centre (a word shorter than the
        overlap is whole in that tile), then the pieces of a line cut by the tiles joined again."""
        axis = 0 if bgr.shape[1] >= bgr.shape[0] else 1  # 0: the strip runs along x
        pieces, regions = [], 0
        for k, (start, end, lo, hi) in enumerate(strip_tiles(bgr.shape[1 - axis], TILE)):
            part = np.ascontiguousarray(bgr[:, start:end] if axis == 0 else bgr[start:end])
            lines, found = self._read(self.strip_engine, part)
            regions += found
            for line in lines:
                line = _kept(_shifted(line, start, axis), lo, hi, axis)
                if line is not None:
                    pieces.append((k, line))
        return _join(pieces, axis), regions

    def _read_upright(self, rgb: np.ndarray, read: Callable[[np.ndarray], tuple[list[TextLine], int]]) \
            -> list[TextLine]:
        """Read, and read again upside down when little was read; not when the detector found no text region at
        all (a blank page read twice cost twice: 23 s for a white 2000 px page on 2 busy cores)."""
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        lines, regions = read(bgr)
        mean_score = sum(t.score for t in lines) / len(lines) if lines else 0.0
        if regions and (sum(len(t.text) for t in lines) < 8 or mean_score < 0.92):
            flipped = read(np.ascontiguousarray(bgr[::-1, ::-1]))[0]
            if sum(len(t.text) * t.score for t in flipped) > 1.5 * sum(len(t.text) * t.score for t in lines):
                h, w = rgb.shape[:2]

                def back(q):
                    return tuple((w - x, h - y) for x, y in q[2:] + q[:2])

                lines = [TextLine(t.text, t.score, back(t.quad), tuple((a, b, back(c)) for a, b, c in t.words))
                         for t in flipped]
        return lines


def _strip_engine(engine):
    """A second view of `engine` for strip tiles, sharing its onnxruntime sessions (no memory for weights): the
    detector reads a tile at its own size (limit_type "max" instead of scaling the short side up to 736), no
    black bands are added above and below wide tiles (rapidocr's vertical padding, there for that upscale),
    and no line is turned by the 0/180 classifier."""
    det = copy.copy(engine._load_det_model())
    engine._load_cls_model()  # loaded now, so that the copy shares them instead of loading its own
    engine._load_rec_model()
    det.limit_type, det.limit_side_len = "max", TILE
    strip = copy.copy(engine)
    strip.cfg = copy.deepcopy(engine.cfg)
    strip.cfg.Global.use_vertical_padding = False
    # the 0/180 classifier squeezes a line crop to 192 px wide: on a tile-long line it turned whole tiles
    # upside down (a 2000 px line read as "NG I D D LIN"); an upside-down strip is the flipped read's job
    strip.use_cls = False
    strip.text_det = det
    return strip


def _detector_pixels(h: int, w: int) -> float:
    """The size of rapidocr's detector input for a page of h x w (at most 2000 px a side): short side to 736."""
    short = min(h, w)
    return h * w * (DET_MIN_SIDE / short) ** 2 if short < DET_MIN_SIDE else float(h * w)


def strip_tiles(length: int, tile: int) -> list[tuple[int, int, float, float]]:
    """(start, end, core start, core end) of tiles of at most `tile` px overlapping by at least half of one;
    the cores split each overlap in its middle and together cover [0, length) once."""
    if length <= tile:
        return [(0, length, 0.0, float(length))]
    starts = list(range(0, length - tile, tile // 2)) + [length - tile]
    ends = [s + tile for s in starts]
    bounds = [0.0] + [(starts[i + 1] + ends[i]) / 2 for i in range(len(starts) - 1)] + [float(length)]
    return [(s, e, bounds[i], bounds[i + 1]) for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


def _shift(q: Quad, by: float, axis: int) -> Quad:
    return tuple((x + by, y) if axis == 0 else (x, y + by) for x, y in q)


def _shifted(line: TextLine, by: int, axis: int) -> TextLine:
    return TextLine(line.text, line.score, _shift(line.quad, by, axis),
                    tuple((t, s, _shift(q, by, axis)) for t, s, q in line.words))


def _centre(q: Quad, axis: int) -> float:
    return sum(p[axis] for p in q) / len(q)


def _extent(q: Quad, axis: int) -> tuple[float, float]:
    return min(p[axis] for p in q), max(p[axis] for p in q)


def _rect(quads) -> Quad:
    xs = [p[0] for q in quads for p in q]
    ys = [p[1] for q in quads for p in q]
    return (min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))


def _sep(text: str) -> str:
    """How words of this text are joined: CJK "words" are single characters, written without spaces."""
    return "" if " " not in text.strip() and any(ord(ch) >= 0x2E80 for ch in text) else " "


def _kept(line: TextLine, lo: float, hi: float, axis: int) -> TextLine | None:
    """The part of a tile's line that belongs to the tile's core [lo, hi): its words whose centre is there."""
    if not line.words:
        return line if lo <= _centre(line.quad, axis) < hi else None
    keep = [i for i, w in enumerate(line.words) if lo <= _centre(w[2], axis) < hi]
    if len(keep) == len(line.words):
        return line
    if not keep:
        return None
    words = tuple(line.words[i] for i in keep)
    return TextLine(_part_of(line, keep[0], keep[-1] + 1), line.score, _rect([w[2] for w in words]), words)


def _part_of(line: TextLine, i: int, j: int) -> str:
    """The line's text of its words i..j-1. rapidocr's word boxes split a line's text less well than the text
    itself ("WHEN" came as "W" and "HEN"): cut the line's own text where those words' characters are."""
    chars = [k for k, ch in enumerate(line.text) if not ch.isspace()]
    counts = [sum(not ch.isspace() for ch in w[0]) for w in line.words]
    if sum(counts) != len(chars) or not sum(counts[i:j]):
        return _sep(line.text).join(w[0] for w in line.words[i:j])
    first = sum(counts[:i])
    return line.text[chars[first]: chars[first + sum(counts[i:j]) - 1] + 1]


def _continues(a: TextLine, b: TextLine, axis: int) -> bool:
    """Whether b, read in the next tile, goes on with line a: both run along the strip, side by side across
    it, and the gap between them is no wider than about one character."""
    a0, a1 = _extent(a.quad, axis)
    b0, b1 = _extent(b.quad, axis)
    c = 1 - axis
    ac0, ac1 = _extent(a.quad, c)
    bc0, bc1 = _extent(b.quad, c)
    thick = min(ac1 - ac0, bc1 - bc0)
    if thick <= 0 or a1 - a0 < ac1 - ac0 or b1 - b0 < bc1 - bc0:
        return False  # a line that reads across the strip is never continued along it
    return min(ac1, bc1) - max(ac0, bc0) >= thick / 2 and -thick <= b0 - a1 <= 1.5 * thick


def _join(pieces: list[tuple[int, TextLine]], axis: int) -> list[TextLine]:
    pieces = sorted(pieces, key=lambda p: _extent(p[1].quad, axis)[0])
    out: list[tuple[int, TextLine]] = []
    for k, line in pieces:
        for i in range(len(out) - 1, max(len(out) - 32, 0) - 1, -1):  # the lines ending last: a bounded look
            k0, prev = out[i]
            if k0 != k and _continues(prev, line, axis):
                n0, n1 = len(prev.text), len(line.text)
                score = (prev.score * n0 + line.score * n1) / max(n0 + n1, 1)
                words = prev.words + line.words if prev.words and line.words else ()
                text = prev.text + _sep(prev.text + line.text) + line.text
                out[i] = (k, TextLine(text, score, _rect([prev.quad, line.quad]), words))
                break
        else:
            out.append((k, line))
    return [line for _, line in out]
