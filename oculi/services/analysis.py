"""The per-process analysis context: models (loaded lazily, shared by requests) and image sources."""

from __future__ import annotations

from oculi.config import Settings
from oculi.ml.base import Models
from oculi.ml.interfaces import FaceDetector, FaceEmbedder, FaceLandmarker, TextRecognizer
from oculi.ml.pack import ModelPack
from oculi.services import imaging
from oculi.services.errors import InvalidS3Object
from oculi.storage.blobs import BlobNotFound, BlobStore, blob_store_for, valid_key


def face_model_version(models: Models, embedder: str | None = None) -> str:
    """FaceModelVersion from the versions the face models declare; `embedder`: a collection's own embedder
    instead of the configured one."""
    detector, mesh = models.model_class(FaceDetector).version, models.model_class(FaceLandmarker).version
    return f"oculi-1 ({detector} + {mesh} + {models.model_class(FaceEmbedder, embedder).version})"


def face_index_version(models: Models, embedder: str | None = None) -> str:
    """IndexFacesModelVersion (must match [0-9.]+): the version of the stored face-vector format."""
    return models.model_class(FaceEmbedder, embedder).index_version


def text_model_version(models: Models) -> str:
    return f"oculi-1 ({models.model_class(TextRecognizer).version})"


def object_size(store: BlobStore, bucket: str, key: str) -> int:
    """The size of the object a request names (Image.S3Object, Video.S3Object), or Rekognition's
    InvalidS3ObjectException when the name is not an object's or the store has no such object."""
    if not bucket or not key or not valid_key(bucket, key):
        raise InvalidS3Object(f"Invalid S3 object: s3://{bucket}/{key}")
    size = store.size(bucket, key)
    if size is None:
        raise InvalidS3Object(
            "Unable to get object metadata from S3. Check object key, region and/or access permissions.")
    return size


class Analyzer:
    def __init__(self, settings: Settings, store: BlobStore | None = None):
        self.settings = settings
        self.models = Models(ModelPack(settings.home, settings.optional_packages), settings.threads,
                             settings.embedding_processes, settings.models.model_dump())
        self.store = store or blob_store_for(settings.store_url, settings.s3_endpoint_url)

    def from_bytes(self, data: bytes, formats=imaging.REKOGNITION_FORMATS, max_bytes: int = imaging.MAX_BYTES,
                   at_least: int | imaging.Need | None = None) -> imaging.DecodedImage:
        return imaging.decode(data, max_bytes=max_bytes, formats=formats,
                              max_pixels=self.settings.max_image_pixels, at_least=at_least)

    def from_object(self, bucket: str, key: str, at_least: int | imaging.Need | None = None
                    ) -> imaging.DecodedImage:
        """Rekognition's Image.S3Object, read from the configured object store."""
        size = object_size(self.store, bucket, key)
        if size > imaging.MAX_S3_BYTES:
            raise imaging.ImageTooLarge(f"Image size is too large: {size} bytes, the S3 limit is "
                                        f"{imaging.MAX_S3_BYTES} bytes")
        try:
            data = self.store.get(bucket, key)
        except BlobNotFound:
            raise InvalidS3Object(f"Unable to get object s3://{bucket}/{key}") from None
        return self.from_bytes(data, max_bytes=imaging.MAX_S3_BYTES, at_least=at_least)
