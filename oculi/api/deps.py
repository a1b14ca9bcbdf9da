"""Dependency aliases for the REST routes, and the API-key check in front of them."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from oculi.api.errors import Unauthorized
from oculi.wiring import Services

_api_key = APIKeyHeader(name="X-Api-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


async def require_api_key(request: Request, api_key: Annotated[str | None, Depends(_api_key)],
                    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """With OCULI_API_KEYS set, the REST API and /metrics want one of them (X-Api-Key or a Bearer token)."""
    keys = request.app.state.settings.api_keys
    if not keys:
        return
    given = api_key or (bearer.credentials if bearer else None)
    if not given or not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
        raise Unauthorized("a valid API key is required: X-Api-Key: <key> or Authorization: Bearer <key>")


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
