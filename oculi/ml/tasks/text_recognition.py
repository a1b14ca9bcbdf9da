"""Text lines and words: RapidOCR (PP-OCRv6 small det/rec + cls) on onnxruntime, models from the rapidocr wheel.

Reference: rapidocr 3.10 `RapidOCR.__call__(..., return_word_box=True)`. Images are passed as arrays
(BGR, as rapidocr expects): a path to a palette PNG yields no text, and a URL-like string is fetched.
An upside-down page is retried rotated by 180 degrees when the first pass reads little or reads it with
low confidence (mean line score < 0.92; an upright page scores ~0.98, the same page upside down ~0.85).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from oculi.ml.base import Task

Quad = tuple[tuple[float, float], ...]


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


class TextRecognizer(Task):
    name = "text"
    files = ()

    def _load(self) -> None:
        from rapidocr import RapidOCR

        _sleeping_intra_op_threads()
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        self.engine = RapidOCR(params={
            "Global.log_level": "warning",
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })

    def versions(self) -> dict[str, str]:
        from importlib.metadata import version

        return {"text": f"PP-OCRv6 small det/rec (rapidocr=={version('rapidocr')})"}

    def _read(self, bgr: np.ndarray) -> list[TextLine]:
        with self.lock:
            out = self.engine(bgr, return_word_box=True)
        if out.boxes is None or out.txts is None:
            return []
        lines = []
        words_per_line = out.word_results if out.word_results and len(out.word_results) == len(out.txts) else None
        for i, (box, text, score) in enumerate(zip(out.boxes, out.txts, out.scores, strict=True)):
            words = ()
            if words_per_line is not None:
                words = tuple((w, float(s), tuple(map(tuple, np.asarray(q, float).tolist())))
                              for w, s, q in words_per_line[i] if w and q is not None)
            lines.append(TextLine(text, float(score), tuple(map(tuple, np.asarray(box, float).tolist())), words))
        return lines

    def predict(self, rgb: np.ndarray) -> list[TextLine]:
        h, w = rgb.shape[:2]
        scale_x = scale_y = 1.0
        if max(h, w) > self.engine.max_side_len:
            # rapidocr reads at most max_side_len (2000) px a side: shrink first with its own resize (so its
            # preprocessing is then a no-op and reads the same pixels), not after two full-size copies (BGR,
            # flipped), and without its scaling every line crop back up to the photo's size
            from rapidocr.utils.process_img import reduce_max_side

            rgb, scale_y, scale_x = reduce_max_side(rgb, self.engine.max_side_len)
        lines = self._read_upright(rgb)
        if (scale_x, scale_y) == (1.0, 1.0):
            return lines

        def up(q: Quad) -> Quad:
            return tuple((min(x * scale_x, w), min(y * scale_y, h)) for x, y in q)

        return [TextLine(t.text, t.score, up(t.quad), tuple((a, b, up(c)) for a, b, c in t.words)) for t in lines]

    def _read_upright(self, rgb: np.ndarray) -> list[TextLine]:
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        lines = self._read(bgr)
        mean_score = sum(t.score for t in lines) / len(lines) if lines else 0.0
        if sum(len(t.text) for t in lines) < 8 or mean_score < 0.92:
            flipped = self._read(np.ascontiguousarray(bgr[::-1, ::-1]))
            if sum(len(t.text) * t.score for t in flipped) > 1.5 * sum(len(t.text) * t.score for t in lines):
                h, w = rgb.shape[:2]

                def back(q):
                    return tuple((w - x, h - y) for x, y in q[2:] + q[:2])

                lines = [TextLine(t.text, t.score, back(t.quad), tuple((a, b, back(c)) for a, b, c in t.words))
                         for t in flipped]
        return lines
