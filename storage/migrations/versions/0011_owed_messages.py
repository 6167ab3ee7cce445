"""owed messages

The durable outbox of messages owed to people (sharing.people.person_outbox): written in the
transaction of the change that owes them, sent after it, kept a day once sent.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owedmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sending_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_owedmessage_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owedmessage")),
    )
    op.create_index("ix_owedmessage_sent_at", "owedmessage", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_owedmessage_sent_at", table_name="owedmessage")
    op.drop_table("owedmessage")
