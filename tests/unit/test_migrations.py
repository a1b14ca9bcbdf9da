"""The Alembic revisions build exactly the schema the models describe (nothing missing, nothing extra), and
downgrade cleanly: migrations are explicit, so a model change without a revision fails here."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from oculi.storage.db.models import Base
from oculi.storage.db.session import make_engine, migrate


def test_head_matches_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("oculi.storage.db").joinpath("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert {"images", "jobs", "webhooks", "faces"} <= set(inspect(engine).get_table_names())


def test_processes_starting_together_on_a_fresh_database(tmp_path):
    """API and queue workers migrate the same new SQLite file at the same moment: every one must start."""
    import subprocess
    import sys

    code = ("import sys; from oculi.storage.db.session import make_engine, migrate; "
            "migrate(make_engine(sys.argv[1]))")
    url = f"sqlite:///{tmp_path}/fresh.db"
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
