"""DetectFaces and CompareFaces on native types.

How each field is made (nothing is invented; attributes without a model are not reported):
- BoundingBox, Confidence: BlazeFace full-range (tiled second pass for small faces in large photos), each
  box confirmed by the FaceMesh presence score (MIN_MESH_PRESENCE).
- Landmarks, Pose: the FaceMesh 468 points. Rekognition's landmark types map to mesh indices (MESH_POINTS);
  pupils are the eye centres (the mesh has no iris). Roll is the eye line's angle; Yaw and Pitch come from
  the mesh's depth across the face (cheek edge to cheek edge, forehead to chin).
- Quality: brightness and sharpness of the face crop (see image_properties.quality).
- AgeRange, Gender: dlib/Cydral networks on dlib-aligned chips (AgeRange: 10th-90th percentile of the age
  distribution, at least 3 years either side of the expected age; never one year).
- Emotions: FER2013 classes mapped to Rekognition types (neutral -> CALM; CONFUSED has no class).
- EyeDirection: MediaPipe Iris on each eye (ROI from the mesh's eye corners); the iris centre's offset from
  the corners' midpoint, in eye widths, is turned into eyeball angles with a 12 mm eyeball under a 30 mm eye
  opening (asin(offset * 2.5)), both eyes averaged, less REST_PITCH (the iris centre sits above the corners'
  line when the eyes look straight ahead: the median of 15 portraits looking into the camera in
  ../shared/data/faces); gaze relative to the head, as Rekognition's. Yaw > 0:
  towards the image's right, Pitch > 0: up. Confidence: the EyesOpen probability (a closed eye shows no iris).
- Smile: the HAPPY probability. EyesOpen: eyelid gap / eye width > 0.18 on the mesh (mean of both eyes).
  MouthOpen: inner-lip gap / mouth width > 0.08.
- Embedding and CompareFaces similarity: the configured FaceEmbedder (OCULI_MODELS__FACE_EMBEDDING; a
  collection uses its own), aligned on the five mesh points (eyes, nose tip, mouth corners) or dlib's 5-point
  shape; its declared `Similarity` maps the L2 distance to 0-100 so that the default threshold of 80 separates
  same from different people (dlib: 100 / (1 + exp((d - 0.68) / 0.06)), d = 0.6 -> ~79).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from oculi.ml.base import Models
from oculi.ml.interfaces import (
    AgeGenderEstimator,
    EmotionClassifier,
    FaceAligner,
    FaceDetector,
    FaceEmbedder,
    FaceLandmarker,
    FaceRegion,
    IrisLandmarker,
)
from oculi.services.errors import InvalidParameter
from oculi.services.image_properties import quality
from oculi.services.types import Box, Point

EMOTIONS = {"angry": "ANGRY", "disgust": "DISGUSTED", "fear": "FEAR", "happy": "HAPPY", "sad": "SAD",
            "surprise": "SURPRISED", "neutral": "CALM"}

# Rekognition landmark type -> mesh point(s) (their mean); "Left" is the image's left, as Rekognition.
MESH_POINTS = {
    "eyeLeft": (33, 133), "eyeRight": (362, 263), "nose": (1,), "mouthLeft": (61,), "mouthRight": (291,),
    "leftEyeBrowLeft": (70,), "leftEyeBrowUp": (105,), "leftEyeBrowRight": (107,),
    "rightEyeBrowLeft": (336,), "rightEyeBrowUp": (334,), "rightEyeBrowRight": (300,),
    "leftEyeLeft": (33,), "leftEyeRight": (133,), "leftEyeUp": (159,), "leftEyeDown": (145,),
    "rightEyeLeft": (362,), "rightEyeRight": (263,), "rightEyeUp": (386,), "rightEyeDown": (374,),
    "noseLeft": (129,), "noseRight": (358,), "mouthUp": (0,), "mouthDown": (17,),
    "leftPupil": (33, 133), "rightPupil": (362, 263),
    "upperJawlineLeft": (234,), "midJawlineLeft": (172,), "chinBottom": (152,),
    "midJawlineRight": (397,), "upperJawlineRight": (454,),
}
DEFAULT_LANDMARKS = ("eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose")
# the five alignment points of SFace/ArcFace (the person's right eye, i.e. the image's left, first)
FIVE_POINTS = ("eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight")
# Second-stage check: FaceMesh's face-presence score. Measured on ../shared/data/faces: every real face
# scores 1.0; the detector's false boxes (a hand, a logo, hair) score 0.0-0.61.
MIN_MESH_PRESENCE = 0.9


@dataclass(frozen=True)
class QualityBar:
    """What a face must reach at one QualityFilter level (confidence 0-100, box side px, |yaw|/|pitch| deg,
    brightness and sharpness 0-100 of the face crop)."""

    confidence: float
    min_side_px: float
    max_pose: float
    brightness: float
    sharpness: float


# AUTO (IndexFaces' default) uses the LOW bar: every face here already passed the FaceMesh presence check,
# and stricter bars dropped real faces of ../shared/data/faces (a 0.64-confidence face, an old B&W scan).
QUALITY_BARS = {
    "LOW": QualityBar(60, 20, 70, 5, 1),
    "AUTO": QualityBar(60, 20, 70, 5, 1),
    "MEDIUM": QualityBar(75, 40, 55, 10, 3),
    "HIGH": QualityBar(85, 60, 40, 20, 8),
}


@dataclass(frozen=True)
class Flag:
    """A yes/no attribute (Smile, EyesOpen, MouthOpen) and the confidence of that answer, 0-100."""

    value: bool
    confidence: float


@dataclass(frozen=True)
class AgeRange:
    low: int
    high: int  # > low, always


@dataclass(frozen=True)
class Gender:
    value: str  # Male | Female
    confidence: float


@dataclass(frozen=True)
class Emotion:
    type: str  # Rekognition's: HAPPY, CALM, ...
    confidence: float


@dataclass(frozen=True)
class EyeDirection:
    yaw: float  # degrees, > 0 towards the image's right
    pitch: float  # degrees, > 0 up
    confidence: float


@dataclass(frozen=True)
class FaceAttributes:
    """What the attribute models say about a face (DetectFaces' Attributes=ALL)."""

    age_range: AgeRange
    gender: Gender
    emotions: tuple[Emotion, ...]  # most likely first
    smile: Flag
    eyes_open: Flag
    mouth_open: Flag
    eye_direction: EyeDirection | None = None

    def as_dict(self) -> dict:
        """The stored result's JSON form (result_json.py): each attribute as a list, emotions as [type, conf]."""
        out = {"age_range": [self.age_range.low, self.age_range.high],
               "gender": [self.gender.value, self.gender.confidence],
               "emotions": [[e.type, e.confidence] for e in self.emotions],
               "smile": [self.smile.value, self.smile.confidence],
               "eyes_open": [self.eyes_open.value, self.eyes_open.confidence],
               "mouth_open": [self.mouth_open.value, self.mouth_open.confidence]}
        if self.eye_direction is not None:
            d = self.eye_direction
            out["eye_direction"] = [d.yaw, d.pitch, d.confidence]
        return out

    # Transitional: the former dict-of-tuples view (face.attributes["smile"] -> (value, confidence)), for callers
    # not yet moved to the fields. New code reads the fields.
    def __getitem__(self, key: str):
        value = self.as_dict()[key]
        return [tuple(v) for v in value] if key == "emotions" else tuple(value)

    def __contains__(self, key: str) -> bool:
        return key in self.as_dict()


@dataclass
class Face:
    box: Box
    confidence: float
    landmarks: dict[str, Point]
    pose: tuple[float, float, float]  # roll, yaw, pitch (degrees)
    brightness: float
    sharpness: float
    pixel_box: tuple[float, float, float, float]
    attributes: FaceAttributes | None = None  # only when asked for (they cost more models)

    def __post_init__(self):
        # embedder implementation -> vector; not a field, so never part of a result or answer
        self.vectors: dict[str, np.ndarray] = {}

    def vector(self, embedder: str) -> FaceVector:
        """This face's vector from `embedder` (embedded earlier by start_embeddings)."""
        return FaceVector(embedder, self.vectors[embedder])

    def region(self, width: int, height: int, shape=None) -> FaceRegion:
        five = np.array([[self.landmarks[k].x * width, self.landmarks[k].y * height] for k in FIVE_POINTS],
                        np.float32)
        return FaceRegion(self.pixel_box, five, shape)


@dataclass(frozen=True)
class FaceVector:
    """A face embedding and the embedder that made it: vectors of different embedders cannot be compared, so
    a search refuses a vector whose embedder is not its collection's."""

    embedder: str
    values: np.ndarray


@dataclass(frozen=True)
class FaceMatch:
    face: Face
    similarity: float


def similarity(models: Models, distance: float, embedder: str | None = None) -> float:
    """Rekognition's 0-100 similarity of two faces `distance` apart in the embedder's space."""
    return models.model_class(FaceEmbedder, embedder).similarity.of(distance)


def _pose(p: np.ndarray) -> tuple[float, float, float]:
    eye = p[263, :2] - p[33, :2]
    roll = np.degrees(np.arctan2(eye[1], eye[0]))
    across = p[454] - p[234]
    yaw = np.degrees(np.arctan2(across[2], np.hypot(across[0], across[1])))
    down = p[152] - p[10]
    pitch = np.degrees(np.arctan2(-down[2], np.hypot(down[0], down[1]))) - 10.0  # mesh leans ~10 deg at rest
    return float(roll), float(yaw), float(pitch)


def _ratio(p: np.ndarray, a: int, b: int, c: int, d: int) -> float:
    return float(np.linalg.norm(p[a, :2] - p[b, :2]) / max(np.linalg.norm(p[c, :2] - p[d, :2]), 1e-6))


def _flag(value: float, threshold: float, spread: float) -> tuple[bool, float]:
    p = 1 / (1 + np.exp(-(value - threshold) / spread))
    return bool(p >= 0.5), float(100 * max(p, 1 - p))


def detect_faces(models: Models, rgb: np.ndarray, attributes: bool = False, embed: bool = False,
                 max_faces: int = 100, tile_min_side: int = 640) -> list[Face]:
    """The `max_faces` largest faces (Rekognition's DetectFaces answers the 100 largest), largest first."""
    h, w = rgb.shape[:2]
    # candidates largest first, twice as many as wanted: the FaceMesh check below drops the detector's false boxes
    boxes = models.get(FaceDetector).predict(rgb, tile_min_side=tile_min_side, max_faces=2 * max_faces)
    mesher = models.get(FaceLandmarker)
    faces, pending = [], []
    for fb in boxes:
        if len(faces) == max_faces:
            break
        x0, y0, x1, y1 = fb.box
        mesh = mesher.predict(rgb, fb.box, fb.keypoints[0], fb.keypoints[1])
        if mesh.presence < MIN_MESH_PRESENCE:
            continue
        pts = mesh.points
        names = MESH_POINTS if attributes else {k: MESH_POINTS[k] for k in DEFAULT_LANDMARKS}  # FIVE_POINTS too
        landmarks = {k: Point(float(pts[list(ix), 0].mean() / w), float(pts[list(ix), 1].mean() / h))
                     for k, ix in names.items()}
        crop = rgb[int(y0): max(int(y1), int(y0) + 1), int(x0): max(int(x1), int(x0) + 1)]
        q = quality(crop)
        face = Face(Box.from_corners(x0, y0, x1, y1, w, h), fb.score * 100, landmarks, _pose(pts),
                    q.brightness, q.sharpness, fb.box)
        # dlib's 5-point shape: the age/gender chips need it, and dlib's embedder reuses it (others align alone)
        shape = models.get(FaceAligner).predict(rgb, fb.box) if attributes else None
        if embed:  # runs in the embedding workers while this loop goes on
            pending.append(start_embeddings(models, rgb, [face], [shape] if shape is not None else None))
        if attributes:
            face.attributes = _attributes(models, rgb, fb.box, shape, pts)
        faces.append(face)
    for finish in pending:
        finish()
    return faces


def start_embeddings(models: Models, rgb: np.ndarray, faces: list[Face], shapes: list | None = None,
                     embedder: str | None = None) -> Callable[[], list[Face]]:
    """Start embedding the faces that have no embedding yet; the returned call waits and sets `face.vectors`.
    With embedding worker processes the faces run in parallel, and beside whatever the caller does meanwhile.
    `shapes`: their dlib 5-point alignments when the caller already has them; `embedder`: the implementation
    to use (a collection's own) instead of the configured one."""
    task = models.get(FaceEmbedder, embedder)
    name, (h, w) = task.implementation, rgb.shape[:2]
    started = [(face, task.submit(rgb, face.region(w, h, shapes[i] if shapes else None)))
               for i, face in enumerate(faces) if name not in face.vectors]

    def finish() -> list[Face]:
        for face, result in started:
            face.vectors[name] = result()
        return faces

    return finish


def embed_faces(models: Models, rgb: np.ndarray, faces: list[Face], embedder: str | None = None) -> list[Face]:
    """Embed the faces that have no embedding yet (in parallel when the embedder has worker processes)."""
    return start_embeddings(models, rgb, faces, embedder=embedder)()


def embed_face(models: Models, rgb: np.ndarray, face: Face, embedder: str | None = None) -> Face:
    return embed_faces(models, rgb, [face], embedder)[0]


def _attributes(models: Models, rgb: np.ndarray, box, shape, pts: np.ndarray) -> FaceAttributes:
    ag = models.get(AgeGenderEstimator).predict(rgb, shape)
    emotions = models.get(EmotionClassifier).predict(rgb, box)
    eyes = (_ratio(pts, 159, 145, 33, 133) + _ratio(pts, 386, 374, 362, 263)) / 2
    mouth = _ratio(pts, 13, 14, 61, 291)
    happy = emotions["happy"]
    eyes_open = Flag(*_flag(eyes, 0.18, 0.03))
    yaw, pitch = _gaze(models, rgb, pts)
    return FaceAttributes(
        age_range=AgeRange(ag.age_low, ag.age_high),  # Low < High always (age_gender.age_range)
        gender=Gender("Male" if ag.male_probability >= 0.5 else "Female",
                      100 * max(ag.male_probability, 1 - ag.male_probability)),
        emotions=tuple(sorted((Emotion(EMOTIONS[k], v * 100) for k, v in emotions.items()),
                              key=lambda e: -e.confidence)),
        smile=Flag(happy >= 0.5, 100 * max(happy, 1 - happy)),
        eyes_open=eyes_open,
        mouth_open=Flag(*_flag(mouth, 0.08, 0.02)),
        eye_direction=EyeDirection(yaw, pitch,
                                   eyes_open.confidence if eyes_open.value else 100 - eyes_open.confidence),
    )


EYE_RADIUS_PER_WIDTH = 12.0 / 30.0  # eyeball radius / corner-to-corner eye opening (adult averages, mm)
REST_PITCH = 8.0  # degrees the raw pitch reads for eyes looking straight ahead (measured, see the docstring)


def _gaze(models: Models, rgb: np.ndarray, pts: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) of the eyes in the head, degrees, from the iris centres."""
    iris = models.get(IrisLandmarker)
    offsets = [iris.predict(rgb, (pts[33, :2], pts[133, :2])).offset,
               iris.predict(rgb, (pts[362, :2], pts[263, :2]), flip=True).offset]
    along, across = np.mean(offsets, axis=0) / EYE_RADIUS_PER_WIDTH
    return (float(np.degrees(np.arcsin(np.clip(along, -1, 1)))),
            float(np.degrees(np.arcsin(np.clip(-across, -1, 1)))) - REST_PITCH)


def quality_reasons(face: Face, level: str | None) -> list[str]:
    """Rekognition's reasons (LOW_CONFIDENCE, SMALL_BOUNDING_BOX, ...) why a face fails a QualityFilter level."""
    if not level or level == "NONE":
        return []
    bar = QUALITY_BARS[level]
    x0, y0, x1, y1 = face.pixel_box
    _, yaw, pitch = face.pose
    checks = [
        ("LOW_CONFIDENCE", face.confidence < bar.confidence),
        ("SMALL_BOUNDING_BOX", min(x1 - x0, y1 - y0) < bar.min_side_px),
        ("EXTREME_POSE", max(abs(yaw), abs(pitch)) > bar.max_pose),
        ("LOW_BRIGHTNESS", face.brightness < bar.brightness),
        ("LOW_SHARPNESS", face.sharpness < bar.sharpness),
    ]
    return [reason for reason, failed in checks if failed]


def quality_filter(faces: list[Face], level: str | None) -> list[Face]:
    return [f for f in faces if not quality_reasons(f, level)]


@dataclass
class Comparison:
    source: Face
    matches: list[FaceMatch]
    unmatched: list[Face]


def compare_faces(models: Models, source: np.ndarray, target: np.ndarray, threshold: float = 80.0,
                  quality_level: str | None = "NONE") -> Comparison:
    src_faces = quality_filter(detect_faces(models, source), quality_level)
    if not src_faces:
        raise InvalidParameter("Request has invalid parameters: no face was detected in the source image")
    src = max(src_faces, key=lambda f: f.box.area)
    source_embedded = start_embeddings(models, source, [src])  # beside the target's detection
    targets = quality_filter(detect_faces(models, target, embed=True), quality_level)
    source_embedded()
    targets = sorted(targets, key=lambda f: -f.box.area)[:100]
    embedder = models.get(FaceEmbedder)
    name = embedder.implementation
    matches, unmatched = [], []
    for face in targets:
        sim = embedder.similarity.of(float(np.linalg.norm(face.vectors[name] - src.vectors[name])))
        if sim >= threshold:
            matches.append(FaceMatch(face, sim))
        else:
            unmatched.append(face)
    matches.sort(key=lambda m: -m.similarity)
    return Comparison(src, matches, unmatched)
