"""stream_processors and stream_sources: Rekognition's live stream processors and the sources they read

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_processors",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("arn", sa.String(512), nullable=False),
        sa.Column("input_arn", sa.String(1024), nullable=False),
        sa.Column("kinesis_arn", sa.String(1024), nullable=True),
        sa.Column("s3_bucket", sa.String(255), nullable=True),
        sa.Column("s3_prefix", sa.String(1024), nullable=True),
        sa.Column("sns_topic", sa.String(1024), nullable=True),
        sa.Column("role_arn", sa.String(2048), nullable=False),
        sa.Column("kms_key_id", sa.String(2048), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("data_sharing", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=True),
        sa.Column("start_selector", sa.Text(), nullable=True),
        sa.Column("stop_selector", sa.Text(), nullable=True),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_stream_processors_name", "stream_processors", ["account", "region", "name"], unique=True)
    op.create_index("ix_stream_processors_status", "stream_processors", ["status"])
    op.create_table(
        "stream_sources",
        sa.Column("stream_arn", sa.String(1024), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_sources")
    op.drop_index("ix_stream_processors_status", table_name="stream_processors")
    op.drop_index("ix_stream_processors_name", table_name="stream_processors")
    op.drop_table("stream_processors")
