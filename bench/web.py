"""Benchmark the web pages in Chromium (Playwright, Debian's /usr/bin/chromium) against a live `oculi serve`:

- gallery with N stored images (default 10,000): navigation -> the first page of thumbnails drawn (every <img>
  decoded), with the thumbnails already made on the server (warm) and on their very first request (cold), and
  the next page after a scroll to the bottom, at once and after a second spent on the first page (the page
  fetches the next page's list and thumbnails while the person looks);
- Analyze: time from the API's answer to the boxes drawn (the page measures it: performance.now() around the
  drawing, read from body[data-draw-ms]);
- bytes of script and style a first visit to each page downloads, as sent (gzip) and uncompressed.

The stored images are rows written straight into the server's SQLite database, each with its own object key
(hard links to one real photo, so 10,000 originals cost one file); thumbnails are made by the server itself.

Usage: python bench/web.py [--images 10000] [--repeats 5] [--out bench/results/web.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from oculi.storage.db.models import Image  # noqa: E402
from oculi.storage.db.session import session_factory  # noqa: E402
from tests.conftest import Server  # noqa: E402

PHOTO = DATA / "faces/face_recognition/examples/two_people.jpg"
PAGES = ["/", "/compare", "/gallery", "/people", "/door", "/operations"]


def fill(srv: Server, n: int) -> None:
    """n stored images, newest last, each with its own key (hard links to one uploaded original)."""
    with open(PHOTO, "rb") as fh:
        first = httpx.post(srv.url + "/v1/images?wait=true", files={"file": (PHOTO.name, fh)},
                           data={"features": "moderation"}, timeout=300).json()["data"][0]
    original = srv.data_dir / "objects" / first["bucket"] / first["key"]
    folder = srv.data_dir / "objects" / first["bucket"] / "bench"
    folder.mkdir(parents=True)
    sessions = session_factory(f"sqlite:///{(srv.data_dir / 'oculi.db').resolve()}")
    now, rows = time.time() - n, []
    for i in range(n):
        os.link(original, folder / f"{i}.jpg")
        rows.append({"id": str(uuid.uuid4()), "bucket": first["bucket"], "key": f"bench/{i}.jpg",
                     "filename": f"{i}.jpg", "content_type": "image/jpeg", "size": first["size"],
                     "sha256": first["sha256"], "source": "upload", "status": "done", "features": "[]",
                     "collections": "[]", "flagged": False, "text": "", "created_at": now + i})
    with sessions.begin() as s:
        for start in range(0, n, 5000):
            s.execute(Image.__table__.insert(), rows[start:start + 5000])


ALL_DRAWN = "n => { const i = [...document.querySelectorAll('#grid img')];" \
            " return i.length >= n && i.every(x => x.complete && x.naturalWidth > 0); }"


# where the next page's time went, from the Resource Timing entries of its 48 thumbnails (ms from the scroll)
NEXT_PAGE_TIMING = """scrolled => {
    const ids = [...document.querySelectorAll('#grid li')].slice(48, 96).map(li => li.dataset.id);
    const seen = new Map();
    for (const e of performance.getEntriesByType('resource')) {
        const id = (e.name.match(/images\\/([^/]+)\\/thumbnail/) || [])[1];
        if (id && !seen.has(id)) seen.set(id, e);
    }
    const mine = ids.map(id => seen.get(id)).filter(Boolean);
    const med = xs => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null;
    return { fetched: mine.length,
             first_request_from_scroll: Math.min(...mine.map(e => e.startTime)) - scrolled,
             last_response_from_scroll: Math.max(...mine.map(e => e.responseEnd)) - scrolled,
             server_wait_median: med(mine.map(e => e.responseStart - e.requestStart)) };
}"""


def gallery(browser, url: str, dwell: float = 0.0) -> tuple[float, float, dict]:
    """(ms to the first page of thumbnails drawn, ms from the scroll to the next page drawn, where the next page's
    thumbnails were fetched), fresh browser cache; `dwell`: seconds spent looking at the first page before
    scrolling to the bottom."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    start = time.perf_counter()
    pg.goto(url + "/gallery", wait_until="commit")
    pg.wait_for_function(ALL_DRAWN, arg=48, polling="raf", timeout=60_000)
    first = (time.perf_counter() - start) * 1000
    time.sleep(dwell)
    start = time.perf_counter()
    scrolled = pg.evaluate("() => { window.scrollTo(0, document.body.scrollHeight); return performance.now(); }")
    pg.wait_for_function(ALL_DRAWN, arg=96, polling="raf", timeout=60_000)
    nxt = (time.perf_counter() - start) * 1000
    timing = pg.evaluate(NEXT_PAGE_TIMING, scrolled)
    ctx.close()
    return first, nxt, {k: round(v, 1) if isinstance(v, float) else v for k, v in timing.items()}


def analyze(browser, url: str) -> tuple[float, float]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.goto(url + "/")
    pg.set_input_files("#file", str(PHOTO))
    pg.wait_for_selector("body[data-state=drawn]", timeout=120_000)
    out = float(pg.get_attribute("body", "data-draw-ms")), float(pg.get_attribute("body", "data-answer-ms"))
    ctx.close()
    return out


def first_visit_bytes(browser, url: str, path: str) -> dict:
    ctx = browser.new_context()
    pg = ctx.new_page()
    sizes = []

    def done(req):
        if req.resource_type in ("script", "stylesheet"):
            resp = req.response()
            body = resp.body()
            sent = req.sizes()["responseBodySize"]
            sizes.append((req.url, sent, len(body), resp.headers.get("content-encoding")))

    pg.on("requestfinished", done)
    pg.goto(url + path, wait_until="networkidle")
    ctx.close()
    return {"files": len(sizes), "sent_bytes": sum(s[1] for s in sizes), "raw_bytes": sum(s[2] for s in sizes),
            "gzip": all(s[3] == "gzip" for s in sizes if s[2] >= 512)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench/results/web.json"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp), workers=1)
        try:
            fill(srv, args.images)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                cold = gallery(browser, srv.url)  # the server makes the first two pages' thumbnails
                warm = [gallery(browser, srv.url) for _ in range(args.repeats)]
                looked = [gallery(browser, srv.url, dwell=1.0) for _ in range(args.repeats)]
                analyze(browser, srv.url)  # models loaded
                draws = [analyze(browser, srv.url) for _ in range(args.repeats)]
                visits = {p: first_visit_bytes(browser, srv.url, p) for p in PAGES}
                browser.close()
        finally:
            srv.stop()
    result = {
        "images": args.images, "repeats": args.repeats,
        "gallery_first_page_ms": {"cold_thumbnails": round(cold[0]),
                                  "warm_median": round(statistics.median(w[0] for w in warm))},
        "gallery_next_page_ms": {"cold_thumbnails": round(cold[1]),
                                 "warm_median": round(statistics.median(w[1] for w in warm)),
                                 "after_1s_on_the_first_page_median":
                                     round(statistics.median(w[1] for w in looked)),
                                 "runs_ms": [round(w[1]) for w in warm],
                                 "where_the_time_went": [w[2] for w in warm]},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "analyze_answer_to_drawn_ms": {"median": statistics.median(d[0] for d in draws),
                                       "max": max(d[0] for d in draws)},
        "analyze_request_ms_median": round(statistics.median(d[1] for d in draws)),
        "first_visit_script_and_style": visits,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
