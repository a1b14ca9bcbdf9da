"""The OpenAPI schema and its two viewers (Swagger UI at /docs, ReDoc at /redoc) behind the same API-key check
as the REST API: with OCULI_API_KEYS set, the schema of a private API is private too. FastAPI's own routes for
them take no dependencies, so the app is made without them and they are added here.

A browser cannot add the key to Swagger UI's own fetch of /openapi.json: with keys set, read the schema with a
client that sends X-Api-Key (or a Bearer token)."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse

from oculi.api.deps import require_api_key

DOCS = {"docs_url": None, "redoc_url": None, "openapi_url": None}  # FastAPI(**DOCS): mount() serves them


def mount(app: FastAPI) -> None:
    guarded = {"include_in_schema": False, "dependencies": [Depends(require_api_key)]}

    @app.get("/openapi.json", **guarded)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", **guarded)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - Swagger UI",
                                   oauth2_redirect_url="/docs/oauth2-redirect")

    @app.get("/docs/oauth2-redirect", **guarded)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", **guarded)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - ReDoc")
