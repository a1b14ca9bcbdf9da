"""The combined analysis of one image (`oculi analyze`, later the REST API): JSON-ready dicts and a table."""

from __future__ import annotations

from oculi.services import compose, result_json
from oculi.services.analysis import Analyzer
from oculi.services.compose import (
    Analysis,
    AnalysisRequest,
    FacesRequest,
    LabelsRequest,
    ModerationRequest,
    PropertiesRequest,
    TextRequest,
)
from oculi.services.errors import InvalidParameter
from oculi.services.imaging import DecodedImage

FEATURES = compose.TASKS


def check_features(features: list[str]) -> list[str]:
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise InvalidParameter(f"unknown features {sorted(unknown)}; choose from {', '.join(FEATURES)}")
    return [f for f in FEATURES if f in features]


def request_for(features: list[str]) -> AnalysisRequest:
    """The analyses an upload asks for by name, each with the pipeline's defaults: every face attribute, all
    text (lines, then their words, as DetectText), colours and quality of the whole image and of the objects
    against the rest."""
    asked = set(check_features(features))
    return AnalysisRequest(LabelsRequest() if "labels" in asked else None,
                           FacesRequest(attributes=True) if "faces" in asked else None,
                           TextRequest() if "text" in asked else None,
                           ModerationRequest() if "moderation" in asked else None,
                           PropertiesRequest() if "properties" in asked else None)


def run(analyzer: Analyzer, img: DecodedImage, features: list[str]) -> Analysis:
    tuning = compose.Tuning(analyzer.settings.face_tile_min_side)  # the labels' default passes
    return compose.analyse(analyzer.models, img.rgb, request_for(features), tuning)


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
        lines += [f"  {t['confidence']:5.1f}  {t['text']}" for t in result["text"] if t["type"] == "LINE"]
    if "moderation" in result:
        lines.append("\nMODERATION")
        lines += [f"  {m['confidence']:5.1f}  {m['name']}" for m in result["moderation"]] or ["  (safe)"]
    return "\n".join(lines)
