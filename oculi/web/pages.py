"""Serve the pages: clean URLs (/, /gallery, /images/{id}, /people/{collection}, ...) map to static HTML files,
assets come from /static. Every answer carries a Content-Security-Policy with no inline script, so text
drawn from an image can never run as code even if a page had a bug that parsed it as markup."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).parent / "static"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Permissions-Policy": "camera=(self), microphone=()"}

PAGES = {  # URL -> file under static/
    "/": "index.html",
    "/compare": "compare.html",
    "/gallery": "gallery.html",
    "/images/{image_id}": "image.html",
    "/people": "people.html",
    "/people/{collection}": "collection.html",
    "/door": "door.html",
    "/streams": "streams.html",
    "/operations": "operations.html",
}


class Assets(StaticFiles):
    """StaticFiles (ETag, Last-Modified, 304s) plus the security headers; revalidated on every visit so a new
    release is picked up at once, while an unchanged file costs one 304."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message):
            if message["type"] == "http.response.start":
                extra = {**HEADERS, "Cache-Control": "no-cache"}
                message["headers"] = [*message.get("headers", []),
                                      *((k.lower().encode(), v.encode()) for k, v in extra.items())]
            await send(message)

        await super().__call__(scope, receive, with_headers)


def _page(filename: str):
    path = STATIC / filename

    def serve() -> FileResponse:
        return FileResponse(path, media_type="text/html; charset=utf-8",
                            headers={**HEADERS, "Cache-Control": "no-cache"})

    return serve


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    for url, filename in PAGES.items():
        r.add_api_route(url, _page(filename), methods=["GET"], name=f"page:{filename}")
    return r


def mount(app) -> None:
    app.include_router(router())
    # scripts and styles compressed on the way (about a quarter of their size); the API's answers are left alone
    app.mount("/static", GZipMiddleware(Assets(directory=STATIC), minimum_size=512), name="static")
