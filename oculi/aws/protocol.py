"""JSON 1.1 wire format: X-Amz-Target names the operation, blobs travel as base64, errors carry __type."""

from __future__ import annotations

import base64
import binascii
import json

from botocore.model import Shape

from oculi.aws.api import TARGET_PREFIX
from oculi.aws.errors import CommonServiceError, ServiceException

CONTENT_TYPE = "application/x-amz-json-1.1"


def operation_from_target(target: str | None) -> str:
    prefix, _, op = (target or "").partition(".")
    if prefix != TARGET_PREFIX or not op:
        raise CommonServiceError("UnknownOperationException", f"Unknown operation target {target!r}")
    return op


def parse_body(raw: bytes) -> dict:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommonServiceError("SerializationException", f"Request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise CommonServiceError("SerializationException", "Request body must be a JSON object")
    return body


def decode_blobs(shape: Shape | None, value, path: str = ""):
    """Replace base64 strings by bytes wherever the shape says blob."""
    if shape is None or value is None:
        return value
    if shape.type_name == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise CommonServiceError("SerializationException", f"'{path}' is not valid base64") from None
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: decode_blobs(shape.members[k], v, f"{path}.{k}") if k in shape.members else v
                for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [decode_blobs(shape.member, v, path) for v in value]
    return value


def encode_response(body: dict) -> bytes:
    def default(o):
        if isinstance(o, bytes):
            return base64.b64encode(o).decode()
        raise TypeError(f"cannot serialise {type(o).__name__}")

    return json.dumps(body, default=default, separators=(",", ":")).encode()


def encode_error(exc: ServiceException) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"__type": exc.code, "Message": exc.message}).encode()
    return exc.status, {"x-amzn-ErrorType": exc.code}, body
