"""The stored and public result of an analysis (schema version 1), written field by field from the services'
dataclasses. Nothing is dumped generically: a field added to or renamed in a dataclass changes nothing here
until this module (and `oculi.api.results`, the same schema as Pydantic models in the OpenAPI document) says so.
"""

from __future__ import annotations

from oculi.services.faces import Face
from oculi.services.image_properties import Colour, ImageProperties, Quality
from oculi.services.labels import Label
from oculi.services.moderation import ModerationLabel
from oculi.services.text import TextDetection
from oculi.services.types import Box, Point

SCHEMA_VERSION = 1
FACE_ATTRIBUTES = ("age_range", "gender", "emotions", "smile", "eyes_open", "mouth_open", "eye_direction")


def box(b: Box) -> dict:
    return {"left": b.left, "top": b.top, "width": b.width, "height": b.height}


def point(p: Point) -> dict:
    return {"x": p.x, "y": p.y}


def label(lb: Label) -> dict:
    return {"name": lb.name, "confidence": lb.confidence,
            "instances": [{"box": box(b), "confidence": c} for b, c in lb.instances],
            "parents": list(lb.parents), "aliases": list(lb.aliases), "category": lb.category}


def face(f: Face) -> dict:
    attrs = {k: v for k, v in (f.attributes.as_dict() if f.attributes else {}).items() if k in FACE_ATTRIBUTES}
    return {"box": box(f.box), "confidence": f.confidence,
            "landmarks": {name: point(p) for name, p in f.landmarks.items()},
            "pose": {"roll": f.pose[0], "yaw": f.pose[1], "pitch": f.pose[2]},
            "brightness": f.brightness, "sharpness": f.sharpness, "attributes": attrs}


def text(t: TextDetection) -> dict:
    return {"text": t.text, "type": t.type, "id": t.id, "parent_id": t.parent_id, "confidence": t.confidence,
            "box": box(t.box), "polygon": [point(p) for p in t.polygon]}


def moderation(m: ModerationLabel) -> dict:
    return {"name": m.name, "parent": m.parent, "level": m.level, "confidence": m.confidence}


def _quality(q: Quality) -> dict:
    return {"brightness": q.brightness, "sharpness": q.sharpness, "contrast": q.contrast}


def _colour(c: Colour) -> dict:
    return {"rgb": list(c.rgb), "hex": c.hex, "css": c.css, "simplified": c.simplified,
            "pixel_percent": c.pixel_percent}


def properties(p: ImageProperties) -> dict:
    out = {"quality": _quality(p.quality), "dominant_colors": [_colour(c) for c in p.dominant_colors]}
    for name, part in (("foreground", p.foreground), ("background", p.background)):
        if part is not None:
            q, colours = part
            out[name] = {"quality": _quality(q), "dominant_colors": [_colour(c) for c in colours]}
    return out


def match(collection: str | None, user_id: str | None, face_id: str | None, external_image_id: str | None,
          similarity: float | None) -> dict:
    return {"collection": collection, "user_id": user_id, "face_id": face_id,
            "external_image_id": external_image_id, "similarity": similarity}


def upgrade(result: dict | None) -> dict | None:
    """A result stored before schema version 1 (dataclasses dumped as they were) in today's shape."""
    if result is None or result.get("schema_version") == SCHEMA_VERSION:
        return result
    out = {"schema_version": SCHEMA_VERSION, **{k: v for k, v in result.items() if k != "schema_version"}}
    for lb in out.get("labels", []):
        lb["instances"] = [i if isinstance(i, dict) else {"box": i[0], "confidence": i[1]} for i in lb["instances"]]
    for f in out.get("faces", []):
        f.pop("pixel_box", None)
        f.pop("embedding", None)
        if isinstance(f.get("pose"), list):
            f["pose"] = dict(zip(("roll", "yaw", "pitch"), f["pose"], strict=True))
        f["attributes"] = {k: v for k, v in (f.get("attributes") or {}).items() if k in FACE_ATTRIBUTES}
    props = out.get("properties")
    for name in ("foreground", "background"):
        if props and isinstance(props.get(name), list):
            props[name] = {"quality": props[name][0], "dominant_colors": props[name][1]}
    return out
