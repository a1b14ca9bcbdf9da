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
