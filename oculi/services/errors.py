"""Errors the services raise; each names its kind (oculi.errors), which each front maps to its own codes."""

from oculi.errors import ErrorKind, ServiceError

__all__ = ["ErrorKind", "ServiceError", "InvalidImageFormat", "ImageTooLarge", "InvalidParameter",
           "InvalidS3Object"]


class InvalidImageFormat(ServiceError):
    """Not a supported image format, or the data is corrupt, truncated or empty."""

    kind = ErrorKind.INVALID_IMAGE_FORMAT


class ImageTooLarge(ServiceError):
    """Bytes or pixels over the limits (includes decompression bombs)."""

    kind = ErrorKind.IMAGE_TOO_LARGE


class InvalidParameter(ServiceError):
    """A parameter is acceptable to the schema but not to the operation (e.g. an image under 80 px)."""

    kind = ErrorKind.INVALID_PARAMETER


class InvalidS3Object(ServiceError):
    """The named bucket/key is missing or unreadable."""

    kind = ErrorKind.INVALID_S3_OBJECT
