"""jobs.enqueued_at: a queued job whose enqueue was lost (crash between commit and enqueue) is sent again

Revision ID: 0005
Revises: 0004

Jobs that exist already were enqueued by the code that made them: they get enqueued_at = updated_at.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("enqueued_at", sa.Float(), nullable=True))
    op.execute("UPDATE jobs SET enqueued_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("enqueued_at")
