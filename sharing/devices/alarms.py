"""Alarms (R13): an event on a channel reaches those who hold Alarm on it at that moment (the
owner always), unless they muted the device; one notice per person and channel per burst.

A burst is the events of a channel that come within the cooldown of each other: the first makes
a notice to send, the next ones fold into it (a count and the last time), and a job edits the
sent notices whose count moved on, once a run each however many events came. So a device that
floods costs each holder one message and a few edits, never a queue without end.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from languages import SOURCE_LANGUAGE
from storage.models import (
    ALL_PERMISSIONS,
    Account,
    AlarmMute,
    AlarmNotice,
    Channel,
    Device,
    DeviceGroupLink,
    Grant,
    Permission,
    Share,
    ShareState,
)

KINDS_MAX = 128
EDIT_INTERVAL = timedelta(seconds=30)
"""A notice is edited at most this often, and a person has one notice edited per run: a flood
of events on every channel costs each person a few edits a minute, within Telegram's limits."""


@dataclass(frozen=True)
class Reader:
    language: str
    time_zone: str


ANYONE = Reader(SOURCE_LANGUAGE, "UTC")
"""Who reads a notice whose account is gone meanwhile: it fails to send, in English."""


@dataclass(frozen=True)
class AlarmNoticeView:
    """What an alarm message says, to whom, and where it is once sent."""

    id: int
    account_id: int
    device_id: int
    device_name: str
    """As the person knows it: the recipient's own name for it, or the owner's."""
    channel_number: int
    channel_name: str
    kinds: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    count: int
    live_view: bool
    """Whether the person also holds Live View on the channel: a snapshot goes with it."""
    chat_id: int | None
    message_id: int | None
    reader: Reader
    """The person's language and time zone: the notice is written in them."""


@dataclass(frozen=True)
class _Holder:
    account_id: int
    permissions: Permission
    device_name: str
    channel_name: str


@dataclass(frozen=True)
class RecordedEvent:
    to_send: list[AlarmNoticeView]
    """The notices this event starts: their holders' first word of a burst."""
    channel_known: bool
    """The device has this channel: an event on another (an alarm input's number, say) has
    no holders, and no group hears of it."""


class Bursts:
    """When each channel's last event came, whoever holds it (its holders may all have muted
    it): a group hears of a burst once, at its first event. Kept in memory: after a restart
    a burst under way may be told once more, never less."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int], datetime] = {}

    def starts(self, device_id: int, channel: int, now: datetime, cooldown: timedelta) -> bool:
        last = self._last.get((device_id, channel))
        self._last[(device_id, channel)] = now
        return last is None or now - last > cooldown


async def record_event(
    session: AsyncSession,
    *,
    device_id: int,
    channel: int,
    kind: str,
    now: datetime,
    cooldown: timedelta,
) -> RecordedEvent:
    """Fold an event into each holder's notice; return the notices that start a burst, to be
    sent now. The caller's write transaction; the holders are read as they are now."""
    holders = await _holders(session, device_id=device_id, channel=channel, now=now)
    existing = {
        notice.account_id: notice
        for notice in await session.exec(
            select(AlarmNotice).where(
                AlarmNotice.device_id == device_id, AlarmNotice.channel_number == channel
            )
        )
    }
    starting = []
    for holder in holders:
        notice = existing.get(holder.account_id)
        if notice is not None and now - notice.last_at <= cooldown:
            notice.count += 1
            notice.last_at = now
            if kind not in notice.kinds.split(",") and len(notice.kinds) < KINDS_MAX:
                notice.kinds = f"{notice.kinds},{kind}"[:KINDS_MAX]
            continue
        if notice is None:
            notice = AlarmNotice(
                account_id=holder.account_id,
                device_id=device_id,
                channel_number=channel,
                kinds=kind[:KINDS_MAX],
                first_at=now,
                last_at=now,
                device_name=holder.device_name[:64],
            )
            session.add(notice)
        notice.kinds, notice.first_at, notice.last_at = kind[:KINDS_MAX], now, now
        notice.device_name = holder.device_name[:64]
        notice.count, notice.shown_count = 1, 0
        notice.chat_id = notice.message_id = None
        notice.with_live_view = Permission.LIVE_VIEW in holder.permissions
        starting.append((notice, holder))
    await session.flush()
    readers = await _readers(session, [holder.account_id for __, holder in starting])
    return RecordedEvent(
        [
            _view(notice, holder, readers.get(holder.account_id, ANYONE))
            for notice, holder in starting
        ],
        channel_known=bool(holders)
        or await _has_channel(session, device_id=device_id, channel=channel),
    )


async def notice_sent(
    session: AsyncSession,
    *,
    notice_id: int,
    chat_id: int,
    message_id: int,
    shown_count: int,
    with_photo: bool,
    now: datetime,
) -> None:
    """Where the notice went; `with_photo` says whether it is a photo (its caption is edited)
    or a text (a snapshot that could not be had)."""
    notice = await session.get(AlarmNotice, notice_id)
    if notice is not None:
        notice.chat_id, notice.message_id, notice.shown_count = chat_id, message_id, shown_count
        notice.shown_at, notice.with_live_view = now, with_photo


async def notices_to_edit(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[AlarmNoticeView]:
    """Sent notices whose count moved on since they were drawn and not drawn for
    `EDIT_INTERVAL`, one a person (the one waiting longest)."""
    rows = await session.exec(
        select(AlarmNotice, Channel.name, Account.language, Account.time_zone)
        .join(
            Channel,
            and_(
                col(Channel.device_id) == AlarmNotice.device_id,
                col(Channel.number) == AlarmNotice.channel_number,
            ),
        )
        .join(Account, col(Account.id) == AlarmNotice.account_id)
        .where(
            col(AlarmNotice.message_id).is_not(None),
            col(AlarmNotice.count) != col(AlarmNotice.shown_count),
            col(AlarmNotice.shown_at) <= now - EDIT_INTERVAL,
        )
        .order_by(col(AlarmNotice.shown_at))
        .limit(limit)
    )
    one_each: dict[int, AlarmNoticeView] = {}
    for notice, channel_name, language, time_zone in rows:
        holder = _Holder(notice.account_id, Permission(0), notice.device_name, channel_name)
        one_each.setdefault(notice.account_id, _view(notice, holder, Reader(language, time_zone)))
    return list(one_each.values())


async def notice_edited(
    session: AsyncSession, *, notice_id: int, shown_count: int, now: datetime
) -> None:
    notice = await session.get(AlarmNotice, notice_id)
    if notice is not None:
        notice.shown_count, notice.shown_at = shown_count, now


async def groups_hearing(session: AsyncSession, *, device_id: int, every_alarm: bool) -> list[int]:
    """The groups the device is linked to; for an alarm other than video loss, only those the
    owner turned alarms on for."""
    query = select(DeviceGroupLink.group_id).where(DeviceGroupLink.device_id == device_id)
    if every_alarm:
        query = query.where(col(DeviceGroupLink.hears_alarms))
    return list(await session.exec(query))


async def mute(
    session: AsyncSession, *, account_id: int, device_id: int, until: datetime | None
) -> None:
    """Mute the device's alarms for this person, until `until` or until they unmute (None)."""
    existing = await session.get(AlarmMute, (account_id, device_id))
    if existing is None:
        session.add(AlarmMute(account_id=account_id, device_id=device_id, until=until))
    else:
        existing.until = until
    await session.flush()


async def unmute(session: AsyncSession, *, account_id: int, device_id: int) -> bool:
    existing = await session.get(AlarmMute, (account_id, device_id))
    if existing is None:
        return False
    await session.delete(existing)
    return True


async def mute_of(
    session: AsyncSession, *, account_id: int, device_id: int, now: datetime
) -> AlarmMute | None:
    """The person's mute of the device if it holds now (`until` None: until they unmute)."""
    existing = await session.get(AlarmMute, (account_id, device_id))
    if existing is None or (existing.until is not None and existing.until <= now):
        return None
    return existing


async def _has_channel(session: AsyncSession, *, device_id: int, channel: int) -> bool:
    found = await session.exec(
        select(Channel.id).where(Channel.device_id == device_id, Channel.number == channel)
    )
    return found.first() is not None


async def _holders(
    session: AsyncSession, *, device_id: int, channel: int, now: datetime
) -> list[_Holder]:
    owner = (
        await session.exec(
            select(Device.owner_id, Device.name, Channel.name)
            .join(Channel, col(Channel.device_id) == Device.id)
            .where(Device.id == device_id, Channel.number == channel)
        )
    ).first()
    if owner is None:
        return []
    owner_id, device_name, channel_name = owner
    muted = set(
        await session.exec(
            select(AlarmMute.account_id).where(
                AlarmMute.device_id == device_id,
                or_(col(AlarmMute.until).is_(None), col(AlarmMute.until) > now),
            )
        )
    )
    holders = (
        [] if owner_id in muted else [_Holder(owner_id, ALL_PERMISSIONS, device_name, channel_name)]
    )
    recipients = await session.exec(
        select(Share.recipient_id, Share.alias, Grant.permissions)
        .join(Grant, col(Grant.share_id) == Share.id)
        .join(Channel, col(Channel.id) == Grant.channel_id)
        .where(
            Share.device_id == device_id,
            Share.state == ShareState.ACTIVE,
            Channel.number == channel,
        )
    )
    for recipient_id, alias, permissions in recipients:
        held = Permission(permissions)
        if recipient_id is not None and Permission.ALARM in held and recipient_id not in muted:
            holders.append(_Holder(recipient_id, held, alias or device_name, channel_name))
    return holders


async def _readers(session: AsyncSession, account_ids: list[int]) -> dict[int, Reader]:
    """Each account's language and time zone: one query for all the holders an event tells."""
    if not account_ids:
        return {}
    rows = await session.exec(
        select(Account.id, Account.language, Account.time_zone).where(
            col(Account.id).in_(account_ids)
        )
    )
    return {account_id: Reader(language, time_zone) for account_id, language, time_zone in rows}


def _view(notice: AlarmNotice, holder: _Holder, reader: Reader) -> AlarmNoticeView:
    assert notice.id is not None
    return AlarmNoticeView(
        id=notice.id,
        account_id=notice.account_id,
        device_id=notice.device_id,
        device_name=holder.device_name,
        channel_number=notice.channel_number,
        channel_name=holder.channel_name,
        kinds=tuple(notice.kinds.split(",")),
        first_at=notice.first_at,
        last_at=notice.last_at,
        count=notice.count,
        live_view=notice.with_live_view,
        chat_id=notice.chat_id,
        message_id=notice.message_id,
        reader=reader,
    )
