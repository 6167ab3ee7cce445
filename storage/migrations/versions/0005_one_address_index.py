"""one address index

Two indexes of the invitations waiting for an address nobody has proved change, so that
claiming them on /start reads only those sent to the account's own addresses, and the sweep has
one index fewer to take an expiring invitation out of:

- uq_share_live_address, which keeps one live invitation per device and address, starts with
  the address: the claims find their invitations in it (`address IN (...)`), and
  ix_share_address_live, which did only that, is gone;
- ix_share_recipient_live leaves those invitations out (`recipient_id IS NOT NULL`): without
  statistics SQLite took it for the claims' `recipient_id IS NULL` and read every one of them.

100,000 expiring invitations to addresses, in batches of 1,000 through raw sqlite3: 1.5 s
before, 1.1 s after (`python -m bench --only scale` measures the whole sweep).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "state IN ('pending', 'active')"
TO_ACCOUNT = f"{LIVE} AND recipient_id IS NOT NULL"
TO_ADDRESS = f"{LIVE} AND recipient_id IS NULL"


def _where(condition: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index("ix_share_address_live")
        batch_op.drop_index("uq_share_live_address")
        batch_op.drop_index("ix_share_recipient_live")
        batch_op.create_index(
            "uq_share_live_address",
            ["address", "address_kind", "device_id"],
            unique=True,
            **_where(TO_ADDRESS),
        )
        batch_op.create_index(
            "ix_share_recipient_live",
            ["recipient_id", "state", "expires_at"],
            **_where(TO_ACCOUNT),
        )


def downgrade() -> None:
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index("ix_share_recipient_live")
        batch_op.drop_index("uq_share_live_address")
        batch_op.create_index(
            "ix_share_recipient_live", ["recipient_id", "state", "expires_at"], **_where(LIVE)
        )
        batch_op.create_index(
            "uq_share_live_address",
            ["device_id", "address_kind", "address"],
            unique=True,
            **_where(TO_ADDRESS),
        )
        batch_op.create_index(
            "ix_share_address_live", ["address_kind", "address", "state"], **_where(LIVE)
        )
