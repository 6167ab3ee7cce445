"""Alarms in Telegram: a device's event reaches each holder of Alarm on its channel as one
message per burst (with a snapshot where they also hold Live View), edited as the burst goes
on; 🔕 buttons mute the device for an hour, eight hours or until unmuted, and 🔔 lifts it.

The events come from `sharing.devices.watching` (one stream per connected device); which
holders hear what, and the folding, are `sharing.devices.alarms`'. Installer groups hear a
burst of video loss, or of anything when the owner turned alarms on for the group.

Each notice is written in its holder's language and time zone, once for all the holders who
read the same words (not once per holder: fifty holders cost a text or two); each group's line
in the group's language, once per language.
"""

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, inline
from handlers.devices.device_card import MuteAlarms, UnmuteAlarms
from handlers.devices.group_news import queue_for_groups
from handlers.devices.live_view import PickLiveChannel
from handlers.devices.photos import fit_for_telegram
from handlers.groups import lines as group_lines
from languages import N_, _, format_time, ngettext, speaking
from sharing.devices import access, alarms, connections, status
from sharing.devices.alarms import AlarmNoticeView
from sharing.devices.connections import DeviceTarget
from sharing.devices.watching import DeviceEvent, EventKind, Heartbeat
from sharing.errors import SharingError
from storage.models import DeviceStatus
from wording.formatting import escape, format_moment
from wording.refusals import as_alert

EDITS_PER_RUN = 200
KIND_CHARS = 32
"""A device's own name for an event kind we do not know is cut to this."""
KIND_LABELS = {
    EventKind.MOTION: N_("Motion"),
    EventKind.LINE_CROSSING: N_("Line crossing"),
    EventKind.INTRUSION: N_("Intrusion"),
    EventKind.VIDEO_LOSS: N_("Video loss"),
    EventKind.TAMPERING: N_("Tampering"),
    EventKind.ALARM_INPUT: N_("Alarm input"),
}
"""In English, as notices store them; `kind_label` says them in the reader's language."""
KNOWN_KINDS = frozenset(KIND_LABELS.values())
GROUP_KINDS = frozenset({EventKind.VIDEO_LOSS})
"""What every linked group hears; the rest only groups the owner turned alarms on for."""
log = logging.getLogger(__name__)
MUTES = {1: N_("🔕 1 h"), 8: N_("🔕 8 h"), 0: N_("🔕 Until I unmute")}
Screen = tuple[str, InlineKeyboardMarkup]


async def handle_alert(
    context: CamShareContext, target: DeviceTarget, alert: DeviceEvent | Heartbeat
) -> None:
    """What the device's event stream said, as it comes."""
    if isinstance(alert, Heartbeat):
        await _heard_from(context, target)
        return
    if not alert.active or alert.channel is None:
        return  # the end of an event, or a device-level one: nothing for a channel's holders
    services = context.services
    now = services.clock()
    kind = KIND_LABELS.get(alert.kind, alert.event_type[:KIND_CHARS])
    cooldown = services.devices.alarm_cooldown
    async with services.database.write() as session:
        recorded = await alarms.record_event(
            session,
            device_id=target.device_id,
            channel=alert.channel,
            kind=kind,
            now=now,
            cooldown=cooldown,
        )
        if not recorded.channel_known:
            return
        if services.devices.bursts.starts(target.device_id, alert.channel, now, cooldown):
            groups = await alarms.groups_hearing(
                session, device_id=target.device_id, every_alarm=alert.kind not in GROUP_KINDS
            )
            channel = alert.channel
            await queue_for_groups(
                session,
                group_ids=groups,
                line=lambda: group_lines.device_alarm(
                    device_name=target.device_name, channel=channel, kind=kind, at=now
                ),
                now=now,
            )
    picture = await _snapshot(context, target, alert.channel, recorded.to_send)
    for notice, screen in _screens(recorded.to_send):
        await _send(context, notice, screen, picture if notice.live_view else None)


async def watch_devices(context: CamShareContext) -> None:
    """The job that keeps one event stream open per connected device, whatever connected,
    changed or disconnected them since it last ran."""
    services = context.services
    watchers = services.devices.watchers
    assert watchers is not None, "the application factory sets the watchers"
    async with services.database.read() as session:
        targets = await connections.connected_targets(session, sealer=services.devices.sealer)
    await watchers.reconcile(targets)


async def refresh_alarm_notices(context: CamShareContext) -> None:
    """The job: edit the sent notices whose burst went on (a count, the last time)."""
    services = context.services
    async with services.database.read() as session:
        notices = await alarms.notices_to_edit(session, now=services.clock(), limit=EDITS_PER_RUN)
    for notice, (text, keyboard) in _screens(notices):
        assert notice.chat_id is not None and notice.message_id is not None
        try:
            if notice.live_view:
                await context.bot.edit_message_caption(
                    notice.chat_id,
                    notice.message_id,
                    caption=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                )
            else:
                await context.bot.edit_message_text(
                    text,
                    notice.chat_id,
                    notice.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                )
        except TelegramError as error:
            # Deleted by its reader, the bot blocked, Telegram busy: this edit is dropped, the
            # next event's brings the count up to date.
            log.info("alarm notice %s not edited: %s", notice.id, error)
        async with services.database.write() as session:
            await alarms.notice_edited(
                session, notice_id=notice.id, shown_count=notice.count, now=services.clock()
            )


async def mute_alarms(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    tapped = MuteAlarms.unpack(query.data)
    if tapped.hours not in MUTES:
        await query.answer()
        return
    services = context.services
    now = services.clock()
    until = now + timedelta(hours=tapped.hours) if tapped.hours else None
    try:
        async with services.database.write() as session:
            use = await access.device_use(
                session, account_id=update.effective_user.id, device_id=tapped.device_id
            )
            await alarms.mute(
                session, account_id=update.effective_user.id, device_id=use.device_id, until=until
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    muted = (
        _("🔕 {device}'s alarms are muted until {moment}.").format(
            device=use.name, moment=format_moment(until)
        )
        if until
        else _("🔕 {device}'s alarms are muted until you unmute them.").format(device=use.name)
    )
    await query.answer(muted)


async def unmute_alarms(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    device_id = UnmuteAlarms.unpack(query.data).device_id
    async with context.services.database.write() as session:
        lifted = await alarms.unmute(
            session, account_id=update.effective_user.id, device_id=device_id
        )
    await query.answer(_("🔔 Alarms are on again.") if lifted else _("Its alarms were not muted."))
    if query.message is not None and isinstance(query.message, Message):
        await query.edit_message_reply_markup(
            _without_unmute(query.message.reply_markup, device_id)
        )


async def _send(
    context: CamShareContext, notice: AlarmNoticeView, screen: Screen, picture: bytes | None
) -> None:
    text, keyboard = screen
    try:
        if picture is not None:
            sent = await context.bot.send_photo(
                notice.account_id,
                picture,
                caption=text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
            )
        else:
            sent = await context.bot.send_message(
                notice.account_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
            )
    except TelegramError as error:
        # Never started the bot, blocked it, or Telegram failed: the other holders still get
        # theirs, and the next burst tries again.
        log.info("alarm notice %s not sent: %s", notice.id, error)
        return
    async with context.services.database.write() as session:
        await alarms.notice_sent(
            session,
            notice_id=notice.id,
            chat_id=sent.chat_id,
            message_id=sent.message_id,
            shown_count=notice.count,
            with_photo=picture is not None,
            now=context.services.clock(),
        )


async def _snapshot(
    context: CamShareContext, target: DeviceTarget, channel: int, notices: list[AlarmNoticeView]
) -> bytes | None:
    """One picture for all the holders who see it; an alarm goes without one rather than late."""
    if not any(notice.live_view for notice in notices):
        return None
    try:
        return await fit_for_telegram(await context.services.devices.pool.snapshot(target, channel))
    except (SharingError, OSError):
        return None


async def _heard_from(context: CamShareContext, target: DeviceTarget) -> None:
    """A heartbeat says the device is up: counted as a status check at most once per check
    interval, so a device that beats every ten seconds costs no more than the status job."""
    services = context.services
    now = services.clock()
    if not services.devices.heartbeats.due(target.device_id, now, services.devices.check_every):
        return
    async with services.database.write() as session:
        await status.record_check(
            session,
            device_id=target.device_id,
            result=status.CheckResult(DeviceStatus.ONLINE),
            now=now,
            grace=services.devices.offline_grace,
            connected_at=target.connected_at,
        )


def kind_label(kind: str) -> str:
    """An event kind in the reader's language; a device's own name for one, as it gave it."""
    return _(kind) if kind in KNOWN_KINDS else kind


def _screens(notices: list[AlarmNoticeView]) -> Iterator[tuple[AlarmNoticeView, Screen]]:
    """Each notice with its text and buttons in its reader's language and time zone, made once
    for all the readers who would read the same words: an alarm to 50 holders is written once
    per language (and name of the device), not 50 times. Made as they are asked for, so the
    first holder's notice waits for no one else's."""
    made: dict[AlarmNoticeView, Screen] = {}
    for notice in notices:
        words = replace(notice, id=0, account_id=0, chat_id=None, message_id=None)
        if words not in made:
            with speaking(notice.reader.language, notice.reader.time_zone):
                made[words] = _notice_screen(notice)
        yield notice, made[words]


def _notice_screen(notice: AlarmNoticeView) -> Screen:
    kinds = escape(", ".join(kind_label(kind) for kind in notice.kinds))
    if notice.count > 1:
        head = ngettext(
            "🚨 {kinds}, {count} time since {time}",
            "🚨 {kinds}, {count} times since {time}",
            notice.count,
        ).format(kinds=kinds, count=notice.count, time=format_time(notice.first_at))
        when = _("Last at {moment}")
    else:
        head, when = f"🚨 {kinds}", _("At {moment}")
    text = "\n".join(
        [
            head,
            f"<b>{escape(notice.device_name)}</b> · {notice.channel_number}."
            f" {escape(notice.channel_name)}",
            when.format(moment=format_moment(notice.last_at)),
        ]
    )
    watch = (
        [button(_("📷 Live view"), PickLiveChannel(notice.device_id, notice.channel_number))]
        if notice.live_view
        else []
    )
    mutes = [
        button(_(label), MuteAlarms(notice.device_id, hours)) for hours, label in MUTES.items()
    ]
    return text, inline(watch, mutes)


def _without_unmute(
    keyboard: InlineKeyboardMarkup | None, device_id: int
) -> InlineKeyboardMarkup | None:
    if keyboard is None:
        return None
    unmute = UnmuteAlarms(device_id).pack()
    rows = [[b for b in row if b.callback_data != unmute] for row in keyboard.inline_keyboard]
    return inline(*rows)


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(mute_alarms, pattern=MuteAlarms.pattern()),
        CallbackQueryHandler(unmute_alarms, pattern=UnmuteAlarms.pattern()),
    ]
