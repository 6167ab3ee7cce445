"""👥 Groups on a device card: the groups that hear about the device, to link or unlink it.

The groups offered are those the device is linked to and those where its owner was seen with
the bot (handlers.groups.chats notes who sends commands in a group). A tap on one asks Telegram
(getChatMember) whether the owner is still a member: that is the authority, and what it says
is remembered (a group the bot has left is forgotten, a group the owner left is no longer
offered). Unlike a `/link` in the group, the group did not see the tap, so it is told.

The rules (owner only, members only, only where an administrator allowed linking) are in
sharing.groups.installer_groups; `/link` and `/unlink` in the group are in handlers.groups.linking.
"""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.ext import CallbackQueryHandler

from handlers.common.callback_data import CallbackData
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.listing import short
from handlers.devices.device_card import OpenDevice, ShowDeviceGroups
from handlers.groups import lines as group_lines
from handlers.groups.members import Membership, membership
from languages import _, speaking
from sharing.errors import GroupNotFound, LinkingNotAllowed, SharingError
from sharing.groups import group_outbox, installer_groups
from sharing.groups.installer_groups import DeviceGroups, GroupChoice, GroupView, LinkChange
from wording.formatting import escape
from wording.refusals import as_alert


@dataclass(frozen=True)
class LinkToGroup(CallbackData, prefix="dgl"):
    """On a device card's group list."""

    device_id: int
    group_id: int


@dataclass(frozen=True)
class UnlinkFromGroup(CallbackData, prefix="dgu"):
    device_id: int
    group_id: int


@dataclass(frozen=True)
class SetGroupAlarms(CallbackData, prefix="dga"):
    """Turn every alarm of the device on (1) or off (0) for a linked group."""

    device_id: int
    group_id: int
    on: int


async def show_device_groups(update: Update, context: CamShareContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    device_id = ShowDeviceGroups.unpack(query.data).device_id
    try:
        async with context.services.database.read() as session:
            groups = await installer_groups.device_groups(
                session, owner_id=user.id, device_id=device_id
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    await edit_screen(query, *_groups_screen(groups))


async def link_to_group(update: Update, context: CamShareContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = LinkToGroup.unpack(query.data)
    services = context.services
    try:
        async with services.database.read() as session:
            group = await installer_groups.get_group(session, group_id=data.group_id)
        if not group.linking_allowed:  # refused before asking Telegram; link_device checks too
            raise LinkingNotAllowed(group.title)
        present = await _ask_membership(context, group, user.id)
        async with services.database.write() as session:
            change = await installer_groups.link_device(
                session,
                owner_id=user.id,
                device_id=data.device_id,
                group_id=group.id,
                is_member=present is Membership.MEMBER,
                now=services.clock(),
            )
            await _queue_news(session, context, user, change, linked=True)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        await _redraw_groups(query, context, user, data.device_id)
        return
    await query.answer(_("Linked"))
    await _redrawn_saying(query, context, user, change, linked=True)


async def unlink_from_group(update: Update, context: CamShareContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = UnlinkFromGroup.unpack(query.data)
    try:
        async with context.services.database.write() as session:
            change = await installer_groups.unlink_device(
                session, owner_id=user.id, device_id=data.device_id, group_id=data.group_id
            )
            await _queue_news(session, context, user, change, linked=False)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        await _redraw_groups(query, context, user, data.device_id)
        return
    await query.answer(_("Unlinked"))
    await _redrawn_saying(query, context, user, change, linked=False)


async def set_group_alarms(update: Update, context: CamShareContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = SetGroupAlarms.unpack(query.data)
    try:
        async with context.services.database.write() as session:
            await installer_groups.set_group_alarms(
                session,
                owner_id=user.id,
                device_id=data.device_id,
                group_id=data.group_id,
                on=bool(data.on),
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer(
        _("🚨 The group hears every alarm.") if data.on else _("The group hears video loss only.")
    )
    await _redraw_groups(query, context, user, data.device_id)


async def _ask_membership(context: CamShareContext, group: GroupView, user_id: int) -> Membership:
    """Telegram's answer, and what it teaches: a group the bot has left is forgotten (it raises
    GroupNotFound), a user who left is no longer offered the group."""
    present = await membership(context, chat_id=group.chat_id, user_id=user_id)
    if present is Membership.MEMBER:
        return present
    async with context.services.database.write() as session:
        if present is Membership.BOT_NOT_THERE:
            await installer_groups.forget_group(session, chat_id=group.chat_id)
        else:
            await installer_groups.forget_sighting(session, group_id=group.id, user_id=user_id)
    if present is Membership.BOT_NOT_THERE:
        raise GroupNotFound(group.id)
    return present


async def _queue_news(
    session: AsyncSession,
    context: CamShareContext,
    user: User,
    change: LinkChange,
    *,
    linked: bool,
) -> None:
    """The group hears of it (it did not see the tap, unlike a /link in the group), in its
    own language."""
    if change.changed:
        news = group_lines.device_linked if linked else group_lines.device_unlinked
        with speaking(change.group.language):
            line = news(owner_name=user.full_name, device_name=change.device.name)
        await group_outbox.queue_line(
            session, group_ids=[change.group.id], line=line, now=context.services.clock()
        )


async def _redrawn_saying(
    query: CallbackQuery, context: CamShareContext, user: User, change: LinkChange, *, linked: bool
) -> None:
    """The list is drawn again, saying what changed."""
    notice = (
        _("🔗 Linked to <b>{group}</b>.") if linked else _("Unlinked from <b>{group}</b>.")
    ).format(group=escape(change.group.title))
    await _redraw_groups(query, context, user, change.device.id, notice=notice)


async def _redraw_groups(
    query: CallbackQuery, context: CamShareContext, user: User, device_id: int, notice: str = ""
) -> None:
    try:
        async with context.services.database.read() as session:
            groups = await installer_groups.device_groups(
                session, owner_id=user.id, device_id=device_id
            )
    except SharingError:
        return  # a forged or stale device id: the alert said so, the message stays as it is
    await edit_screen(query, *_groups_screen(groups, notice=notice))


def _groups_screen(groups: DeviceGroups, *, notice: str = "") -> tuple[str, InlineKeyboardMarkup]:
    device = groups.device
    heading = _("👥 <b>Groups for {device}</b>").format(device=escape(device.name)) + "\n\n"
    if notice:
        heading = f"{notice}\n\n{heading}"
    if groups.choices:
        text = _(
            "Tap a group to link the device to it: the group hears about its invitations,"
            " shares and applications, and when it goes offline or loses video. Tap a ✅ group"
            " to unlink it, and 🔕/🚨 beside it to choose whether it hears every alarm."
        )
    else:
        text = _(
            "I know no group of yours yet. Add me to your installer's group, and send /link"
            " there (an administrator sends /allowlinking first); then it shows here too."
        )
    rows = [_group_row(device.id, choice) for choice in groups.choices]
    return heading + text, inline(*rows, [button(_("« Back to the device"), OpenDevice(device.id))])


def _group_row(device_id: int, choice: GroupChoice) -> list[InlineKeyboardButton]:
    group_id, title = choice.group.id, short(choice.group.title)
    if not choice.linked:
        return [button(f"➕ {title}", LinkToGroup(device_id, group_id))]
    alarms = (
        button(_("🚨 All alarms"), SetGroupAlarms(device_id, group_id, 0))
        if choice.hears_alarms
        else button(_("🔕 Video loss only"), SetGroupAlarms(device_id, group_id, 1))
    )
    return [button(f"✅ {title}", UnlinkFromGroup(device_id, group_id)), alarms]


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(show_device_groups, pattern=ShowDeviceGroups.pattern()),
        CallbackQueryHandler(link_to_group, pattern=LinkToGroup.pattern()),
        CallbackQueryHandler(unlink_from_group, pattern=UnlinkFromGroup.pattern()),
        CallbackQueryHandler(set_group_alarms, pattern=SetGroupAlarms.pattern()),
    ]
