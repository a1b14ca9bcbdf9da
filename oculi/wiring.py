"""Builds the per-process service objects from settings (shared by the app factory and the CLI)."""

from __future__ import annotations

from oculi.config import Settings
from oculi.services.analysis import Analyzer
from oculi.services.collections import CollectionService
from oculi.storage.db.session import session_factory
from oculi.storage.vectors import vector_index_for


def collection_service(settings: Settings, analyzer: Analyzer) -> CollectionService:
    sessions = session_factory(settings.db_url)
    return CollectionService(sessions, vector_index_for(sessions.kw["bind"]), analyzer.models,
                             settings.face_tile_min_side)
