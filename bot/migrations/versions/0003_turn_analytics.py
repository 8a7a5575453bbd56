"""Turns for the dashboard (issue 18): region, primary route, citations, answer category, latency; indexes.

Older rows get their answer category from their reply kind (``bot/analytics/answers.py``, the
one mapping), their primary route from the first of their routes, and no citations (they were
not kept).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.analytics.answers import Answer, answer_of

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {"ix_turns_created_at": ["created_at"], "ix_turns_channel": ["channel"], "ix_turns_region": ["region"],
           "ix_turns_user_hash": ["user_hash"]}


def upgrade() -> None:
    op.add_column("turns", sa.Column("region", sa.String(32)))
    op.add_column("turns", sa.Column("route", sa.String(64)))          # the first route offered
    op.add_column("turns", sa.Column("citations", sa.JSON))            # article ids shown, in order
    op.add_column("turns", sa.Column("answer", sa.String(16)))         # bot.analytics.answers.Answer
    op.add_column("turns", sa.Column("latency_ms", sa.Integer))        # around the dialogue's answer
    bind = op.get_bind()
    turns = sa.table("turns", sa.column("kind", sa.String), sa.column("answer", sa.String),
                     sa.column("citations", sa.JSON))
    kinds = [k for (k,) in bind.execute(sa.select(turns.c.kind).distinct())]
    for kind in kinds:
        where = turns.c.kind.is_(None) if kind is None else turns.c.kind == kind
        op.execute(turns.update().where(where).values(answer=answer_of(kind).value))
    op.execute(turns.update().where(turns.c.answer.is_(None)).values(answer=Answer.ANSWERED.value))
    first_route = "routes->>0" if bind.dialect.name == "postgresql" else "json_extract(routes, '$[0]')"
    op.execute(f"UPDATE turns SET route = {first_route}, citations = '[]'")
    for name, columns in INDEXES.items():
        op.create_index(name, "turns", columns)
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_index("ix_feedback_user_hash", "feedback", ["user_hash"])


def downgrade() -> None:
    op.drop_index("ix_feedback_user_hash", "feedback")
    op.drop_index("ix_feedback_created_at", "feedback")
    for name in reversed(INDEXES):
        op.drop_index(name, "turns")
    with op.batch_alter_table("turns") as batch:
        for column in ("latency_ms", "answer", "citations", "route", "region"):
            batch.drop_column(column)
