"""pgvector column and HNSW index on PostgreSQL (no-op on SQLite, which uses the in-process exact index)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

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
    op.execute("CREATE INDEX ix_faces_vec_hnsw ON faces USING hnsw (vec vector_l2_ops) "
               "WITH (m = 16, ef_construction = 64)")  # rebuilt denser by 0004


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_faces_vec_hnsw")
    op.execute("ALTER TABLE faces DROP COLUMN IF EXISTS vec")
