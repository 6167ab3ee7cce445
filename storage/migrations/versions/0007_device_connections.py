"""device connections

A device's connection over its own network API (address, credentials sealed with the secret
key, what it last saw: status, model) in a table of its own, one row per connected device; and
each channel's online state as the device last said.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deviceconnection",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=5), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("accept_self_signed", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("sealed_password", sa.LargeBinary(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_online_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_offline", sa.Boolean(), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_deviceconnection_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_deviceconnection")),
    )
    op.create_index(
        "ix_deviceconnection_checked_at", "deviceconnection", ["checked_at"], unique=False
    )
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_column("online")
    op.drop_index("ix_deviceconnection_checked_at", table_name="deviceconnection")
    op.drop_table("deviceconnection")
