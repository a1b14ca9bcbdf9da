"""Sign-in with OCULI_API_KEYS in Chromium: the pages ask for the key, work after it (API calls and images), keep
it in sessionStorage only, send it as X-Api-Key, and the key appears in no URL and nowhere in the server's log."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import DESKTOP, check_axe, screenshot
from tests.conftest import Server, data

KEY = "web-test-key-5f0c1d9e7a"


@pytest.fixture(scope="module")
def keyed(pack, tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("keyed"), workers=1, env={"OCULI_API_KEYS": f'["{KEY}"]'})
    yield srv
    srv.stop()


def test_pages_ask_for_the_key_then_work(browser, keyed):
    with open(data("faces/face_recognition/examples/obama_small.jpg"), "rb") as fh:
        r = httpx.post(keyed.url + "/v1/images?wait=true", files={"file": ("obama_small.jpg", fh)},
                       data={"features": "moderation"}, headers={"X-Api-Key": KEY}, timeout=120)
    assert r.status_code == 200, r.text
    ctx = browser.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    urls, sent = [], []
    pg.on("request", lambda req: (urls.append(req.url), sent.append(req.headers.get("x-api-key"))))
    pg.goto(keyed.url + "/people")
    dialog = pg.get_by_role("dialog", name="Sign in")
    dialog.wait_for()
    check_axe(pg)
    screenshot(pg, "signin")
    dialog.get_by_label("API key").fill("wrong-key")
    dialog.get_by_role("button", name="Sign in").click()
    pg.get_by_text("That key was refused. Try again.").wait_for()
    dialog.get_by_label("API key").fill(KEY)
    dialog.get_by_role("button", name="Sign in").click()
    pg.get_by_text("No collection yet").wait_for()
    pg.fill("#name", "keyed-team")
    pg.click("#create button")
    pg.wait_for_selector("#rows tr[data-name='keyed-team']")
    assert pg.evaluate("() => sessionStorage.getItem('oculi.apiKey')") == KEY
    assert pg.locator(".top .signin").text_content().startswith("Signed in")
    # another page in the same tab: no question, images behind the key load too
    pg.goto(keyed.url + "/gallery")
    pg.wait_for_function("() => [...document.querySelectorAll('#grid img')].some(i => i.complete && i.naturalWidth)")
    assert not pg.get_by_role("dialog").count()
    assert KEY in sent and not any(KEY in u for u in urls)
    log = keyed.log_path.read_text()
    assert "/v1/collections" in log and KEY not in log and "wrong-key" not in log
    # signed out, the key is gone from the tab
    pg.get_by_role("button", name="Sign out").click()
    pg.wait_for_load_state()
    assert pg.evaluate("() => sessionStorage.getItem('oculi.apiKey')") is None
    ctx.close()
