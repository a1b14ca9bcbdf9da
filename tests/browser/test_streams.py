"""Streams page in Chromium against a live server with a stream processor really running: a camera (a 3 s clip
made by the test, played in a loop) registered from the page, a connected-home processor created and started
through boto3, shown RUNNING with its first event and that event's frame (and box) as the REST API gives them;
stopped from the page, started again from the page by keyboard and stopped through boto3 (the page follows by
polling); the source removed from the page. axe-core on the page with its cards filled; no sideways scrolling at
a phone's width."""

from __future__ import annotations

import io
from datetime import datetime

import boto3
import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, check_axe, page_on, screenshot
from tests.conftest import Server
from tests.servers import S3_ENV, MotoS3, wait_for
from tests.stream_clips import frames
from tests.video_clips import FPS, encode

ACCOUNT = "111111111111"
CAMERA = f"arn:aws:kinesisvideo:us-east-1:{ACCOUNT}:stream/porch/1"
T = 40_000  # ms: a processor's start, first detection or stop, on a loaded 2-core machine


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    srv = MotoS3(tmp_path_factory.mktemp("moto-web-streams"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def ssrv(pack, moto, tmp_path_factory) -> Server:
    """A server whose connected-home notifications go to moto's SNS (never to AWS)."""
    server = Server(tmp_path_factory.mktemp("web-streams"), workers=1, env={
        **S3_ENV, "OCULI_SNS_ENDPOINT_URL": moto.url, "OCULI_STREAM_LEASE_SECONDS": "3",
        "OCULI_STREAM_SESSION_GAP_SECONDS": "1"})
    yield server
    server.stop()


@pytest.fixture
def spage(browser, ssrv):
    with page_on(browser, ssrv.url) as p:
        yield p


def test_processor_running_event_frame_stop_start_and_sources(spage, ssrv, moto, tmp_path):
    clip = encode(frames({"empty": (0, 5), "people": (5, 30)}), tmp_path / "porch.mp4", fps=FPS, gop=10)
    pg = spage.goto("/streams")
    pg.wait_for_selector("body[data-state=loaded]")
    expect(pg.locator("#empty")).to_be_visible()
    expect(pg.locator(".top nav a[aria-current=page]")).to_have_text("Streams")

    # the camera, registered from the page
    pg.fill("#source-arn", CAMERA)
    pg.fill("#source-url", str(clip))
    pg.click("#source-form button[type=submit]")
    expect(pg.locator(f"#sources tr[data-arn='{CAMERA}'] td.url")).to_have_text(str(clip))
    assert httpx.get(f"{ssrv.url}/v1/streams/sources").json()["data"] == [{"stream_arn": CAMERA, "url": str(clip)}]

    # a connected-home processor, made and started as Rekognition's clients do
    topic = boto3.client("sns", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="testing",
                         aws_secret_access_key="testing").create_topic(Name="porch")["TopicArn"]
    rk = ssrv.client(access_key="AKIDTEAMA")
    rk.create_stream_processor(Name="porch", Input={"KinesisVideoStream": {"Arn": CAMERA}},
                               Output={"S3Destination": {"Bucket": "porch-frames"}},
                               NotificationChannel={"SNSTopicArn": topic},
                               RoleArn=f"arn:aws:iam::{ACCOUNT}:role/rekognition",
                               Settings={"ConnectedHome": {"Labels": ["PERSON"], "MinConfidence": 50.0}})
    rk.start_stream_processor(Name="porch", StopSelector={"MaxDurationInSeconds": 120})
    card = pg.locator("article.processor[data-name=porch]")
    expect(card.locator(".badge")).to_have_text("RUNNING", timeout=T)
    expect(card.locator("dd", has_text="Connected home: PERSON")).to_be_visible()
    expect(card.locator("dd", has_text=str(clip))).to_be_visible()

    # its first event, as the REST API has it, and on the page with its frame
    proc = httpx.get(f"{ssrv.url}/v1/streams/processors").json()["data"][0]
    assert proc["owner"] and proc["status"] == "RUNNING"
    expect(card.locator("dd", has_text=proc["owner"])).to_be_visible()
    event = wait_for(lambda: [e for e in httpx.get(f"{ssrv.url}/v1/streams/processors/{proc['id']}/events").json()[
        "data"] if e["type"] == "stream.label_detected"], 30, "a PERSON detection")[0]
    assert event["event"]["label"]["name"] == "PERSON" and event["frame_url"]
    row = card.locator(f"li.event[data-id='{event['id']}']")
    expect(row).to_be_visible(timeout=T)
    expect(row.locator(".title")).to_have_text("PERSON seen")
    shown = datetime.fromisoformat(row.locator("time").get_attribute("datetime").replace("Z", "+00:00"))
    assert abs(shown.timestamp() - event["time"]) < 0.002
    assert row.locator("time").inner_text().strip()
    img = row.locator("img.frame")
    img.scroll_into_view_if_needed()
    pg.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle(), timeout=T)
    frame = httpx.get(ssrv.url + event["frame_url"])
    assert frame.headers["content-type"] == "image/jpeg"
    assert img.evaluate("(el) => el.naturalWidth") == Image.open(io.BytesIO(frame.content)).width  # that frame
    assert "PERSON" in img.get_attribute("alt")
    box = event["event"]["label"]["box"]  # drawn over the frame where the API says it is
    drawn = row.locator(".thumb rect.mark").evaluate(
        "(r) => ['x', 'y', 'width', 'height'].map((k) => +r.getAttribute(k))")
    assert drawn == pytest.approx([box["Left"], box["Top"], box["Width"], box["Height"]], abs=1e-6)
    check_axe(pg)
    screenshot(pg, "streams")

    # stop from the page: STOPPING, then STOPPED, and the stop is the newest event
    card.get_by_role("button", name="Stop porch").click()
    expect(card.locator(".badge")).to_have_text("STOPPED", timeout=T)
    assert rk.describe_stream_processor(Name="porch")["Status"] == "STOPPED"
    expect(card.locator("li.event").first).to_have_attribute("data-type", "stream.stopped", timeout=T)
    expect(card.locator("li.event[data-type='stream.session_ended'] .title").first).to_have_text("PERSON gone",
                                                                                                 timeout=T)

    # start again from the page (for at most 30 s), stop through boto3: the page follows
    # by keyboard: the focus stays on the button across a refresh (the cards are updated in place)
    card.get_by_label("Stop after (seconds)").fill("30")
    card.get_by_label("Stop after (seconds)").press("Tab")
    before = pg.locator("#refreshed").inner_text()
    expect(pg.locator("#refreshed")).not_to_have_text(before, timeout=T)
    assert pg.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Start porch"
    pg.keyboard.press("Enter")
    expect(card.locator(".badge")).to_have_text("RUNNING", timeout=T)
    assert rk.describe_stream_processor(Name="porch")["Status"] == "RUNNING"
    rk.stop_stream_processor(Name="porch")
    expect(card.locator(".badge")).to_have_text("STOPPED", timeout=T)

    # no sideways scrolling at a phone's width, with a card and its events
    pg.set_viewport_size(PHONE)
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    pg.set_viewport_size({"width": 1280, "height": 900})

    # the source removed from the page: gone from the list, and the processor has none
    pg.get_by_role("button", name=f"Remove the source of {CAMERA}").click()
    expect(pg.locator(f"#sources tr[data-arn='{CAMERA}']")).to_have_count(0)
    expect(card.locator("dd", has_text="none registered")).to_be_visible()
    assert httpx.get(f"{ssrv.url}/v1/streams/sources").json()["count"] == 0
    assert not spage.dialogs and not spage.errors, (spage.dialogs, spage.errors)
