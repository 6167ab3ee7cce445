"""installer groups: the groups the bot is in, who was seen there, linked devices, queued news
and the messages sent to each in the last minute.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:58:37.574670
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Column types are rendered as plain SQLAlchemy types (see render_item in env.py): a migration
# must not import our code or SQLModel's, which may change after it is written.

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installergroup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linking_allowed_by", sa.BigInteger(), nullable=True),
        sa.Column("linking_allowed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flushing_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installergroup")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_installergroup_chat_id")),
    )
    op.create_table(
        "groupmessagesent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["installergroup.id"],
            name=op.f("fk_groupmessagesent_group_id_installergroup"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupmessagesent")),
    )
    op.create_index(
        "ix_groupmessagesent_group_sent", "groupmessagesent", ["group_id", "sent_at"], unique=False
    )

    op.create_table(
        "groupnewsline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["installergroup.id"],
            name=op.f("fk_groupnewsline_group_id_installergroup"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupnewsline")),
    )
    op.create_index("ix_groupnewsline_group", "groupnewsline", ["group_id", "id"], unique=False)

    op.create_table(
        "groupsighting",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["installergroup.id"],
            name=op.f("fk_groupsighting_group_id_installergroup"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_groupsighting")),
    )
    op.create_index("ix_groupsighting_user", "groupsighting", ["user_id"], unique=False)

    op.create_table(
        "devicegrouplink",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_devicegrouplink_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["installergroup.id"],
            name=op.f("fk_devicegrouplink_group_id_installergroup"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "group_id", name=op.f("pk_devicegrouplink")),
    )
    op.create_index("ix_devicegrouplink_group", "devicegrouplink", ["group_id"], unique=False)


def downgrade() -> None:
    # Each table's indexes go with it.
    op.drop_table("devicegrouplink")
    op.drop_table("groupsighting")
    op.drop_table("groupnewsline")
    op.drop_table("groupmessagesent")
    op.drop_table("installergroup")
