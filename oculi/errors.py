"""What went wrong, said once, independent of any front.

Every error a service raises names its kind; each front maps kinds to its own wire errors in one table
(`oculi.aws.error_map` for Rekognition's codes, `oculi.api.errors` for REST statuses). A kind missing from a
front's table is answered as an internal error and logged, never quietly turned into a 400: tests check that
both tables cover every kind.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    INVALID_IMAGE_FORMAT = "invalid_image_format"  # not a supported format, corrupt, truncated or empty
    IMAGE_TOO_LARGE = "image_too_large"  # bytes or pixels over the limits, decompression bombs
    INVALID_PARAMETER = "invalid_parameter"  # acceptable to the schema, not to the operation
    INVALID_S3_OBJECT = "invalid_s3_object"  # a named bucket/key that is missing or unreadable
    NOT_FOUND = "not_found"  # no such collection, face, user, image, job, webhook...
    ALREADY_EXISTS = "already_exists"
    CONFLICT = "conflict"  # in conflict with the resource's current state
    INVALID_PAGINATION_TOKEN = "invalid_pagination_token"
    QUOTA_EXCEEDED = "quota_exceeded"
    UNAUTHORIZED = "unauthorized"  # no credential, or not one the service knows
    ACCESS_DENIED = "access_denied"  # a known caller that may not do this
    LIMIT_EXCEEDED = "limit_exceeded"  # too many jobs at once (stored video)
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"  # a ClientRequestToken reused with other parameters
    VIDEO_TOO_LARGE = "video_too_large"  # a video over the size or duration limits
    RESOURCE_IN_USE = "resource_in_use"  # a stream processor's name taken, or its state forbids the request


class ServiceError(Exception):
    """Base of the errors a caller can fix. A subclass must say its `kind`."""

    kind: ClassVar[ErrorKind]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "kind", None), ErrorKind):
            raise TypeError(f"{cls.__qualname__} must set `kind = ErrorKind.<...>` (oculi/errors.py), so that "
                            "each front can map it to its wire error")
