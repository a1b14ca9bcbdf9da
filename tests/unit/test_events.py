"""Event bodies: the XML validates against the shipped schema; signatures verify and refuse tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from importlib import resources

import pytest
import xmlschema

from oculi.services import events
from oculi.services.webhooks import sign, verify

IMAGE = {"id": "3f1c", "bucket": "oculi", "key": "uploads/a.jpg", "filename": "a.jpg", "source": "upload",
         "status": "done", "width": 640, "height": 480, "tags": ["door", "night"]}
FACE = {"box": {"left": 0.1, "top": 0.2, "width": 0.3, "height": 0.4}, "confidence": 99.5,
        "collection": "employees", "user_id": "ann", "face_id": "f-1", "external_image_id": "ann", "similarity": 97.25}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(resources.files("oculi").joinpath("data/event.xsd")))


def test_xml_of_every_event_type_is_valid(schema):
    evts = [
        events.event("image.analyzed", IMAGE, labels=[{"name": "Dog & Cat <3", "confidence": 91.5,
                                                       "category": "Animals and Pets"}],
                     faces=[FACE, {"box": FACE["box"], "confidence": 88.0}],
                     text=[{"text": "EXIT", "confidence": 97.0}],
                     moderation=[]),
        events.event("face.matched", IMAGE, faces=[FACE]),
        events.event("face.enrolled", IMAGE, faces=[FACE]),
        events.event("moderation.flagged", IMAGE, moderation=[{"name": "Violence", "parent": "", "confidence": 80.0,
                                                               "level": 1}]),
        events.event("image.failed", {**IMAGE, "status": "failed", "width": None, "height": None},
                     error="Request has invalid image format: truncated"),
    ]
    for evt in evts:
        body = events.to_xml(evt)
        schema.validate(body.decode())
        doc = schema.to_dict(body.decode())
        assert doc["@type"] == evt["type"] and doc["image"]["@id"] == "3f1c"
    doc = schema.to_dict(events.to_xml(evts[0]).decode())
    assert doc["labels"]["label"][0]["@name"] == "Dog & Cat <3"
    assert [f.get("@userId") for f in doc["faces"]["face"]] == ["ann", None]
    assert doc["texts"]["text"][0]["$"] == "EXIT"
    assert doc["image"]["tag"] == ["door", "night"]


def test_xml_that_breaks_the_schema_is_refused(schema):
    bad = events.to_xml(events.event("face.matched", IMAGE, faces=[{**FACE, "confidence": 150.0}]))
    assert not schema.is_valid(bad.decode())


def test_json_round_trip():
    evt = events.event("image.analyzed", IMAGE, labels=[])
    assert json.loads(events.to_json(evt)) == evt
    assert evt["time"].endswith("Z")


def test_signature_is_hmac_sha256_of_timestamp_and_body():
    body, ts = b'{"a":1}', int(time.time())
    header = sign("s3cret", body, ts)
    expected = hmac.new(b"s3cret", f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={ts},v1={expected}"
    assert verify("s3cret", body, header)
    assert not verify("other", body, header)
    assert not verify("s3cret", body + b" ", header)
    assert not verify("s3cret", body, sign("s3cret", body, ts - 3600))  # a replayed old delivery
    assert not verify("s3cret", body, "garbage")
