"""Every page: served at its URL by `oculi serve`, with a Content-Security-Policy that allows no inline script,
no inline script or handler in its markup, nothing loaded from outside the service."""

from __future__ import annotations

import re

import httpx

from oculi.web.pages import PAGES, STATIC

URLS = ["/", "/compare", "/gallery", "/images/00000000-0000-0000-0000-000000000000", "/people", "/people/employees",
        "/door", "/streams", "/operations"]


def test_pages_and_assets_carry_a_strict_csp(web):
    assert len(URLS) == len(PAGES)
    for url in URLS + ["/static/js/analyze.js", "/static/css/app.css"]:
        r = httpx.get(web.url + url, timeout=30)
        assert r.status_code == 200, url
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert r.headers["x-content-type-options"] == "nosniff"


def test_markup_has_no_inline_script_and_nothing_from_outside():
    sources = list(STATIC.rglob("*.html")) + list(STATIC.rglob("*.js")) + list(STATIC.rglob("*.css"))
    assert len(sources) >= 20
    for path in sources:
        text = path.read_text()
        if path.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path  # every script is a file
            assert not re.search(r"\son[a-z]+\s*=", text), path  # no inline handlers
            assert " style=" not in text, path
        assert not re.search(r"(https?:)?//(?!127\.0\.0\.1|example\.com|www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}/", text), \
            path  # no CDN, no web font, nothing fetched from elsewhere
        if path.suffix == ".js":
            assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text, path


def test_every_page_fits_a_phone_and_shows_focus(browser, web):
    from tests.browser.conftest import PHONE

    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    for url in URLS:
        pg.goto(web.url + url)
        pg.wait_for_load_state("networkidle")
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} scrolls sideways at a phone's width ({width} px)"
    # the file pickers are visually hidden inputs behind a label: keyboard focus must still show, on the label
    pg.goto(web.url + "/")
    pg.focus("#file")
    outline = pg.evaluate("() => getComputedStyle(document.querySelector('label[for=file]')).outlineStyle")
    assert outline == "solid"
    ctx.close()


def test_dark_colour_scheme_keeps_contrast(browser, web):
    """prefers-color-scheme: dark has its own colours: axe-core checks their contrast too."""
    from tests.browser.conftest import DESKTOP, check_axe

    ctx = browser.new_context(color_scheme="dark", viewport=DESKTOP)
    pg = ctx.new_page()
    for url in ["/", "/gallery", "/people", "/door", "/operations", "/compare", "/streams"]:
        pg.goto(web.url + url)
        pg.wait_for_load_state("networkidle")
        assert pg.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(18, 19, 23)"
        check_axe(pg)
    ctx.close()
