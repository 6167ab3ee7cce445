"""The messages owed to people, kept until they are sent: nothing a stored change owes is lost.

A change that owes someone a message (an invitation's prompt, an answer for its owner, an
expiry, a deletion) queues it here with `owe`, in the change's own transaction: the message is
stored with the change or not at all. The handler that made the change sends it right after
its commit, so a person's reply comes no later than when it was sent at once; a repeating job
sends whatever is still owed (the process died, Telegram was down, a send failed).

A row is said, not stored as text: `kind` and a small JSON `payload` of ids and facts (names,
moments; never a secret) are what the handlers' renderer for that kind needs to make the text,
at send time, in the reader's language as it is then.

Sending is leased, as installer groups' news is (`sharing.groups.group_outbox`): a row is
claimed (`sending_until`) before it is sent, so the job's next run, another process, or the job
and the handler never send it at once. A row is born claimed by the transaction that owes it,
for its handler, which sends it after the commit; should that process die first, the lease runs
out and the job sends it. `settle` marks it sent after Telegram took it, in one transaction
with what the send recorded (a prompt's message id). A crash after Telegram took a message and
before the mark sends it again once the lease runs out: a person may, rarely, read a message
twice, never miss one. A send that failed for a reason that may pass (network, flood wait)
leaves its lease to run out: the lease is the back-off.

Sent rows are kept for a day (`KEPT`), then deleted (`forget_sent`); a row still unsent after
a day is given up there too, logged: whatever it said is a day late.
"""

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OwedMessage, table_of

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
"""The default lease: long enough for a batch's messages at Telegram's pace."""
KEPT = timedelta(days=1)
BATCH = 20
"""How many rows one claim takes: what a lease must cover."""

SENDS_PER_SECOND = 20
"""What a lease on many rows allows for each: below Telegram's 30 a second, which replies share."""

Payload = Mapping[str, Any]


def lease_for(count: int, *, base: timedelta = LEASE) -> timedelta:
    """A lease for a sender that owes `count` rows at once and sends them one after another:
    the job must not take the last of them while the sender is still busy with the first."""
    return base + timedelta(seconds=count / SENDS_PER_SECOND)


@dataclass(frozen=True)
class Owed:
    """One message owed, as the sender needs it."""

    id: int
    account_id: int
    """The reader, whose private chat has the same id."""
    kind: str
    payload: Payload


async def owe(
    session: AsyncSession,
    *,
    account_id: int,
    kind: str,
    payload: Payload,
    now: datetime,
    lease: timedelta = LEASE,
) -> Owed:
    """Queue a message for the account in the caller's transaction, claimed for `lease` by its
    writer, which sends what this returns once the transaction is committed."""
    row = OwedMessage(
        account_id=account_id,
        kind=kind,
        payload=_json(payload),
        created_at=now,
        sending_until=now + lease,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return Owed(row.id, account_id, kind, payload)


async def owe_many(
    session: AsyncSession,
    owed: Sequence[tuple[int, str, Payload]],
    *,
    now: datetime,
    lease: timedelta = LEASE,
) -> tuple[Owed, ...]:
    """As `owe`, for many `(account id, kind, payload)` at once, in one INSERT (a sweep's batch
    owes hundreds)."""
    if not owed:
        return ()
    rows = [
        {
            "account_id": account_id,
            "kind": kind,
            "payload": _json(payload),
            "created_at": now,
            "sending_until": now + lease,
        }
        for account_id, kind, payload in owed
    ]
    inserted = (await session.exec(_INSERT, params=rows)).all()
    return tuple(
        Owed(owed_id, account_id, kind, json.loads(payload))
        for owed_id, account_id, kind, payload in sorted(inserted)
    )


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    """Whether a claim would find anything: a cheap read, so an idle job takes no write lock."""
    found = await session.exec(select(OwedMessage.id).where(*_claimable(now)).limit(1))
    return found.first() is not None


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: timedelta = LEASE, limit: int = BATCH
) -> tuple[Owed, ...]:
    """Claim the oldest rows owed and not being sent (or whose sender's lease ran out), by id.

    FOR UPDATE SKIP LOCKED and the lease checked again: concurrent claims take disjoint rows
    (on SQLite, write sessions run one at a time anyway)."""
    rows = (
        await session.exec(
            select(OwedMessage)
            .where(*_claimable(now))
            .order_by(col(OwedMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        row.sending_until = now + lease
    await session.flush()
    return tuple(_owed(row) for row in rows)


async def settle(session: AsyncSession, *, owed_id: int, now: datetime) -> bool:
    """Mark the row sent (or no longer to be sent); False if it was settled already, by a
    sender whose lease had run out meanwhile."""
    settled = await session.exec(
        update(OwedMessage)
        .where(col(OwedMessage.id) == owed_id, col(OwedMessage.sent_at).is_(None))
        .values(sent_at=now, sending_until=None)
    )
    return settled.rowcount > 0


async def forget_sent(session: AsyncSession, *, now: datetime) -> int:
    """Delete rows sent more than `KEPT` ago, and give up those owed for longer."""
    given_up = (
        await session.exec(
            select(OwedMessage.id, OwedMessage.kind, OwedMessage.account_id).where(
                col(OwedMessage.sent_at).is_(None), col(OwedMessage.created_at) <= now - KEPT
            )
        )
    ).all()
    for owed_id, kind, account_id in given_up:
        log.error("gave up %s message %s to account %s after a day", kind, owed_id, account_id)
    gone = await session.exec(
        delete(OwedMessage).where(
            or_(
                col(OwedMessage.sent_at) <= now - KEPT,
                col(OwedMessage.sent_at).is_(None) & (col(OwedMessage.created_at) <= now - KEPT),
            )
        )
    )
    return gone.rowcount


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Not sent, and nobody holds it (or the one who did has died: the lease ran out)."""
    unsent = col(OwedMessage.sent_at).is_(None)
    lease_free = or_(
        col(OwedMessage.sending_until).is_(None), col(OwedMessage.sending_until) <= now
    )
    return unsent, lease_free


_TABLE = table_of(OwedMessage)
_INSERT = insert(_TABLE).returning(
    _TABLE.c.id, _TABLE.c.account_id, _TABLE.c.kind, _TABLE.c.payload
)
"""Built once; many rows in few statements, each row back whole, in no particular order (asking
for the rows' order makes SQLAlchemy insert them one at a time on SQLite)."""


def _json(payload: Payload) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def _owed(row: OwedMessage) -> Owed:
    assert row.id is not None
    return Owed(row.id, row.account_id, row.kind, json.loads(row.payload))
