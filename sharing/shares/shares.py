"""Every state change of a share, from invitation to its end.

Each function runs inside the caller's write session (`async with database.write()`), may flush
but never commits, takes `now` from the caller and raises `sharing.errors`. A share that the
acting account is not party to is `ShareNotFound`, never a hint that it exists.

    pending --accept (recipient)--> active --revoke (owner)--> revoked
       |                                  +--remove (recipient)--> removed
       +--decline (recipient)--> declined
       +--cancel (owner)--> cancelled
       +--sweep, past expires_at--> expired
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from operator import itemgetter

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.devices.devices import parse_name
from sharing.errors import (
    InvitationExpired,
    NotDeviceOwner,
    ShareNotActive,
    ShareNotFound,
    ShareNotPending,
)
from sharing.people.addresses import lock_account_at
from sharing.shares.checks import (
    check_same_region,
    load_accounts,
    lock_account,
    lock_device_with_owner,
    require_owner,
)
from sharing.shares.expiry import DEFAULT_BATCH, SweepNames, claim_expired
from sharing.shares.saving import save_share
from sharing.shares.share_queries import address_of, grants_of, load_share, message_ref, share_view
from sharing.shares.transitions import activate, end
from sharing.views import Address, ExpiredInvitation, MessageRef, ShareChange, ShareView
from storage.models import Account, Device, Permission, Share, ShareState, table_of


async def share_device(
    session: AsyncSession,
    *,
    owner_id: int,
    device_id: int,
    recipient: int | Address,
    grants: Mapping[int, Permission],
    ttl: timedelta,
    now: datetime,
) -> ShareChange:
    """Invite `recipient` (an account id, or an address) to `grants` of the device, or edit the
    share they already have of it (R9). An address that an account has proved is that account.

    `grants` maps channel numbers to permissions. An edited invitation is open `ttl` from now
    again; an edited active share stays active.
    """
    device, owner = await lock_device_with_owner(session, device_id)
    require_owner(device, owner_id)
    return await save_share(
        session,
        device=device,
        owner=owner,
        recipient=await _lock_recipient(session, recipient),
        grants=grants,
        now=now,
        pending_for=ttl,
    )


async def _lock_recipient(session: AsyncSession, recipient: int | Address) -> Account | Address:
    """The account named by id or that proved the address, locked; else the address itself."""
    if isinstance(recipient, int):
        return await lock_account(session, recipient)
    account = await lock_account_at(session, recipient)
    return recipient if account is None else account


async def accept_invitation(
    session: AsyncSession, *, share_id: int, version: int, recipient_id: int, now: datetime
) -> ShareView:
    """The recipient taps Accept on the prompt for `version`. R3 is checked again: either side
    may have changed region, or the recipient had none when invited."""
    row = (await session.exec(_LOCK_SHARE_WITH_DEVICE, params={"share_id": share_id})).first()
    if row is None:
        raise ShareNotFound(share_id)
    share, device = row
    _require_recipient(share, recipient_id)
    _require_open_invitation(share, now=now, version=version)
    accounts = await load_accounts(session, share.owner_id, recipient_id)
    check_same_region(accounts[share.owner_id], accounts[recipient_id])
    activate(share, now=now)
    await session.flush()
    # Made from the rows this transaction holds, as Finish's is: reading it back cost a statement.
    return share_view(
        share,
        device=device,
        owner=accounts[share.owner_id],
        recipient=accounts[recipient_id],
        grants=await grants_of(session, share_id=_id(share), device_id=share.device_id),
    )


async def decline_invitation(
    session: AsyncSession, *, share_id: int, version: int, recipient_id: int, now: datetime
) -> ShareView:
    share = await _locked_share(session, share_id)
    _require_recipient(share, recipient_id)
    _require_open_invitation(share, now=now, version=version)
    return await _end(session, share, ShareState.DECLINED, now=now)


async def cancel_invitation(
    session: AsyncSession, *, share_id: int, owner_id: int, now: datetime
) -> ShareView:
    """The owner withdraws a pending invitation, whatever its version (the owner's list always
    shows the latest)."""
    share = await _locked_share(session, share_id)
    _require_owner(share, owner_id)
    _require_open_invitation(share, now=now, version=share.version)
    return await _end(session, share, ShareState.CANCELLED, now=now)


async def revoke_share(
    session: AsyncSession, *, share_id: int, owner_id: int, now: datetime
) -> ShareView:
    """The owner deletes an active share; the recipient must be told (R12)."""
    share = await _locked_share(session, share_id)
    _require_owner(share, owner_id)
    _require_active(share)
    return await _end(session, share, ShareState.REVOKED, now=now)


async def remove_share(
    session: AsyncSession, *, share_id: int, recipient_id: int, now: datetime
) -> ShareView:
    """The recipient deletes a device shared with them; the owner must be told (R12)."""
    share = await _locked_share(session, share_id)
    _require_recipient(share, recipient_id)
    _require_active(share)
    return await _end(session, share, ShareState.REMOVED, now=now)


async def rename_share(
    session: AsyncSession, *, share_id: int, recipient_id: int, alias: str | None, now: datetime
) -> ShareView:
    """The recipient's own name for an active share; blank or None goes back to the device's."""
    share = await _locked_share(session, share_id)
    _require_recipient(share, recipient_id)
    _require_active(share)
    share.alias = parse_name(alias) if alias and alias.strip() else None
    share.updated_at = now
    return await _saved(session, share)


async def set_share_prompt(
    session: AsyncSession, *, share_id: int, prompt: MessageRef | None
) -> None:
    """Remember where the recipient's Accept/Decline prompt is (read back as `ShareView.prompt`),
    so that an expiry or an edit can change it later. One UPDATE: it takes the row's lock
    itself, and nothing here depends on what the row holds."""
    params = {
        "share_id": share_id,
        "chat_id": prompt.chat_id if prompt else None,
        "message_id": prompt.message_id if prompt else None,
    }
    if (await session.exec(_SET_PROMPT, params=params)).rowcount == 0:
        raise ShareNotFound(share_id)


_SHARES_TABLE = table_of(Share)
_SET_PROMPT = (
    update(_SHARES_TABLE)
    .where(_SHARES_TABLE.c.id == bindparam("share_id"))
    .values(prompt_chat_id=bindparam("chat_id"), prompt_message_id=bindparam("message_id"))
)
"""Built once, with bind parameters, on SQLAlchemy Core: it runs for every invitation sent."""


async def expire_due_invitations(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int = DEFAULT_BATCH,
    names: SweepNames | None = None,
) -> tuple[ExpiredInvitation, ...]:
    """Expire at most `limit` invitations that ran out and return them by id, each to one caller
    only, to announce once committed (R11). A full batch means there may be more: call again,
    with the same `names` for every batch of one sweep.

    At most three statements: the UPDATE returns the columns the announcements need, then one
    query reads the devices and one the people that `names` has not met yet."""
    names = SweepNames() if names is None else names
    rows = await claim_expired(
        session,
        Share,
        pending=ShareState.PENDING,
        expired=ShareState.EXPIRED,
        now=now,
        limit=limit,
        values={"updated_at": now, "ended_at": now},
        returning=_EXPIRED_COLUMNS,
    )
    rows = sorted(rows, key=itemgetter(0))  # by id; unpacked below, cheaper than row.<name>
    devices = await names.devices(session, {row[1] for row in rows})
    people = await names.people(
        session, {row[2] for row in rows} | {row[3] for row in rows if row[3] is not None}
    )
    return tuple(
        ExpiredInvitation(
            id=share_id,
            device=devices[device_id],
            owner=people[owner_id],
            recipient=None if recipient_id is None else people[recipient_id],
            address=address_of(kind, address),
            expires_at=expires_at,
            prompt=message_ref(chat_id, message_id),
            device_linked=device_linked,
        )
        for (
            share_id,
            device_id,
            owner_id,
            recipient_id,
            kind,
            address,
            expires_at,
            chat_id,
            message_id,
            device_linked,
        ) in rows
    )


_EXPIRED_COLUMNS = (
    "id",
    "device_id",
    "owner_id",
    "recipient_id",
    "address_kind",
    "address",
    "expires_at",
    "prompt_chat_id",
    "prompt_message_id",
)
"""What `ExpiredInvitation` is made of, in the order `expire_due_invitations` unpacks them."""


_LOCK_SHARE = (
    select(Share)
    .where(Share.id == bindparam("share_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
"""`session.get` builds its statement on every call; every answer and edit of a share runs this."""
_LOCK_SHARE_WITH_DEVICE = (
    select(Share, Device)
    .join(Device, col(Device.id) == Share.device_id)
    .where(Share.id == bindparam("share_id"))
    .with_for_update(of=Share)
    .execution_options(populate_existing=True)
)
"""The share, locked, with its device (not locked): what Accept's view needs of the device."""


async def _locked_share(session: AsyncSession, share_id: int) -> Share:
    share = (await session.exec(_LOCK_SHARE, params={"share_id": share_id})).one_or_none()
    if share is None:
        raise ShareNotFound(share_id)
    return share


def _require_recipient(share: Share, account_id: int) -> None:
    if share.recipient_id != account_id:
        raise ShareNotFound(_id(share))


def _require_owner(share: Share, account_id: int) -> None:
    """R2; the recipient may know the share exists, anyone else may not."""
    if share.owner_id == account_id:
        return
    if share.recipient_id == account_id:
        raise NotDeviceOwner(share.device_id)
    raise ShareNotFound(_id(share))


def _require_open_invitation(share: Share, *, now: datetime, version: int) -> None:
    """Pending, not past `expires_at` (the sweep may not have run yet) and not edited since."""
    expires_at = share.expires_at
    if expires_at is not None and (
        share.state == ShareState.EXPIRED
        or (share.state == ShareState.PENDING and expires_at <= now)
    ):
        raise InvitationExpired(expires_at)
    if share.state != ShareState.PENDING:
        raise ShareNotPending(_id(share), share.state)
    if share.version != version:
        raise ShareNotPending(_id(share), "edited")


def _require_active(share: Share) -> None:
    if share.state != ShareState.ACTIVE:
        raise ShareNotActive(_id(share), share.state)


async def _end(
    session: AsyncSession, share: Share, state: ShareState, *, now: datetime
) -> ShareView:
    end(share, state, now=now)
    return await _saved(session, share)


async def _saved(session: AsyncSession, share: Share) -> ShareView:
    await session.flush()
    return await load_share(session, _id(share))


def _id(share: Share) -> int:
    assert share.id is not None, "a stored share has an id"
    return share.id
