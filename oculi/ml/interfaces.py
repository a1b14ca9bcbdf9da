"""The task kinds: one abstract class per task, the type a caller asks the registry for.

`models.get(FaceDetector)` returns the FaceDetector implementation chosen by settings
(`OCULI_MODELS__FACE_DETECTION=yunet`), typed as a FaceDetector, so a reader and a type checker can follow a call
from a service to the model. An implementation is one class in one file under `oculi.ml.tasks` that subclasses a
kind and sets `implementation`, `files`, `version` and (for whole-image tasks) `input_size`; the registry in
`oculi.ml.base` keys it by (task, implementation) and refuses a second class under the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from oculi.ml.task import Task


@dataclass(frozen=True)
class FaceBox:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
    score: float  # 0..1
    # right eye, left eye first (the person's right: the image's left), then what the detector has: BlazeFace
    # nose, mouth, right ear, left ear; YuNet nose, right and left mouth corner (px)
    keypoints: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class FaceRegion:
    """What an embedder needs to align one face: its box, five points (right eye, left eye, nose tip, right and
    left mouth corner, px), and dlib's 5-point shape when the caller already has it."""

    box: tuple[float, float, float, float]
    five: np.ndarray  # (5, 2)
    shape: object | None = None  # dlib.full_object_detection


@dataclass(frozen=True)
class Similarity:
    """How an embedder's L2 distance d becomes Rekognition's 0-100 similarity: 100 / (1 + exp((d - centre) /
    spread)). Chosen per model from verification pairs, so that the default threshold of 80 separates them."""

    centre: float
    spread: float

    def of(self, distance: float) -> float:
        return float(100.0 / (1.0 + np.exp((distance - self.centre) / self.spread)))

    def max_distance(self, threshold: float) -> float:
        """The distance at which the similarity equals `threshold` (the inverse of `of`)."""
        if threshold <= 0:
            return float("inf")
        if threshold >= 100:
            return 0.0
        return self.centre + self.spread * float(np.log(100.0 / threshold - 1.0))


class FaceDetector(Task):
    task = "face_detection"
    default = "yunet"  # bench/face_detection.py: 30/30 small faces where BlazeFace + tiles found 25, no false face

    def predict(self, rgb: np.ndarray, tile_min_side: int = 640, max_faces: int = 100) -> list[FaceBox]:
        """The `max_faces` largest faces, largest first."""
        raise NotImplementedError


class FaceAligner(Task):
    task = "face_alignment"
    default = "dlib"

    def predict(self, rgb: np.ndarray, box: tuple[float, float, float, float]):
        """dlib's 5-point shape of the face in `box` (the alignment age/gender chips expect)."""
        raise NotImplementedError


class FaceEmbedder(Task):
    task = "face_embedding"
    # dlib's ResNet run by onnxruntime: dlib's descriptors to ~1e-6, several times faster (bench/embedding.py)
    default = "dlib-onnx"
    dimensions = 128
    similarity: Similarity
    index_version = "1.0"  # IndexFacesModelVersion: the stored vector format ([0-9.]+)

    def submit(self, rgb: np.ndarray, face: FaceRegion) -> Callable[[], np.ndarray]:
        """Start embedding one face; the returned call gives the vector (float32, `dimensions` long)."""
        raise NotImplementedError

    def predict(self, rgb: np.ndarray, face: FaceRegion) -> np.ndarray:
        return self.submit(rgb, face)()


class FaceLandmarker(Task):
    task = "face_mesh"
    default = "mediapipe"

    def predict(self, rgb: np.ndarray, box, right_eye, left_eye):
        raise NotImplementedError


class AgeGenderEstimator(Task):
    task = "age_gender"
    default = "cydral"

    def predict(self, rgb: np.ndarray, shape):
        raise NotImplementedError


class EmotionClassifier(Task):
    task = "emotion"
    default = "mini-xception"

    def predict(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float]:
        raise NotImplementedError


class IrisLandmarker(Task):
    task = "iris"
    default = "mediapipe"

    def predict(self, rgb: np.ndarray, corners: tuple, flip: bool = False):
        """The iris centre of the eye between `corners`."""
        raise NotImplementedError


class LabelClassifier(Task):
    task = "labels"
    default = "efficientnet-lite3"

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Probabilities over the model's classes."""
        raise NotImplementedError


class ObjectDetector(Task):
    task = "objects"
    # SSD-MobileNetV2 run by onnxruntime: OpenCV's detections to ~1e-6, ~2.9x faster (object_detection_onnx.py)
    default = "ssd-mobilenet-v2-onnx"

    def predict(self, rgb: np.ndarray, min_score: float = 0.4, merge_iou: float = 0.7) -> list:
        raise NotImplementedError


class ModerationClassifier(Task):
    task = "moderation"
    default = "image-safety-s"

    def predict(self, rgb: np.ndarray) -> dict[str, float]:
        raise NotImplementedError


class BodyPartDetector(Task):
    task = "body_parts"
    default = "nudenet-320n"

    def predict(self, rgb: np.ndarray) -> list:
        raise NotImplementedError


class TextRecognizer(Task):
    task = "text"
    default = "rapidocr"

    def predict(self, rgb: np.ndarray) -> list:
        raise NotImplementedError


KINDS: tuple[type[Task], ...] = (
    FaceDetector, FaceAligner, FaceEmbedder, FaceLandmarker, AgeGenderEstimator, EmotionClassifier,
    IrisLandmarker, LabelClassifier, ObjectDetector, ModerationClassifier, BodyPartDetector, TextRecognizer,
)
