"""Native result types -> Rekognition response members (PascalCase dicts)."""

from __future__ import annotations

from oculi.services.faces import DEFAULT_LANDMARKS, Face
from oculi.services.image_properties import ImageProperties
from oculi.services.labels import Label
from oculi.services.moderation import ModerationLabel
from oculi.services.text import TextDetection
from oculi.services.types import Box, Point


def box_out(b: Box) -> dict:
    return {"Width": b.width, "Height": b.height, "Left": b.left, "Top": b.top}


def point_out(p: Point) -> dict:
    return {"X": p.x, "Y": p.y}


def label_out(lb: Label) -> dict:
    return {"Name": lb.name, "Confidence": lb.confidence,
            "Instances": [{"BoundingBox": box_out(b), "Confidence": c} for b, c in lb.instances],
            "Parents": [{"Name": p} for p in lb.parents], "Aliases": [{"Name": a} for a in lb.aliases],
            "Categories": [{"Name": lb.category}]}


def text_detection_out(d: TextDetection) -> dict:
    out = {"DetectedText": d.text, "Type": d.type, "Id": d.id, "Confidence": d.confidence,
           "Geometry": {"BoundingBox": box_out(d.box), "Polygon": [point_out(p) for p in d.polygon]}}
    if d.parent_id is not None:
        out["ParentId"] = d.parent_id
    return out


def moderation_label_out(m: ModerationLabel) -> dict:
    return {"Confidence": m.confidence, "Name": m.name, "ParentName": m.parent, "TaxonomyLevel": m.level}


def colours_out(colours) -> list[dict]:
    return [{"Red": c.rgb[0], "Green": c.rgb[1], "Blue": c.rgb[2], "HexCode": c.hex, "CSSColor": c.css,
             "SimplifiedColor": c.simplified, "PixelPercent": c.pixel_percent} for c in colours]


def image_properties_out(props: ImageProperties) -> dict:
    """DetectLabels' ImageProperties: the whole image, and its foreground and background where labels had boxes."""
    q = props.quality
    out = {"Quality": {"Brightness": q.brightness, "Sharpness": q.sharpness, "Contrast": q.contrast},
           "DominantColors": colours_out(props.dominant_colors)}
    for key, part in (("Foreground", props.foreground), ("Background", props.background)):
        if part:
            q, colours = part
            out[key] = {"Quality": {"Brightness": q.brightness, "Sharpness": q.sharpness},
                        "DominantColors": colours_out(colours)}
    return out


def _landmarks(face: Face, names) -> list[dict]:
    return [{"Type": k, "X": face.landmarks[k].x, "Y": face.landmarks[k].y} for k in names if k in face.landmarks]


def _pose(face: Face) -> dict:
    roll, yaw, pitch = face.pose
    return {"Roll": roll, "Yaw": yaw, "Pitch": pitch}


def compared_face_out(face: Face) -> dict:
    return {"BoundingBox": box_out(face.box), "Confidence": face.confidence,
            "Landmarks": _landmarks(face, DEFAULT_LANDMARKS), "Pose": _pose(face),
            "Quality": {"Brightness": face.brightness, "Sharpness": face.sharpness}}


def face_detail_out(face: Face, wanted: set[str]) -> dict:
    """A FaceDetail with the attributes asked for that a model provides (never invented ones)."""
    all_ = "ALL" in wanted
    out = {"BoundingBox": box_out(face.box), "Confidence": face.confidence,
           "Landmarks": _landmarks(face, face.landmarks if all_ else DEFAULT_LANDMARKS), "Pose": _pose(face),
           "Quality": {"Brightness": face.brightness, "Sharpness": face.sharpness}}
    a = face.attributes
    if not a:
        return out

    def want(name: str) -> bool:
        return all_ or name in wanted

    if want("AGE_RANGE"):
        out["AgeRange"] = {"Low": a.age_range.low, "High": a.age_range.high}
    if want("GENDER"):
        out["Gender"] = {"Value": a.gender.value, "Confidence": a.gender.confidence}
    if want("EMOTIONS"):
        out["Emotions"] = [{"Type": e.type, "Confidence": e.confidence} for e in a.emotions]
    if want("EYE_DIRECTION") and a.eye_direction is not None:
        d = a.eye_direction
        out["EyeDirection"] = {"Yaw": d.yaw, "Pitch": d.pitch, "Confidence": d.confidence}
    for flag, name, key in ((a.smile, "SMILE", "Smile"), (a.eyes_open, "EYES_OPEN", "EyesOpen"),
                            (a.mouth_open, "MOUTH_OPEN", "MouthOpen")):
        if want(name):
            out[key] = {"Value": flag.value, "Confidence": flag.confidence}
    return out
