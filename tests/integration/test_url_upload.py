"""Upload by URL and webhook registration against the outbound guard, end to end, on loopback only.

Every address used here is in 127.0.0.0/8: even a broken guard could not send a packet beyond the loopback
interface. The guard's decisions for other addresses are tested on the guard itself (tests/unit/test_outbound.py).
The web server is a local http.server that records what it was asked and how much it managed to send."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import Server, data
from tests.servers import wait_for

PHOTO = "faces/face_recognition/examples/obama.jpg"
MB = 1024 * 1024


class Origin:
    """A web server on 127.0.0.1: /photo.jpg (an image served as text/plain: the bytes decide), /page.jpg (HTML
    served as image/jpeg), /redirect (to 127.0.0.2, refused), /hop (to /photo.jpg), /endless (no length, never
    ends) and /huge (claims 10 GB). Streams record how many bytes they got out before the client hung up."""

    def __init__(self, image: bytes):
        self.paths: list[str] = []
        self.sent: dict[str, int] = {}
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                with owner.lock:
                    owner.paths.append(self.path)
                port = owner.server.server_address[1]
                if self.path == "/photo.jpg":
                    self._answer(200, image, "text/plain")
                elif self.path == "/page.jpg":
                    self._answer(200, b"<html><body>not an image</body></html>", "image/jpeg")
                elif self.path == "/redirect":
                    self._answer(302, b"", location=f"http://127.0.0.2:{port}/photo.jpg")
                elif self.path == "/hop":
                    self._answer(302, b"", location="/photo.jpg")
                elif self.path in ("/endless", "/huge"):
                    self._stream(image[:4096], 10 * 1000**3 if self.path == "/huge" else None)
                else:
                    self._answer(404, b"")

            def _answer(self, status, body, content_type="text/plain", location=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, head: bytes, length: int | None):
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                if length:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                sent, chunk = 0, b"\0" * 65536
                try:
                    self.wfile.write(head)
                    while sent < 1024 * MB:  # "endless": 1 GiB, far past the 15 MB cap
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:  # the client hung up
                    pass
                with owner.lock:
                    owner.sent[self.path] = sent

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def origin():
    srv = Origin(data(PHOTO).read_bytes())
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def allowed(pack, tmp_path_factory):
    """A server whose operator allows 127.0.0.1 only (so 127.0.0.2 stays refused)."""
    server = Server(tmp_path_factory.mktemp("url-upload"), workers=1,
                    env={"OCULI_OUTBOUND_ALLOW_NETWORKS": json.dumps(["127.0.0.1/32"])})
    yield server
    server.stop()


def by_url(srv: Server, url: str, tag: str, **params) -> httpx.Response:
    return httpx.post(f"{srv.url}/v1/images", data={"url": url, "tags": tag, "features": "labels"},
                      params=params, timeout=120)


def stored(srv: Server, tag: str) -> list[dict]:
    return httpx.get(f"{srv.url}/v1/images", params={"tag": tag}, timeout=30).json()["data"]


def test_loopback_is_refused_by_default(live, origin):
    tag = uuid.uuid4().hex
    r = by_url(live, f"{origin.base}/photo.jpg", tag)
    assert r.status_code == 400 and r.json()["error"] == "OutboundRefused", r.text
    assert "127.0.0.1 is refused: loopback" in r.json()["message"]
    assert "OCULI_OUTBOUND_ALLOW_NETWORKS" in r.json()["message"]
    assert "/photo.jpg" not in origin.paths and stored(live, tag) == []


def test_allowed_network_is_fetched_checked_by_its_bytes_and_stored_like_an_upload(allowed, origin):
    tag = uuid.uuid4().hex
    r = by_url(allowed, f"{origin.base}/hop", tag, wait="true")  # one redirect, checked, then the photo
    assert r.status_code == 200, r.text
    (img,) = r.json()["data"]
    assert img["source"] == "url" and img["filename"] == "photo.jpg" and img["content_type"] == "image/jpeg"
    assert img["status"] == "done" and img["result"], img  # analysed like any upload
    original = httpx.get(f"{allowed.url}/v1/images/{img['id']}/original", timeout=30)
    assert original.content == data(PHOTO).read_bytes()
    assert [x["id"] for x in stored(allowed, tag)] == [img["id"]]


def test_content_type_is_not_trusted_and_nothing_is_half_stored(allowed, origin):
    tag = uuid.uuid4().hex
    photo = data(PHOTO)
    r = httpx.post(f"{allowed.url}/v1/images", data={"url": f"{origin.base}/page.jpg", "tags": tag},
                   files=[("files", (photo.name, photo.read_bytes()))], timeout=60)
    assert r.status_code == 400 and r.json()["error"] == "InvalidImageFormat", r.text
    assert stored(allowed, tag) == []  # the good file of the batch was not stored either


def test_a_redirect_to_a_refused_address_is_refused(allowed, origin):
    tag = uuid.uuid4().hex
    r = by_url(allowed, f"{origin.base}/redirect", tag)
    assert r.status_code == 400 and r.json()["error"] == "OutboundRefused", r.text
    assert "127.0.0.2 is refused: loopback" in r.json()["message"]
    assert stored(allowed, tag) == []


def test_a_body_over_the_cap_is_refused_without_reading_it_all(allowed, origin):
    for path in ("/endless", "/huge"):
        tag = uuid.uuid4().hex
        r = by_url(allowed, f"{origin.base}{path}", tag)
        assert r.status_code == 413 and r.json()["error"] == "ImageTooLarge", r.text
        wait_for(lambda p=path: p in origin.sent, 30, f"the server to notice the hang-up on {path}")
        assert origin.sent[path] < 64 * MB, origin.sent  # 1 GiB on offer: the client stopped early
        assert stored(allowed, tag) == []
    assert "15728640" in r.json()["message"] or "announces" in r.json()["message"]


def test_webhooks_to_loopback_are_refused_at_registration_by_default(live):
    for url, why in (("http://127.0.0.1:9/hook", "loopback"), ("http://[::1]:9/hook", "loopback"),
                     ("http://0.0.0.0:9/hook", "unspecified"), ("http://2130706433:9/hook", "loopback"),
                     ("http://127.1:9/hook", "loopback"), ("http://[::ffff:127.0.0.1]:9/hook", "loopback")):
        r = httpx.post(f"{live.url}/v1/webhooks", json={"url": url, "events": ["*"]})
        assert r.status_code == 400 and r.json()["error"] == "OutboundRefused", (url, r.text)
        assert why in r.json()["message"], r.text
    hooks = httpx.get(f"{live.url}/v1/webhooks").json()["data"]
    assert not [h for h in hooks if ":9/hook" in h["url"]]


def test_webhooks_to_an_allowed_network_are_accepted(allowed):
    r = httpx.post(f"{allowed.url}/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["*"]})
    assert r.status_code == 201, r.text
    r2 = httpx.post(f"{allowed.url}/v1/webhooks", json={"url": "http://127.0.0.2:9/hook", "events": ["*"]})
    assert r2.status_code == 400 and "127.0.0.2 is refused" in r2.json()["message"]
    httpx.delete(f"{allowed.url}/v1/webhooks/{r.json()['id']}")
