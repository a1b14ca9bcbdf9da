"""The image operations of the Rekognition provider: AWS request dicts in, AWS response dicts out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from oculi.aws import api
from oculi.aws.errors import RequestContext
from oculi.operations import inputs
from oculi.operations.shapes import (
    box_out,
    compared_face_out,
    face_detail_out,
    image_properties_out,
    label_out,
    moderation_label_out,
    text_detection_out,
)
from oculi.services import compose
from oculi.services import faces as face_service
from oculi.services.analysis import Analyzer
from oculi.services.compose import AnalysisRequest, FacesRequest, LabelsRequest, ModerationRequest, PropertiesRequest
from oculi.services.errors import InvalidParameter
from oculi.services.imaging import DecodedImage, Need
from oculi.services.labels import passes_named


class ImageOperations(api.RekognitionApi):
    def __init__(self, analyzer: Analyzer):
        self.analyzer = analyzer
        self._decoder = ThreadPoolExecutor(2, thread_name_prefix="decode")  # Pillow lets go of the GIL

    @property
    def models(self):
        return self.analyzer.models

    def image(self, image: dict, at_least: int | Need | None = None) -> DecodedImage:
        """`at_least`: the fewest pixels the operation's models need (see imaging.decode); None: every pixel."""
        source = inputs.image_source(image)
        if source.data is not None:
            return self.analyzer.from_bytes(source.data, at_least=at_least)
        return self.analyzer.from_object(source.bucket, source.name, at_least)

    def _analyse(self, image: dict, request: AnalysisRequest) -> compose.Analysis:
        """Decode as few pixels as the asked tasks need, then run them (DetectLabels' passes as configured)."""
        img = self.image(image, compose.decode_side(self.models, request))
        settings = self.analyzer.settings
        tuning = compose.Tuning(settings.face_tile_min_side, passes_named(settings.label_passes))
        return compose.analyse(self.models, img.rgb, request, tuning)

    def detect_labels(self, context: RequestContext, request: dict) -> dict:
        features = set(request.get("Features") or ["GENERAL_LABELS"])
        settings = request.get("Settings") or {}
        asked = AnalysisRequest(
            labels=LabelsRequest(request.get("MaxLabels"), request.get("MinConfidence", 55.0),
                                 inputs.label_filter(settings)) if "GENERAL_LABELS" in features else None,
            properties=PropertiesRequest((settings.get("ImageProperties") or {}).get("MaxDominantColors", 10))
            if "IMAGE_PROPERTIES" in features else None)
        found = self._analyse(request["Image"], asked)
        out: dict = {"LabelModelVersion": compose.model_version(self.models, "labels")}
        if found.labels is not None:
            out["Labels"] = [label_out(lb) for lb in found.labels]
        if found.properties is not None:
            out["ImageProperties"] = image_properties_out(found.properties)
        return out

    def detect_faces(self, context: RequestContext, request: dict) -> dict:
        wanted = set(request.get("Attributes") or ["DEFAULT"])
        found = self._analyse(request["Image"], AnalysisRequest(faces=FacesRequest(bool(wanted - {"DEFAULT"}))))
        return {"FaceDetails": [face_detail_out(f, wanted) for f in found.faces]}

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
        found = self._analyse(request["Image"], AnalysisRequest(text=inputs.text_request(request.get("Filters"))))
        return {"TextDetections": [text_detection_out(d) for d in found.text], "TextModelVersion": found.models["text"]}

    def detect_moderation_labels(self, context: RequestContext, request: dict) -> dict:
        if request.get("ProjectVersion"):
            raise InvalidParameter("Request has invalid parameters: custom moderation adapters "
                                   "(ProjectVersion) are not supported by Oculi")
        found = self._analyse(request["Image"],
                              AnalysisRequest(moderation=ModerationRequest(request.get("MinConfidence", 50.0))))
        return {
            "ModerationLabels": [moderation_label_out(m) for m in found.moderation],
            "ModerationModelVersion": found.models["moderation"],
        }

