"""Text reads run side by side on the shared rapidocr sessions, with no engine lock (issue 9): concurrent reads
of different images (a page, strips along and across, both admission classes) answer exactly what each
answers alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from oculi.services.text import detect_text
from tests.conftest import data, load_rgb
from tests.integration.test_text_shapes import _written_strip


def test_concurrent_reads_answer_what_each_answers_alone(models):
    strip = _written_strip()
    images = [load_rgb(data("text/pytesseract/test.png")), strip, np.ascontiguousarray(np.rot90(strip, -1)),
              np.full((80, 80, 3), 255, np.uint8)]
    alone = [detect_text(models, img) for img in images]
    assert alone[0] and alone[1] and alone[2] and alone[3] == []
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda img: detect_text(models, img), images * 2))
    assert together == alone * 2
