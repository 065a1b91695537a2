"""Correction log, accepted findings and local users.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Plain SQLAlchemy types, not the application's classes, so this file means the same thing forever.
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("settled_at", UTC_TIME, nullable=True),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("object_type", sa.String(), nullable=False),
        sa.Column("object_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("finding_key", sa.String(), nullable=True),
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("undoes_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["undoes_id"], ["correction.id"], name="fk_correction_undoes_id_correction"),
        sa.PrimaryKeyConstraint("id", name="pk_correction"),
    )
    for column in ("batch_id", "created_at", "object_id", "status", "user"):
        op.create_index(f"ix_correction_{column}", "correction", [column])

    op.create_table(
        "accepted_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_key", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("accepted_by", sa.String(), nullable=False),
        sa.Column("accepted_at", UTC_TIME, nullable=False),
        sa.Column("revoked_by", sa.String(), nullable=True),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accepted_finding"),
    )
    op.create_index("ix_accepted_finding_finding_key", "accepted_finding", ["finding_key"])

    op.create_table(
        "local_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("last_login_at", UTC_TIME, nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_local_user"),
        sa.UniqueConstraint("email", name="uq_local_user_email"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("local_user")
    op.drop_table("accepted_finding")
    op.drop_table("correction")
