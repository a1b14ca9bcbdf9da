"""celebrities: the operator's gallery of well-known people (their faces live in an internal collection)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "celebrities",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(1024), nullable=False, unique=True),
        sa.Column("urls", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("known_gender", sa.String(16), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("celebrities")
