"""Events the pipeline emits, as plain dicts, and their two wire formats: JSON and XML (data/event.xsd).

An image's events carry the image (ImageService.summary()) and its whole result: the very ResultV1 dict that
is stored as `<key>.json` and served as GET /v1/images/{id}'s `result` (built by services/result_json.py;
the Pydantic form, ImageEventV1, is in oculi/api/event_payloads.py and the OpenAPI document). The XML form
carries the same result in the W3C's XML representation of JSON (XPath 3.1 `fn:json-to-xml`), losslessly,
after one summary element per label, face, text line and moderation label for XPath users."""

from __future__ import annotations

import json
import re
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

EVENT_TYPES = ("image.analyzed", "image.failed", "face.matched", "face.enrolled", "moderation.flagged",
               "video.completed", "video.failed",
               "stream.face_matched", "stream.label_detected", "stream.session_ended", "stream.stopped")
IMAGE_EVENTS = EVENT_TYPES[:5]
XML_NAMESPACE = "urn:oculi:events:1"
JSON_XML_NAMESPACE = "http://www.w3.org/2005/xpath-functions"  # fn:json-to-xml's vocabulary
ET.register_namespace("fn", JSON_XML_NAMESPACE)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def event(kind: str, image: dict, *, result: dict | None = None, error: str | None = None) -> dict:
    """An image's event: `image` is ImageService.summary(), `result` the image's ResultV1 dict (every event
    but image.failed), `error` why it failed (image.failed)."""
    assert kind in IMAGE_EVENTS, kind
    now = time.time()
    evt = {"id": str(uuid.uuid4()), "type": kind,
           "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
           "image": image}
    if result is not None:
        evt["result"] = result
    if error is not None:
        evt["error"] = error
    return evt


def video_event(kind: str, video: dict, **payload) -> dict:
    """A stored-video job's end: `video` is services.video_run.summary(); payload: counts (records per feature)
    or error."""
    assert kind in ("video.completed", "video.failed"), kind
    now = time.time()
    return {"id": str(uuid.uuid4()), "type": kind,
            "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "video": video, **{k: v for k, v in payload.items() if v is not None}}


def to_json(evt: dict) -> bytes:
    return json.dumps(evt, separators=(",", ":"), ensure_ascii=False).encode()


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def _text(value: str) -> str:
    """A character XML 1.0 cannot hold (a control character in a file name or in detected text) as U+FFFD in
    the summary elements; <result> keeps it, escaped."""
    return _NOT_XML.sub("\ufffd", value)


def _attrs(el: ET.Element, **values) -> ET.Element:
    for k, v in values.items():
        if v is not None:
            el.set(k, _num(v) if isinstance(v, int | float) else _text(str(v)))
    return el


def to_xml(evt: dict) -> bytes:
    """The XML form (oculi/data/event.xsd): an image's event has the summary elements, then <result> holding
    the ResultV1 as one fn:map (json_to_xml)."""
    root = _attrs(ET.Element("event", xmlns=XML_NAMESPACE), id=evt["id"], type=evt["type"], time=evt["time"])
    if "video" in evt:
        return _video_xml(root, evt)
    if "stream" in evt:  # a stream processor's event (oculi/streams/outputs.py)
        return _stream_xml(root, evt)
    img = evt["image"]
    image = _attrs(ET.SubElement(root, "image"), id=img["id"], bucket=img["bucket"], key=img["key"],
                   filename=img["filename"], source=img["source"], status=img["status"],
                   width=img.get("width"), height=img.get("height"))
    for tag in img.get("tags", []):
        ET.SubElement(image, "tag").text = _text(tag)
    result = evt.get("result")
    if result is not None:
        _summary_xml(root, evt["type"], result)
        json_to_xml(ET.SubElement(root, "result"), result)
    if evt.get("error"):
        ET.SubElement(root, "error").text = _text(evt["error"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _face_xml(parent: ET.Element, box: dict, confidence: float, match: dict | None) -> None:
    m = match or {}
    _attrs(ET.SubElement(parent, "face"), confidence=confidence, left=box["left"], top=box["top"],
           width=box["width"], height=box["height"], collection=m.get("collection"), userId=m.get("user_id"),
           externalImageId=m.get("external_image_id"), faceId=m.get("face_id"), similarity=m.get("similarity"))


def _summary_xml(root: ET.Element, kind: str, result: dict) -> None:
    """What the event is about, one element per item, read from the result: every section for image.analyzed,
    the matched faces for face.matched, the enrolled face for face.enrolled, the labels for moderation.flagged."""
    if kind == "image.analyzed" and "labels" in result:
        labels = ET.SubElement(root, "labels")
        for lb in result["labels"]:
            _attrs(ET.SubElement(labels, "label"), name=lb["name"], confidence=lb["confidence"],
                   category=lb.get("category"))
    if kind in ("image.analyzed", "face.matched") and "faces" in result:
        faces = ET.SubElement(root, "faces")
        for f in result["faces"]:
            if kind == "image.analyzed" or f.get("match"):
                _face_xml(faces, f["box"], f["confidence"], f.get("match"))
    enrolled = result.get("enrolled")
    if kind == "face.enrolled" and enrolled and enrolled.get("face_id"):
        _face_xml(ET.SubElement(root, "faces"), enrolled["box"], 100.0, {**enrolled, "similarity": None})
    if kind == "image.analyzed" and "text" in result:
        texts = ET.SubElement(root, "texts")
        for t in [t for t in result["text"] if t["type"] == "LINE"]:  # the words are in <result>
            _attrs(ET.SubElement(texts, "text"), confidence=t["confidence"]).text = _text(t["text"])
    if kind in ("image.analyzed", "moderation.flagged") and "moderation" in result:
        mod = ET.SubElement(root, "moderation")
        for m in result["moderation"]:
            _attrs(ET.SubElement(mod, "label"), name=m["name"], parent=m.get("parent") or None,
                   confidence=m["confidence"])


def json_to_xml(parent: ET.Element, value, key: str | None = None) -> ET.Element:
    """`value` (JSON-ready) as a child of `parent` in XPath 3.1's XML representation of JSON: map, array,
    string, number, boolean, null, a member's name in `key`. Numbers are written with Python's repr (the
    shortest text that reads back to the same float), so the result survives the trip exactly; a string with
    a character XML cannot hold is written JSON-escaped with escaped="true", as the format provides."""
    def child(tag: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{JSON_XML_NAMESPACE}}}{tag}")
        if key is not None and _NOT_XML.search(key):
            el.set("escaped-key", "true")
            el.set("key", json.dumps(key)[1:-1])
        elif key is not None:
            el.set("key", key)
        return el

    if isinstance(value, dict):
        el = child("map")
        for k, v in value.items():
            json_to_xml(el, v, str(k))
    elif isinstance(value, list | tuple):
        el = child("array")
        for v in value:
            json_to_xml(el, v)
    elif isinstance(value, str):
        el = child("string")
        if _NOT_XML.search(value):
            el.set("escaped", "true")
            value = json.dumps(value)[1:-1]
        el.text = value
    elif isinstance(value, bool):
        el = child("boolean")
        el.text = "true" if value else "false"
    elif isinstance(value, int | float):
        el = child("number")
        el.text = repr(float(value)) if isinstance(value, float) else str(int(value))
    elif value is None:
        el = child("null")
    else:
        raise TypeError(f"not JSON: {type(value).__name__}")
    return el


def _video_xml(root: ET.Element, evt: dict) -> bytes:
    v = evt["video"]
    video = _attrs(ET.SubElement(root, "video"), id=v["id"], account=v.get("account"), region=v.get("region"),
                   api=v["api"], bucket=v["bucket"], key=v["key"], status=v["status"], jobTag=v.get("job_tag"))
    for name, count in (evt.get("counts") or {}).items():
        _attrs(ET.SubElement(video, "feature"), name=name, records=count)
    if evt.get("error"):
        ET.SubElement(root, "error").text = evt["error"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


CONTENT_TYPES = {"json": "application/json", "xml": "application/xml"}


def render(evt: dict, fmt: str) -> bytes:
    """The body in a webhook's format; its Content-Type is CONTENT_TYPES[fmt]."""
    return to_xml(evt) if fmt == "xml" else to_json(evt)


def _stream_xml(root: ET.Element, evt: dict) -> bytes:
    """The XML form of a stream event (oculi/data/event.xsd): the processor and the event's scalars as the
    attributes of <stream>, then the label (<labels>) or the face and its match (<faces>), as image events
    have them; a failed processor's message as <error>."""
    p = evt["stream"]
    _attrs(ET.SubElement(root, "stream"), name=p["name"], arn=p["arn"], account=p.get("account"),
           region=p.get("region"), sessionId=p.get("session_id"), input=p.get("input"), status=evt.get("status"),
           frameOffsetSeconds=evt.get("frame_offset_seconds"), frameReadAt=evt.get("frame_read_at"),
           frame=evt.get("frame"), firstFrame=evt.get("first_frame"), bestFrame=evt.get("best_frame"),
           bestFrameCrop=evt.get("best_frame_crop"), bestFrameOffsetSeconds=evt.get("best_frame_offset_seconds"),
           startOffsetSeconds=evt.get("start_offset_seconds"), endOffsetSeconds=evt.get("end_offset_seconds"))
    if "label" in evt:
        _attrs(ET.SubElement(ET.SubElement(root, "labels"), "label"), name=evt["label"]["name"],
               confidence=evt["label"]["confidence"])
    if "face" in evt:
        b, m = evt["face"]["box"], evt.get("match") or {}
        _attrs(ET.SubElement(ET.SubElement(root, "faces"), "face"), confidence=evt["face"]["confidence"],
               left=b["Left"], top=b["Top"], width=b["Width"], height=b["Height"], collection=m.get("collection"),
               userId=m.get("user_id"), externalImageId=m.get("external_image_id"), faceId=m.get("face_id"),
               similarity=m.get("similarity"))
    if evt.get("message") and evt.get("status") == "FAILED":
        ET.SubElement(root, "error").text = evt["message"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
