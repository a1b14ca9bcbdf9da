"""Gallery and image pages in Chromium: every filter kept in the URL, endless scrolling over several API pages,
thumbnails (never the originals) in the grid, the image page drawn, tags edited, delete with confirmation."""

from __future__ import annotations

import time
from datetime import date, timedelta
from urllib.parse import quote

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.browser.conftest import check_axe, screenshot
from tests.conftest import data

EX = "faces/face_recognition/examples"


def store(url: str, path, features: str, tags: str = "") -> dict:
    with open(path, "rb") as fh:
        r = httpx.post(url + "/v1/images?wait=true", files={"file": (path.name, fh)},
                       data={"features": features, "tags": tags}, timeout=300)
    assert r.status_code == 200, r.text
    return r.json()["data"][0]


@pytest.fixture(scope="module")
def stored(web, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gallery")
    sign = folder / "sign.png"
    im = Image.new("RGB", (900, 260), "white")
    ImageDraw.Draw(im).text((40, 80), "HELLO GALLERY", fill="black",
                            font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 80))
    im.save(sign)
    out = {"people": store(web.url, data(f"{EX}/two_people.jpg"), "labels,faces", "team,office"),
           "sign": store(web.url, sign, "text", "docs")}
    drawn = []  # pictures made here, so the saved screenshots show no third-party photo beyond these examples
    for i, colour in enumerate(["#2a6f97", "#e9c46a"]):
        path = folder / f"shapes{i}.png"
        pic = Image.new("RGB", (640, 480), colour)
        ImageDraw.Draw(pic).ellipse((160 + 40 * i, 90, 480, 410), fill="#f4a261" if i else "#e76f51")
        pic.save(path)
        drawn.append(path)
    out["bulk"] = [store(web.url, p, "moderation", "bulk") for p in
                   [data(f"{EX}/obama_small.jpg"), data(f"{EX}/obama-240p.jpg"), data(f"{EX}/biden.jpg"), *drawn]]
    return out


def ids(pg) -> list[str]:
    return pg.eval_on_selector_all("#grid li", "els => els.map(e => e.dataset.id)")


def wait_grid(pg, n: int | None = None):
    pg.wait_for_function("() => document.querySelector('#grid').dataset.pages > 0", timeout=30_000)
    if n is not None:
        pg.wait_for_function(f"() => document.querySelectorAll('#grid li').length === {n}", timeout=30_000)


def stored_count(url: str) -> int:
    return httpx.get(url + "/v1/images", params={"limit": 1000}, timeout=30).json()["count"]


def test_filters_live_in_the_url(page, stored, web):
    pg = page.goto("/gallery")
    wait_grid(pg, stored_count(web.url))
    pg.fill("#f-label", "person")
    pg.click("#filters button[type=submit]")
    wait_grid(pg, 1)
    assert "label=person" in pg.url and ids(pg) == [stored["people"]["id"]]
    # a bookmarked search opens with its filters filled in and applied
    labels = httpx.get(f"{web.url}/v1/images/{stored['people']['id']}", timeout=30).json()["result"]["labels"]
    indexed: dict[str, float] = {}  # as the pipeline indexes them: a name, its aliases and parents
    for lb in labels:
        for name in [lb["name"], *lb["aliases"], *lb["parents"]]:
            indexed[name.lower()] = max(indexed.get(name.lower(), 0.0), lb["confidence"])
    name, conf = min(indexed.items(), key=lambda kv: kv[1])  # a minimum just above it leaves the photo out
    above = f"label={quote(name)}&min_confidence={conf + 0.01:.2f}"
    for query, expected in [("text=hello", [stored["sign"]["id"]]), ("tag=docs", [stored["sign"]["id"]]),
                            ("tag=team%2Coffice", [stored["people"]["id"]]), (above, [])]:
        pg = page.goto(f"/gallery?{query}")
        wait_grid(pg)
        pg.wait_for_timeout(200)
        assert ids(pg) == expected, query
    assert pg.input_value("#f-min") == f"{conf + 0.01:.2f}"
    assert "No photo matches" in pg.text_content("#status")
    today, yesterday = date.today(), date.today() - timedelta(days=1)
    pg = page.goto(f"/gallery?until={yesterday}")
    wait_grid(pg)
    assert ids(pg) == []
    pg = page.goto(f"/gallery?since={today}&until={today}&tag=bulk")
    wait_grid(pg, 5)
    pg.go_back()
    assert pg.url.endswith(f"until={yesterday}")


def test_endless_scroll_and_thumbnails(page, stored, web):
    total = stored_count(web.url)
    assert total >= 7
    pg = page.goto("/gallery?limit=2")
    pg.set_viewport_size({"width": 1280, "height": 300})
    wait_grid(pg)
    deadline = time.time() + 180  # a bound for a stuck page, not a speed check (a loaded CI machine is slow)
    while len(ids(pg)) < total and time.time() < deadline:  # scroll like a person until the last page is in
        pg.mouse.wheel(0, 2000)
        pg.wait_for_timeout(150)
    assert len(ids(pg)) == total and len(set(ids(pg))) == total
    assert int(pg.get_attribute("#grid", "data-pages")) == (total + 1) // 2  # two a page, one API page at a time
    pg.set_viewport_size({"width": 1280, "height": 900})
    pg.wait_for_function("() => [...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth)",
                         timeout=120_000)
    srcs = pg.eval_on_selector_all("#grid img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth])")
    assert all(src.endswith("/thumbnail") and w <= 320 for src, w in srcs)
    check_axe(pg)
    screenshot(pg, "gallery")


def test_image_page_tags_and_delete(page, stored, web):
    image = stored["people"]
    pg = page.goto("/gallery")
    wait_grid(pg)
    pg.click(f"#grid li[data-id='{image['id']}'] a")
    pg.wait_for_selector("body[data-state=drawn]", timeout=30_000)
    assert pg.locator("svg .item[data-key^='face:']").count() == 2
    pg.fill("#tags", "team, office, Lobby")
    pg.click("#tags-form button")
    pg.wait_for_function("() => document.querySelector('#status').textContent === 'Tags saved.'")
    assert httpx.get(f"{web.url}/v1/images/{image['id']}", timeout=30).json()["tags"] == ["lobby", "office", "team"]
    before = httpx.get(f"{web.url}/v1/images/{image['id']}", timeout=30).json()["analyzed_at"]
    with pg.expect_response(lambda r: r.url.endswith("/analyze?wait=true"), timeout=180_000) as again:
        pg.click("#again")
    assert again.value.status == 200
    pg.wait_for_selector("#status:has-text('Analysed again')")
    assert again.value.json()["analyzed_at"] > before and pg.locator("svg .item[data-key^='face:']").count() == 2
    busy = httpx.post(f"{web.url}/v1/images/{image['id']}/analyze", timeout=30)  # queued: asking again is a 409
    assert busy.status_code == 202
    assert httpx.post(f"{web.url}/v1/images/{image['id']}/analyze", timeout=30).status_code == 409
    check_axe(pg)
    screenshot(pg, "image")
    victim = stored["bulk"][0]
    pg = page.goto(f"/images/{victim['id']}")
    pg.wait_for_selector("#title:not(:text('Image'))")
    pg.click("#delete")
    pg.click("#confirm button[value=cancel]")
    assert httpx.get(f"{web.url}/v1/images/{victim['id']}", timeout=30).status_code == 200
    pg.click("#delete")
    with pg.expect_navigation():
        pg.click("#confirm-delete")
    assert pg.url.endswith("/gallery")
    wait_grid(pg)
    time.sleep(0.2)
    assert victim["id"] not in ids(pg)
    assert httpx.get(f"{web.url}/v1/images/{victim['id']}/original", timeout=30).status_code == 404
    assert not [p for p in (web.data_dir / "objects").rglob("*") if victim["id"] in str(p) and p.is_file()]
    assert not page.errors and not page.dialogs


def test_the_next_page_is_fetched_before_the_person_gets_there_and_only_once(page, stored, web):
    """While the first page is looked at, the next page's thumbnails are already asked for; when the person
    scrolls there, those very tiles are shown: no thumbnail is asked for twice."""
    total = len(httpx.get(f"{web.url}/v1/images", params={"tag": "bulk"}, timeout=30).json()["data"])
    assert total >= 3
    pg = page.page
    asked: list[str] = []
    pg.on("request", lambda r: asked.append(r.url.split("/")[-2]) if r.url.endswith("/thumbnail") else None)
    pg.set_viewport_size({"width": 360, "height": 240})  # the filters fill the screen: one page is shown
    pg = page.goto("/gallery?limit=1&tag=bulk")
    wait_grid(pg)
    deadline = time.time() + 20
    while not set(asked) - set(ids(pg)) and time.time() < deadline:
        pg.wait_for_timeout(100)
    ahead = set(asked) - set(ids(pg))
    assert len(ahead) == 1, (asked, ids(pg))  # the next page's one thumbnail, before any scroll
    while len(ids(pg)) < total and time.time() < deadline + 20:
        pg.mouse.wheel(0, 2000)
        pg.wait_for_timeout(150)
    assert ids(pg)[1] in ahead and len(ids(pg)) == total
    pg.wait_for_function("() => [...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth)")
    assert sorted(asked) == sorted(set(asked)) and set(asked) == set(ids(pg))
    assert not page.errors
