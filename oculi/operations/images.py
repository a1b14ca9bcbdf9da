"""The image operations of the Rekognition provider: AWS request dicts in, AWS response dicts out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from oculi.aws import api
from oculi.aws.errors import RequestContext
from oculi.operations.shapes import box_out, colours_out, compared_face_out, face_detail_out, point_out
from oculi.services import faces as face_service
from oculi.services import labels as label_service
from oculi.services import moderation as moderation_service
from oculi.services.analysis import Analyzer, text_model_version
from oculi.services.errors import InvalidParameter
from oculi.services.image_properties import image_properties
from oculi.services.imaging import DecodedImage
from oculi.services.labels import LabelFilter, detect_labels
from oculi.services.moderation import detect_moderation_labels
from oculi.services.text import WordFilter, detect_text
from oculi.services.types import Box


class ImageOperations(api.RekognitionApi):
    def __init__(self, analyzer: Analyzer):
        self.analyzer = analyzer
        self._decoder = ThreadPoolExecutor(2, thread_name_prefix="decode")  # Pillow lets go of the GIL

    @property
    def models(self):
        return self.analyzer.models

    def image(self, image: dict, at_least: int | None = None) -> DecodedImage:
        """`at_least`: the most pixels a side the operation's models use (see imaging.decode)."""
        has_bytes, s3 = "Bytes" in image, image.get("S3Object")
        if has_bytes == bool(s3):
            raise InvalidParameter("Request has invalid parameters: give exactly one of Image.Bytes and "
                                   "Image.S3Object")
        if has_bytes:
            return self.analyzer.from_bytes(image["Bytes"], at_least=at_least)
        if not s3.get("Bucket") or not s3.get("Name"):
            raise InvalidParameter("Request has invalid parameters: S3Object needs Bucket and Name")
        return self.analyzer.from_object(s3["Bucket"], s3["Name"], at_least)

    def detect_labels(self, context: RequestContext, request: dict) -> dict:
        features = set(request.get("Features") or ["GENERAL_LABELS"])
        # the label models see up to 600 px (detector tiles); image properties want every pixel
        img = self.image(request["Image"], None if "IMAGE_PROPERTIES" in features
                         else label_service.input_side(self.models))
        settings = request.get("Settings") or {}
        general = settings.get("GeneralLabels") or {}

        def lower(key):
            return frozenset(x.lower() for x in general.get(key, []))

        label_filter = LabelFilter(lower("LabelInclusionFilters"), lower("LabelExclusionFilters"),
                                   lower("LabelCategoryInclusionFilters"), lower("LabelCategoryExclusionFilters"))
        out: dict = {"LabelModelVersion": label_service.model_version(self.models)}
        labels = []
        if "GENERAL_LABELS" in features:
            labels = detect_labels(self.models, img.rgb, request.get("MaxLabels"),
                                   request.get("MinConfidence", 55.0), label_filter,
                                   label_service.passes_named(self.analyzer.settings.label_passes))
            out["Labels"] = [
                {
                    "Name": lb.name,
                    "Confidence": lb.confidence,
                    "Instances": [{"BoundingBox": box_out(b), "Confidence": c} for b, c in lb.instances],
                    "Parents": [{"Name": p} for p in lb.parents],
                    "Aliases": [{"Name": a} for a in lb.aliases],
                    "Categories": [{"Name": lb.category}],
                }
                for lb in labels
            ]
        if "IMAGE_PROPERTIES" in features:
            max_colours = (settings.get("ImageProperties") or {}).get("MaxDominantColors", 10)
            boxes = [b for lb in labels for b, _ in lb.instances]
            props = image_properties(img.rgb, boxes)
            out["ImageProperties"] = {
                "Quality": _quality(props.quality),
                "DominantColors": colours_out(props.dominant_colors[:max_colours]),
            }
            for key, part in (("Foreground", props.foreground), ("Background", props.background)):
                if part:
                    q, colours = part
                    out["ImageProperties"][key] = {"Quality": {"Brightness": q.brightness, "Sharpness": q.sharpness},
                                                   "DominantColors": colours_out(colours[:max_colours])}
        return out

    def detect_faces(self, context: RequestContext, request: dict) -> dict:
        img = self.image(request["Image"])
        wanted = set(request.get("Attributes") or ["DEFAULT"])
        extras = wanted - {"DEFAULT"}
        faces = face_service.detect_faces(self.models, img.rgb, attributes=bool(extras),
                                          tile_min_side=self.analyzer.settings.face_tile_min_side)
        return {"FaceDetails": [face_detail_out(f, wanted) for f in faces]}

    def compare_faces(self, context: RequestContext, request: dict) -> dict:
        source = self._decoder.submit(self.image, request["SourceImage"])  # both images decode at once
        try:
            tgt = self.image(request["TargetImage"])
        except Exception:
            source.result()  # a bad source image is the error to report first
            raise
        src = source.result()
        result = face_service.compare_faces(self.models, src.rgb, tgt.rgb, request.get("SimilarityThreshold", 80.0),
                                            request.get("QualityFilter", "NONE"))
        return {
            "SourceImageFace": {"BoundingBox": box_out(result.source.box), "Confidence": result.source.confidence},
            "FaceMatches": [{"Similarity": m.similarity, "Face": compared_face_out(m.face)} for m in result.matches],
            "UnmatchedFaces": [compared_face_out(f) for f in result.unmatched],
        }

    def detect_text(self, context: RequestContext, request: dict) -> dict:
        img = self.image(request["Image"])
        filters = request.get("Filters") or {}
        wf = filters.get("WordFilter") or {}
        word_filter = WordFilter(wf.get("MinConfidence", 0.0), wf.get("MinBoundingBoxHeight", 0.0),
                                 wf.get("MinBoundingBoxWidth", 0.0))
        regions = []
        for roi in filters.get("RegionsOfInterest") or []:
            if roi.get("BoundingBox"):
                b = roi["BoundingBox"]
                regions.append(Box(b.get("Left", 0.0), b.get("Top", 0.0), b.get("Width", 1.0), b.get("Height", 1.0)))
            elif roi.get("Polygon"):
                if any("X" not in p or "Y" not in p for p in roi["Polygon"]):
                    raise InvalidParameter("Request has invalid parameters: each point of a RegionsOfInterest "
                                           "Polygon needs X and Y")
                xs, ys = [p["X"] for p in roi["Polygon"]], [p["Y"] for p in roi["Polygon"]]
                regions.append(Box.from_corners(min(xs), min(ys), max(xs), max(ys)))
        detections = detect_text(self.models, img.rgb, word_filter, regions)
        out = []
        for d in detections:
            item = {"DetectedText": d.text, "Type": d.type, "Id": d.id, "Confidence": d.confidence,
                    "Geometry": {"BoundingBox": box_out(d.box), "Polygon": [point_out(p) for p in d.polygon]}}
            if d.parent_id is not None:
                item["ParentId"] = d.parent_id
            out.append(item)
        return {"TextDetections": out, "TextModelVersion": text_model_version(self.models)}

    def detect_moderation_labels(self, context: RequestContext, request: dict) -> dict:
        if request.get("ProjectVersion"):
            raise InvalidParameter("Request has invalid parameters: custom moderation adapters "
                                   "(ProjectVersion) are not supported by Oculi")
        img = self.image(request["Image"], moderation_service.input_side(self.models))
        labels = detect_moderation_labels(self.models, img.rgb, request.get("MinConfidence", 50.0))
        return {
            "ModerationLabels": [{"Confidence": m.confidence, "Name": m.name, "ParentName": m.parent,
                                  "TaxonomyLevel": m.level} for m in labels],
            "ModerationModelVersion": moderation_service.model_version(self.models),
        }


def _quality(q) -> dict:
    return {"Brightness": q.brightness, "Sharpness": q.sharpness, "Contrast": q.contrast}
