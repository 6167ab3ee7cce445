"""Reading shares: one query for the shares with their device and both accounts, one for all
their grants, whatever the number of shares (no query per share). A share read alone is a
`ShareView`, channel by channel; a list's shares are `ListedShare`s, whose grants are counted
in the database rather than read one by one.

The statements are built once, at import, with bind parameters, and read columns rather than ORM
objects: building a statement and its cache key on every call cost more than running it, and
turning rows into four ORM objects each before making the view cost twice what the view does
(`python -m bench`). Reading columns also means a view always shows the database as it is,
whatever the session's identity map holds (the sweep's bulk UPDATEs bypass it)."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, bindparam, case, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from sharing.errors import ShareNotActive, ShareNotFound
from sharing.paging import TOTAL, Page, page_total
from sharing.views import (
    Address,
    DeviceRef,
    GrantView,
    ListedShare,
    MessageRef,
    PersonView,
    ReceivedCounts,
    SharedDevice,
    ShareView,
)
from storage.models import (
    ALL_PERMISSIONS,
    SHARE_IS_LIVE,
    Account,
    AddressKind,
    Channel,
    Device,
    Grant,
    Permission,
    Share,
    ShareState,
)

_Owner = aliased(Account, name="owner")
_Recipient = aliased(Account, name="recipient")


def person_view(account: Account) -> PersonView:
    return PersonView(
        id=account.id,
        first_name=account.first_name,
        last_name=account.last_name,
        username=account.username,
    )


def device_ref(device: Device) -> DeviceRef:
    assert device.id is not None
    return DeviceRef(id=device.id, name=device.name, type=device.type)


def address_of(kind: AddressKind | None, value: str | None) -> Address | None:
    """A share's address columns as an `Address`: None while both are unset."""
    return None if kind is None or value is None else Address(kind, value)


def message_ref(chat_id: int | None, message_id: int | None) -> MessageRef | None:
    if chat_id is None or message_id is None:
        return None
    return MessageRef(chat_id=chat_id, message_id=message_id)


_LIVE_SHARE_OF_DEVICE = (col(Share.device_id) == bindparam("device_id"), SHARE_IS_LIVE)
LIVE_SHARE_TO_ACCOUNT = (
    *_LIVE_SHARE_OF_DEVICE,
    col(Share.recipient_id) == bindparam("recipient_id"),
)
LIVE_SHARE_TO_ADDRESS = (
    *_LIVE_SHARE_OF_DEVICE,
    col(Share.recipient_id).is_(None),
    col(Share.address_kind) == bindparam("address_kind"),
    col(Share.address) == bindparam("address"),
)
"""The conditions of a device's live share to an account, or to an address no account holds
(there is one at most: uq_share_live_recipient, uq_share_live_address), with their parameters
from `live_share_params`."""


def live_share_params(device_id: int, recipient: int | Address) -> dict[str, object]:
    if isinstance(recipient, Address):
        return {"device_id": device_id, "address_kind": recipient.kind, "address": recipient.value}
    return {"device_id": device_id, "recipient_id": recipient}


def share_view(
    share: Share,
    *,
    device: Device,
    owner: Account,
    recipient: Account | None,
    grants: tuple[GrantView, ...],
) -> ShareView:
    """The view of a share made from the rows a write transaction already holds: what
    `load_share` would read back, without reading. `recipient` is the share's account, None
    while the invitation waits for its address; `grants` are by channel number."""
    assert share.id is not None
    assert share.recipient_id == (None if recipient is None else recipient.id)
    fields = _base_fields(
        share,
        device=device_ref(device),
        owner=person_view(owner),
        recipient=None if recipient is None else person_view(recipient),
    )
    return ShareView(**fields, grants=grants)


async def load_shares(session: AsyncSession, share_ids: Collection[int]) -> tuple[ShareView, ...]:
    """The shares, by id. Reads the database afresh: flush first."""
    if not share_ids:
        return ()
    return await _views(session, _SHARES_BY_ID, {"share_ids": list(share_ids)})


async def load_share(session: AsyncSession, share_id: int) -> ShareView:
    views = await load_shares(session, [share_id])
    if not views:
        raise ShareNotFound(share_id)
    return views[0]


async def get_share(session: AsyncSession, *, share_id: int, account_id: int) -> ShareView:
    """A share seen by its owner or its recipient; to anyone else it does not exist. This is
    also how a handler reads back where the recipient's prompt is (`ShareView.prompt`)."""
    share = await load_share(session, share_id)
    recipient_id = share.recipient.id if share.recipient else None
    if account_id not in (share.owner.id, recipient_id):
        raise ShareNotFound(share_id)
    return share


async def get_owned_share(session: AsyncSession, *, share_id: int, owner_id: int) -> ShareView:
    """A share as its owner manages it in `/shared`. To anyone else, its recipient included,
    it does not exist: a forged id reveals nothing."""
    share = await load_share(session, share_id)
    if share.owner.id != owner_id:
        raise ShareNotFound(share_id)
    return share


async def get_received_share(
    session: AsyncSession, *, share_id: int, recipient_id: int
) -> ShareView:
    """A device shared with me and accepted, as `/received` shows it. Not mine: ShareNotFound;
    mine but ended (the owner deleted it, or I did): ShareNotActive."""
    share = await load_share(session, share_id)
    if share.recipient is None or share.recipient.id != recipient_id:
        raise ShareNotFound(share_id)
    if share.state != ShareState.ACTIVE:
        raise ShareNotActive(share_id, share.state)
    return share


async def list_invitations(
    session: AsyncSession, *, recipient_id: int, now: datetime, offset: int, limit: int
) -> Page[ListedShare]:
    """Invitations waiting for the recipient's answer, oldest first."""
    return await _page(
        session, _INVITATIONS, {"recipient_id": recipient_id, "now": now}, offset, limit
    )


async def list_owned_shares(
    session: AsyncSession, *, owner_id: int, device_id: int | None, offset: int, limit: int
) -> Page[ListedShare]:
    """My pending and active shares, of one device or of all, by device name then age.

    A pending invitation past its `expires_at` stays listed (and keeps its slots) until the sweep
    expires it, a minute at most."""
    if device_id is None:
        return await _page(session, _OWNED, {"owner_id": owner_id}, offset, limit)
    return await _page(
        session, _OWNED_OF_DEVICE, {"owner_id": owner_id, "device_id": device_id}, offset, limit
    )


async def list_received_shares(
    session: AsyncSession, *, recipient_id: int, offset: int, limit: int
) -> Page[ListedShare]:
    """Devices shared with me and accepted, by the name I see (my alias, else the device's)."""
    return await _page(session, _RECEIVED, {"recipient_id": recipient_id}, offset, limit)


@dataclass(frozen=True)
class ReceivedPage:
    """One page of `/received`: the invitations waiting for me come first, then the devices
    shared with me, as if they were one list."""

    invitations: tuple[ListedShare, ...]
    devices: tuple[ListedShare, ...]
    invitation_total: int
    device_total: int
    offset: int
    limit: int

    @property
    def total(self) -> int:
        return self.invitation_total + self.device_total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


async def list_received_page(
    session: AsyncSession, *, recipient_id: int, now: datetime, offset: int, limit: int
) -> ReceivedPage:
    """Invitations (oldest first) then received devices (by my names), `limit` items from
    `offset` of the two taken as one list. Three queries; four on a page past the invitations,
    whose count no row of the page carries (see `page_total`)."""
    invitations = await list_invitations(
        session, recipient_id=recipient_id, now=now, offset=offset, limit=limit
    )
    devices = await list_received_shares(
        session,
        recipient_id=recipient_id,
        offset=max(offset - invitations.total, 0),
        limit=limit - len(invitations.items),
    )
    return ReceivedPage(
        invitations=invitations.items,
        devices=devices.items,
        invitation_total=invitations.total,
        device_total=devices.total,
        offset=offset,
        limit=limit,
    )


async def list_shared_devices(
    session: AsyncSession, *, owner_id: int, offset: int, limit: int
) -> Page[SharedDevice]:
    """My devices that someone has or was invited to (pending and active shares), by name, with
    both counts: one query, whatever the page size."""
    rows = (
        await session.exec(
            _SHARED_DEVICES, params={"owner_id": owner_id, "offset": offset, "limit": limit}
        )
    ).all()
    items = tuple(
        SharedDevice(
            device=DeviceRef(id=device_id, name=name, type=device_type),
            active=active,
            pending=pending,
        )
        for device_id, name, device_type, active, pending, _ in rows
    )
    total = await page_total(
        session, rows, _SHARED_DEVICE_COUNT, {"owner_id": owner_id}, offset=offset, limit=limit
    )
    return Page(items=items, total=total, offset=offset, limit=limit)


def _shared_devices_statements() -> tuple[Select[*tuple[Any, ...]], SelectOfScalar[int]]:
    """A page of the owner's devices with live shares, with the counts and (`TOTAL`) how many
    there are; and that count alone."""
    counts = (
        select(
            Share.device_id,
            func.sum(case((col(Share.state) == ShareState.ACTIVE, 1), else_=0)).label("active"),
            func.sum(case((col(Share.state) == ShareState.PENDING, 1), else_=0)).label("pending"),
        )
        .where(Share.owner_id == bindparam("owner_id"), SHARE_IS_LIVE)
        .group_by(col(Share.device_id))
        .subquery()
    )
    page: Select[*tuple[Any, ...]] = (
        Select(
            col(Device.id),
            col(Device.name),
            col(Device.type),
            counts.c.active,
            counts.c.pending,
            TOTAL,
        )
        .join(counts, counts.c.device_id == Device.id)
        .order_by(col(Device.name), col(Device.id))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return page, select(func.count()).select_from(counts)


_SHARED_DEVICES, _SHARED_DEVICE_COUNT = _shared_devices_statements()


async def count_received(
    session: AsyncSession, *, recipient_id: int, now: datetime
) -> ReceivedCounts:
    """Invitations waiting for my answer (as `list_invitations` counts them) and devices shared
    with me (as `list_received_shares` counts them), in one query."""
    invitations, devices = (
        await session.exec(_RECEIVED_COUNTS, params={"recipient_id": recipient_id, "now": now})
    ).one()
    return ReceivedCounts(invitations=invitations, devices=devices)


def _received_counts_statement() -> Select[int, int]:
    waiting = and_(col(Share.state) == ShareState.PENDING, col(Share.expires_at) > bindparam("now"))
    return select(
        func.coalesce(func.sum(case((waiting, 1), else_=0)), 0),
        func.coalesce(func.sum(case((col(Share.state) == ShareState.ACTIVE, 1), else_=0)), 0),
    ).where(Share.recipient_id == bindparam("recipient_id"), SHARE_IS_LIVE)


_RECEIVED_COUNTS = _received_counts_statement()


_SHARE_COLUMNS: tuple[Any, ...] = (
    col(Share.id),
    col(Share.version),
    col(Share.state),
    col(Share.address_kind),
    col(Share.address),
    col(Share.alias),
    col(Share.created_at),
    col(Share.expires_at),
    col(Share.accepted_at),
    col(Share.ended_at),
    col(Share.prompt_chat_id),
    col(Share.prompt_message_id),
    col(Device.id).label("device_id"),
    col(Device.name).label("device_name"),
    col(Device.type).label("device_type"),
    col(_Owner.id).label("owner_id"),
    col(_Owner.first_name).label("owner_first_name"),
    col(_Owner.last_name).label("owner_last_name"),
    col(_Owner.username).label("owner_username"),
    col(_Recipient.id).label("recipient_id"),
    col(_Recipient.first_name).label("recipient_first_name"),
    col(_Recipient.last_name).label("recipient_last_name"),
    col(_Recipient.username).label("recipient_username"),
)
"""What a share's views are made of, but its grants; `_share_fields` reads the rows by these
names."""


def _share_rows(*more_columns: Any) -> Select[*tuple[Any, ...]]:
    return (
        Select(*_SHARE_COLUMNS, *more_columns)
        .select_from(Share)
        .join(Device, col(Device.id) == Share.device_id)
        .join(_Owner, col(_Owner.id) == Share.owner_id)
        .outerjoin(_Recipient, col(_Recipient.id) == Share.recipient_id)
    )


@dataclass(frozen=True)
class _PageQuery:
    """A list of shares: a page of them (bind parameters `offset` and `limit` besides the
    conditions' own), each row with how many there are in all (`TOTAL`); and that count alone,
    for a page that has no rows to carry it (see `page_total`)."""

    rows: Select[*tuple[Any, ...]]
    total: SelectOfScalar[int]

    @classmethod
    def of(
        cls, *conditions: ColumnElement[bool] | TextClause, order_by: Sequence[Any]
    ) -> "_PageQuery":
        return cls(
            rows=_share_rows(TOTAL)
            .where(*conditions)
            .order_by(*order_by)
            .offset(bindparam("offset"))
            .limit(bindparam("limit")),
            total=select(func.count()).select_from(Share).where(*conditions),
        )


_SHARES_BY_ID = (
    _share_rows()
    .where(col(Share.id).in_(bindparam("share_ids", expanding=True)))
    .order_by(col(Share.id))
)
_INVITATIONS = _PageQuery.of(
    col(Share.recipient_id) == bindparam("recipient_id"),
    SHARE_IS_LIVE,
    col(Share.state) == ShareState.PENDING,
    col(Share.expires_at) > bindparam("now"),
    order_by=(col(Share.created_at), col(Share.id)),
)
_OWNED_ORDER = (col(Device.name), col(Device.id), col(Share.created_at), col(Share.id))
_OWNED = _PageQuery.of(
    col(Share.owner_id) == bindparam("owner_id"),
    SHARE_IS_LIVE,
    order_by=_OWNED_ORDER,
)
_OWNED_OF_DEVICE = _PageQuery.of(
    col(Share.owner_id) == bindparam("owner_id"),
    SHARE_IS_LIVE,
    col(Share.device_id) == bindparam("device_id"),
    order_by=_OWNED_ORDER,
)
_RECEIVED = _PageQuery.of(
    col(Share.recipient_id) == bindparam("recipient_id"),
    SHARE_IS_LIVE,
    col(Share.state) == ShareState.ACTIVE,
    order_by=(func.coalesce(Share.alias, Device.name), col(Share.id)),
)
_GRANTS = (
    select(Grant.share_id, Channel.number, Channel.name, Grant.permissions)
    .join(Channel, col(Channel.id) == Grant.channel_id)
    .where(
        col(Grant.share_id).in_(bindparam("share_ids", expanding=True)),
        col(Channel.device_id).in_(bindparam("device_ids", expanding=True)),
    )
    .order_by(col(Grant.share_id), col(Channel.number))
)
"""The shares' grants. The shares' devices change no result: they let PostgreSQL read the
channels by device instead of hashing the whole channel table, which it chose for a page of 8
shares of a 128-channel NVR (17 ms of 18, `python -m bench`)."""
_GRANT_SUMMARIES = (
    select(Grant.share_id, Grant.permissions, func.count())
    .where(col(Grant.share_id).in_(bindparam("share_ids", expanding=True)))
    .group_by(col(Grant.share_id), col(Grant.permissions))
)
"""For each share, how many of its channels have each set of permissions."""


async def _page(
    session: AsyncSession, query: _PageQuery, params: dict[str, Any], offset: int, limit: int
) -> Page[ListedShare]:
    rows = (
        await session.exec(query.rows, params={**params, "offset": offset, "limit": limit})
    ).all()
    items = await _listed(session, rows)
    total = await page_total(session, rows, query.total, params, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


async def _views(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], params: dict[str, Any]
) -> tuple[ShareView, ...]:
    rows: Sequence[Any] = (await session.exec(statement, params=params)).all()  # of columns
    grants = await _grants(session, [row.id for row in rows], {row.device_id for row in rows})
    return tuple(ShareView(**_share_fields(row), grants=grants.get(row.id, ())) for row in rows)


async def _listed(session: AsyncSession, rows: Sequence[Any]) -> tuple[ListedShare, ...]:
    """`rows` of `_SHARE_COLUMNS` as list lines: one more query, for all their grant counts."""
    if not rows:
        return ()
    counts: defaultdict[int, int] = defaultdict(int)
    permission_sets: defaultdict[int, set[Permission]] = defaultdict(set)
    summaries = await session.exec(_GRANT_SUMMARIES, params={"share_ids": [row.id for row in rows]})
    for share_id, permissions, channels in summaries:
        counts[share_id] += channels
        permission_sets[share_id].add(_permission(permissions))
    return tuple(
        ListedShare(
            **_share_fields(row),
            channel_count=counts[row.id],
            permission_sets=frozenset(permission_sets[row.id]),
        )
        for row in rows
    )


async def grants_of(
    session: AsyncSession, *, share_id: int, device_id: int
) -> tuple[GrantView, ...]:
    """One share's grants, by channel number."""
    return (await _grants(session, [share_id], [device_id])).get(share_id, ())


async def _grants(
    session: AsyncSession, share_ids: Collection[int], device_ids: Collection[int]
) -> dict[int, tuple[GrantView, ...]]:
    if not share_ids:  # an empty page (no invitations waiting, say) needs no round trip
        return {}
    params = {"share_ids": list(share_ids), "device_ids": list(device_ids)}
    grants: defaultdict[int, list[GrantView]] = defaultdict(list)
    for share_id, number, name, permissions in await session.exec(_GRANTS, params=params):
        grants[share_id].append(GrantView(number, name, _permission(permissions)))
    return {share_id: tuple(views) for share_id, views in grants.items()}


_PERMISSIONS = {int(flags): flags for flags in map(Permission, range(int(ALL_PERMISSIONS) + 1))}
"""Every bitmask, made once: a page of 8 shares of a 128-channel NVR has 1,024 grants, and
building an IntFlag per grant was a tenth of that page's time."""


def _permission(bits: int) -> Permission:
    return _PERMISSIONS.get(bits) or Permission(bits)


def _share_fields(row: Any) -> dict[str, Any]:
    """The `ShareBase` fields of a row of `_SHARE_COLUMNS`."""
    recipient = (
        PersonView(
            id=row.recipient_id,
            first_name=row.recipient_first_name,
            last_name=row.recipient_last_name,
            username=row.recipient_username,
        )
        if row.recipient_id is not None
        else None
    )
    owner = PersonView(
        id=row.owner_id,
        first_name=row.owner_first_name,
        last_name=row.owner_last_name,
        username=row.owner_username,
    )
    device = DeviceRef(id=row.device_id, name=row.device_name, type=row.device_type)
    return _base_fields(row, device=device, owner=owner, recipient=recipient)


def _base_fields(
    share: Any, *, device: DeviceRef, owner: PersonView, recipient: PersonView | None
) -> dict[str, Any]:
    """The `ShareBase` fields: the share's own from `share`, a `Share` row or a row of
    `_SHARE_COLUMNS` (their names are the same), and the people and device as given."""
    return dict(
        id=share.id,
        version=share.version,
        state=share.state,
        device=device,
        owner=owner,
        recipient=recipient,
        address=address_of(share.address_kind, share.address),
        alias=share.alias,
        created_at=share.created_at,
        expires_at=share.expires_at,
        accepted_at=share.accepted_at,
        ended_at=share.ended_at,
        prompt=message_ref(share.prompt_chat_id, share.prompt_message_id),
    )


_RECEIVED_SERIALS = (
    select(col(Share.device_id), Device.serial)
    .join(Share, col(Share.device_id) == Device.id)
    .where(
        Share.recipient_id == bindparam("recipient_id"),
        SHARE_IS_LIVE,  # in these words, for the partial index of live shares
        Share.state == ShareState.ACTIVE,
    )
)


async def received_serials(session: AsyncSession, *, recipient_id: int) -> dict[int, str]:
    """The serial of each device shared with me and accepted, by device id: the web portal's
    Others' Shared Devices table shows it, as the seed's does (R14 keeps how a device is
    reached from recipients, not which device it is)."""
    rows = await session.exec(_RECEIVED_SERIALS, params={"recipient_id": recipient_id})
    return {device_id: serial for device_id, serial in rows.all()}
