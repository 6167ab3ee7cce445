"""Read-only checks that let the share conversation refuse at the step where a rule applies,
instead of at Finish. `shares.share_device` checks everything again, under locks, when saving."""

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.devices.devices import DeviceView, get_owned_device
from sharing.errors import ShareToSelf
from sharing.people.addresses import find_account_at
from sharing.shares.checks import (
    check_firmware,
    check_owner_room,
    check_regions,
    live_owner_ids,
    load_account,
    require_region,
)
from sharing.shares.share_queries import (
    LIVE_SHARE_TO_ACCOUNT,
    LIVE_SHARE_TO_ADDRESS,
    live_share_params,
    load_share,
    person_view,
)
from sharing.views import Address, PersonView, ShareView
from storage.models import Account, Share


@dataclass(frozen=True)
class RecipientPreview:
    account: PersonView | None
    """The account the share will go to now; None while it waits for someone to prove `address`."""
    address: Address | None
    existing: ShareView | None
    """Their live share of the device, which sharing again edits (R9)."""


async def shareable_device(session: AsyncSession, *, owner_id: int, device_id: int) -> DeviceView:
    """The device, if `owner_id` owns it (R2), has a region (R3) and firmware that supports
    sharing (R6)."""
    device = await get_owned_device(session, owner_id=owner_id, device_id=device_id)
    check_firmware(device)
    require_region(await load_account(session, owner_id))
    return device


async def preview_recipient(
    session: AsyncSession,
    *,
    owner_id: int,
    device_id: int,
    recipient: int | Address,
    owner_region: str | None = None,
) -> RecipientPreview:
    """R9 (not oneself), R3 and R5 for a recipient who has an account; the live share to edit.
    `owner_region`: the owner's, if the caller has just read it (to read a typed phone number);
    otherwise it is read here."""
    if owner_region is None:
        owner_region = require_region(await load_account(session, owner_id))
    found: Account | None = None
    account_id: int | None = None
    address: Address | None = None
    if isinstance(recipient, int):
        account_id = recipient
    else:
        found, address = await find_account_at(session, recipient), recipient
        account_id = None if found is None else found.id
    if account_id is None:
        existing_id = await _live_share_id(session, device_id=device_id, recipient=recipient)
        existing = await load_share(session, existing_id) if existing_id else None
        return RecipientPreview(account=None, address=address, existing=existing)
    if account_id == owner_id:
        raise ShareToSelf()
    account = found or await load_account(session, account_id)
    if account.region is not None:
        check_regions(owner_region, account.region)
    existing_id = await _live_share_id(session, device_id=device_id, recipient=account_id)
    if existing_id is None:
        check_owner_room(await live_owner_ids(session, account_id), owner_id)
    existing = await load_share(session, existing_id) if existing_id else None
    return RecipientPreview(account=person_view(account), address=address, existing=existing)


# Built once, with bind parameters: building a statement and computing its cache key on every
# call took a large share of an update's time (`python -m bench`).
_LIVE_SHARE_ID_TO_ACCOUNT = select(Share.id).where(*LIVE_SHARE_TO_ACCOUNT)
_LIVE_SHARE_ID_TO_ADDRESS = select(Share.id).where(*LIVE_SHARE_TO_ADDRESS)


async def _live_share_id(
    session: AsyncSession, *, device_id: int, recipient: int | Address
) -> int | None:
    """The id of the device's live share to the account `recipient`, or to the address (held by
    no account yet)."""
    to_address = isinstance(recipient, Address)
    statement = _LIVE_SHARE_ID_TO_ADDRESS if to_address else _LIVE_SHARE_ID_TO_ACCOUNT
    params = live_share_params(device_id, recipient)
    return (await session.exec(statement, params=params)).first()
