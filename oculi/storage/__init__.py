"""Persistence: the metadata database (SQLAlchemy + Alembic) and face-vector search."""
