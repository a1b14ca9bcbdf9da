"""Service errors -> HTTP statuses for the REST API."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from oculi.services import collections, errors, images, users, webhooks
from oculi.services.jobs import JobNotFound


class Unauthorized(errors.ServiceError):
    """No API key, or not one of OCULI_API_KEYS."""


STATUS = {
    Unauthorized: 401,
    collections.ResourceNotFound: 404,
    images.ImageNotFound: 404,
    webhooks.WebhookNotFound: 404,
    JobNotFound: 404,
    collections.ResourceExists: 409,
    users.Conflict: 409,
    errors.ImageTooLarge: 413,
}


class ErrorBody(BaseModel):
    error: str  # the service error's class name: ImageNotFound, InvalidParameter, ResourceNotFound...
    message: str


RESPONSES = {  # documented in the OpenAPI schema for every /v1 route
    400: {"model": ErrorBody, "description": "Invalid parameters or image"},
    401: {"model": ErrorBody, "description": "Missing or unknown API key (only when OCULI_API_KEYS is set)"},
    404: {"model": ErrorBody, "description": "No such image, collection, face, user, job or webhook"},
    409: {"model": ErrorBody, "description": "Already exists, or in conflict with the current state"},
    413: {"model": ErrorBody, "description": "Image too large"},
}


async def service_error_handler(request: Request, exc: errors.ServiceError) -> JSONResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=status, headers=headers)
