"""Analyze (the home page) in Chromium: a dropped photo is drawn where the API says, the slider filters at once,
the JSON tab is the API's answer, the boto3 snippet runs as is, and text from an image is never markup."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os

from PIL import Image, ImageDraw, ImageFont

from oculi.api.results import ResultV1
from tests.browser.conftest import check_axe, drop_files, screenshot
from tests.conftest import data

PHOTO = "faces/face_recognition/examples/two_people.jpg"  # two faces, two people (objects), a little text


def _analyse(page, path, features=("labels", "faces", "text", "moderation")):
    pg = page.goto("/")
    for box in pg.locator("input[name=feature]").all():
        box.set_checked(box.get_attribute("value") in features)
    with pg.expect_response(lambda r: r.url.endswith("/v1/analyze"), timeout=180_000) as answer:
        drop_files(pg, "#drop", [path])
    pg.wait_for_selector("body[data-state=drawn]", timeout=30_000)
    assert answer.value.status == 200
    return pg, answer.value.json()


def _rect(pg, key: str, nth: int = 0) -> dict:
    return pg.evaluate("""([key, nth]) => {
        const r = document.querySelectorAll(`svg .item[data-key="${key}"] rect.shape`)[nth];
        return { x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"),
                 h: +r.getAttribute("height") };
    }""", [key, nth])


def test_boxes_slider_json_and_linking(page):
    pg, result = _analyse(page, data(PHOTO))
    natural = pg.evaluate("(() => { const i = document.querySelector('#stage img');"
                          " return [i.naturalWidth, i.naturalHeight]; })()")
    assert natural == [result["image"]["width"], result["image"]["height"]]
    assert pg.evaluate("document.querySelector('#stage svg').getAttribute('viewBox')") == \
        f"0 0 {natural[0]} {natural[1]}"
    W, H = natural
    assert len(result["faces"]) == 2 and any(lb["instances"] for lb in result["labels"])
    for i, face in enumerate(result["faces"]):
        b, r = face["box"], _rect(pg, f"face:{i}")
        assert abs(r["x"] - b["left"] * W) <= 2 and abs(r["y"] - b["top"] * H) <= 2
        assert abs(r["w"] - b["width"] * W) <= 2 and abs(r["h"] - b["height"] * H) <= 2
    for i, label in enumerate(result["labels"]):
        for j, b in enumerate(inst["box"] for inst in label["instances"]):
            r = _rect(pg, f"label:{i}", j)
            assert abs(r["x"] - b["left"] * W) <= 2 and abs(r["w"] - b["width"] * W) <= 2
            assert abs(r["y"] - b["top"] * H) <= 2 and abs(r["h"] - b["height"] * H) <= 2
    # the drawing is in the photo's own coordinates: shown smaller, the boxes keep their place on the photo
    pg.set_viewport_size({"width": 700, "height": 900})
    img_box = pg.locator("#stage img").bounding_box()
    face_box = pg.locator('svg .item[data-key="face:0"] rect.shape').bounding_box()
    scale = img_box["width"] / W
    assert abs(face_box["x"] - (img_box["x"] + result["faces"][0]["box"]["left"] * W * scale)) <= 3
    pg.set_viewport_size({"width": 1280, "height": 900})

    # the slider: between the two faces' confidences, one face box hides, at once, with no request
    confs = sorted(f["confidence"] for f in result["faces"])
    cut = (confs[0] + confs[1]) / 2
    requests = []
    pg.on("request", lambda r: requests.append(r.url) if "/v1/" in r.url else None)
    pg.locator("#min-confidence").fill(str(round(cut)))
    for i, face in enumerate(result["faces"]):
        visible = pg.locator(f'svg .item[data-key="face:{i}"]').is_visible()
        assert visible == (face["confidence"] >= round(cut)), (i, face["confidence"], cut)
    assert not requests
    pg.locator("#min-confidence").fill("0")

    # the JSON tab is the API's answer
    pg.get_by_role("tab", name="JSON").click()
    assert json.loads(pg.locator("#panel-json code").text_content()) == result

    # hover a row -> its box lights; click a box -> its row is selected
    pg.get_by_role("tab", name="Faces").click()
    pg.locator('#panel-faces tr[data-key="face:1"]').hover()
    assert "hl" in pg.locator('svg .item[data-key="face:1"]').get_attribute("class")
    pg.locator('svg .item[data-key="face:0"] rect.shape').click(force=True)
    assert "selected" in pg.locator('#panel-faces tr[data-key="face:0"]').get_attribute("class")
    assert pg.locator("#panel-faces tbody tr").count() == 2
    headers = pg.locator("#panel-faces th").all_text_contents()  # a row per face with every attribute
    assert {"Age", "Gender", "Emotions", "Smile", "Eyes open", "Mouth open", "Looking (yaw, pitch)"} <= set(headers)
    first = result["faces"][0]
    cells = pg.locator('#panel-faces tr[data-key="face:0"] td').all_text_contents()
    assert cells[headers.index("Age")] == "{}–{}".format(*first["attributes"]["age_range"])
    assert cells[headers.index("Gender")].startswith(first["attributes"]["gender"][0])
    check_axe(pg)
    screenshot(pg, "analyze")
    assert not page.errors and not page.dialogs


def test_boto3_snippet_runs_as_is(page, tmp_path):
    path = data(PHOTO)
    pg, result = _analyse(page, path, features=("labels",))
    pg.get_by_role("tab", name="Code").click()
    code = pg.locator("code.code-boto3").text_content()
    assert "detect_labels" in code and page.base in code
    (tmp_path / path.name).write_bytes(path.read_bytes())
    here, out, scope = os.getcwd(), io.StringIO(), {}
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "snippet.py", "exec"), scope)  # noqa: S102 (the page's code, run as a reader would)
    finally:
        os.chdir(here)
    got = [lb["Name"] for lb in scope["labels"]["Labels"]]
    assert got[0] == result["labels"][0]["name"]  # the same top label, and the same set above the borderline
    assert {n for n in got} >= {lb["name"] for lb in result["labels"] if lb["confidence"] >= 60}
    assert got[0] in out.getvalue()
    screenshot(pg, "analyze-code")


def test_text_from_an_image_is_text_not_markup(page, tmp_path):
    payload = "<img src=x onerror=alert(1)>"
    im = Image.new("RGB", (1400, 300), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 64)
    ImageDraw.Draw(im).text((40, 110), payload, fill="black", font=font)
    path = tmp_path / "xss.png"
    im.save(path)
    pg, result = _analyse(page, path, features=("text", "labels"))
    assert [t["text"] for t in result["text"] if t["type"] == "LINE"] == [payload]
    pg.get_by_role("tab", name="Text").click()
    assert pg.locator("#panel-text td").first.text_content() == payload  # the words, shown as words
    assert pg.evaluate("document.querySelectorAll('img[src=\"x\"], img[src$=\"/x\"]').length") == 0
    assert payload in pg.locator("svg .item[data-key='text:0'] title").text_content()
    pg.wait_for_timeout(300)
    assert not page.dialogs and not page.errors


def test_wrong_file_type_says_so(page, tmp_path):
    pg = page.goto("/")
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    pg.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["not an image"], "notes.txt", { type: "text/plain" }));
        document.querySelector('#drop').dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true,
                                                                                 dataTransfer: dt }));
    }""")
    assert "Not an image: notes.txt" in pg.locator("#status").text_content()
    # a file that claims to be an image but is not: the server's reason is shown in the page
    pg.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["GIF89a broken"], "broken.jpg", { type: "image/jpeg" }));
        document.querySelector('#drop').dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true,
                                                                                 dataTransfer: dt }));
    }""")
    pg.wait_for_selector("body[data-state=error]", timeout=30_000)
    assert "Could not analyse the photo" in pg.locator("#status").text_content()


def test_image_url_is_fetched_stored_and_drawn(page, tmp_path):
    import functools
    import http.server
    import threading

    from tests.conftest import data as shared

    (tmp_path / "photo.jpg").write_bytes(shared(PHOTO).read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        pg = page.goto("/")
        for box in pg.locator("input[name=feature]").all():
            box.set_checked(box.get_attribute("value") in ("faces",))
        pg.fill("#url", f"{base}/photo.jpg")
        with pg.expect_response(lambda r: "/v1/images" in r.url and r.request.method == "POST",
                                timeout=180_000) as answer:
            pg.click("#url-form button")
        pg.wait_for_selector("body[data-state=drawn]", timeout=30_000)
        stored = answer.value.json()["data"][0]
        assert stored["source"] == "url" and len(stored["result"]["faces"]) == 2
        assert pg.locator("svg .item[data-key^='face:']").count() == 2
        assert pg.locator("#stored a").get_attribute("href") == f"/images/{stored['id']}"
        # a refused URL (credentials in it) says why, in the page
        pg.fill("#url", f"http://user:secret@127.0.0.1:{httpd.server_address[1]}/photo.jpg")
        pg.click("#url-form button")
        pg.wait_for_selector("body[data-state=error]", timeout=30_000)
        message = pg.locator("#status").text_content()
        assert message.startswith("Could not analyse the photo: ") and "credential" in message.lower(), message
    finally:
        httpd.shutdown()


def test_tabs_work_from_the_keyboard(page):
    pg, _ = _analyse(page, data(PHOTO), features=("labels",))
    pg.get_by_role("tab", name="Labels").focus()
    pg.keyboard.press("ArrowRight")
    assert pg.get_by_role("tab", name="Faces").get_attribute("aria-selected") == "true"
    pg.keyboard.press("End")
    assert pg.get_by_role("tab", name="Code").get_attribute("aria-selected") == "true"
    assert pg.evaluate("() => document.activeElement.textContent") == "Code"
    pg.keyboard.press("Home")
    pg.keyboard.press("Tab")  # into the Labels panel, then its first row
    pg.keyboard.press("Tab")
    row = pg.evaluate("() => document.activeElement.dataset.key")
    assert row == "label:0"
    assert "hl" in pg.locator('svg .item[data-key="label:0"]').first.get_attribute("class")


def test_paste_a_photo_on_analyze(page):
    pg = page.goto("/")
    for box in pg.locator("input[name=feature]").all():
        box.set_checked(box.get_attribute("value") == "faces")
    b64 = base64.b64encode(data("faces/face_recognition/examples/obama_small.jpg").read_bytes()).decode()
    with pg.expect_response(lambda r: r.url.endswith("/v1/analyze"), timeout=180_000):
        pg.evaluate("""b64 => {
            const dt = new DataTransfer();
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            dt.items.add(new File([bytes], "pasted.jpg", { type: "image/jpeg" }));
            document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true }));
        }""", b64)
    pg.wait_for_selector("body[data-state=drawn]")
    assert pg.locator("svg .item[data-key='face:0']").count() == 1


def test_flagged_photo_blurred_until_revealed_and_colour_swatches(page):
    """The moderation veil, with the API's answer for a flagged photo stood in by the browser (the models'
    moderation itself is tested in tests/models); the colours come from the real API."""
    pg, result = _analyse(page, data(PHOTO), features=("labels", "properties"))
    swatches = pg.locator("#panel-properties .swatches").first.locator(".swatch")  # then foreground, background
    assert swatches.count() == len(result["properties"]["dominant_colors"]) >= 3
    first = result["properties"]["dominant_colors"][0]
    assert first["hex"] in swatches.first.text_content()
    colour = pg.evaluate("() => getComputedStyle(document.querySelector('#panel-properties .colour')).backgroundColor")
    assert colour == "rgb({}, {}, {})".format(*first["rgb"])

    flagged = dict(result, moderation=[{"name": "Violence", "parent": "", "level": 1, "confidence": 91.0}])
    ResultV1.model_validate(flagged)  # the stand-in is an answer the API could give
    pg.route("**/v1/analyze", lambda route: route.fulfill(json=flagged))
    pg.click("#run")
    pg.wait_for_selector("#stage .veil")
    assert "Violence (91%)" in pg.locator("#stage .veil").text_content()
    assert "blur" in pg.evaluate("() => getComputedStyle(document.querySelector('#stage img')).filter")
    assert not pg.locator("#stage svg").is_visible()
    pg.get_by_role("button", name="Show the photo").click()
    assert pg.evaluate("() => getComputedStyle(document.querySelector('#stage img')).filter") == "none"
    assert pg.locator("#stage svg").is_visible() and not pg.locator("#stage .veil").count()


def test_store_it_goes_through_the_pipeline(page):
    pg = page.goto("/")
    for box in pg.locator("input[name=feature]").all():
        box.set_checked(box.get_attribute("value") == "faces")
    pg.get_by_label("Store it in the gallery").check()
    with pg.expect_response(lambda r: "/v1/images" in r.url and r.request.method == "POST", timeout=180_000) as r:
        pg.set_input_files("#file", str(data("faces/face_recognition/examples/obama_small.jpg")))
    pg.wait_for_selector("body[data-state=drawn]")
    stored = r.value.json()["data"][0]
    assert stored["status"] == "done" and stored["source"] == "upload"
    with pg.expect_navigation():
        pg.get_by_role("link", name="open its page").click()
    pg.wait_for_selector("body[data-state=drawn]")
    assert pg.url.endswith(f"/images/{stored['id']}")
    assert pg.locator("svg .item[data-key='face:0']").count() == 1


def test_text_tab_lists_each_line_then_its_words_as_detect_text_gives_them(page, web, tmp_path):
    """The words are DetectText's WORDs, grouped under their line by ParentId, each with its own polygon: not the
    lines split again in the browser."""
    lines = ["OPEN DAILY 9 TO 5", "Deliveries: back door, please!"]
    im = Image.new("RGB", (1200, 360), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 60)
    for i, line in enumerate(lines):
        ImageDraw.Draw(im).text((40, 60 + 150 * i), line, fill="black", font=font)
    path = tmp_path / "sign.png"
    im.save(path)
    pg, result = _analyse(page, path, features=("text",))

    found = web.client().detect_text(Image={"Bytes": path.read_bytes()})["TextDetections"]
    line_of = {t["Id"]: t["DetectedText"] for t in found if t["Type"] == "LINE"}
    expected = [(text, [w["DetectedText"] for w in found if w["Type"] == "WORD" and w.get("ParentId") == i])
                for i, text in line_of.items()]
    assert len(expected) == 2 and all(words for _, words in expected)
    words = [t for t in result["text"] if t["type"] == "WORD"]
    assert [t["text"] for t in result["text"] if t["type"] == "LINE"] == [text for text, _ in expected]

    pg.get_by_role("tab", name="Text").click()
    shown_lines = pg.locator("#panel-text table").nth(0).locator("tbody tr td:first-child").all_text_contents()
    shown_words = pg.evaluate("""() => [...document.querySelectorAll('#panel-text tr[data-key^="word:"]')]
        .map(r => [Number(r.dataset.line), r.cells[0].textContent])""")
    assert shown_lines == [text for text, _ in expected]
    assert [[w for n, w in shown_words if n == i + 1] for i in range(len(expected))] == [ws for _, ws in expected]

    # a word's row lights the word's own polygon, where the API puts it
    W, H = result["image"]["width"], result["image"]["height"]
    word = words[-1]
    key = f"word:{word['id']}"
    poly = pg.locator(f'svg .item[data-key="{key}"] polygon.shape')
    assert not poly.is_visible()  # the lines are drawn; a word only while its row is hovered or selected
    pg.locator(f'#panel-text tr[data-key="{key}"]').hover()
    assert poly.is_visible()
    points = [tuple(map(float, p.split(","))) for p in poly.get_attribute("points").split()]
    assert len(points) == len(word["polygon"])
    for (x, y), p in zip(points, word["polygon"], strict=True):
        assert abs(x - p["x"] * W) <= 2 and abs(y - p["y"] * H) <= 2
    assert pg.locator("#status").text_content().startswith("Found 2 lines of text")
    assert not page.errors
