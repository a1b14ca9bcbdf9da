"""One analysis of one image or video frame: what each task was asked, how large its pixels must be decoded,
and running the asked tasks on the pixels. The Rekognition image operations, the REST upload pipeline
(`report`) and the video features all call this one place, so a task runs the same way behind every front.

Each task has a small typed request (the caller's choices: filters, thresholds, attributes) and an
`AnalysisRequest` gathers the ones asked for. `Tuning` carries the operator's settings that shape how a task
runs (tiling, label passes), which are not the caller's to choose. Video jobs keep their requests as JSON in
the jobs table: `params()` and `from_params()` read and write that stored form, which jobs started by an
older server still use.

Kept apart from `analysis.Analyzer` (models and image sources of the process): this module decides what to
run, that one provides the pixels and the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from oculi.ml.base import Models
from oculi.services import labels as label_service
from oculi.services import moderation as moderation_service
from oculi.services import text as text_service
from oculi.services.analysis import face_index_version, face_model_version, text_model_version
from oculi.services.collections import CollectionService, FaceHit, Scope, stored
from oculi.services.faces import Face, detect_faces, embed_faces
from oculi.services.image_properties import ImageProperties, image_properties
from oculi.services.imaging import Need
from oculi.services.labels import Label, LabelFilter, LabelPasses, detect_labels
from oculi.services.moderation import ModerationLabel, detect_moderation_labels
from oculi.services.text import TextDetection, WordFilter, detect_text
from oculi.services.types import Box

TASKS = ("labels", "faces", "text", "moderation", "properties")  # in the order they run


def label_filter(include_labels=(), exclude_labels=(), include_categories=(), exclude_categories=()) -> LabelFilter:
    """Label and category names compare without case, as Rekognition's GeneralLabels filters do."""
    def lower(names) -> frozenset[str]:
        return frozenset(n.lower() for n in names or ())

    return LabelFilter(lower(include_labels), lower(exclude_labels), lower(include_categories),
                       lower(exclude_categories))


@dataclass(frozen=True)
class LabelsRequest:
    max_labels: int | None = None
    min_confidence: float = 55.0
    label_filter: LabelFilter = field(default_factory=LabelFilter)

    def params(self) -> dict:
        f = self.label_filter
        return {"min_confidence": self.min_confidence, "features": ["GENERAL_LABELS"],
                "label_filter": {"include_labels": sorted(f.include_labels), "exclude_labels": sorted(f.exclude_labels),
                                 "include_categories": sorted(f.include_categories),
                                 "exclude_categories": sorted(f.exclude_categories)}}

    @classmethod
    def from_params(cls, params: dict) -> LabelsRequest:
        """A stored video job's labels request (video asks every label: no MaxLabels; 50 as StartLabelDetection)."""
        return cls(None, params.get("min_confidence", 50.0), label_filter(**(params.get("label_filter") or {})))


@dataclass(frozen=True)
class FacesRequest:
    attributes: bool = False  # age, gender, emotions... beside the box, landmarks, pose and quality

    def params(self) -> dict:
        return {"attributes": "ALL" if self.attributes else "DEFAULT"}

    @classmethod
    def from_params(cls, params: dict) -> FacesRequest:
        return cls(params.get("attributes") == "ALL")


@dataclass(frozen=True)
class TextRequest:
    word_filter: WordFilter = field(default_factory=WordFilter)
    regions: tuple[Box, ...] = ()  # only text whose centre lies in one of these; none: anywhere

    def params(self) -> dict:
        wf = self.word_filter
        return {"word_filter": {"min_confidence": wf.min_confidence, "min_height": wf.min_box_height,
                                "min_width": wf.min_box_width},
                "regions": [[r.left, r.top, r.width, r.height] for r in self.regions]}

    @classmethod
    def from_params(cls, params: dict) -> TextRequest:
        wf = params.get("word_filter") or {}
        return cls(WordFilter(wf.get("min_confidence", 0.0), wf.get("min_height", 0.0), wf.get("min_width", 0.0)),
                   tuple(Box(*r) for r in params.get("regions") or []))


@dataclass(frozen=True)
class ModerationRequest:
    min_confidence: float = 50.0

    def params(self) -> dict:
        return {"min_confidence": self.min_confidence}

    @classmethod
    def from_params(cls, params: dict) -> ModerationRequest:
        return cls(params.get("min_confidence", 50.0))


@dataclass(frozen=True)
class PropertiesRequest:
    """Quality and dominant colours of the whole image, and of the labels' objects against the rest when labels
    are asked in the same analysis."""

    max_colours: int | None = None  # dominant colours kept per part; None: all


@dataclass(frozen=True)
class FaceSearchRequest:
    collection: str
    threshold: float = 80.0
    max_matches: int = 10

    def params(self) -> dict:
        return {"collection": self.collection, "threshold": self.threshold}

    @classmethod
    def from_params(cls, params: dict, max_matches: int = 10) -> FaceSearchRequest:
        return cls(params["collection"], params.get("threshold", 80.0), max_matches)


@dataclass(frozen=True)
class AnalysisRequest:
    """The tasks asked of one image or frame; a task left None does not run."""

    labels: LabelsRequest | None = None
    faces: FacesRequest | None = None
    text: TextRequest | None = None
    moderation: ModerationRequest | None = None
    properties: PropertiesRequest | None = None


@dataclass(frozen=True)
class Tuning:
    """The operator's settings that shape how tasks run (not the caller's to choose)."""

    face_tile_min_side: int = 640  # larger images get a tiled face pass
    label_passes: LabelPasses | None = None  # None: the labels service's default passes


@dataclass
class Analysis:
    """What the models found, as service dataclasses (faces keep what a later search needs); `models`: the
    version of each task that ran."""

    labels: list[Label] | None = None
    faces: list[Face] | None = None
    text: list[TextDetection] | None = None
    moderation: list[ModerationLabel] | None = None
    properties: ImageProperties | None = None
    models: dict[str, str] = field(default_factory=dict)


_VERSIONS = {"labels": label_service.model_version, "faces": face_model_version, "text": text_model_version,
             "moderation": moderation_service.model_version}


def model_version(models: Models, task: str) -> str:
    """The *ModelVersion string of a task (labels, faces, text, moderation), from what its models declare."""
    return _VERSIONS[task](models)


def decode_side(models: Models, request: AnalysisRequest) -> int | Need | None:
    """The fewest pixels a side the image must keep for the asked tasks (`imaging.decode`'s `at_least`: a JPEG
    may be decoded smaller in the DCT domain); None: every pixel. Labels and moderation see small inputs;
    faces and text look for small things, and image properties measure sharpness on the pixels as they are."""
    if request.faces is not None or request.properties is not None:
        return None
    sides = []
    if request.labels is not None:
        sides.append(label_service.input_side(models))
    if request.moderation is not None:
        sides.append(moderation_service.input_side(models))
    if request.text is not None:  # a large image only (imaging.Need): the text reader's page and strip bounds
        text = text_service.decode_need(models)
        return Need(short_side=max(sides, default=0), long_side=text.long_side, pixels=text.pixels)
    return max(sides) if sides else None


def analyse(models: Models, rgb: np.ndarray, request: AnalysisRequest, tuning: Tuning = Tuning()) -> Analysis:
    """Run the asked tasks on one image or frame, in the order of TASKS (properties use the labels' boxes)."""
    out = Analysis()
    if (r := request.labels) is not None:
        out.labels = detect_labels(models, rgb, r.max_labels, r.min_confidence, r.label_filter, tuning.label_passes)
        out.models["labels"] = model_version(models, "labels")
    if (r := request.faces) is not None:
        out.faces = detect_faces(models, rgb, attributes=r.attributes, tile_min_side=tuning.face_tile_min_side)
        out.models["faces"] = model_version(models, "faces")
    if (r := request.text) is not None:
        out.text = detect_text(models, rgb, r.word_filter, list(r.regions))
        out.models["text"] = model_version(models, "text")
    if (r := request.moderation) is not None:
        out.moderation = detect_moderation_labels(models, rgb, r.min_confidence)
        out.models["moderation"] = model_version(models, "moderation")
    if (r := request.properties) is not None:
        out.properties = _properties(rgb, [box for lb in out.labels or [] for box, _ in lb.instances], r.max_colours)
    return out


def _properties(rgb: np.ndarray, boxes: list[Box], max_colours: int | None) -> ImageProperties:
    props = image_properties(rgb, boxes)
    if max_colours is None:
        return props

    def part(p):
        return None if p is None else (p[0], p[1][:max_colours])

    return replace(props, dominant_colors=props.dominant_colors[:max_colours], foreground=part(props.foreground),
                   background=part(props.background))


@dataclass(frozen=True)
class FaceSearchResult:
    matches: list[FaceHit]  # best first
    index_version: str  # IndexFacesModelVersion of the collection's embedder


def search_face(collections: CollectionService, scope: Scope, rgb: np.ndarray, face: Face,
                request: FaceSearchRequest) -> FaceSearchResult:
    """One detected face, embedded by the collection's own embedder, searched in that collection."""
    with collections.sessions() as s:
        col = collections.get(s, scope, request.collection)
        embed_faces(collections.models, rgb, [face], col.face_embedder)
        hits = collections.nearest(s, col, face.vector(col.face_embedder), request.max_matches, request.threshold)
        version = face_index_version(collections.models, col.face_embedder)
    return FaceSearchResult([FaceHit(stored(row), sim) for row, sim in hits], version)
