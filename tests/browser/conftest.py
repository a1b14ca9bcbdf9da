"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium, installed by scripts/test; Playwright's
own browsers are never downloaded) against one `oculi serve` on 127.0.0.1 for the whole session."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, Server

CHROMIUM = os.environ.get("OCULI_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "tests" / "output" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def web(pack, tmp_path_factory) -> Server:
    """The server the pages are tested on: face crops kept (the People pages show them); webhooks and URL uploads
    may reach loopback, where the tests' own receivers and image servers listen."""
    srv = Server(tmp_path_factory.mktemp("web"), workers=1,
                 env={"OCULI_KEEP_FACE_CROPS": "1", "OCULI_WEBHOOK_TIMEOUT": "2",
                      "OCULI_OUTBOUND_ALLOW_NETWORKS": json.dumps(["127.0.0.0/8"])})
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/test installs Debian's chromium"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])  # a synthetic camera
        yield b
        b.close()


class Page:
    """A Playwright page that records every dialog (alert/confirm) and page error, for the XSS checks."""

    def __init__(self, context, base: str):
        self.context = context
        self.base = base
        self.page = context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def goto(self, path: str):
        self.page.goto(self.base + path)
        return self.page


@contextmanager
def page_on(browser, base: str) -> Iterator[Page]:
    """A fresh desktop-sized browser context on the server at `base`, closed afterwards."""
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        yield Page(ctx, base)
    finally:
        ctx.close()


@pytest.fixture
def page(browser, web):
    with page_on(browser, web.url) as p:
        yield p


def screenshot(pg, name: str) -> Path:
    """Save the page under tests/output/screenshots (scripts/screenshots copies them to docs/screenshots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.jpg"
    pg.screenshot(path=str(path), full_page=False, type="jpeg", quality=82)
    return path


def check_axe(pg) -> None:
    """axe-core (bundled in axe-playwright-python, injected through the debugger protocol, so the page's CSP
    stays on): no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(pg).response["violations"]
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found
           if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe-core: {bad}"


def drop_files(pg, selector: str, paths: list[Path], mime: str = "image/jpeg") -> None:
    """Drag and drop files onto an element, as a person dropping photos from their file manager."""
    import base64

    files = [{"name": p.name, "b64": base64.b64encode(p.read_bytes()).decode(),
              "type": "image/png" if p.suffix == ".png" else mime} for p in paths]
    pg.evaluate("""([selector, files]) => {
        const dt = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.b64), c => c.charCodeAt(0));
            dt.items.add(new File([bytes], f.name, { type: f.type }));
        }
        const target = document.querySelector(selector);
        for (const type of ["dragenter", "dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
        }
    }""", [selector, files])
