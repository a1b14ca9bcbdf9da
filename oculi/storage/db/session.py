"""Engine and sessions from a URL (sqlite:/// by default), schema brought to head by Alembic at start."""

from __future__ import annotations

import contextlib
import fcntl
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")  # deleted face vectors are overwritten, not left in free pages
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, pool_pre_ping=True)


MIGRATION_LOCK = 0x0C0_1A7E  # pg_advisory_xact_lock key: one migrating process at a time


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision. Idempotent, and safe when several processes start at
    once (API workers, queue workers, other machines): they take turns under a lock, and the later ones find
    the schema at head."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("oculi.storage.db").joinpath("migrations")))
    with _exclusive(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextlib.contextmanager
def _exclusive(engine: Engine):
    """For a SQLite file: an OS lock on a file beside it (SQLite's own locks do not cover Alembic's
    read-then-create sequence)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def session_factory(url: str) -> sessionmaker:
    engine = make_engine(url)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)
