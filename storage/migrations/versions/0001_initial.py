"""initial: accounts, devices, channels, shares and grants, applications, link tokens, email codes.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 14:10:09.804189
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Column types are rendered as plain SQLAlchemy types (see render_item in env.py): a migration
# must not import our code or SQLModel's, which may change after it is written.

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("last_name", sa.String(length=128), nullable=True),
        sa.Column("username", sa.String(length=32), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("unreachable_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("email", name=op.f("uq_account_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_account_phone")),
    )
    op.create_index(op.f("ix_account_username"), "account", ["username"], unique=False)

    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=48), nullable=False),
        sa.Column("verification_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("firmware_version", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["account.id"],
            name=op.f("fk_device_owner_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("serial", name=op.f("uq_device_serial")),
    )
    op.create_index("ix_device_owner_name", "device", ["owner_id", "name", "id"], unique=False)

    op.create_table(
        "emailcode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_emailcode_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emailcode")),
    )
    op.create_index("ix_emailcode_account", "emailcode", ["account_id", "created_at"], unique=False)

    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompt_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["account.id"],
            name=op.f("fk_application_applicant_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_application_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
    )
    op.create_index("ix_application_applicant", "application", ["applicant_id"], unique=False)
    op.create_index(
        "ix_application_state_expires", "application", ["state", "expires_at"], unique=False
    )
    op.create_index(
        "uq_application_pending",
        "application",
        ["device_id", "applicant_id"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )

    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_channel_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel")),
        sa.UniqueConstraint("device_id", "number", name=op.f("uq_channel_device_id_number")),
    )
    op.create_table(
        "linktoken",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_linktoken_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_linktoken_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_linktoken")),
    )
    op.create_index("ix_linktoken_account", "linktoken", ["account_id"], unique=False)
    op.create_index("ix_linktoken_device", "linktoken", ["device_id"], unique=False)

    op.create_table(
        "share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=True),
        sa.Column("address_kind", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompt_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_share_device_id_device"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["account.id"], name=op.f("fk_share_owner_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["account.id"],
            name=op.f("fk_share_recipient_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share")),
    )
    op.create_index("ix_share_address", "share", ["address_kind", "address", "state"], unique=False)
    op.create_index("ix_share_owner_state", "share", ["owner_id", "state"], unique=False)
    op.create_index("ix_share_recipient_state", "share", ["recipient_id", "state"], unique=False)
    op.create_index("ix_share_state_expires", "share", ["state", "expires_at"], unique=False)
    op.create_index(
        "uq_share_live_address",
        "share",
        ["device_id", "address_kind", "address"],
        unique=True,
        sqlite_where=sa.text("state IN ('pending', 'active') AND recipient_id IS NULL"),
        postgresql_where=sa.text("state IN ('pending', 'active') AND recipient_id IS NULL"),
    )
    op.create_index(
        "uq_share_live_recipient",
        "share",
        ["device_id", "recipient_id"],
        unique=True,
        sqlite_where=sa.text("state IN ('pending', 'active') AND recipient_id IS NOT NULL"),
        postgresql_where=sa.text("state IN ('pending', 'active') AND recipient_id IS NOT NULL"),
    )

    op.create_table(
        "grant",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("permissions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_grant_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["share.id"], name=op.f("fk_grant_share_id_share"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("share_id", "channel_id", name=op.f("pk_grant")),
    )
    op.create_index("ix_grant_channel", "grant", ["channel_id"], unique=False)


def downgrade() -> None:
    # Each table's indexes go with it.
    op.drop_table("grant")
    op.drop_table("share")
    op.drop_table("linktoken")
    op.drop_table("channel")
    op.drop_table("application")
    op.drop_table("emailcode")
    op.drop_table("device")
    op.drop_table("account")
