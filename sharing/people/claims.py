"""Invitations sent to an address (R10) reach their account: when it starts the bot (username,
user id) or proves a phone or an email."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.errors import ShareConflict, ShareToSelf, SharingError
from sharing.people.addresses import proven_addresses
from sharing.shares.checks import (
    check_owner_room,
    check_same_region,
    load_account,
    load_accounts,
    lock_account,
    lock_devices,
)
from sharing.shares.share_queries import load_shares
from sharing.shares.transitions import end
from sharing.views import CancelledInvitation, ClaimedInvitations
from storage.models import SHARE_IS_LIVE, Account, Share, ShareState

_NOTHING = ClaimedInvitations(claimed=(), cancelled=())

# This module's statements are built once, with bind parameters: building a statement and
# computing its cache key on every call took a large share of an update's time (`python -m
# bench`).

_WAITING = (
    col(Share.recipient_id).is_(None),
    SHARE_IS_LIVE,
    col(Share.state) == ShareState.PENDING,
    col(Share.expires_at) > bindparam("now"),
    col(Share.address).in_(bindparam("values", expanding=True)),
    tuple_(col(Share.address_kind), col(Share.address)).in_(bindparam("addresses", expanding=True)),
)
"""Unexpired invitations sent to an address of the account (see `_waiting_params`): found by
`address IN (...)` in uq_share_live_address, which starts with the address, then checked kind
and address together. Without the first test SQLite read every unexpired invitation that waits
for an address, whoever's it was."""
_WAITING_DEVICE_IDS = select(Share.device_id).where(*_WAITING)
_LOCK_WAITING = (
    select(Share)
    .where(*_WAITING, col(Share.device_id).in_(bindparam("device_ids", expanding=True)))
    .order_by(col(Share.created_at), col(Share.id))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_HELD = select(Share.owner_id, Share.device_id).where(
    Share.recipient_id == bindparam("account_id"), SHARE_IS_LIVE
)
"""The account's live shares, as the owners R5 counts and the devices R9 counts: one read."""


async def claim_invitations(
    session: AsyncSession, *, account_id: int, now: datetime
) -> ClaimedInvitations:
    """Address to `account_id` the unexpired invitations sent to an address it has proved.

    Call it after /start, after a phone or an email is proved, and after the region is set.
    Each invitation is checked as if it were made now:
    - the account has no region yet: every invitation keeps waiting, to be claimed once it has;
    - the owner's own address (R9), another region (R3), or a 101st owner (R5): cancelled, and
      returned with the refusal so that the owner can be told; waiting would not help, as
      nothing tells the invitation when the obstacle goes away;
    - the account already has a live share of the device (R9: one per device and recipient):
      that share is kept and the invitation is cancelled with `ShareConflict`.
    R4 needs no check: a waiting invitation already holds its channel slots.
    """
    account = await load_account(session, account_id)
    if account.region is None:
        return _NOTHING
    waiting = _waiting_params(account, now=now)
    device_ids = set(await session.exec(_WAITING_DEVICE_IDS, params=waiting))
    if not device_ids:
        return _NOTHING
    await lock_devices(session, device_ids)
    account = await lock_account(session, account_id)
    shares = list(
        await session.exec(_LOCK_WAITING, params={**waiting, "device_ids": list(device_ids)})
    )
    owners = await load_accounts(session, *{share.owner_id for share in shares})
    held = (await session.exec(_HELD, params={"account_id": account_id})).all()
    owner_ids = {owner_id for owner_id, _ in held}
    held_devices = {device_id for _, device_id in held}
    claimed: list[int] = []
    refusals: dict[int, SharingError] = {}
    for share in shares:
        assert share.id is not None
        try:
            _check_claim(share, account, owners[share.owner_id], owner_ids, held_devices)
        except SharingError as refusal:
            end(share, ShareState.CANCELLED, now=now)
            refusals[share.id] = refusal
            continue
        share.recipient_id = account_id
        share.updated_at = now
        owner_ids.add(share.owner_id)
        held_devices.add(share.device_id)
        claimed.append(share.id)
    await session.flush()
    views = {view.id: view for view in await load_shares(session, [*claimed, *refusals])}
    return ClaimedInvitations(
        claimed=tuple(views[share_id] for share_id in claimed),
        cancelled=tuple(
            CancelledInvitation(views[share_id], refusal) for share_id, refusal in refusals.items()
        ),
    )


def _check_claim(
    share: Share,
    account: Account,
    owner: Account,
    owner_ids: Collection[int],
    held_devices: Collection[int],
) -> None:
    if owner.id == account.id:
        raise ShareToSelf()
    if share.device_id in held_devices:
        raise ShareConflict(share.device_id)
    check_same_region(owner, account)
    check_owner_room(owner_ids, owner.id)


def _waiting_params(account: Account, *, now: datetime) -> dict[str, object]:
    """The parameters of `_WAITING` for the addresses the account has proved (its user id at
    least, so never none)."""
    addresses = [(address.kind, address.value) for address in proven_addresses(account)]
    return {"now": now, "values": [value for _, value in addresses], "addresses": addresses}
