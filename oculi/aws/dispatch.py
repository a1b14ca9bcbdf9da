"""One request in, one response out: target -> operation -> validate -> provider method -> serialize."""

from __future__ import annotations

import logging
import uuid

from oculi.aws import api, protocol
from oculi.aws.auth import Authenticator
from oculi.aws.error_map import to_aws_error
from oculi.aws.errors import CommonServiceError, RequestContext, ServiceException
from oculi.aws.spec import operation_model
from oculi.aws.validate import validate_request
from oculi.errors import ServiceError

LOG = logging.getLogger(__name__)


def handle(provider: api.RekognitionApi, headers: dict[str, str], raw: bytes, auth: Authenticator | None = None,
           method: str = "POST", url: str = "http://localhost/") -> tuple[int, dict[str, str], bytes]:
    """`headers` with lower-case names; `method` and `url` as received, for the signature check."""
    request_id = str(uuid.uuid4())
    base = {"x-amzn-RequestId": request_id, "Content-Type": protocol.CONTENT_TYPE}
    context = RequestContext(request_id=request_id)
    auth = auth or Authenticator()
    try:
        who = auth.identify(headers, raw, method, url)
        if who:
            context.access_key, context.region, context.account = who
        op = protocol.operation_from_target(headers.get("x-amz-target"))
        if op not in api.OPERATIONS:
            raise CommonServiceError("UnknownOperationException", f"Unknown operation {op}")
        context.operation = op
        model = operation_model(op)
        body = protocol.parse_body(raw)
        validate_request(model.input_shape, body)
        if who:  # after validation: the policy's resources are read from the request (its CollectionId...)
            auth.authorize(context, body)
        request = protocol.decode_blobs(model.input_shape, body)
        result = getattr(provider, api.OPERATIONS[op])(context, request)
        return 200, base, protocol.encode_response(result or {})
    except (ServiceException, ServiceError) as exc:
        if isinstance(exc, ServiceError):
            mapped = to_aws_error(exc)
            if mapped is None:
                return _internal_error(base, request_id, context, f"unmapped service error kind {exc.kind!r}")
            exc = mapped
        LOG.info("%s %s -> %s: %s", request_id, context.operation, exc.code, exc.message)
        status, extra, payload = protocol.encode_error(exc)
        return status, base | extra, payload
    except Exception:
        return _internal_error(base, request_id, context, "failed")


def _internal_error(base: dict[str, str], request_id: str, context: RequestContext,
                    why: str) -> tuple[int, dict[str, str], bytes]:
    """A bug: logged with its trace, answered as Rekognition's InternalServerError with the request id."""
    LOG.exception("%s %s %s", request_id, context.operation, why)
    exc = api.InternalServerError(f"Internal server error (request id {request_id})")
    status, extra, payload = protocol.encode_error(exc)
    return status, base | extra, payload
