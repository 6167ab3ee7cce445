"""`/link` and `/unlink` in an installer group: the sender's own devices as buttons, a page at
a time, to link to the group or unlink from it.

The buttons carry the sender's id, so anyone else's tap is turned away at once; and since
callback data can be forged, the service checks again that the tapper owns the device, and
Telegram (getChatMember) that they are a member. The rules (owner only, members only, only
where an administrator allowed linking) are in sharing.groups.installer_groups; the same from a
device card is in handlers.groups.device_groups.
"""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.listing import short
from handlers.groups.members import Membership, membership
from languages import N_, _, ngettext
from sharing.errors import LinkingNotAllowed, SharingError
from sharing.groups import installer_groups
from sharing.groups.installer_groups import GroupView
from sharing.paging import Page
from sharing.people import accounts
from sharing.views import DeviceRef
from wording.formatting import device_type_icon, escape
from wording.refusals import as_alert, describe

PAGE_SIZE = 8
NAMES_SHOWN = 10
GROUP_FORGOTTEN = N_("I don't know this group any more: send /link here again.")
"""Said in the group itself, where `describe(GroupNotFound)` (add me to the group again, then
send /link there) would make no sense."""
NOT_YOUR_BUTTONS = N_(
    "These buttons belong to whoever sent the command. Send /link or /unlink yourself to see"
    " your own devices."
)


@dataclass(frozen=True)
class LinkHere(CallbackData, prefix="gln"):
    """In a group: link this device of `user_id`'s (who sent /link) to the group."""

    user_id: int
    device_id: int
    offset: int


@dataclass(frozen=True)
class UnlinkHere(CallbackData, prefix="glu"):
    user_id: int
    device_id: int
    offset: int


@dataclass(frozen=True)
class TurnLinkPage(CallbackData, prefix="glp"):
    user_id: int
    offset: int


@dataclass(frozen=True)
class TurnUnlinkPage(CallbackData, prefix="glq"):
    user_id: int
    offset: int


@dataclass(frozen=True)
class CloseLinking(CallbackData, prefix="glx"):
    user_id: int


# --- in the group: /link and /unlink -------------------------------------------------------------


async def start_linking(update: Update, context: CamShareContext) -> None:
    await _open_picker(update, context, linking=True)


async def start_unlinking(update: Update, context: CamShareContext) -> None:
    await _open_picker(update, context, linking=False)


async def _open_picker(update: Update, context: CamShareContext, *, linking: bool) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.services.database.read() as session:
        account = await accounts.find_account(session, user.id)
        group = await installer_groups.find_group(session, chat_id=message.chat.id)
    if account is None:
        await message.reply_html(
            _(
                "I don't know you yet, {name}. Open a private chat with me, send /start and add"
                " your devices; then send /link here."
            ).format(name=escape(user.first_name))
        )
        return
    # Hardly ever: the guard (handlers.groups.chats.note_speaker) has just noted it.
    if group is None:
        await message.reply_html(_(GROUP_FORGOTTEN))
        return
    if linking and not group.linking_allowed:
        await message.reply_html(describe(LinkingNotAllowed(group.title)))
        return
    text, keyboard = await _picker(context, user, group, linking=linking, offset=0)
    await message.reply_html(text, reply_markup=keyboard)


async def link_here(update: Update, context: CamShareContext) -> None:
    await _pick(update, context, linking=True)


async def unlink_here(update: Update, context: CamShareContext) -> None:
    await _pick(update, context, linking=False)


async def _pick(update: Update, context: CamShareContext, *, linking: bool) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    data = (LinkHere if linking else UnlinkHere).unpack(query.data)
    group = await _callers_group(query, context, user, chat.id, data.user_id)
    if group is None:
        return
    services = context.services
    try:
        if linking:
            present = await membership(context, chat_id=chat.id, user_id=user.id)
            async with services.database.write() as session:
                change = await installer_groups.link_device(
                    session,
                    owner_id=user.id,
                    device_id=data.device_id,
                    group_id=group.id,
                    is_member=present is Membership.MEMBER,
                    now=services.clock(),
                )
        else:
            async with services.database.write() as session:
                change = await installer_groups.unlink_device(
                    session, owner_id=user.id, device_id=data.device_id, group_id=group.id
                )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer(_("Linked") if linking else _("Unlinked"))
    notice = (
        _("🔗 <b>{device}</b> is linked to this group.")
        if linking
        else _("<b>{device}</b> is unlinked: this group no longer hears about it.")
    ).format(device=escape(change.device.name))
    screen = await _picker(context, user, group, linking=linking, offset=data.offset, notice=notice)
    await edit_screen(query, *screen)


async def turn_link_page(update: Update, context: CamShareContext) -> None:
    await _turn_page(update, context, linking=True)


async def turn_unlink_page(update: Update, context: CamShareContext) -> None:
    await _turn_page(update, context, linking=False)


async def _turn_page(update: Update, context: CamShareContext, *, linking: bool) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    data = (TurnLinkPage if linking else TurnUnlinkPage).unpack(query.data)
    group = await _callers_group(query, context, user, chat.id, data.user_id)
    if group is None:
        return
    await query.answer()
    await edit_screen(
        query, *await _picker(context, user, group, linking=linking, offset=data.offset)
    )


async def close_linking(update: Update, context: CamShareContext) -> None:
    """Done: the buttons go, and the message keeps what is linked here now."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    caller_id = CloseLinking.unpack(query.data).user_id
    group = await _callers_group(query, context, user, chat.id, caller_id)
    if group is None:
        return
    async with context.services.database.read() as session:
        linked = await _linked_here(session, user, group)
    await query.answer()
    await edit_screen(query, f"🔗 {escape(user.full_name)}: {_linked_status(linked)}", None)


async def _picker(
    context: CamShareContext,
    user: User,
    group: GroupView,
    *,
    linking: bool,
    offset: int,
    notice: str = "",
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The caller's devices not linked here (`linking`) or linked here, a page at a time."""
    async with context.services.database.read() as session:
        choices = await _choices(session, user, group, linking=linking, offset=offset)
        if not choices.items and offset > 0:  # the last one on the page was just tapped
            offset = max(offset - PAGE_SIZE, 0)
            choices = await _choices(session, user, group, linking=linking, offset=offset)
        linked = await _linked_here(session, user, group) if linking else None
    name = escape(user.full_name)
    top = f"{notice}\n\n" if notice else ""
    if choices.total == 0:
        if not linking:
            nothing = _("{name}, none of your devices is linked here. /link links one.")
        elif linked is None or linked.total == 0:
            nothing = _(
                "{name}, you have no devices yet. Add one in a private chat with me"
                " (/adddevice), then send /link here."
            )
        else:
            nothing = _("{name}, all your devices are linked here. /unlink unlinks one.")
        return top + nothing.format(name=name), None
    pick, turn = (LinkHere, TurnLinkPage) if linking else (UnlinkHere, TurnUnlinkPage)
    rows = [
        [button(_device_label(device), pick(user.id, device.id, offset))]
        for device in choices.items
    ]
    paging: list[InlineKeyboardButton] = []
    if choices.has_previous:
        paging.append(button(_("‹ Previous"), turn(user.id, max(offset - PAGE_SIZE, 0))))
    if choices.has_next:
        paging.append(button(_("Next ›"), turn(user.id, offset + PAGE_SIZE)))
    if linked is not None:
        ask = (
            _(
                "🔗 {name}, tap a device to link it to this group: the group will hear about its"
                " invitations, shares and applications."
            ).format(name=name)
            + f"\n\n{_linked_status(linked)}"
        )
    else:
        ask = _("{name}, tap a device to unlink it: this group stops hearing about it.").format(
            name=name
        )
    return top + ask, inline(*rows, paging, [button(_("✔️ Done"), CloseLinking(user.id))])


async def _choices(
    session: AsyncSession, user: User, group: GroupView, *, linking: bool, offset: int
) -> Page[DeviceRef]:
    return await installer_groups.owner_devices_for_group(
        session,
        owner_id=user.id,
        group_id=group.id,
        linked=not linking,
        offset=offset,
        limit=PAGE_SIZE,
    )


async def _linked_here(session: AsyncSession, user: User, group: GroupView) -> Page[DeviceRef]:
    return await installer_groups.owner_devices_for_group(
        session, owner_id=user.id, group_id=group.id, linked=True, offset=0, limit=NAMES_SHOWN
    )


def _linked_status(linked: Page[DeviceRef]) -> str:
    if linked.total == 0:
        return _("None of your devices is linked here yet.")
    names = ", ".join(f"<b>{escape(device.name)}</b>" for device in linked.items)
    if not linked.has_next:
        return _("Linked here: {devices}.").format(devices=names)
    more = linked.total - len(linked.items)
    return ngettext(
        "Linked here: {devices} and {count} more.", "Linked here: {devices} and {count} more.", more
    ).format(devices=names, count=more)


async def _callers_group(
    query: CallbackQuery, context: CamShareContext, user: User, chat_id: int, caller_id: int
) -> GroupView | None:
    """The group a picker's button was tapped in, if the tap may act there: only whoever sent
    /link or /unlink may use its buttons, in a group the bot still knows. Otherwise the tap is
    answered with why, and None returned."""
    if user.id != caller_id:
        await query.answer(_(NOT_YOUR_BUTTONS), show_alert=True)
        return None
    async with context.services.database.read() as session:
        group = await installer_groups.find_group(session, chat_id=chat_id)
    if group is None:
        await query.answer(_(GROUP_FORGOTTEN), show_alert=True)
    return group


# --- bits ----------------------------------------------------------------------------------------


def _device_label(device: DeviceRef) -> str:
    return f"{device_type_icon(device.type)} {short(device.name)}"


def build_handlers() -> list[Handler]:
    groups = filters.ChatType.GROUPS
    return [
        CommandHandler("link", start_linking, filters=groups),
        CommandHandler("unlink", start_unlinking, filters=groups),
        CallbackQueryHandler(link_here, pattern=LinkHere.pattern()),
        CallbackQueryHandler(unlink_here, pattern=UnlinkHere.pattern()),
        CallbackQueryHandler(turn_link_page, pattern=TurnLinkPage.pattern()),
        CallbackQueryHandler(turn_unlink_page, pattern=TurnUnlinkPage.pattern()),
        CallbackQueryHandler(close_linking, pattern=CloseLinking.pattern()),
    ]
