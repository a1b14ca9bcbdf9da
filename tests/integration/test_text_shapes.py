"""DetectText on legal images of extreme shape (issue 9), through boto3 and the upload pipeline.

An 80x10000 PNG or 10000x80 JPEG was a 500 (rapidocr's ResizeImgError) and, uploaded, was retried three times;
a white 80x5000 PNG (5 KB) took 44-69 s and +5.8 GB; and one text engine behind one lock made an 80x80 image
wait for whatever read was running. Bound documented here: reading any strip (one side more than 8 times the
other) raises a warmed-up process's peak memory by less than STRIP_PEAK_GROWTH.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import assert_shape

STRIP_PEAK_GROWTH = 256 * 1024**2  # measured: +0 MB above a warm 640x480 read (before: +5.8 GB on 80x5000)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core, installed by scripts/test
WORDS = ["OCULI", "READS", "EVERY", "WORD", "ALONG", "THIS", "LONG", "THIN", "STRIP", "OF", "PAPER", "WITHOUT",
         "DROPPING", "ANY", "TEXT", "BETWEEN", "TILES", "EVEN", "WHEN", "A", "LINE", "CROSSES", "THE", "EDGE"]


def _encode(img: Image.Image | np.ndarray, fmt: str = "PNG") -> bytes:
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def _white(w: int, h: int, fmt: str = "PNG") -> bytes:
    return _encode(Image.new("RGB", (w, h), "white"), fmt)


def _written_strip() -> np.ndarray:
    """WORDS in one line along a white 10000x80 strip (3,400 px of text: it crosses several 2000 px tiles)."""
    img = Image.new("RGB", (10000, 80), "white")
    ImageDraw.Draw(img).text((20, 12), " ".join(WORDS), fill="black", font=ImageFont.truetype(FONT, 44))
    return np.asarray(img)


def _detect(client, data: bytes) -> dict:
    out = client.detect_text(Image={"Bytes": data})
    assert_shape("DetectText", out)
    return out


def test_detect_text_answers_images_of_extreme_shape(srv):
    client = srv.client()
    for w, h, fmt in ((80, 10000, "PNG"), (10000, 80, "JPEG"), (80, 5000, "PNG"), (20000, 80, "PNG")):
        out = _detect(client, _white(w, h, fmt))  # a 500 raises ClientError(InternalServerError)
        assert out["TextDetections"] == [], (w, h, fmt)
        assert out["TextModelVersion"]


def test_text_written_along_a_thin_strip_is_read(srv):
    """Read in tiles, each word once, the line joined again across tiles: horizontal, and turned either way."""
    client = srv.client()
    strip = _written_strip()
    for name, rgb in (("along x", strip), ("down y", np.rot90(strip, -1)), ("up y", np.rot90(strip, 1))):
        out = _detect(client, _encode(np.ascontiguousarray(rgb)))["TextDetections"]
        words = Counter(d["DetectedText"] for d in out if d["Type"] == "WORD")
        lines = [d["DetectedText"] for d in out if d["Type"] == "LINE"]
        assert sum(1 for w in WORDS if w in words) >= 0.9 * len(WORDS), (name, lines)
        assert all(words[w] <= WORDS.count(w) for w in words), (name, words)  # nothing read twice
        assert max(len(line.split()) for line in lines) >= 0.9 * len(WORDS), (name, lines)  # one line again


MEASURE = """
import json, resource, sys
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from oculi.config import Settings
from oculi.services.analysis import Analyzer
from oculi.services.text import detect_text

models = Analyzer(Settings()).models
page = Image.new("RGB", (640, 480), "white")
ImageDraw.Draw(page).text((40, 200), "Warm up the reader", fill="black", font=ImageFont.truetype(sys.argv[1], 40))
detect_text(models, np.asarray(page))  # every session loaded and run once
warm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
growth = {}
for w, h in ((80, 5000), (80, 20000), (20000, 80)):
    detect_text(models, np.full((h, w, 3), 255, np.uint8))
    growth[f"{w}x{h}"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - warm
print(json.dumps(growth))
"""


def test_reading_a_strip_costs_no_more_memory_than_a_small_page(pack):
    """The process's peak (VmHWM) after a warm-up read, then after each strip, in a fresh process."""
    run = subprocess.run([sys.executable, "-c", MEASURE, FONT], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    growth = json.loads(run.stdout.strip().splitlines()[-1])
    assert all(g < STRIP_PEAK_GROWTH for g in growth.values()), {k: f"+{v / 1024**2:.0f} MB" for k, v in growth.items()}


def _page_of_text() -> bytes:
    """A 2000 px page full of lines: the largest page rapidocr reads, one of its slowest."""
    img = Image.new("RGB", (2000, 2000), "white")
    draw, font = ImageDraw.Draw(img), ImageFont.truetype(FONT, 36)
    for row in range(40):
        draw.text((40, 20 + row * 49), f"line {row:02d} " + " ".join(WORDS[row % 7: row % 7 + 12]), fill="black",
                  font=font)
    return _encode(img)


def test_a_slow_read_does_not_hold_up_a_small_one(srv):
    """A small image sent while a large page is being read is answered first (one engine behind one lock
    answered it after the page). Order, not wall-clock thresholds."""
    small, page = _white(80, 80), _page_of_text()
    slow_client, small_client = srv.client(), srv.client()
    _detect(small_client, small)  # models loaded in the API process
    done: dict[str, float] = {}

    def read_page():
        _detect(slow_client, page)
        done["page"] = time.monotonic()

    thread = threading.Thread(target=read_page)
    thread.start()
    time.sleep(1.5)  # the page is decoded (~0.1 s) and being read
    assert "page" not in done, "the page read too fast to hold anything up: make it larger"
    _detect(small_client, small)
    done["small"] = time.monotonic()
    thread.join(timeout=600)
    assert done["small"] < done["page"], done


def test_an_upload_of_extreme_shape_is_analysed_once(srv):
    """Through the pipeline: done on the first attempt (it failed, and was retried twice with back-off)."""
    r = httpx.post(f"{srv.url}/v1/images", params={"wait": "true"}, data={"features": "text"},
                   files=[("files", ("strip.jpg", _white(10000, 80, "JPEG")))], timeout=300)
    assert r.status_code < 300, r.text
    (img,) = r.json()["data"]
    assert img["status"] == "done", img
    jobs = httpx.get(f"{srv.url}/v1/jobs", params={"kind": "analyze"}).json()["data"]
    (job,) = [j for j in jobs if j["ref"] == img["id"]]
    assert (job["state"], job["attempts"]) == ("done", 1), job
