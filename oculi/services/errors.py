"""Errors the services raise; each front (AWS, REST) maps them to its own codes."""


class ServiceError(Exception):
    """Base of the errors a caller can fix."""


class InvalidImageFormat(ServiceError):
    """Not a supported image format, or the data is corrupt, truncated or empty."""


class ImageTooLarge(ServiceError):
    """Bytes or pixels over the limits (includes decompression bombs)."""


class InvalidParameter(ServiceError):
    """A parameter is acceptable to the schema but not to the operation (e.g. an image under 80 px)."""


class InvalidS3Object(ServiceError):
    """The named bucket/key is missing or unreadable."""
