"""partial indexes for the sweep

Measured by `python -m bench --only scale` on a seeded database (1,000,000 grants, 100,000 due
invitations): expiring an invitation changed `state`, a column of six share indexes.

- The lists' indexes (a recipient's, an owner's, an address's shares) now hold live shares only:
  an expiring invitation is taken out of them and entered in none. On PostgreSQL, where such an
  UPDATE entered the new row in every index of the table, it is now entered in two (the primary
  key and ix_share_device): 100,000 UPDATEs through asyncpg took 2.2-2.7 s, now 1.5 s.
- The sweep's indexes, a share's and an application's, hold pending rows only, by expires_at.
- A device's shares are indexed by device_id alone: the cascade when a device is removed needs a
  whole index (it can use no partial one), and SQLite leaves an index without `state` alone
  when a share changes state.

Queries must say the indexes' conditions, written out (`storage.models.states_written_out`).
Only indexes change, which batch mode does without copying the table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "state IN ('pending', 'active')"
PENDING = "state IN ('pending')"


def _where(condition: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index("ix_share_recipient_state_expires")
        batch_op.drop_index("ix_share_owner_state")
        batch_op.drop_index("ix_share_device_state")
        batch_op.drop_index("ix_share_address")
        batch_op.drop_index("ix_share_state_expires")
        batch_op.create_index(
            "ix_share_recipient_live", ["recipient_id", "state", "expires_at"], **_where(LIVE)
        )
        batch_op.create_index("ix_share_owner_live", ["owner_id", "state"], **_where(LIVE))
        batch_op.create_index(
            "ix_share_address_live", ["address_kind", "address", "state"], **_where(LIVE)
        )
        batch_op.create_index("ix_share_device", ["device_id"])
        batch_op.create_index("ix_share_pending_expires", ["expires_at"], **_where(PENDING))
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_state_expires")
        batch_op.create_index(
            "ix_application_pending_expires", ["expires_at"], **_where(PENDING)
        )


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_pending_expires")
        batch_op.create_index("ix_application_state_expires", ["state", "expires_at"])
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index("ix_share_pending_expires")
        batch_op.drop_index("ix_share_device")
        batch_op.drop_index("ix_share_address_live")
        batch_op.drop_index("ix_share_owner_live")
        batch_op.drop_index("ix_share_recipient_live")
        batch_op.create_index("ix_share_state_expires", ["state", "expires_at"])
        batch_op.create_index("ix_share_address", ["address_kind", "address", "state"])
        batch_op.create_index("ix_share_device_state", ["device_id", "state"])
        batch_op.create_index("ix_share_owner_state", ["owner_id", "state"])
        batch_op.create_index(
            "ix_share_recipient_state_expires", ["recipient_id", "state", "expires_at"]
        )
