"""pgvector column and HNSW index on PostgreSQL (no-op on SQLite, which uses the in-process exact index)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from oculi.storage.vectors.pgvector import HNSW_EF_CONSTRUCTION, HNSW_INDEX_SQL, HNSW_M

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute("ALTER TABLE faces ADD COLUMN vec vector(128)")
    # dlib's embedding is compared by Euclidean distance: L2 operator class
    op.execute(HNSW_INDEX_SQL.format(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_faces_vec_hnsw")
    op.execute("ALTER TABLE faces DROP COLUMN IF EXISTS vec")
