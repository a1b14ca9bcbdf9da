"""collections, faces, users

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("account", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("face_model_version", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("vectors_version", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("account", "region", "name", name="uq_collection_scope"),
    )
    op.create_table(
        "faces",
        sa.Column("face_id", sa.String(36), primary_key=True),
        sa.Column("collection_pk", sa.Integer, sa.ForeignKey("collections.pk", ondelete="CASCADE"), nullable=False),
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("external_image_id", sa.String(255)),
        sa.Column("left", sa.Float, nullable=False),
        sa.Column("top", sa.Float, nullable=False),
        sa.Column("width", sa.Float, nullable=False),
        sa.Column("height", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("user_id", sa.String(128)),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_faces_collection_pk", "faces", ["collection_pk"])
    op.create_index("ix_faces_collection_user", "faces", ["collection_pk", "user_id"])
    op.create_table(
        "users",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("collection_pk", sa.Integer, sa.ForeignKey("collections.pk", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("client_token", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("collection_pk", "user_id", name="uq_user_in_collection"),
    )
    op.create_index("ix_users_collection_pk", "users", ["collection_pk"])


def downgrade() -> None:
    op.drop_table("users")
    op.drop_table("faces")
    op.drop_table("collections")
