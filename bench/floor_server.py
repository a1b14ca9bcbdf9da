"""The floor of the server-side ratio: a minimal ASGI app, run by the same uvicorn (httptools, uvloop, same worker
count) as `oculi serve`, that answers the image operations doing only what any Python server of them must: read
the body, parse the JSON, base64-decode the image(s) (pybase64, as Oculi), decode + models in a worker thread
(`bench/image_calls.py`, the very calls bench/image_ops.py times as its reference; a plain executor, lighter than
anyio's), and send a small JSON answer. No validation, no signature, no error handling, no middleware.

Its time per request, from the app receiving it to the last byte of the answer (what Oculi's access log records),
over decode + models, is what the body's arrival, the two thread hops and the loopback writes cost on this
machine: the part of Oculi's ratio that no server code can remove.

Run by bench/image_ops.py: `uvicorn bench.floor_server:app`, with FLOOR_LOG (a file: one JSON line a request,
{"operation", "duration_ms"}) and the same OCULI_* settings as the server it is compared with.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pybase64

from bench.image_calls import CALLS
from oculi.config import Settings
from oculi.services.analysis import Analyzer

ANALYZER = Analyzer(Settings())
POOL = ThreadPoolExecutor(4, thread_name_prefix="floor")
LOG = open(os.environ.get("FLOOR_LOG", os.devnull), "a", buffering=1)  # noqa: SIM115 (the process's own)


def work(operation: str, raw: bytes) -> bytes:
    call = CALLS[operation]
    body = json.loads(raw)
    result = call.run(ANALYZER, [pybase64.b64decode(body[member]["Bytes"], validate=True) for member in call.images])
    return json.dumps({"Found": len(result) if hasattr(result, "__len__") else 1}).encode()


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    started = time.perf_counter()
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    target = dict(scope["headers"]).get(b"x-amz-target", b"").decode()
    operation = target.rpartition(".")[2]
    out = b"{}"
    if operation in CALLS:
        out = await asyncio.get_running_loop().run_in_executor(POOL, work, operation, b"".join(chunks))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/x-amz-json-1.1"),
                            (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
    if operation in CALLS:
        LOG.write(json.dumps({"operation": operation,
                              "duration_ms": round((time.perf_counter() - started) * 1000, 3)}) + "\n")
