"""🎞 Recordings: a channel's recordings of a day, and a clip of one sent as a video, for
whoever holds Playback on that channel now (R13).

The steps: a channel (only those where Playback is held; straight on when there is one), a day
(today, yesterday, or a typed date: a one-step wizard), the day's recordings a page at a time,
and a tap on one fetches its first `CLIP_SECONDS`. Or 🕑 At a time: the person types a moment
("yesterday 14:30", forms in `sharing.devices.moments`) and gets the `CLIP_SECONDS` around it,
or what the channel recorded that day; the step stays until a clip is sent or /cancel.

Every tap and every typed answer reads the person's hold again, so forged data or an ended
share fetches nothing, and each one that asks the device counts against the person's taps
(`DevicePool.take_tap`). A recording's button carries its start, never the device's handle for
it: the tap searches that minute again (`sharing.devices.recordings`). Days and times are the
person's, in the time zone of their account.
"""

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum, auto
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.common.callback_data import CallbackData
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.listing import pager
from handlers.common.wizards import Wizard
from handlers.devices.channels import (
    back_button,
    channel_in_use,
    channel_label,
    channel_rows,
    channels_held,
)
from handlers.devices.device_card import ShowRecordings
from languages import N_, _, current_time_zone, format_date, format_moment, format_time
from sharing.devices import recordings
from sharing.devices.access import DeviceUse, HeldChannel
from sharing.devices.connections import DeviceTarget
from sharing.devices.moments import read_moment
from sharing.devices.recordings import Clip, Progress, Recording
from sharing.errors import (
    ClipInProgress,
    DeviceNotAnswering,
    MomentInFuture,
    MomentTooFarIn,
    NothingRecordedThen,
    SharingError,
    TooManyTaps,
    UnreadableMoment,
)
from storage.models import Permission
from wording.formatting import escape
from wording.refusals import as_alert, describe

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
INVALID_DAY = N_("That is not a day I can search.")
INVALID_START = N_("That is not a recording I can find.")
DAY_WIZARD = "playback_day"
"""The typed day's and the typed moment's wizard, and its draft: [device id, channel]."""
TYPED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class PlaybackStep(IntEnum):
    DAY = auto()
    MOMENT = auto()


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
class TypePlaybackMoment(CallbackData, prefix="pbm"):
    """🕑 At a time: a moment typed, its clip sent (a one-step wizard)."""

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
        use, held, __ = await _held(context, query.from_user.id, picked.device_id, picked.channel)
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
        await query.answer(_(INVALID_DAY), show_alert=True)
        return
    try:
        use, held, target = await _held(
            context, query.from_user.id, tapped.device_id, tapped.channel
        )
        context.services.devices.pool.take_tap(query.from_user.id)
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


async def ask_day(update: Update, context: CamShareContext) -> PlaybackStep | int:
    tapped = TypePlaybackDay.unpack(_query_data(update))
    header = await _start_typing(update, context, tapped.device_id, tapped.channel)
    if header is None:
        return ConversationHandler.END
    assert update.effective_chat
    await update.effective_chat.send_message(
        header
        + "\n"
        + _(
            "Send the day as YYYY-MM-DD, for example 2026-01-12 ({zone}). Send /cancel to stop."
        ).format(zone=escape(current_time_zone())),
        parse_mode=ParseMode.HTML,
    )
    return PlaybackStep.DAY


async def receive_day(update: Update, context: CamShareContext) -> PlaybackStep | int:
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
            _("That is not a day like 2026-01-12 (year, month, day). Please send it again.")
        )
        return PlaybackStep.DAY
    device_id, channel = drafts.pop(DAY_WIZARD)
    try:
        use, held, target = await _held(context, update.effective_user.id, device_id, channel)
        context.services.devices.pool.take_tap(update.effective_user.id)
        found = await _search(context, target, held.number, day)
    except SharingError as error:
        await message.reply_html(describe(error))
        return ConversationHandler.END
    text, keyboard = _recordings_screen(context, use, held, day, found, offset=0)
    await message.reply_html(text, reply_markup=keyboard)
    return ConversationHandler.END


async def ask_moment(update: Update, context: CamShareContext) -> PlaybackStep | int:
    tapped = TypePlaybackMoment.unpack(_query_data(update))
    header = await _start_typing(update, context, tapped.device_id, tapped.channel)
    if header is None:
        return ConversationHandler.END
    assert update.effective_chat
    seconds = context.services.devices.clip_seconds
    await update.effective_chat.send_message(
        header
        + "\n"
        + _(
            "Send the moment to watch, on {zone} time: 14:30 (today), yesterday 14:30,"
            " 5 Dec 14:30 or 2026-12-05 14:30. I send the {seconds} s around it."
            " Send /cancel to stop."
        ).format(zone=escape(current_time_zone()), seconds=seconds),
        parse_mode=ParseMode.HTML,
    )
    return PlaybackStep.MOMENT


async def receive_moment(update: Update, context: CamShareContext) -> PlaybackStep | int:
    """The clip around the typed moment, as a video. The step stays where the moment cannot be
    read, is still to come or has nothing recorded around it: the person may type another."""
    message = update.effective_message
    assert message and message.text is not None and context.user_data is not None
    assert update.effective_user and update.effective_chat
    drafts = context.user_data.get(DRAFTS_KEY, {})
    if DAY_WIZARD not in drafts:
        return ConversationHandler.END
    services = context.services
    try:
        moment = read_moment(
            message.text,
            now=services.clock(),
            zone=current_time_zone(),
            today_words=[_("today")],
            yesterday_words=[_("yesterday")],
        )
    except UnreadableMoment:
        await message.reply_text(
            _(
                "That is not a moment I can read. Send it like 14:30, yesterday 14:30,"
                " 5 Dec 14:30 or 2026-12-05 14:30."
            )
        )
        return PlaybackStep.MOMENT
    except MomentInFuture as error:
        await message.reply_text(
            _(
                "{moment} is still to come: nothing is recorded yet. Send a moment that has passed."
            ).format(moment=format_moment(error.moment))
        )
        return PlaybackStep.MOMENT
    device_id, channel = drafts[DAY_WIZARD]
    pool, clip_seconds = services.devices.pool, services.devices.clip_seconds
    try:
        use, held, target = await _held(context, update.effective_user.id, device_id, channel)
        pool.take_tap(update.effective_user.id)
        pool.check_download_free(target)
    except (TooManyTaps, ClipInProgress) as error:
        await message.reply_html(describe(error))
        return PlaybackStep.MOMENT  # a moment later, the same answer may go
    except SharingError as error:
        drafts.pop(DAY_WIZARD)
        await message.reply_html(describe(error))
        return ConversationHandler.END

    async def fetch(progress: Progress) -> Clip:
        return await recordings.clip_around(
            pool,
            target,
            held.number,
            moment,
            zone=current_time_zone(),
            clip_seconds=clip_seconds,
            progress=progress,
        )

    sent = await _send_clip(
        context,
        update.effective_chat,
        use,
        held,
        fetch,
        lambda clip: _moment_caption(use, held, clip, moment),
    )
    if isinstance(sent, NothingRecordedThen | MomentTooFarIn | ClipInProgress):
        return PlaybackStep.MOMENT  # another moment may have something
    drafts.pop(DAY_WIZARD)
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
        await query.answer(_(INVALID_START), show_alert=True)
        return
    pool = context.services.devices.pool
    try:
        use, held, target = await _held(
            context, query.from_user.id, tapped.device_id, tapped.channel
        )
        pool.take_tap(query.from_user.id)
        pool.check_download_free(target)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    chat = update.effective_chat
    assert chat
    clip_seconds = context.services.devices.clip_seconds

    async def fetch(progress: Progress) -> Clip:
        return await recordings.fetch_clip(
            pool, target, held.number, start, clip_seconds=clip_seconds, progress=progress
        )

    await _send_clip(context, chat, use, held, fetch, lambda clip: _caption(use, held, clip))


async def _send_clip(
    context: CamShareContext,
    chat: Chat,
    use: DeviceUse,
    held: HeldChannel,
    fetch: Callable[[Progress], Awaitable[Clip]],
    caption: Callable[[Clip], str],
) -> Clip | SharingError | None:
    """The clip `fetch` gets, sent as a video once converted, while a message shows its
    progress; the refusal in that message's place otherwise, returned (None: timed out)."""
    progress = _ProgressMessage(context, await chat.send_message(_fetching(0)))
    try:
        async with asyncio.timeout(FETCH_SECONDS):
            clip = await fetch(progress.show)
    except TimeoutError:
        await progress.replace(describe(DeviceNotAnswering(device_name=use.name, timed_out=True)))
        return None
    except SharingError as error:
        await progress.replace(_refusal(error, held))
        return error
    await chat.send_video(
        clip.mp4,
        caption=caption(clip),
        parse_mode=ParseMode.HTML,
        supports_streaming=True,
        filename="clip.mp4",
    )
    with contextlib.suppress(BadRequest):  # deleted by the person meanwhile
        await progress.message.delete()
    return clip


def _refusal(error: SharingError, held: HeldChannel) -> str:
    """`describe`, and the words for the refusals only a typed moment meets."""
    if isinstance(error, NothingRecordedThen):
        return _nothing_recorded(error, held)
    if isinstance(error, MomentTooFarIn):
        return _(
            "That moment lies too far into a long recording of <b>{device}</b>, which began"
            " {start}: I fetch clips from a recording's first minutes only. Try a moment nearer"
            " its start."
        ).format(device=escape(error.device_name), start=format_moment(error.recording_start))
    return describe(error)


def _nothing_recorded(error: NothingRecordedThen, held: HeldChannel) -> str:
    moment, channel = format_moment(error.moment), escape(held.name)
    if error.day_spans:
        spans = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in error.day_spans)
        said = _(
            "Nothing recorded on <b>{channel}</b> at {moment}. Recordings on that day: {spans}."
        ).format(channel=channel, moment=moment, spans=spans)
    else:
        said = _(
            "Nothing recorded on <b>{channel}</b> at {moment}, nor on the rest of that day."
        ).format(channel=channel, moment=moment)
    return said + "\n" + _("Send another moment, or /cancel to stop.")


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
            text = _("🎞 Fetching the clip… {megabytes} MB").format(
                megabytes=f"{read / 1_000_000:.1f}"
            )
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
    return _("🎞 Fetching the clip… {percent}%").format(percent=percent)


async def _start_typing(
    update: Update, context: CamShareContext, device_id: int, channel: int
) -> str | None:
    """A typed step's start: the hold checked, the draft kept, the screen's header returned;
    None (the tap answered with why) when Playback is not held."""
    query = update.callback_query
    assert query and context.user_data is not None
    try:
        use, held, __ = await _held(context, query.from_user.id, device_id, channel)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return None
    await query.answer()
    context.user_data.setdefault(DRAFTS_KEY, {})[DAY_WIZARD] = [use.device_id, held.number]
    return _header(use, held)


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
        _("🎞 <b>{device}</b>: the recordings of which channel?").format(device=escape(use.name)),
        inline(*rows, [back_button(use)]),
    )


async def _show_days(
    query: CallbackQuery, context: CamShareContext, use: DeviceUse, held: HeldChannel
) -> None:
    today = context.services.clock().astimezone(ZoneInfo(current_time_zone())).date()
    yesterday = today - timedelta(days=1)
    back = (
        button(_("« Channels"), ShowRecordings(use.device_id))
        if len(use.holding(Permission.PLAYBACK)) > 1
        else back_button(use)
    )
    device_id, number = use.device_id, held.number
    await edit_screen(
        query,
        _header(use, held)
        + "\n"
        + _("Which day? Times are {zone}.").format(zone=escape(current_time_zone())),
        inline(
            [
                button(_("Today"), ListRecordings(device_id, number, _day_number(today), 0)),
                button(
                    _("Yesterday"), ListRecordings(device_id, number, _day_number(yesterday), 0)
                ),
            ],
            [
                button(_("📅 Another day"), TypePlaybackDay(device_id, number)),
                button(_("🕑 At a time"), TypePlaybackMoment(device_id, number)),
            ],
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
    device_id, number, day_number = use.device_id, held.number, _day_number(day)
    back = [button(_("« Days"), PickPlaybackChannel(device_id, number))]
    day_label, zone = format_date(day), escape(current_time_zone())
    if not found:
        said = _("{day} ({zone}): No recordings that day.").format(day=day_label, zone=zone)
        return _header(use, held) + "\n" + said, inline(back)
    page = found[offset : offset + RECORDINGS_PER_PAGE]
    said = _(
        "{day} ({zone}): recordings {first}–{last} of {total}."
        " Tap one for its first {seconds} s as a video."
    ).format(
        day=day_label,
        zone=zone,
        first=offset + 1,
        last=offset + len(page),
        total=len(found),
        seconds=context.services.devices.clip_seconds,
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
    return _header(use, held) + "\n" + said, inline(*rows, turn, back)


async def _search(
    context: CamShareContext, target: DeviceTarget, channel: int, day: date
) -> list[Recording]:
    try:
        async with asyncio.timeout(SEARCH_SECONDS):
            pool = context.services.devices.pool
            return await recordings.day_recordings(pool, target, channel, day, current_time_zone())
    except TimeoutError:
        raise DeviceNotAnswering(device_name=target.device_name, timed_out=True) from None


async def _held(
    context: CamShareContext, account_id: int, device_id: int, channel: int
) -> tuple[DeviceUse, HeldChannel, DeviceTarget]:
    """The person's hold of Playback on the channel now, and how to reach the device."""
    return await channel_in_use(context, account_id, device_id, channel, Permission.PLAYBACK)


def _query_data(update: Update) -> str | None:
    assert update.callback_query
    return update.callback_query.data


def _header(use: DeviceUse, held: HeldChannel) -> str:
    """ "🎞 <b>Shop NVR</b> · 3. Camera 03": names only, nothing to translate."""
    return f"🎞 <b>{escape(use.name)}</b> · {escape(channel_label(held))}"


def _caption(use: DeviceUse, held: HeldChannel, clip: Clip) -> str:
    recording = clip.recording
    return (
        _header(use, held)
        + "\n"
        + _("Recorded {start} – {end}; the first {seconds} s").format(
            start=format_moment(recording.start),
            end=format_time(recording.end),
            seconds=max(1, round(clip.span.seconds)),
        )
    )


def _moment_caption(use: DeviceUse, held: HeldChannel, clip: Clip, moment: datetime) -> str:
    return (
        _header(use, held)
        + "\n"
        + _("Around {moment}: {seconds} s from {start}").format(
            moment=format_moment(moment),
            seconds=max(1, round(clip.span.seconds)),
            start=_clock(clip.span.start, seconds=True),
        )
    )


def _span_label(recording: Recording, day: date) -> str:
    def moment(at: datetime) -> str:
        local = at.astimezone(ZoneInfo(current_time_zone()))
        return (
            _clock(at, seconds=True)
            if local.date() == day
            else f"{format_date(local)} {_clock(at)}"
        )

    return f"{moment(recording.start)} – {moment(recording.end)}"


def _clock(moment: datetime, *, seconds: bool = False) -> str:
    """The time of day on the reader's clock, "14:30" or "14:30:05": 24-hour digits, which
    all our languages read alike (the zone is said once in the sentence around it)."""
    local = moment.astimezone(ZoneInfo(current_time_zone()))
    return local.strftime("%H:%M:%S" if seconds else "%H:%M")


def _day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _day_of(number: int) -> date | None:
    try:
        return date(number // 10_000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def build_day_handler() -> Handler:
    """Registered with the other conversations, ahead of the plain handlers: while it waits
    for a day or a moment, the text typed is that."""
    typed = filters.TEXT & ~filters.COMMAND
    return Wizard(
        title=N_("choosing a day of recordings"),
        waiting_for={
            PlaybackStep.DAY: N_("a day like 2026-01-12"),
            PlaybackStep.MOMENT: N_("a moment like yesterday 14:30"),
        },
        entry_points=[
            CallbackQueryHandler(ask_day, pattern=TypePlaybackDay.pattern()),
            CallbackQueryHandler(ask_moment, pattern=TypePlaybackMoment.pattern()),
        ],
        states={
            PlaybackStep.DAY: [MessageHandler(typed, receive_day)],
            PlaybackStep.MOMENT: [MessageHandler(typed, receive_moment)],
        },
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
