"""The AWS front's HTTP end: the checks made on the request itself before its body is read (Content-Type;
size and time are bounded by `oculi.api.bodies` around every request), then one `dispatch.handle` call."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from oculi.aws import api, protocol
from oculi.aws.auth import Authenticator
from oculi.aws.dispatch import handle
from oculi.aws.errors import CommonServiceError


async def answer(request: Request, provider: api.RekognitionApi, auth: Authenticator) -> Response:
    try:
        protocol.check_content_type(request.headers.get("content-type"))
    except CommonServiceError as exc:
        status, headers, body = protocol.encode_error(exc)
        headers |= {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": protocol.CONTENT_TYPE}
        return Response(body, status_code=status, headers=headers)
    raw = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    status, out_headers, body = await run_in_threadpool(handle, provider, headers, raw, auth, request.method,
                                                        str(request.url))
    return Response(body, status_code=status, headers=out_headers)
