"""share indexes for lists at scale

Measured by `python -m bench` on a seeded database (1,000,000 grants, 100,000 open
invitations), where two share queries read far more rows than they return:

- a recipient's open invitations (`/received`, the reminder in `/devices`): SQLite chose
  ix_share_state_expires and read every open invitation of every recipient (30 ms); the
  recipient index now ends with expires_at, so equality on two columns and a range on the third
  wins the plan;
- a device's live shares (its card, `/shared`, the R4 count, and the cascade when a device is
  removed) had no index starting with device_id and read every pending share (25 ms).

Only indexes change, which batch mode does without copying the table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:02:46.612895
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_recipient_state"))
        batch_op.create_index(
            "ix_share_recipient_state_expires",
            ["recipient_id", "state", "expires_at"],
            unique=False,
        )
        batch_op.create_index("ix_share_device_state", ["device_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index("ix_share_device_state")
        batch_op.drop_index("ix_share_recipient_state_expires")
        batch_op.create_index(
            batch_op.f("ix_share_recipient_state"), ["recipient_id", "state"], unique=False
        )
