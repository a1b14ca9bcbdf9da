"""Event bodies: an image's event carries its ResultV1, in JSON and in XML (XPath 3.1's XML form of JSON), and
the XML validates against the shipped schema; signatures verify and refuse tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import xml.etree.ElementTree as ET
from importlib import resources

import pytest
import xmlschema

from oculi.api.event_payloads import ImageEventV1
from oculi.api.results import ResultV1
from oculi.services import events
from oculi.services.webhooks import sign, verify

IMAGE = {"id": "3f1c", "bucket": "oculi", "key": "uploads/a.jpg", "filename": "a.jpg", "content_type": "image/jpeg",
         "size": 52311, "sha256": "ab" * 32, "source": "upload", "status": "done", "features": ["labels", "faces"],
         "collections": ["employees"], "tags": ["door", "night"], "width": 640, "height": 480, "flagged": True,
         "error": None, "created_at": 1764600000.25, "analyzed_at": 1764600001.5}
BOX = {"left": 0.1, "top": 0.2, "width": 0.3, "height": 0.4}
MATCH = {"collection": "employees", "user_id": "ann", "face_id": "f-1", "external_image_id": "ann",
         "similarity": 97.25}
FN = "{http://www.w3.org/2005/xpath-functions}"
NS = "{urn:oculi:events:1}"


def face(match: dict | None, confidence: float = 99.5) -> dict:
    return {"box": BOX, "confidence": confidence, "landmarks": {"eyeLeft": {"x": 0.2, "y": 0.3}},
            "pose": {"roll": 1.0, "yaw": -2.5, "pitch": 0.0}, "brightness": 60.0, "sharpness": 80.0,
            "attributes": {"age_range": (30, 40), "smile": (True, 91.0)}, "match": match}


RESULT = {"schema_version": 1, "image": {"width": 640, "height": 480, "format": "JPEG"},
          "models": {"labels": "oculi-labels-1"},
          "labels": [{"name": "Dog & Cat <3", "confidence": 91.5, "instances": [{"box": BOX, "confidence": 1e-05}],
                      "parents": ["Animal"], "aliases": [], "category": "Animals and Pets"}],
          "faces": [face(MATCH), face(None, 88.0)],
          "text": [{"text": "EXIT\x07 <b>\\", "type": "LINE", "id": 0, "parent_id": None, "confidence": 0.1 + 0.2,
                    "box": BOX, "polygon": [{"x": 0.1, "y": 0.2}]}],
          "moderation": [{"name": "Violence", "parent": "", "level": 1, "confidence": 80.0}],
          "enrolled": {"collection": "employees", "external_image_id": "ann", "face_id": "f-2", "box": BOX}}


def xml_to_json(el: ET.Element):
    """XPath 3.1's fn:xml-to-json, written out here independently of Oculi's writer."""
    tag = el.tag.removeprefix(FN)
    if tag == "map":
        return {child.get("key"): xml_to_json(child) for child in el}
    if tag == "array":
        return [xml_to_json(child) for child in el]
    if tag == "string":
        return json.loads(f'"{el.text or ""}"') if el.get("escaped") == "true" else el.text or ""
    if tag == "number":
        return float(el.text) if any(c in el.text for c in ".eE") else int(el.text)
    if tag == "boolean":
        return el.text == "true"
    assert tag == "null", tag
    return None


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(resources.files("oculi").joinpath("data/event.xsd")))


def test_the_sample_result_is_a_result_v1():
    ResultV1.model_validate(RESULT)


def test_xml_of_every_event_type_is_valid_and_says_what_it_is_about(schema):
    kinds = ("image.analyzed", "face.matched", "face.enrolled", "moderation.flagged")
    docs = {k: schema.to_dict(events.to_xml(events.event(k, IMAGE, result=RESULT)).decode()) for k in kinds}
    failed = events.event("image.failed", {**IMAGE, "status": "failed", "width": None, "height": None},
                          error="Request has invalid image format: truncated")
    docs["image.failed"] = schema.to_dict(events.to_xml(failed).decode())
    for kind, doc in docs.items():
        assert doc["@type"] == kind and doc["image"]["@id"] == "3f1c" and doc["image"]["tag"] == ["door", "night"]
    analyzed = docs["image.analyzed"]
    assert analyzed["labels"]["label"][0]["@name"] == "Dog & Cat <3"
    assert [f.get("@userId") for f in analyzed["faces"]["face"]] == ["ann", None]
    assert analyzed["texts"]["text"][0]["$"] == "EXIT\ufffd <b>\\"  # XML cannot hold U+0007: replaced here
    assert [m["@name"] for m in analyzed["moderation"]["label"]] == ["Violence"]
    assert [f.get("@userId") for f in docs["face.matched"]["faces"]["face"]] == ["ann"]
    assert set(docs["face.matched"]) & {"labels", "texts", "moderation"} == set()
    assert [f["@faceId"] for f in docs["face.enrolled"]["faces"]["face"]] == ["f-2"]
    assert [m["@name"] for m in docs["moderation.flagged"]["moderation"]["label"]] == ["Violence"]
    assert "faces" not in docs["moderation.flagged"]
    assert "result" not in docs["image.failed"] and "truncated" in docs["image.failed"]["error"]


def test_the_xml_result_reads_back_to_the_very_result(schema):
    for kind in ("image.analyzed", "face.matched"):
        body = events.to_xml(events.event(kind, IMAGE, result=RESULT))
        schema.validate(body.decode())
        (fn_map,) = ET.fromstring(body).find(f"{NS}result")
        assert xml_to_json(fn_map) == json.loads(json.dumps(RESULT))  # tuples are arrays, 0.1 + 0.2 exact


def test_xml_that_breaks_the_schema_is_refused(schema):
    bad = {**RESULT, "faces": [face(MATCH, 150.0)]}
    assert not schema.is_valid(events.to_xml(events.event("face.matched", IMAGE, result=bad)).decode())


def test_json_round_trip():
    evt = events.event("image.analyzed", IMAGE, result=RESULT)
    assert json.loads(events.to_json(evt)) == json.loads(json.dumps(evt))
    assert set(evt) == {"id", "type", "time", "image", "result"} and evt["time"].endswith("Z")
    ImageEventV1.model_validate(json.loads(events.to_json(evt)))


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
