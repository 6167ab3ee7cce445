"""Creating or editing a share: the one path through R3-R9, taken by invitations
(`shares.share_device`) and by accepted applications (`applications.accept_application`)."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.errors import ShareConflict, ShareToSelf
from sharing.shares.checks import (
    channel_grants,
    check_channel_room,
    check_firmware,
    check_owner_room,
    check_same_region,
    live_owner_ids,
    require_region,
)
from sharing.shares.share_queries import (
    LIVE_SHARE_TO_ACCOUNT,
    LIVE_SHARE_TO_ADDRESS,
    live_share_params,
    load_share,
    share_view,
)
from sharing.shares.transitions import activate
from sharing.views import Address, ShareChange
from storage.models import (
    Account,
    Device,
    Grant,
    Permission,
    Share,
    ShareState,
    table_of,
)


async def save_share(
    session: AsyncSession,
    *,
    device: Device,
    owner: Account,
    recipient: Account | Address,
    grants: Mapping[int, Permission],
    now: datetime,
    pending_for: timedelta | None,
) -> ShareChange:
    """Share `device` with `recipient`, or edit the live share they already have of it (R9).

    The caller has checked R2 and locked `device`, then the recipient's account when there is
    one (see `sharing.shares.checks`). `pending_for` opens a new share, or reopens an edited pending
    one, as an invitation for that long; None makes it active at once (an accepted application). A
    pending share past `expires_at` that the sweep has not reached yet is still live, so it is
    reopened like any edited invitation rather than left to expire beside a new one.

    A recipient who has not set a region yet is let through here; R3 is checked again when they
    accept. An address without an account has no region and no owners to count: R3 and R5 are
    checked when an account claims it.
    """
    assert device.id is not None
    check_firmware(device)
    granted = await channel_grants(session, device=device, grants=grants)
    require_region(owner)
    if isinstance(recipient, Account):
        if recipient.id == owner.id:
            raise ShareToSelf()
        if recipient.region is not None:
            check_same_region(owner, recipient)
    existing = await _lock_live_share(session, device_id=device.id, recipient=recipient)
    await check_channel_room(
        session,
        device_id=device.id,
        granted=granted,
        other_than=existing.id if existing else None,
    )
    if existing is None:
        if isinstance(recipient, Account):
            check_owner_room(await live_owner_ids(session, recipient.id), owner.id)
        share = await _insert_share(
            session,
            device=device,
            owner=owner,
            recipient=recipient,
            now=now,
            pending_for=pending_for,
        )
        previous = None
    else:
        assert existing.id is not None
        share, previous = existing, await load_share(session, existing.id)
        share.version += 1
        share.updated_at = now
        if share.state == ShareState.PENDING:
            _open_invitation(share, now=now, pending_for=pending_for)
        await session.exec(_DELETE_GRANTS, params={"share_id": share.id})
    assert share.id is not None
    await session.exec(
        _INSERT_GRANT,
        params=[
            {"share_id": share.id, "channel_id": channel_id, "permissions": int(permissions)}
            for channel_id, permissions in granted.by_channel_id.items()
        ],
    )
    await session.flush()
    # Made from what this transaction holds, all of it locked or written here: reading the
    # share back cost Finish two more statements.
    saved = share_view(
        share,
        device=device,
        owner=owner,
        recipient=recipient if isinstance(recipient, Account) else None,
        grants=granted.views,
    )
    return ShareChange(share=saved, previous=previous)


# A share's grants are written with SQLAlchemy Core, in one executemany: as ORM objects, a
# 128-channel share cost 128 model constructions and a unit of work (`python -m bench`). The
# session never holds Grant objects, so it has nothing to keep in step.
_GRANTS_TABLE = table_of(Grant)
_DELETE_GRANTS = delete(_GRANTS_TABLE).where(_GRANTS_TABLE.c.share_id == bindparam("share_id"))
_INSERT_GRANT = insert(_GRANTS_TABLE)


def _open_invitation(share: Share, *, now: datetime, pending_for: timedelta | None) -> None:
    """A new or edited pending share gets a fresh expiry, or becomes active without one."""
    if pending_for is None:
        activate(share, now=now)
    else:
        share.expires_at = now + pending_for


# Built once, with bind parameters: building a statement and computing its cache key on every
# call took a large share of an update's time (`python -m bench`).
_LOCK_LIVE_SHARE_TO_ACCOUNT, _LOCK_LIVE_SHARE_TO_ADDRESS = (
    select(Share).where(*conditions).with_for_update().execution_options(populate_existing=True)
    for conditions in (LIVE_SHARE_TO_ACCOUNT, LIVE_SHARE_TO_ADDRESS)
)


async def _lock_live_share(
    session: AsyncSession, *, device_id: int, recipient: Account | Address
) -> Share | None:
    """Locked so that an answer or a sweep racing this edit is either seen or waits for it."""
    if isinstance(recipient, Account):
        statement = _LOCK_LIVE_SHARE_TO_ACCOUNT
        params = live_share_params(device_id, recipient.id)
    else:
        statement = _LOCK_LIVE_SHARE_TO_ADDRESS
        params = live_share_params(device_id, recipient)
    return (await session.exec(statement, params=params)).one_or_none()


async def _insert_share(
    session: AsyncSession,
    *,
    device: Device,
    owner: Account,
    recipient: Account | Address,
    now: datetime,
    pending_for: timedelta | None,
) -> Share:
    """A new share. The device lock makes the unique indexes unreachable from here; if
    another path ever races us to them, the refusal is a domain error, not a crash. No
    savepoint (two statements on every new share): the refusal ends the caller's unit of work,
    which rolls back, so nothing of the session is touched after the failed flush."""
    device_id = device.id
    assert device_id is not None
    share = Share(
        device_id=device_id,
        owner_id=owner.id,
        state=ShareState.PENDING,
        created_at=now,
        updated_at=now,
    )
    if isinstance(recipient, Account):
        share.recipient_id = recipient.id
    else:
        share.address_kind, share.address = recipient.kind, recipient.value
    _open_invitation(share, now=now, pending_for=pending_for)
    session.add(share)
    try:
        await session.flush()
    except IntegrityError as conflict:
        raise ShareConflict(device_id) from conflict
    return share
