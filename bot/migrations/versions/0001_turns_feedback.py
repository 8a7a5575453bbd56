"""Turns and feedback: one row per answered turn and one per vote.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(128)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float),
        sa.Column("kind", sa.String(32)),
        sa.Column("routes", sa.JSON, nullable=False),
        sa.Column("answered", sa.Integer, nullable=False),
        sa.UniqueConstraint("channel", "ref", name="uq_turn_channel_ref"),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("answer_ref", sa.String(128), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.UniqueConstraint("channel", "user_hash", "answer_ref", name="uq_feedback_once"),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("turns")
