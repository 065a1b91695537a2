"""The Closed Won runs: one row per won deal with its reserved project ID (services/store/closed_won.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create closed_won."""
    op.create_table(
        "closed_won",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm_deal_id", sa.String(), nullable=False),
        sa.Column("project_id", sa.String(), nullable=False),
        sa.Column("erp_record_id", sa.String(), nullable=True),
        sa.Column("project_record_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_closed_won"),
        sa.UniqueConstraint("crm_deal_id", name="uq_closed_won_crm_deal_id"),
        sa.UniqueConstraint("project_id", name="uq_closed_won_project_id"),
    )


def downgrade() -> None:
    """Drop closed_won."""
    op.drop_table("closed_won")
