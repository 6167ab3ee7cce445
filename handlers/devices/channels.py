"""What 📷 Live view and 🎞 Recordings share: the channels a person holds a permission on, read
at the tap (R13), offered as buttons a page at a time, and the way back to the device."""

from collections.abc import Callable

from telegram import CallbackQuery, InlineKeyboardButton

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext
from handlers.common.keyboards import button
from handlers.common.listing import pager
from handlers.devices.device_card import OpenDevice
from handlers.manage.received_screens import OpenReceived
from languages import _
from sharing.devices import access, connections
from sharing.devices.access import DeviceUse, HeldChannel
from sharing.devices.connections import DeviceTarget
from sharing.errors import DeviceNotConnected, PermissionNotHeld, SharingError
from storage.models import Permission
from wording.refusals import as_alert

CHANNELS_PER_PAGE = 20


async def channels_held(
    query: CallbackQuery, context: CamShareContext, device_id: int, permission: Permission
) -> tuple[DeviceUse, tuple[HeldChannel, ...]] | None:
    """The tapper's hold on the device and the channels `permission` is held on, if the device
    is connected and there is one; otherwise the tap is answered with why not, and None."""
    try:
        async with context.services.database.read() as session:
            use = await access.device_use(
                session, account_id=query.from_user.id, device_id=device_id
            )
        if not use.connected:
            raise DeviceNotConnected(device_name=use.name)
        held = use.holding(permission)
        if not held:
            raise PermissionNotHeld(permission=permission.name or "")
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return None
    return use, held


async def channel_in_use(
    context: CamShareContext,
    account_id: int,
    device_id: int,
    channel: int,
    permission: Permission,
    *also: Permission,
) -> tuple[DeviceUse, HeldChannel, DeviceTarget]:
    """The person's hold of `permission` (and `also`) on the channel now (R13), and how to
    reach the device; PermissionNotHeld, DeviceNotFound or DeviceNotConnected otherwise."""
    services = context.services
    async with services.database.read() as session:
        use = await access.device_use(session, account_id=account_id, device_id=device_id)
        held = use.channel(channel, permission)
        for needed in also:
            use.channel(channel, needed)
        target = await connections.device_target(
            session, device_id=device_id, sealer=services.devices.sealer
        )
    if target is None:
        raise DeviceNotConnected(device_name=use.name)
    return use, held, target


def channel_rows(
    held: tuple[HeldChannel, ...],
    *,
    offset: int,
    pick: Callable[[int], CallbackData],
    turn: Callable[[int], CallbackData],
) -> list[list[InlineKeyboardButton]]:
    """A page of channel buttons, two a row, and ‹ Previous / Next ›."""
    page = held[offset : offset + CHANNELS_PER_PAGE]
    buttons = [button(channel_label(channel), pick(channel.number)) for channel in page]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [*rows, pager(offset, CHANNELS_PER_PAGE, len(held), turn)]


def channel_label(channel: HeldChannel) -> str:
    """Plain text (a button's label): escape it for HTML."""
    mark = "🔴 " if channel.online is False else ""
    return f"{mark}{channel.number}. {channel.name}"


def back_button(use: DeviceUse) -> InlineKeyboardButton:
    """Back to where the device was opened: the card for its owner, /received for others."""
    if use.share_id is not None:
        return button(_("« Back"), OpenReceived(use.share_id))
    return button(_("« Device"), OpenDevice(use.device_id))
