"""The combined analysis of one image (`oculi analyze`, later the REST API): JSON-ready dicts and a table."""

from __future__ import annotations

from dataclasses import dataclass, field

from oculi.services import result_json
from oculi.services.analysis import Analyzer, face_model_version, text_model_version
from oculi.services.errors import InvalidParameter
from oculi.services.faces import Face, detect_faces
from oculi.services.image_properties import ImageProperties, image_properties
from oculi.services.imaging import DecodedImage
from oculi.services.labels import Label, detect_labels
from oculi.services.labels import model_version as label_model_version
from oculi.services.moderation import ModerationLabel, detect_moderation_labels
from oculi.services.moderation import model_version as moderation_model_version
from oculi.services.text import TextDetection, detect_text

FEATURES = ("labels", "faces", "text", "moderation", "properties")


@dataclass
class Analysis:
    """What the models found, as service dataclasses (faces keep what a later search needs)."""

    labels: list[Label] | None = None
    faces: list[Face] | None = None
    text: list[TextDetection] | None = None
    moderation: list[ModerationLabel] | None = None
    properties: ImageProperties | None = None
    models: dict[str, str] = field(default_factory=dict)


def check_features(features: list[str]) -> list[str]:
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise InvalidParameter(f"unknown features {sorted(unknown)}; choose from {', '.join(FEATURES)}")
    return [f for f in FEATURES if f in features]


def run(analyzer: Analyzer, img: DecodedImage, features: list[str]) -> Analysis:
    features = check_features(features)
    m, out = analyzer.models, Analysis()
    if "labels" in features:
        out.labels = detect_labels(m, img.rgb)
        out.models["labels"] = label_model_version(m)
    if "faces" in features:
        out.faces = detect_faces(m, img.rgb, attributes=True, tile_min_side=analyzer.settings.face_tile_min_side)
        out.models["faces"] = face_model_version(m)
    if "text" in features:
        out.text = [t for t in detect_text(m, img.rgb) if t.type == "LINE"]
        out.models["text"] = text_model_version(m)
    if "moderation" in features:
        out.moderation = detect_moderation_labels(m, img.rgb)
        out.models["moderation"] = moderation_model_version(m)
    if "properties" in features:  # colours and quality of the whole image, and of the objects against the rest
        boxes = [box for lb in out.labels or [] for box, _ in lb.instances]
        out.properties = image_properties(img.rgb, boxes)
    return out


def to_json(img: DecodedImage, analysis: Analysis) -> dict:
    """The public result (oculi.services.result_json; schema in oculi.api.results): only the asked sections."""
    out: dict = {"schema_version": result_json.SCHEMA_VERSION,
                 "image": {"width": img.width, "height": img.height, "format": img.format},
                 "models": dict(analysis.models)}
    if analysis.labels is not None:
        out["labels"] = [result_json.label(lb) for lb in analysis.labels]
    if analysis.faces is not None:
        out["faces"] = [result_json.face(f) for f in analysis.faces]
    if analysis.text is not None:
        out["text"] = [result_json.text(t) for t in analysis.text]
    if analysis.moderation is not None:
        out["moderation"] = [result_json.moderation(m) for m in analysis.moderation]
    if analysis.properties is not None:
        out["properties"] = result_json.properties(analysis.properties)
    return out


def analyze(analyzer: Analyzer, img: DecodedImage, features: list[str]) -> dict:
    return to_json(img, run(analyzer, img, features))


def render_table(result: dict) -> str:
    img = result["image"]
    lines = [f"image: {img['width']}x{img['height']} {img['format']}"]
    if "labels" in result:
        lines.append("\nLABELS")
        for lb in result["labels"]:
            alias = f"  ({', '.join(lb['aliases'][:2])})" if lb["aliases"] else ""
            lines.append(f"  {lb['confidence']:5.1f}  {lb['name']}{alias}  x{len(lb['instances'])}"
                         if lb["instances"] else f"  {lb['confidence']:5.1f}  {lb['name']}{alias}")
    if "faces" in result:
        lines.append(f"\nFACES ({len(result['faces'])})")
        for i, f in enumerate(result["faces"]):
            b, a = f["box"], f["attributes"]
            desc = ""
            if a:
                desc = (f"  {a['gender'][0]} {a['age_range'][0]}-{a['age_range'][1]}  {a['emotions'][0][0]}"
                        f"  smile={a['smile'][0]}")
            lines.append(f"  #{i} {f['confidence']:5.1f}  box=({b['left']:.2f},{b['top']:.2f} "
                         f"{b['width']:.2f}x{b['height']:.2f}){desc}")
    if "text" in result:
        lines.append("\nTEXT")
        lines += [f"  {t['confidence']:5.1f}  {t['text']}" for t in result["text"]]
    if "moderation" in result:
        lines.append("\nMODERATION")
        lines += [f"  {m['confidence']:5.1f}  {m['name']}" for m in result["moderation"]] or ["  (safe)"]
    return "\n".join(lines)
