"""One large image at a time per process: a second waits for the first request's end; small ones never wait."""

from __future__ import annotations

import threading
import time

from oculi import large_images
from oculi.services import imaging
from tests.hostile_images import encode, white_strip

LARGE = large_images.LARGE_PIXELS + 1


def test_a_second_large_image_waits_for_the_first_requests_end():
    events, first_in = [], threading.Event()

    def first():
        with large_images.scope():
            large_images.admit(LARGE)
            events.append("first admitted")
            first_in.set()
            large_images.admit(LARGE)  # a request may hold several large images (CompareFaces)
            time.sleep(0.3)
            events.append("first done")

    def second():
        first_in.wait()
        with large_images.scope():
            large_images.admit(100 * 100)
            events.append("small admitted")
            large_images.admit(LARGE)
            events.append("second admitted")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert events == ["first admitted", "small admitted", "first done", "second admitted"]


def test_outside_a_scope_nothing_is_held():
    large_images.admit(LARGE)
    large_images.admit(LARGE)  # would wait forever if the first had been held
    with large_images.scope():
        large_images.admit(LARGE)  # the gate is free


def test_the_decoder_admits_by_the_header_pixel_count():
    held = []

    def other():
        with large_images.scope():
            imaging.decode(encode(white_strip(80, 250_000), "PNG"), max_pixels=80_000_000)  # 20 MP
            held.append(time.monotonic())
            time.sleep(0.3)

    thread = threading.Thread(target=other)
    thread.start()
    while not held:
        time.sleep(0.01)
    with large_images.scope():
        imaging.decode(encode(white_strip(80, 250_000), "PNG"), max_pixels=80_000_000)
        assert time.monotonic() - held[0] >= 0.25
    thread.join()


def test_the_http_middleware_scope_reaches_sync_routes_in_the_thread_pool():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from oculi.api.large_image_scope import LargeImageScope

    app = FastAPI()
    app.add_middleware(LargeImageScope)
    seen = []

    @app.get("/decode")
    def decode_route():  # sync: run in Starlette's thread pool, as the AWS dispatch is
        large_images.admit(LARGE)
        seen.append(large_images._current.get().held)
        return {}

    with TestClient(app) as client:
        for _ in range(2):  # held by the first request, released at its end: the second is admitted too
            assert client.get("/decode").status_code == 200
    assert seen == [True, True]


def test_memory_is_handed_back_after_a_request_that_held_a_large_image(monkeypatch):
    trims = []
    monkeypatch.setattr(large_images.memory, "trim", lambda: trims.append(1) or True)
    with large_images.scope():
        large_images.admit(100 * 100)
    assert trims == []  # small images: nothing to give back
    with large_images.scope():
        large_images.admit(LARGE)
    assert trims == [1]


def test_heavy_work_waits_for_a_large_image_and_is_held_like_one():
    """A text read of a 2000 px page is not a large image, but costs as much: it waits while another request
    holds a large image, and a large image waits for it."""
    events, first_in = [], threading.Event()

    def first():
        with large_images.scope():
            large_images.admit(LARGE)
            first_in.set()
            time.sleep(0.3)
            events.append("large done")

    def second():
        first_in.wait()
        with large_images.scope():
            large_images.admit_work()
            events.append("heavy work admitted")
            large_images.admit(LARGE)  # the same request's large image: already held
            events.append("its large image admitted")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert events == ["large done", "heavy work admitted", "its large image admitted"]


def test_large_decodes_take_turns_even_within_one_request():
    """CompareFaces decodes its two images at once: two large ones take turns (each decode's peak is its image
    twice over for a moment); small ones never wait."""
    events, first_in = [], threading.Event()

    def first():
        with large_images.decoding(LARGE):
            first_in.set()
            time.sleep(0.3)
            events.append("first decoded")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait()
    with large_images.decoding(100 * 100):
        events.append("small decoded")
    with large_images.decoding(LARGE):
        events.append("second decoded")
    thread.join()
    assert events == ["small decoded", "first decoded", "second decoded"]
