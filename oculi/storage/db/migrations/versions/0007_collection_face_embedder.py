"""collections.face_embedder: the face model a collection keeps; collections made before it are dlib's

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collections") as batch:
        batch.add_column(sa.Column("face_embedder", sa.String(64), nullable=False, server_default="dlib"))


def downgrade() -> None:
    with op.batch_alter_table("collections") as batch:
        batch.drop_column("face_embedder")
