"""The Rekognition provider: translates AWS shapes to service calls and back."""

from __future__ import annotations

from oculi.aws import api
from oculi.services import collections, errors, users

# service errors -> Rekognition's modelled exceptions
ERRORS = {
    errors.InvalidImageFormat: api.InvalidImageFormatException,
    errors.ImageTooLarge: api.ImageTooLargeException,
    errors.InvalidParameter: api.InvalidParameterException,
    errors.InvalidS3Object: api.InvalidS3ObjectException,
    collections.ResourceNotFound: api.ResourceNotFoundException,
    collections.ResourceExists: api.ResourceAlreadyExistsException,
    collections.InvalidPaginationToken: api.InvalidPaginationTokenException,
    collections.TooManyTags: api.ServiceQuotaExceededException,
    users.Conflict: api.ConflictException,
}


def to_aws_error(exc: errors.ServiceError) -> api.ServiceException:
    for kind, aws in ERRORS.items():
        if isinstance(exc, kind):
            return aws(str(exc))
    return api.InvalidParameterException(str(exc))
