"""Compare and Operations in Chromium: similarity per target face with a threshold slider; a failed job retried
from the page; a webhook added from the page and its delivery listed; the model pack and health shown."""

from __future__ import annotations

import time

import httpx

from tests.browser.conftest import check_axe, screenshot
from tests.conftest import data
from tests.servers import Receiver, wait_for

EX = "faces/face_recognition/examples"


def test_compare_with_threshold(page):
    pg = page.goto("/compare")
    pg.set_input_files("#source", str(data(f"{EX}/obama.jpg")))
    pg.set_input_files("#target", str(data(f"{EX}/knn_examples/test/obama_and_biden.jpg")))
    with pg.expect_response(lambda r: r.url.endswith("/v1/compare"), timeout=180_000) as answer:
        pg.click("#compare button[type=submit]")
    pg.wait_for_selector("body[data-state=drawn]")
    out = answer.value.json()
    faces = sorted(out["matches"] + out["unmatched"], key=lambda f: -f["similarity"])
    assert len(faces) >= 2 and faces[0]["similarity"] >= 80 > faces[1]["similarity"]
    W, H = out["target_size"]
    r = pg.evaluate("() => { const r = document.querySelector('#target-stage .item rect.shape');"
                    " return [+r.getAttribute('x'), +r.getAttribute('width')]; }")
    box = faces[0]["bounding_box"]
    assert abs(r[0] - box["left"] * W) <= 2 and abs(r[1] - box["width"] * W) <= 2
    verdicts = pg.locator("#rows tr td:last-child").all_text_contents()
    assert verdicts[0] == "match" and set(verdicts[1:]) == {"no match"}
    assert pg.locator("#target-stage .item.dim").count() == len(faces) - 1
    pg.locator("#threshold").fill("0")  # everyone matches at 0: greyed faces light up, with no new request
    assert pg.locator("#target-stage .item.dim").count() == 0
    pg.locator("#threshold").fill("80")
    check_axe(pg)
    screenshot(pg, "compare")
    assert not page.errors


def test_job_retry_webhook_delivery_models_health(page, web):
    receiver = Receiver()
    try:
        pg = page.goto("/operations")
        pg.fill("#hook-url", receiver.url)
        pg.fill("#hook-events", "image.analyzed, image.failed")
        pg.click("#hook-form button[type=submit]")
        pg.wait_for_selector("#hook-secret:has-text('signing secret')")
        pg.locator(f"#hooks tr:has-text('{receiver.url}')").wait_for()

        truncated = data(f"{EX}/obama.jpg").read_bytes()[:100000]  # the header parses, the pixels do not
        r = httpx.post(web.url + "/v1/images", params={"wait": "true"}, files={"file": ("cut.jpg", truncated)},
                       timeout=120)
        image = r.json()["data"][0]
        assert image["status"] == "failed"
        wait_for(lambda: receiver.of("image.failed"), 30, "the image.failed delivery")
        pg.reload()
        pg.select_option("#job-state", "failed")
        row = pg.locator("#jobs tr", has_text=image["id"][:8])
        row.wait_for()
        job_id = row.get_attribute("data-job")
        before = httpx.get(f"{web.url}/v1/jobs/{job_id}", timeout=30).json()
        row.get_by_role("button", name="Retry").click()
        pg.wait_for_selector("#status:has-text('queued again')")
        # it ran again (a fresh retry budget) and failed again: a second image.failed event went out
        wait_for(lambda: len(receiver.of("image.failed")) == 2, 60, "the retried job to run")
        job = httpx.get(f"{web.url}/v1/jobs/{job_id}", timeout=30).json()
        assert job["state"] == "failed" and job["updated_at"] > before["updated_at"] and job["last_error"]

        pg.get_by_role("button", name=f"Deliveries of {receiver.url}").click()
        pg.wait_for_selector("#deliveries tr[data-delivery]")
        deadline = time.time() + 20
        while "delivered" not in pg.locator("#deliveries").text_content() and time.time() < deadline:
            pg.get_by_role("button", name=f"Deliveries of {receiver.url}").click()
            pg.wait_for_timeout(300)
        assert "image.failed" in pg.locator("#deliveries").text_content()
        assert "HTTP 200" in pg.locator("#deliveries").text_content()

        models = pg.locator("#models tr")
        assert models.count() >= 8 and pg.locator("#models td.error").count() == 0
        assert pg.locator("#health").text_content().startswith("Healthy")
        check_axe(pg)
        screenshot(pg, "operations")
        pg.get_by_role("button", name=f"Delete webhook {receiver.url}").click()
        pg.wait_for_selector(f"#hooks tr:has-text('{receiver.url}')", state="detached")
        assert not page.errors and not page.dialogs
    finally:
        receiver.stop()
