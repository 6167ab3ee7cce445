"""🎞 Recordings: a channel's recordings of a day, and a clip of one sent as a video, for
whoever holds Playback on that channel now (R13).

The steps: a channel (only those where Playback is held; straight on when there is one), a day
(today, yesterday, or a typed date: a one-step wizard), the day's recordings a page at a time,
and a tap on one fetches its first `CLIP_SECONDS`. Every tap reads the person's hold again, so
forged data or an ended share fetches nothing. A recording's button carries its start, never
the device's handle for it: the tap searches that minute again (`sharing.devices.recordings`).
Times are UTC for now.
"""

import asyncio
import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum, auto

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.common.callback_data import CallbackData
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.formatting import escape
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.listing import pager, span
from handlers.common.refusals import as_alert, describe
from handlers.common.wizards import Wizard
from handlers.devices.channels import (
    back_button,
    channel_in_use,
    channel_label,
    channel_rows,
    channels_held,
)
from handlers.devices.device_card import ShowRecordings
from sharing.devices import recordings
from sharing.devices.access import DeviceUse, HeldChannel
from sharing.devices.connections import DeviceTarget
from sharing.devices.recordings import Recording
from sharing.errors import (
    DeviceNotAnswering,
    SharingError,
)
from storage.models import Permission

RECORDINGS_PER_PAGE = 8
SEARCH_SECONDS = 10.0
"""The longest a list waits on the device's search: Telegram shows the tap as pending until
it is answered."""
FETCH_SECONDS = 180.0
"""The longest a clip's search and download may take, however slow the device."""
PROGRESS_EVERY = timedelta(seconds=2)
"""How often a download of unknown size may redraw its progress."""
PROGRESS_STEP = 20
"""A download of known size redraws its progress every this many percent."""
INVALID_DAY = "That is not a day I can search."
INVALID_START = "That is not a recording I can find."
DAY_WIZARD = "playback_day"
TYPED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class DayStep(IntEnum):
    DAY = auto()


@dataclass(frozen=True)
class PlaybackPage(CallbackData, prefix="pbp"):
    device_id: int
    offset: int


@dataclass(frozen=True)
class PickPlaybackChannel(CallbackData, prefix="pbc"):
    """The day to search on the channel: Today, Yesterday, or another."""

    device_id: int
    channel: int


@dataclass(frozen=True)
class ListRecordings(CallbackData, prefix="pbd"):
    device_id: int
    channel: int
    day: int
    """YYYYMMDD."""
    offset: int


@dataclass(frozen=True)
class TypePlaybackDay(CallbackData, prefix="pbt"):
    """📅 Another day: the day typed as YYYY-MM-DD (a one-step wizard)."""

    device_id: int
    channel: int


@dataclass(frozen=True)
class FetchClip(CallbackData, prefix="pbf"):
    device_id: int
    channel: int
    start: int
    """The recording's start, in seconds since the epoch (UTC)."""


async def show_recordings(update: Update, context: CamShareContext) -> None:
    """🎞 Recordings on a device card or a received device: the channels to choose from."""
    query = update.callback_query
    assert query
    await _show_channels(query, context, ShowRecordings.unpack(query.data).device_id, offset=0)


async def turn_channel_page(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    page = PlaybackPage.unpack(query.data)
    await _show_channels(query, context, page.device_id, offset=max(page.offset, 0))


async def pick_channel(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    picked = PickPlaybackChannel.unpack(query.data)
    try:
        use, held, _ = await _held(context, query.from_user.id, picked.device_id, picked.channel)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    await _show_days(query, context, use, held)


async def list_recordings(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    tapped = ListRecordings.unpack(query.data)
    day = _day_of(tapped.day)
    if day is None:
        await query.answer(INVALID_DAY, show_alert=True)
        return
    try:
        use, held, target = await _held(
            context, query.from_user.id, tapped.device_id, tapped.channel
        )
        found = await _search(context, target, held.number, day)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    offset = min(max(tapped.offset, 0), max(len(found) - 1, 0)) // RECORDINGS_PER_PAGE
    await edit_screen(
        query,
        *_recordings_screen(context, use, held, day, found, offset=offset * RECORDINGS_PER_PAGE),
    )


async def ask_day(update: Update, context: CamShareContext) -> DayStep | int:
    query = update.callback_query
    assert query and update.effective_chat and context.user_data is not None
    tapped = TypePlaybackDay.unpack(query.data)
    try:
        use, held, _ = await _held(context, query.from_user.id, tapped.device_id, tapped.channel)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data.setdefault(DRAFTS_KEY, {})[DAY_WIZARD] = [use.device_id, held.number]
    await update.effective_chat.send_message(
        f"🎞 <b>{escape(use.name)}</b> · {escape(channel_label(held))}\nSend the day as YYYY-MM-DD,"
        " for example 2026-01-12 (UTC). Send /cancel to stop.",
        parse_mode=ParseMode.HTML,
    )
    return DayStep.DAY


async def receive_day(update: Update, context: CamShareContext) -> DayStep | int:
    """The typed day's recordings, in a new message; the hold is checked again first."""
    message = update.effective_message
    assert message and message.text is not None and context.user_data is not None
    assert update.effective_user
    drafts = context.user_data.get(DRAFTS_KEY, {})
    if DAY_WIZARD not in drafts:
        return ConversationHandler.END
    typed = message.text.strip()
    try:
        day = date.fromisoformat(typed) if TYPED_DAY.fullmatch(typed) else None
    except ValueError:
        day = None
    if day is None:
        await message.reply_text(
            "That is not a day like 2026-01-12 (year, month, day). Please send it again."
        )
        return DayStep.DAY
    device_id, channel = drafts.pop(DAY_WIZARD)
    try:
        use, held, target = await _held(context, update.effective_user.id, device_id, channel)
        found = await _search(context, target, held.number, day)
    except SharingError as error:
        await message.reply_html(describe(error))
        return ConversationHandler.END
    text, keyboard = _recordings_screen(context, use, held, day, found, offset=0)
    await message.reply_html(text, reply_markup=keyboard)
    return ConversationHandler.END


async def fetch_clip(update: Update, context: CamShareContext) -> None:
    """A new message shows the download's progress; the clip follows as a video, and the
    progress message goes. A refusal after it was sent takes its place."""
    query = update.callback_query
    assert query
    tapped = FetchClip.unpack(query.data)
    try:
        start = datetime.fromtimestamp(tapped.start, UTC)
    except (OverflowError, OSError, ValueError):
        await query.answer(INVALID_START, show_alert=True)
        return
    pool = context.services.devices.pool
    try:
        use, held, target = await _held(
            context, query.from_user.id, tapped.device_id, tapped.channel
        )
        pool.check_download_free(target)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    chat = update.effective_chat
    assert chat
    progress = _ProgressMessage(context, await chat.send_message(_fetching(0)))
    clip_seconds = context.services.devices.clip_seconds
    try:
        async with asyncio.timeout(FETCH_SECONDS):
            clip = await recordings.fetch_clip(
                pool,
                target,
                held.number,
                start,
                clip_seconds=clip_seconds,
                progress=progress.show,
            )
    except TimeoutError:
        await progress.replace(describe(DeviceNotAnswering(device_name=use.name, timed_out=True)))
        return
    except SharingError as error:
        await progress.replace(describe(error))
        return
    await chat.send_video(
        clip.mp4,
        caption=_caption(use, held, clip.recording, clip_seconds),
        parse_mode=ParseMode.HTML,
        supports_streaming=True,
        filename="clip.mp4",
    )
    with contextlib.suppress(BadRequest):  # deleted by the person meanwhile
        await progress.message.delete()


class _ProgressMessage:
    """The message that says "Fetching the clip… 40%": redrawn every `PROGRESS_STEP` percent,
    or every `PROGRESS_EVERY` when the size is not known, and never to the same text."""

    def __init__(self, context: CamShareContext, message: Message) -> None:
        self._clock = context.services.clock
        self.message = message
        self._shown = message.text
        self._shown_at = self._clock()

    async def show(self, read: int, total: int | None) -> None:
        if total:
            text = _fetching(read * 100 // total // PROGRESS_STEP * PROGRESS_STEP)
        else:
            text = f"🎞 Fetching the clip… {read / 1_000_000:.1f} MB"
            if self._clock() - self._shown_at < PROGRESS_EVERY:
                return
        if text != self._shown:
            await self._edit(text)

    async def replace(self, html_text: str) -> None:
        await self._edit(html_text)

    async def _edit(self, html_text: str) -> None:
        self._shown, self._shown_at = html_text, self._clock()
        with contextlib.suppress(BadRequest):  # deleted by the person meanwhile
            await self.message.edit_text(html_text, parse_mode=ParseMode.HTML)


def _fetching(percent: int) -> str:
    return f"🎞 Fetching the clip… {percent}%"


async def _show_channels(
    query: CallbackQuery, context: CamShareContext, device_id: int, *, offset: int
) -> None:
    found = await channels_held(query, context, device_id, Permission.PLAYBACK)
    if found is None:
        return
    use, held = found
    await query.answer()
    if len(held) == 1:  # a camera, or one channel shared: nothing to choose
        await _show_days(query, context, use, held[0])
        return
    rows = channel_rows(
        held,
        offset=offset,
        pick=lambda number: PickPlaybackChannel(device_id, number),
        turn=lambda at: PlaybackPage(device_id, at),
    )
    await edit_screen(
        query,
        f"🎞 <b>{escape(use.name)}</b>: the recordings of which channel?",
        inline(*rows, [back_button(use)]),
    )


async def _show_days(
    query: CallbackQuery, context: CamShareContext, use: DeviceUse, held: HeldChannel
) -> None:
    today = context.services.clock().astimezone(recordings.ZONE).date()
    yesterday = today - timedelta(days=1)
    back = (
        button("« Channels", ShowRecordings(use.device_id))
        if len(use.holding(Permission.PLAYBACK)) > 1
        else back_button(use)
    )
    await edit_screen(
        query,
        f"🎞 <b>{escape(use.name)}</b> · {escape(channel_label(held))}\nWhich day? Times are UTC.",
        inline(
            [
                button("Today", ListRecordings(use.device_id, held.number, _day_number(today), 0)),
                button(
                    "Yesterday",
                    ListRecordings(use.device_id, held.number, _day_number(yesterday), 0),
                ),
            ],
            [button("📅 Another day", TypePlaybackDay(use.device_id, held.number))],
            [back],
        ),
    )


def _recordings_screen(
    context: CamShareContext,
    use: DeviceUse,
    held: HeldChannel,
    day: date,
    found: list[Recording],
    *,
    offset: int,
) -> tuple[str, InlineKeyboardMarkup]:
    head = f"🎞 <b>{escape(use.name)}</b> · {escape(channel_label(held))}\n{_day_label(day)} (UTC): "
    device_id, number, day_number = use.device_id, held.number, _day_number(day)
    back = [button("« Days", PickPlaybackChannel(device_id, number))]
    if not found:
        return head + "No recordings that day.", inline(back)
    page = found[offset : offset + RECORDINGS_PER_PAGE]
    seconds = context.services.devices.clip_seconds
    text = (
        f"{head}recordings {span(offset, len(page), len(found))}."
        f" Tap one for its first {seconds} s as a video."
    )
    rows = [
        [button(_span_label(r, day), FetchClip(device_id, number, int(r.start.timestamp())))]
        for r in page
    ]
    turn = pager(
        offset,
        RECORDINGS_PER_PAGE,
        len(found),
        lambda o: ListRecordings(device_id, number, day_number, o),
    )
    return text, inline(*rows, turn, back)


async def _search(
    context: CamShareContext, target: DeviceTarget, channel: int, day: date
) -> list[Recording]:
    try:
        async with asyncio.timeout(SEARCH_SECONDS):
            pool = context.services.devices.pool
            return await recordings.day_recordings(pool, target, channel, day)
    except TimeoutError:
        raise DeviceNotAnswering(device_name=target.device_name, timed_out=True) from None


async def _held(
    context: CamShareContext, account_id: int, device_id: int, channel: int
) -> tuple[DeviceUse, HeldChannel, DeviceTarget]:
    """The person's hold of Playback on the channel now, and how to reach the device."""
    return await channel_in_use(context, account_id, device_id, channel, Permission.PLAYBACK)


def _caption(use: DeviceUse, held: HeldChannel, recording: Recording, clip_seconds: int) -> str:
    length = min(clip_seconds, max(1, round((recording.end - recording.start).total_seconds())))
    return (
        f"🎞 <b>{escape(use.name)}</b> · {escape(channel_label(held))}\n"
        f"Recorded {recording.start.strftime('%d %b %Y, %H:%M:%S')}"
        f" – {recording.end.strftime('%H:%M:%S')} UTC; the first {length} s"
    )


def _span_label(recording: Recording, day: date) -> str:
    def moment(at: datetime) -> str:
        return at.strftime("%H:%M:%S") if at.date() == day else at.strftime("%d %b %H:%M")

    return f"{moment(recording.start)} – {moment(recording.end)}"


def _day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _day_of(number: int) -> date | None:
    try:
        return date(number // 10_000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def _day_label(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def build_day_handler() -> Handler:
    """Registered with the other conversations, ahead of the plain handlers: while it waits
    for a day, the text typed is the day."""
    return Wizard(
        title="choosing a day of recordings",
        waiting_for={DayStep.DAY: "a day like 2026-01-12"},
        entry_points=[CallbackQueryHandler(ask_day, pattern=TypePlaybackDay.pattern())],
        states={DayStep.DAY: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_day)]},
        fallbacks=[cancel_fallback()],
        name=DAY_WIZARD,
        allow_reentry=True,
        conversation_timeout=15 * 60,
    )


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(show_recordings, pattern=ShowRecordings.pattern()),
        CallbackQueryHandler(turn_channel_page, pattern=PlaybackPage.pattern()),
        CallbackQueryHandler(pick_channel, pattern=PickPlaybackChannel.pattern()),
        CallbackQueryHandler(list_recordings, pattern=ListRecordings.pattern()),
        CallbackQueryHandler(fetch_clip, pattern=FetchClip.pattern()),
    ]
