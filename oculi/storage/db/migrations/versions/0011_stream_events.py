"""stream_events: the last events of each stream processor, with the frame each one is about

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("processor_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("time", sa.Float(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("frame_bucket", sa.String(255), nullable=True),
        sa.Column("frame_key", sa.String(1024), nullable=True),
    )
    op.create_index("ix_stream_events_processor_time", "stream_events", ["processor_id", "time"])


def downgrade() -> None:
    op.drop_index("ix_stream_events_processor_time", table_name="stream_events")
    op.drop_table("stream_events")
