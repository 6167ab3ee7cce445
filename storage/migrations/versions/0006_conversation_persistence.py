"""conversation persistence

Two tables that let a conversation survive a restart (bot.persistence): the state each wizard
waits in, per chat and user, and the drafts its steps keep (python-telegram-bot's user_data),
as JSON. Rows exist only while a wizard waits or a draft is kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversationstate",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversationstate")),
    )
    op.create_table(
        "userdata",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_userdata")),
    )


def downgrade() -> None:
    op.drop_table("userdata")
    op.drop_table("conversationstate")
