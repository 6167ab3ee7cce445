"""application reminders

When the owner was last reminded of a pending application because its applicant applied again
(at most one reminder an hour), and where the latest reminder is (its Review button goes when
the application is decided or expires).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminder_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("reminder_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("reminder_message_id")
        batch_op.drop_column("reminder_chat_id")
        batch_op.drop_column("reminded_at")
