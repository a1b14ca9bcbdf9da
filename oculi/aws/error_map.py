"""Service error kinds -> Rekognition's modelled exceptions: the AWS front's one table."""

from __future__ import annotations

from oculi.aws import api
from oculi.errors import ErrorKind, ServiceError

AWS_ERRORS: dict[ErrorKind, type[api.ServiceException]] = {
    ErrorKind.INVALID_IMAGE_FORMAT: api.InvalidImageFormatException,
    ErrorKind.IMAGE_TOO_LARGE: api.ImageTooLargeException,
    ErrorKind.INVALID_PARAMETER: api.InvalidParameterException,
    ErrorKind.INVALID_S3_OBJECT: api.InvalidS3ObjectException,
    ErrorKind.NOT_FOUND: api.ResourceNotFoundException,
    ErrorKind.ALREADY_EXISTS: api.ResourceAlreadyExistsException,
    ErrorKind.CONFLICT: api.ConflictException,
    ErrorKind.INVALID_PAGINATION_TOKEN: api.InvalidPaginationTokenException,
    ErrorKind.QUOTA_EXCEEDED: api.ServiceQuotaExceededException,
    ErrorKind.UNAUTHORIZED: api.AccessDeniedException,
    ErrorKind.ACCESS_DENIED: api.AccessDeniedException,
    ErrorKind.LIMIT_EXCEEDED: api.LimitExceededException,
    ErrorKind.IDEMPOTENCY_MISMATCH: api.IdempotentParameterMismatchException,
    ErrorKind.VIDEO_TOO_LARGE: api.VideoTooLargeException,
    ErrorKind.RESOURCE_IN_USE: api.ResourceInUseException,
}


def to_aws_error(exc: ServiceError) -> api.ServiceException | None:
    """None for a kind without a Rekognition code: the caller answers 500 (a bug), never a guess."""
    aws = AWS_ERRORS.get(exc.kind)
    return aws(str(exc)) if aws else None
