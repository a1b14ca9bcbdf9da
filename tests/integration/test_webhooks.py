"""Webhooks end to end: signed JSON and XML deliveries to local receivers, retries with back-off, the
delivery log, replay, and the dead-letter list for a receiver that never answers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from importlib import resources

import httpx
import xmlschema

from tests.conftest import data
from tests.integration.pipeline_client import upload
from tests.servers import Receiver, free_port, wait_for

SECRET = "a-shared-secret-of-32-characters"



def subscribe(srv, url, events, fmt="json", **extra) -> dict:
    r = httpx.post(f"{srv.url}/v1/webhooks", json={"url": url, "events": events, "format": fmt, "secret": SECRET,
                                                    **extra})
    assert r.status_code == 201, r.text
    return r.json()


def deliveries(srv, hook_id) -> list[dict]:
    return httpx.get(f"{srv.url}/v1/webhooks/{hook_id}/deliveries").json()["data"]


def check_signature(request: dict) -> None:
    """What a receiver does, written out independently of Oculi's own `verify`."""
    parts = dict(p.split("=", 1) for p in request["headers"]["x-oculi-signature"].split(","))
    assert parts["t"] == request["headers"]["x-oculi-timestamp"]
    assert abs(time.time() - int(parts["t"])) < 120
    mac = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, parts["v1"])


def test_signed_json_with_retries_and_replay(srv):
    receiver = Receiver(statuses=[500, 503])  # fails twice, then accepts
    hook = subscribe(srv, receiver.url, ["image.analyzed", "moderation.flagged"])
    assert hook["secret"] == SECRET
    assert httpx.get(f"{srv.url}/v1/webhooks/{hook['id']}").json()["secret"] is None  # shown once only
    r = upload(srv.url, data("faces/face_recognition/examples/obama.jpg"), tags="front-door")
    image_id = r.json()["data"][0]["id"]
    wait_for(lambda: any(d["state"] == "delivered" for d in deliveries(srv, hook["id"])), 60, "delivery")
    (d,) = deliveries(srv, hook["id"])  # no moderation label on this photo: one event
    assert d["event"] == "image.analyzed" and d["attempts"] == 3
    assert [a["status_code"] for a in d["history"]] == [500, 503, 200]
    gaps = [b["at"] - a["at"] for a, b in zip(d["history"], d["history"][1:], strict=False)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.5  # exponential back-off: 0.3 s, then 0.6 s
    sent = receiver.of("image.analyzed")
    assert len(sent) == 3 and len({r["body"] for r in sent}) == 1  # every attempt carries the same body
    for request in sent:
        check_signature(request)
        assert request["headers"]["content-type"] == "application/json"
        assert request["headers"]["x-oculi-delivery"] == d["id"]
    body = json.loads(sent[-1]["body"])
    assert body["type"] == "image.analyzed" and body["image"]["id"] == image_id
    assert body["image"]["tags"] == ["front-door"]
    assert "Person" in [lb["name"] for lb in body["result"]["labels"]] and len(body["result"]["faces"]) == 1

    replay = httpx.post(f"{srv.url}/v1/webhooks/{hook['id']}/deliveries/{d['id']}/replay")
    assert replay.status_code == 202
    wait_for(lambda: len(receiver.of("image.analyzed")) == 4, 30, "replayed delivery")
    check_signature(receiver.of("image.analyzed")[-1])
    assert receiver.of("image.analyzed")[-1]["body"] == sent[0]["body"]
    assert httpx.post(f"{srv.url}/v1/webhooks/{hook['id']}/deliveries/nope/replay").status_code == 404
    assert httpx.delete(f"{srv.url}/v1/webhooks/{hook['id']}").status_code == 204
    receiver.stop()


def test_xml_deliveries_validate_against_the_schema(srv):
    schema = xmlschema.XMLSchema(str(resources.files("oculi").joinpath("data/event.xsd")))
    receiver = Receiver()
    hook = subscribe(srv, receiver.url, ["*"], fmt="xml")
    upload(srv.url, data("text/pytesseract/test.png"))
    wait_for(lambda: receiver.of("image.analyzed"), 60, "xml delivery")
    request = receiver.of("image.analyzed")[0]
    check_signature(request)
    assert request["headers"]["content-type"] == "application/xml"
    schema.validate(request["body"].decode())
    doc = schema.to_dict(request["body"].decode())
    assert "12 point text" in " ".join(t["$"] for t in doc["texts"]["text"])
    httpx.delete(f"{srv.url}/v1/webhooks/{hook['id']}")
    receiver.stop()


def test_failed_image_event_goes_to_dead_letter_and_an_operator_retries_it(srv):
    port = free_port()  # nobody listens here yet
    hook = subscribe(srv, f"http://127.0.0.1:{port}/hook", ["image.failed"], retry_for_seconds=1.5)
    bad = data("faces/face_recognition/examples/obama.jpg").read_bytes()[:100000]
    httpx.post(f"{srv.url}/v1/images", files=[("files", ("cut.jpg", bad))], timeout=60)

    def dead():
        return httpx.get(f"{srv.url}/v1/jobs", params={"state": "failed", "kind": "deliver"}).json()["data"]

    (job,) = wait_for(dead, 60, "the delivery to reach the dead-letter list")
    (d,) = deliveries(srv, hook["id"])
    assert d["state"] == "failed" and d["event"] == "image.failed" and d["attempts"] >= 2
    assert all(a["status_code"] is None and "Connect" in a["error"] for a in d["history"])
    assert "oculi_webhook_failures_total 1.0" in httpx.get(f"{srv.url}/metrics").text

    receiver = Receiver(port=port)  # the receiver is back: the operator retries the dead job
    retried = httpx.post(f"{srv.url}/v1/jobs/{job['id']}/retry")
    assert retried.status_code == 200 and retried.json()["state"] in ("queued", "running", "done")
    wait_for(lambda: receiver.of("image.failed"), 30, "the retried delivery")
    check_signature(receiver.of("image.failed")[0])
    evt = receiver.json("image.failed")[0]
    assert evt["image"]["status"] == "failed" and "invalid image format" in evt["error"]
    wait_for(lambda: deliveries(srv, hook["id"])[0]["state"] == "delivered", 10, "delivered state")
    assert httpx.post(f"{srv.url}/v1/jobs/{job['id']}/retry").status_code == 404  # no longer failed
    httpx.delete(f"{srv.url}/v1/webhooks/{hook['id']}")
    receiver.stop()


def test_webhook_validation(srv):
    for body, error in [({"url": "ftp://x", "events": ["image.analyzed"]}, "InvalidParameter"),
                        ({"url": "http://x", "events": ["image.exploded"]}, "InvalidParameter")]:
        r = httpx.post(f"{srv.url}/v1/webhooks", json=body)
        assert r.status_code == 400 and r.json()["error"] == error
    assert httpx.post(f"{srv.url}/v1/webhooks", json={"url": "http://x", "format": "yaml"}).status_code == 422
    assert httpx.get(f"{srv.url}/v1/webhooks/nope").status_code == 404
