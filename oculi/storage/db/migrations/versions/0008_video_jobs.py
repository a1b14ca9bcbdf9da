"""video_jobs and video_chunks: Rekognition's stored-video jobs (Start*/Get*) and their committed chunks

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "video_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("api", sa.String(32), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("client_token", sa.String(64), nullable=True),
        sa.Column("job_tag", sa.String(256), nullable=True),
        sa.Column("bucket", sa.String(255), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("version", sa.String(1024), nullable=True),
        sa.Column("sns_topic", sa.String(1024), nullable=True),
        sa.Column("role_arn", sa.String(2048), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("video", sa.Text(), nullable=True),
        sa.Column("audio", sa.Text(), nullable=True),
        sa.Column("chunks_total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("chunks_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("completed_at", sa.Float(), nullable=True),
        sa.Column("expires_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_video_jobs_scope_status", "video_jobs", ["account", "region", "status"])
    op.create_index("ix_video_jobs_token", "video_jobs", ["account", "region", "api", "client_token"], unique=True)
    op.create_table(
        "video_chunks",
        sa.Column("job_id", sa.String(36), sa.ForeignKey("video_jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("video_chunks")
    op.drop_index("ix_video_jobs_token", "video_jobs")
    op.drop_index("ix_video_jobs_scope_status", "video_jobs")
    op.drop_table("video_jobs")
