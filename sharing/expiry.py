"""Claiming what ran out (R11), for invitations and applications alike."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Application, Share

DEFAULT_BATCH = 100


async def claim_expired(
    session: AsyncSession,
    model: type[Share] | type[Application],
    *,
    pending: StrEnum,
    expired: StrEnum,
    now: datetime,
    limit: int,
    values: Mapping[str, Any],
) -> list[int]:
    """Move at most `limit` rows from `pending` to `expired` (and set `values`) whose
    `expires_at <= now`; return their ids.

    Each row is returned by exactly one call, however many sweepers share the database: the
    candidates are taken FOR UPDATE SKIP LOCKED, so concurrent sweeps claim disjoint rows without
    waiting for each other, and the UPDATE checks `state` again, so a row answered meanwhile (an
    Accept holds the row lock while it decides) is left alone. On SQLite, where write sessions run
    one at a time, the locking clause is not rendered and not needed.
    """
    state, expires_at, id_ = col(model.state), col(model.expires_at), col(model.id)
    # A CTE, not `id IN (subquery)`: PostgreSQL may rescan such a subquery once per row, and
    # with SKIP LOCKED each rescan skips the rows already taken, so LIMIT would bound nothing.
    # A CTE that locks rows is always evaluated once.
    due = (
        select(id_)
        .where(state == pending, expires_at <= now)
        .order_by(expires_at, id_)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    statement = (
        update(model)
        .where(id_.in_(select(due.c.id)), state == pending)
        .values(state=expired, **values)
        .returning(id_)
        .execution_options(synchronize_session=False)
    )
    return sorted((await session.exec(statement)).scalars())
