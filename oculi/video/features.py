"""What each stored-video feature does with a sampled frame: the image operations' own analysis on the pixels
(services/compose.py: labels, faces, moderation, text, face search), plus tracking across frames.

Each feature turns one chunk of frames into timeline records, in Rekognition's member shapes (Label,
FaceDetail, ModerationLabel, TextDetection, PersonDetail, FaceMatch: what Get* pages are made of), and a
JSON `state` that the next chunk continues from (tracks, the face matches of each track).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.ml.interfaces import ObjectDetector
from oculi.operations.shapes import box_out, face_detail_out, label_out, moderation_label_out, text_detection_out
from oculi.services import compose
from oculi.services.collections import CollectionService, Scope
from oculi.services.compose import (
    AnalysisRequest,
    FaceSearchRequest,
    FacesRequest,
    LabelsRequest,
    ModerationRequest,
    TextRequest,
)
from oculi.services.faces import Face
from oculi.services.types import Box
from oculi.video.decode import Frame
from oculi.video.tracking import Tracker


@dataclass
class Context:
    models: object  # oculi.ml.base.Models
    collections: CollectionService | None
    scope: Scope
    tile_min_side: int = 640

    def analyse(self, rgb: np.ndarray, request: AnalysisRequest) -> compose.Analysis:
        """The image operations' own analysis of one frame (services/compose.py)."""
        return compose.analyse(self.models, rgb, request, compose.Tuning(self.tile_min_side))

    def faces(self, rgb: np.ndarray) -> list[Face]:
        """The faces of a frame (box, landmarks, pose, quality: no attributes), largest first."""
        return self.analyse(rgb, AnalysisRequest(faces=FacesRequest())).faces


class Feature:
    """`detect` looks at one frame and depends on nothing else, so frames may be detected in parallel;
    `absorb` takes the detections in frame order (tracking happens there) and adds the records."""

    name = ""

    def __init__(self, ctx: Context, params: dict, state: dict | None = None):
        self.ctx, self.params = ctx, params
        self.out: list[dict] = []
        self.request = self.asks(params)

    @staticmethod
    def asks(params: dict) -> AnalysisRequest | None:
        """What the feature asks of each sampled frame's analysis, from the job's stored params."""
        return None

    def frame(self, frame: Frame, rgb: np.ndarray) -> None:
        self.absorb(frame.time, frame.millis, rgb, self.detect(frame.millis, rgb))

    def detect(self, millis: int, rgb: np.ndarray):
        raise NotImplementedError

    def absorb(self, t: float, millis: int, rgb: np.ndarray, found) -> None:
        self.out.extend(found)

    def state(self) -> dict:
        return {}


class Labels(Feature):
    name = "labels"

    @staticmethod
    def asks(params):
        return AnalysisRequest(labels=LabelsRequest.from_params(params))

    def detect(self, millis, rgb):
        return [{"Timestamp": millis, "Label": label_out(lb)} for lb in self.ctx.analyse(rgb, self.request).labels]


class Faces(Feature):
    name = "faces"

    @staticmethod
    def asks(params):
        return AnalysisRequest(faces=FacesRequest.from_params(params))

    def detect(self, millis, rgb):
        wanted = {"ALL"} if self.request.faces.attributes else {"DEFAULT"}
        return [{"Timestamp": millis, "Face": face_detail_out(face, wanted)}
                for face in self.ctx.analyse(rgb, self.request).faces]


class Moderation(Feature):
    name = "moderation"

    @staticmethod
    def asks(params):
        return AnalysisRequest(moderation=ModerationRequest.from_params(params))

    def detect(self, millis, rgb):
        return [{"Timestamp": millis, "ModerationLabel": moderation_label_out(m), "ContentTypes": []}
                for m in self.ctx.analyse(rgb, self.request).moderation]


class Text(Feature):
    name = "text"

    @staticmethod
    def asks(params):
        return AnalysisRequest(text=TextRequest.from_params(params))

    def detect(self, millis, rgb):
        return [{"Timestamp": millis, "TextDetection": text_detection_out(d)}
                for d in self.ctx.analyse(rgb, self.request).text]


def _corners(b: Box) -> tuple:
    return b.left, b.top, b.left + b.width, b.top + b.height


def _box(c) -> dict:
    return box_out(Box.from_corners(*c))


def _one_box_each(boxes: list[tuple]) -> list[tuple]:
    """A person half hidden by an occluder is often found twice (the whole and a visible part): a box mostly
    inside a larger one is the same person."""
    kept: list[tuple] = []
    for b in sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
        area = max((b[2] - b[0]) * (b[3] - b[1]), 1e-9)
        inside = [max(0.0, min(b[2], k[2]) - max(b[0], k[0])) * max(0.0, min(b[3], k[3]) - max(b[1], k[1])) / area
                  for k in kept]
        if not inside or max(inside) < 0.6:
            kept.append(b)
    return kept


class Persons(Feature):
    """People from the object detector, one Index per track; the Face when a face lies in the box's top."""

    name = "persons"
    MIN_SCORE = 0.4

    def __init__(self, ctx, params, state=None):
        super().__init__(ctx, params, state)
        self.tracker = Tracker(min_iou=0.1, max_gap=1.5, state=(state or {}).get("tracker"))

    def detect(self, millis, rgb):
        people = [d for d in self.ctx.models.get(ObjectDetector).predict(rgb, min_score=self.MIN_SCORE)
                  if d.name == "Person"]
        boxes = _one_box_each([tuple(min(max(v, 0.0), 1.0) for v in d.box) for d in people])
        faces = self.ctx.faces(rgb) if boxes else []
        return boxes, faces

    def absorb(self, t, millis, rgb, found):
        boxes, faces = found
        for box, track in zip(boxes, self.tracker.update(t, boxes), strict=True):
            person = {"Index": track.index, "BoundingBox": _box(box)}
            for face in faces:
                cx, cy = face.box.left + face.box.width / 2, face.box.top + face.box.height / 2
                if box[0] <= cx <= box[2] and box[1] <= cy <= box[1] + 0.6 * (box[3] - box[1]):
                    person["Face"] = face_detail_out(face, {"DEFAULT"})
                    break
            self.out.append({"Timestamp": millis, "Person": person})

    def state(self):
        return {"tracker": self.tracker.state()}


class FaceSearch(Feature):
    """Faces tracked across frames; each track's face is embedded and searched once, when it is first seen."""

    name = "face_search"
    MAX_MATCHES = 10

    def __init__(self, ctx, params, state=None):
        super().__init__(ctx, params, state)
        self.tracker = Tracker(min_iou=0.2, max_gap=1.0, state=(state or {}).get("tracker"))
        self.search = FaceSearchRequest.from_params(params, self.MAX_MATCHES)

    def detect(self, millis, rgb):
        return self.ctx.faces(rgb)

    def absorb(self, t, millis, rgb, faces):
        tracks = self.tracker.update(t, [_corners(f.box) for f in faces])
        for face, track in zip(faces, tracks, strict=True):
            if "matches" not in track.extra:
                track.extra["matches"] = self._search(rgb, face)
            self.out.append({"Timestamp": millis,
                             "Person": {"Index": track.index, "BoundingBox": box_out(face.box),
                                        "Face": face_detail_out(face, {"DEFAULT"})},
                             "FaceMatches": track.extra["matches"]})

    def _search(self, rgb: np.ndarray, face) -> list[dict]:
        found = compose.search_face(self.ctx.collections, self.ctx.scope, rgb, face, self.search)
        out = []
        for hit in found.matches:
            f = hit.face
            match = {"FaceId": f.face_id, "BoundingBox": box_out(f.box), "ImageId": f.image_id,
                     "Confidence": f.confidence, "IndexFacesModelVersion": found.index_version}
            if f.external_image_id:
                match["ExternalImageId"] = f.external_image_id
            if f.user_id:
                match["UserId"] = f.user_id
            out.append({"Similarity": hit.similarity, "Face": match})
        return out

    def state(self):
        return {"tracker": self.tracker.state()}


class Celebrities(Feature):
    """Faces tracked across frames; each track's face is looked up in the celebrity gallery once, when it is
    first seen, and the track's frames where it is a celebrity become CelebrityRecognition records."""

    name = "celebrities"

    def __init__(self, ctx, params, state=None):
        super().__init__(ctx, params, state)
        self.tracker = Tracker(min_iou=0.2, max_gap=1.0, state=(state or {}).get("tracker"))

    def detect(self, millis, rgb):
        return self.ctx.faces(rgb)

    def absorb(self, t, millis, rgb, faces):
        from oculi.services.celebrities import CelebrityService

        tracks = self.tracker.update(t, [_corners(f.box) for f in faces])
        for face, track in zip(faces, tracks, strict=True):
            if "celebrity" not in track.extra:
                found = CelebrityService(self.ctx.collections).recognize_faces(rgb, [face]).celebrities
                c = found[0] if found else None
                track.extra["celebrity"] = None if c is None else {
                    "Urls": list(c.celebrity.urls), "Name": c.celebrity.name, "Id": c.celebrity.id,
                    "Confidence": c.confidence,
                    **({"KnownGender": {"Type": c.celebrity.known_gender}} if c.celebrity.known_gender else {})}
            known = track.extra["celebrity"]
            if known:
                self.out.append({"Timestamp": millis, "Celebrity": {
                    **known, "BoundingBox": box_out(face.box), "Face": face_detail_out(face, {"DEFAULT"})}})

    def state(self):
        return {"tracker": self.tracker.state()}


FEATURES: dict[str, type[Feature]] = {f.name: f for f in (Labels, Faces, Moderation, Text, Persons, FaceSearch,
                                                          Celebrities)}
