"""📷 Live view: a fresh snapshot of a channel, for whoever holds Live View on it now (R13), with
🔄 Refresh and ‹ › to the other channels they hold, and PTZ controls and presets where they
hold PTZ.

Every tap reads the person's hold on the device again (`sharing.devices.access`): a share
edited, revoked or ended takes effect on the next tap, and the buttons of a photo whose access
ended answer so and disappear. Snapshot and PTZ taps are limited per person, and every device
call is bounded, so a tap is answered within seconds whatever the device does.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline, remove_buttons
from handlers.devices.channels import (
    back_button,
    channel_in_use,
    channel_label,
    channel_rows,
    channels_held,
)
from handlers.devices.device_card import WatchDevice
from handlers.devices.photos import fit_for_telegram
from languages import N_, _, format_moment
from sharing.devices.access import DeviceUse, HeldChannel
from sharing.devices.connections import DeviceTarget
from sharing.devices.pool import DevicePool, Preset, PtzMove
from sharing.errors import (
    DeviceNotAnswering,
    DeviceNotFound,
    DeviceRequestRefused,
    PermissionNotHeld,
    SharingError,
    TooManyTaps,
)
from storage.models import Permission
from wording.formatting import escape
from wording.refusals import as_alert

TAP_SECONDS = 10.0
"""The longest a tap waits on a device, queueing included: Telegram shows a tap as pending
until it is answered, and gives up on answering after about 15 seconds."""
PRESETS_SHOWN = 6
SPEED = 50
MOVES = {
    "l": ("◀", PtzMove(pan=-SPEED)),
    "u": ("▲", PtzMove(tilt=SPEED)),
    "d": ("▼", PtzMove(tilt=-SPEED)),
    "r": ("▶", PtzMove(pan=SPEED)),
    "i": ("＋", PtzMove(zoom=SPEED)),
    "o": ("－", PtzMove(zoom=-SPEED)),
}
ACCESS_ENDED = N_("Your access to this channel has ended.")


@dataclass(frozen=True)
class LivePage(CallbackData, prefix="lvl"):
    device_id: int
    offset: int


@dataclass(frozen=True)
class PickLiveChannel(CallbackData, prefix="lvc"):
    """From the channel picker: a new message with the channel's snapshot."""

    device_id: int
    channel: int


@dataclass(frozen=True)
class ShowLive(CallbackData, prefix="lvs"):
    """🔄 Refresh, ‹ and ›: this message's photo replaced by that channel's snapshot."""

    device_id: int
    channel: int


@dataclass(frozen=True)
class MoveCamera(CallbackData, prefix="lvm"):
    device_id: int
    channel: int
    move: str


@dataclass(frozen=True)
class GoToPreset(CallbackData, prefix="lvp"):
    device_id: int
    channel: int
    preset_id: int


async def watch_device(update: Update, context: CamShareContext) -> None:
    """📷 Live view on a device card or a received device: the channels to choose from."""
    query = update.callback_query
    assert query
    await _show_picker(query, context, WatchDevice.unpack(query.data).device_id, offset=0)


async def turn_live_page(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    page = LivePage.unpack(query.data)
    await _show_picker(query, context, page.device_id, offset=max(page.offset, 0))


async def pick_channel(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    picked = PickLiveChannel.unpack(query.data)
    await _send_photo(query, context, picked.device_id, picked.channel)


async def _send_photo(
    query: CallbackQuery, context: CamShareContext, device_id: int, channel: int
) -> None:
    """A new message with the channel's snapshot, below the tapped one."""
    try:
        photo, caption, keyboard = await _snapshot(context, query, device_id, channel)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    assert query.message
    await query.message.chat.send_photo(
        photo, caption=caption, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def show_live(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    shown = ShowLive.unpack(query.data)
    await _replace_photo(query, context, shown.device_id, shown.channel)


async def move_camera(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    tapped = MoveCamera.unpack(query.data)
    if tapped.move not in MOVES:
        await query.answer(_(ACCESS_ENDED), show_alert=True)
        return
    ptz_move = MOVES[tapped.move][1]
    await _replace_photo(
        query,
        context,
        tapped.device_id,
        tapped.channel,
        move=lambda pool, target: pool.ptz_move(target, tapped.channel, ptz_move),
    )


async def go_to_preset(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query
    tapped = GoToPreset.unpack(query.data)
    await _replace_photo(
        query,
        context,
        tapped.device_id,
        tapped.channel,
        move=lambda pool, target: pool.goto_preset(target, tapped.channel, tapped.preset_id),
    )


async def _show_picker(
    query: CallbackQuery, context: CamShareContext, device_id: int, *, offset: int
) -> None:
    found = await channels_held(query, context, device_id, Permission.LIVE_VIEW)
    if found is None:
        return
    use, held = found
    if len(held) == 1:  # a camera: nothing to choose
        await _send_photo(query, context, device_id, held[0].number)
        return
    await query.answer()
    rows = channel_rows(
        held,
        offset=offset,
        pick=lambda number: PickLiveChannel(device_id, number),
        turn=lambda at: LivePage(device_id, at),
    )
    await edit_screen(
        query,
        _("📷 <b>{device}</b>: which channel? Each tap takes a fresh snapshot.").format(
            device=escape(use.name)
        ),
        inline(*rows, [back_button(use)]),
    )


Move = Callable[[DevicePool, DeviceTarget], Awaitable[None]]


async def _replace_photo(
    query: CallbackQuery,
    context: CamShareContext,
    device_id: int,
    channel: int,
    *,
    move: Move | None = None,
) -> None:
    """The tapped photo becomes `channel`'s snapshot, after `move` (PTZ) if given."""
    try:
        photo, caption, keyboard = await _snapshot(context, query, device_id, channel, move=move)
    except (PermissionNotHeld, DeviceNotFound):
        await query.answer(_(ACCESS_ENDED), show_alert=True)
        await remove_buttons(query)  # once: a second tap changes nothing
        return
    except TooManyTaps as error:
        await query.answer(as_alert(error))  # a toast: the photo is still there
        return
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    await query.edit_message_media(
        InputMediaPhoto(photo, caption=caption, parse_mode=ParseMode.HTML), reply_markup=keyboard
    )


async def _snapshot(
    context: CamShareContext,
    query: CallbackQuery,
    device_id: int,
    channel: int,
    *,
    move: Move | None = None,
) -> tuple[bytes, str, InlineKeyboardMarkup]:
    """Check the tapper's hold now, move the camera if asked, take the picture."""
    services = context.services
    pool = services.devices.pool
    pool.take_tap(query.from_user.id)
    needed = (Permission.PTZ,) if move is not None else ()
    use, held, target = await channel_in_use(
        context, query.from_user.id, device_id, channel, Permission.LIVE_VIEW, *needed
    )
    try:
        async with asyncio.timeout(TAP_SECONDS):
            if move is not None:
                await move(pool, target)
            picture = await pool.snapshot(target, channel, fresh=move is not None)
            presets = await _presets(pool, target, held)
    except TimeoutError:
        raise DeviceNotAnswering(device_name=use.name, timed_out=True) from None
    try:
        photo = await fit_for_telegram(picture)
    except OSError:  # Pillow: not a picture it can read
        raise DeviceRequestRefused(device_name=use.name) from None
    taken = _("Taken {moment}").format(moment=format_moment(services.clock()))
    caption = f"📷 <b>{escape(use.name)}</b> · {escape(channel_label(held))}\n{taken}"
    return photo, caption, _photo_keyboard(use, held, presets)


async def _presets(pool: DevicePool, target: DeviceTarget, held: HeldChannel) -> list[Preset]:
    """The channel's presets where PTZ is held; a device that has none, or will not say, has
    none here either."""
    if Permission.PTZ not in held.permissions:
        return []
    try:
        return await pool.presets(target, held.number)
    except SharingError:
        return []


def _photo_keyboard(
    use: DeviceUse, held: HeldChannel, presets: list[Preset]
) -> InlineKeyboardMarkup:
    device_id, number = use.device_id, held.number
    before, after = use.neighbours(number, Permission.LIVE_VIEW)
    navigation = [
        *([button("‹", ShowLive(device_id, before))] if before is not None else []),
        button(_("🔄 Refresh"), ShowLive(device_id, number)),
        *([button("›", ShowLive(device_id, after))] if after is not None else []),
    ]
    rows: list[list[InlineKeyboardButton]] = [navigation]
    if Permission.PTZ in held.permissions:
        arrows = [
            button(label, MoveCamera(device_id, number, code))
            for code, (label, __) in MOVES.items()
        ]
        rows += [arrows[:4], arrows[4:]]
        shown = [
            button(f"⭐ {preset.name or preset.id}"[:32], GoToPreset(device_id, number, preset.id))
            for preset in presets[:PRESETS_SHOWN]
        ]
        rows += [shown[i : i + 3] for i in range(0, len(shown), 3)]
    return inline(*rows)


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(watch_device, pattern=WatchDevice.pattern()),
        CallbackQueryHandler(turn_live_page, pattern=LivePage.pattern()),
        CallbackQueryHandler(pick_channel, pattern=PickLiveChannel.pattern()),
        CallbackQueryHandler(show_live, pattern=ShowLive.pattern()),
        CallbackQueryHandler(move_camera, pattern=MoveCamera.pattern()),
        CallbackQueryHandler(go_to_preset, pattern=GoToPreset.pattern()),
    ]
