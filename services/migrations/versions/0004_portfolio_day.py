"""The portfolio's daily headline figures, for month-over-month trends (services/store/portfolio.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create portfolio_day."""
    op.create_table(
        "portfolio_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reporting_currency", sa.String(), nullable=False),
        sa.Column("contract_value_amount", sa.Float(), nullable=False),
        sa.Column("forecast_margin_pct", sa.Float(), nullable=True),
        sa.Column("outstanding_amount", sa.Float(), nullable=False),
        sa.Column("overdue_amount", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "reporting_currency", name="pk_portfolio_day"),
    )


def downgrade() -> None:
    """Drop portfolio_day."""
    op.drop_table("portfolio_day")
