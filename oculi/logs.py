"""Structured logs: one JSON object per line, carrying the request/image/job in hand (contextvars)."""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

CONTEXT: ContextVar[dict] = ContextVar("oculi_log_context", default={})  # noqa: B039 (never mutated)


@contextlib.contextmanager
def bind(**fields):
    """Add fields (request_id, image_id, job_id, task...) to every log record inside the block."""
    token = CONTEXT.set({**CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        CONTEXT.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def configure(fmt: str = "json", level: str | int = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level",
                                                          "name": "logger", "process": "pid"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
