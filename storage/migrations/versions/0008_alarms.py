"""alarms

Who muted which device's alarms and until when; the alarm message each person has about each
channel, into which a burst of events folds; and whether a linked group hears every alarm.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alarmmute",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_alarmmute_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_alarmmute_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "device_id", name=op.f("pk_alarmmute")),
    )
    op.create_table(
        "alarmnotice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("channel_number", sa.Integer(), nullable=False),
        sa.Column("device_name", sa.String(length=64), nullable=False),
        sa.Column("kinds", sa.String(length=128), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("shown_count", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("with_live_view", sa.Boolean(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_alarmnotice_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_alarmnotice_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarmnotice")),
        sa.UniqueConstraint(
            "account_id",
            "device_id",
            "channel_number",
            name=op.f("uq_alarmnotice_account_id_device_id_channel_number"),
        ),
    )
    op.create_index("ix_alarmnotice_stale", "alarmnotice", ["device_id", "last_at"], unique=False)
    with op.batch_alter_table("devicegrouplink", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hears_alarms", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("devicegrouplink", schema=None) as batch_op:
        batch_op.drop_column("hears_alarms")
    op.drop_index("ix_alarmnotice_stale", table_name="alarmnotice")
    op.drop_table("alarmnotice")
    op.drop_table("alarmmute")
