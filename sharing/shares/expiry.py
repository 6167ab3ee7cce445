"""Claiming what ran out (R11), for invitations and applications alike, and reading back the
little that announcing them needs: the devices' names and the people's.

Everything here is SQLAlchemy Core, rows of plain columns: a sweep may expire 100,000 rows in
one go, and reading them back as ORM entities and whole `ShareView`s, grants and all, cost twice
the database's own work (`python -m bench --only scale`).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    bindparam,
    exists,
    literal_column,
    text,
    update,
)
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from sharing.views import DeviceRef, PersonView
from storage.models import (
    Account,
    Application,
    Device,
    DeviceGroupLink,
    Share,
    states_written_out,
    table_of,
)

DEFAULT_BATCH = 1000
"""Rows claimed per write transaction, chosen by `python -m bench --only scale` (2 cores, the
indexes of migration 0004): one sweep of 100,000 due invitations took 1.9-2.2 s on SQLite and
2.1-2.2 s on PostgreSQL in batches of 1,000, against 2.1-2.8 s and 2.3-3.3 s in batches of
500; the longest batch, and so another writer's longest wait for SQLite's write lock, went
from about 35 ms to about 55 ms.
Most of a batch's time is per row: the UPDATE, whose row leaves the share's partial indexes
(`storage.models`), and making the announcements' views in Python."""


async def claim_expired(
    session: AsyncSession,
    model: type[Share] | type[Application],
    *,
    pending: StrEnum,
    expired: StrEnum,
    now: datetime,
    limit: int,
    values: Mapping[str, Any],
    returning: Sequence[str],
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Move at most `limit` rows from `pending` to `expired` (and set `values`) whose
    `expires_at <= now`; return those rows, as the columns named in `returning` and then whether
    the row's device is linked to an installer group, in no particular order (the UPDATE returns
    them: no second read).

    Most devices are in no group. Knowing which are, from the UPDATE itself, spares the sweep
    the group news it would make for the others and a lookup of a thousand devices' groups per
    batch (a sixth of the sweep, `python -m bench --only scale`).

    Each row is returned by exactly one call, however many sweepers share the database: the
    candidates are taken FOR UPDATE SKIP LOCKED, so concurrent sweeps claim disjoint rows without
    waiting for each other, and the UPDATE checks `state` again, so a row answered meanwhile (an
    Accept holds the row lock while it decides) is left alone. On SQLite, where write sessions run
    one at a time, the locking clause is not rendered and not needed.
    """
    table = table_of(model)
    state, expires_at, id_ = table.c.state, table.c.expires_at, table.c.id
    # Written out, to use the partial index of due rows (`storage.models.states_written_out`).
    still_pending = text(states_written_out(f"{table.name}.state", (pending,)))
    # A CTE, not `id IN (subquery)`: PostgreSQL may rescan such a subquery once per row, and
    # with SKIP LOCKED each rescan skips the rows already taken, so LIMIT would bound nothing.
    # A CTE that locks rows is always evaluated once.
    due = (
        select(id_)
        .where(still_pending, expires_at <= now)
        .order_by(expires_at, id_)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    statement = (
        update(table)
        .where(id_.in_(select(due.c.id)), state == pending)
        .values(state=expired, **values)
        .returning(*(table.c[name] for name in returning), _linked_to_a_group(table))
    )
    return (await session.exec(statement)).all()


def _linked_to_a_group(table: Table) -> ColumnElement[bool]:
    links = table_of(DeviceGroupLink)
    # Qualified by hand: SQLAlchemy writes RETURNING's columns without their table on SQLite,
    # and an unqualified `device_id` in the subquery would be the link's own.
    device_id: ColumnElement[int] = literal_column(f"{table.name}.device_id")
    return exists().where(links.c.device_id == device_id).label("device_linked")


def _columns_by_id(table: Table, *names: str) -> Select[*tuple[Any, ...]]:
    """These columns of the rows whose id is in the parameter `ids`: built once, run per batch."""
    columns = (table.c[name] for name in names)
    return Select(*columns).where(table.c.id.in_(bindparam("ids", expanding=True)))


_DEVICES = _columns_by_id(table_of(Device), "id", "name", "type")
_ACCOUNTS = _columns_by_id(table_of(Account), "id", "first_name", "last_name", "username")


class SweepNames:
    """The devices and people one sweep has read so far, so that each is read once per sweep:
    a backlog's batches name the same devices and owners again and again (at `--scale 1`, 100
    batches name 8,871 devices and 1,775 owners, each batch a thousand and two hundred of them).

    A sweep names them as they were when it first met them: should an owner rename a device
    while a long backlog is being announced, the rest of that sweep's messages say the old name.
    Use a new one for each sweep.
    """

    def __init__(self) -> None:
        self._devices: dict[int, DeviceRef] = {}
        self._people: dict[int, PersonView] = {}

    async def devices(self, session: AsyncSession, ids: Iterable[int]) -> Mapping[int, DeviceRef]:
        """Every device met so far, these included: one query for those not met yet."""
        if missing := set(ids) - self._devices.keys():
            rows = (await session.exec(_DEVICES, params={"ids": list(missing)})).all()
            self._devices.update((id_, DeviceRef(id_, name, type_)) for id_, name, type_ in rows)
        return self._devices

    async def people(self, session: AsyncSession, ids: Iterable[int]) -> Mapping[int, PersonView]:
        """Every account met so far, these included: one query for those not met yet."""
        if missing := set(ids) - self._people.keys():
            rows = (await session.exec(_ACCOUNTS, params={"ids": list(missing)})).all()
            self._people.update(
                (id_, PersonView(id_, first_name, last_name, username))
                for id_, first_name, last_name, username in rows
            )
        return self._people
