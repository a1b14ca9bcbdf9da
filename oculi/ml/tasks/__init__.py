"""Importing this package registers every task class with `Task.registry`."""

from oculi.ml.tasks import (  # noqa: F401
    age_gender,
    body_parts,
    emotion,
    face_alignment,
    face_detection,
    face_detection_yunet,
    face_embedding,
    face_embedding_onnx,
    face_embedding_sface,
    face_mesh,
    image_classification,
    iris,
    moderation,
    object_detection,
    object_detection_onnx,
    text_recognition,
)
