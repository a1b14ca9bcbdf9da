"""pipeline: images and their index rows, jobs, webhooks and deliveries

Revision ID: 0003
Revises: 0002

The tables are created from the declarative models as they stand at this revision (with their indexes);
any later change to them gets a revision of its own with explicit operations.
"""

from alembic import op

from oculi.storage.db.models import Base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("images", "image_labels", "image_tags", "image_faces", "jobs", "webhooks", "deliveries",
          "delivery_attempts")


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        Base.metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(TABLES):
        Base.metadata.tables[name].drop(bind)
