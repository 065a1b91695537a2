"""The correction log names each record the way people know it (the deal's name).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add correction.label."""
    with op.batch_alter_table("correction") as batch:
        batch.add_column(sa.Column("label", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop correction.label."""
    with op.batch_alter_table("correction") as batch:
        batch.drop_column("label")
