"""The QuickBooks refresh token of each connected company, encrypted (services/store/tokens.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create quickbooks_token."""
    op.create_table(
        "quickbooks_token",
        sa.Column("realm_id", sa.String(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("realm_id", name="pk_quickbooks_token"),
    )


def downgrade() -> None:
    """Drop quickbooks_token."""
    op.drop_table("quickbooks_token")
