"""Events the pipeline emits, as plain dicts, and their two wire formats: JSON and XML (data/event.xsd)."""

from __future__ import annotations

import json
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

EVENT_TYPES = ("image.analyzed", "image.failed", "face.matched", "face.enrolled", "moderation.flagged",
               "video.completed", "video.failed",
               "stream.face_matched", "stream.label_detected", "stream.session_ended", "stream.stopped")
XML_NAMESPACE = "urn:oculi:events:1"


def event(kind: str, image: dict, **payload) -> dict:
    """`image` is the summary from ImageService.summary(); payload keys: labels, faces, text, moderation,
    error — each as in the stored result JSON."""
    assert kind in EVENT_TYPES, kind
    now = time.time()
    return {"id": str(uuid.uuid4()), "type": kind,
            "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "image": image, **{k: v for k, v in payload.items() if v is not None}}


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


def _attrs(el: ET.Element, **values) -> ET.Element:
    for k, v in values.items():
        if v is not None:
            el.set(k, _num(v) if isinstance(v, int | float) else str(v))
    return el


def to_xml(evt: dict) -> bytes:
    """One element per label, face, text line and moderation label; see oculi/data/event.xsd."""
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
        ET.SubElement(image, "tag").text = tag
    if "labels" in evt:
        labels = ET.SubElement(root, "labels")
        for lb in evt["labels"]:
            _attrs(ET.SubElement(labels, "label"), name=lb["name"], confidence=lb["confidence"],
                   category=lb.get("category"))
    if "faces" in evt:
        faces = ET.SubElement(root, "faces")
        for f in evt["faces"]:
            b = f["box"]
            _attrs(ET.SubElement(faces, "face"), confidence=f["confidence"], left=b["left"], top=b["top"],
                   width=b["width"], height=b["height"], collection=f.get("collection"), userId=f.get("user_id"),
                   externalImageId=f.get("external_image_id"), faceId=f.get("face_id"),
                   similarity=f.get("similarity"))
    if "text" in evt:
        texts = ET.SubElement(root, "texts")
        for t in evt["text"]:
            _attrs(ET.SubElement(texts, "text"), confidence=t["confidence"]).text = t["text"]
    if "moderation" in evt:
        mod = ET.SubElement(root, "moderation")
        for m in evt["moderation"]:
            _attrs(ET.SubElement(mod, "label"), name=m["name"], parent=m.get("parent") or None,
                   confidence=m["confidence"])
    if evt.get("error"):
        ET.SubElement(root, "error").text = evt["error"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


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
