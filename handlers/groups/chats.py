"""Installer groups on Telegram: the bot joining and leaving a group, a group becoming a
supergroup, who is seen there, the administrators' `/allowlinking` and `/stoplinking`, and
`/groups` in a private chat. Linking itself is in handlers.groups.linking.

In a group the bot speaks when it joins and when a command is sent to it, never otherwise: it
works with Telegram's privacy mode on, where a bot receives commands and service messages only.

Who may allow linking: an administrator of the group, checked with Telegram (getChatMember)
when they send `/allowlinking`. Linking is then open to every member who owns a device, so a
customer who is a plain member of the installer's group can link their own device; the
administrator decides whether the group takes devices at all, and `/stoplinking` closes it.
"""

import logging

from telegram import Chat, ChatMemberUpdated, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, CommandHandler, MessageHandler, filters

from handlers.common.accounts import current_account
from handlers.common.context import CamShareContext, Handler
from handlers.common.help import GROUP_COMMANDS, translated
from handlers.common.listing import short
from handlers.groups.lines import NAME_CHARS
from handlers.groups.members import is_administrator, is_present
from languages import _, language_for, ngettext, speaking
from sharing.errors import SharingError
from sharing.groups import installer_groups
from sharing.groups.installer_groups import LinkedGroup
from wording.formatting import escape
from wording.refusals import describe

log = logging.getLogger(__name__)

GROUP_CHATS = filters.ChatType.GROUPS
GROUP_ONLY_COMMANDS = ("link", "unlink", "allowlinking", "stoplinking")
MESSAGE_CHARS = 4096
GROUP_NAMES_SHOWN = 10
"""Device names shown for one group in /groups; the rest are counted."""


def group_help_text() -> str:
    commands = "\n".join(
        f"/{command.command} — {command.description}" for command in translated(GROUP_COMMANDS)
    )
    return "\n\n".join(
        [
            _(
                "<b>CamShare</b> tells this group what happens to the CCTV devices linked to it:"
                " invitations, accepts, declines, expiries, applications, changes and deletions,"
                " one short line each."
            ),
            _(
                "1. An administrator sends /allowlinking once.\n"
                "2. Device owners send /link here and tap their devices (or tap 👥 Groups on a"
                " device card, in a private chat with me)."
            ),
            commands,
            _("Removing me from the group unlinks every device. I answer commands only."),
        ]
    )


# --- the bot's own membership --------------------------------------------------------------------


async def bot_membership_changed(update: Update, context: CamShareContext) -> None:
    """Added: remember the group and say hello. Removed or banned: forget it and its links,
    quietly (the bot can no longer write there)."""
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return  # a private chat blocked or unblocked, or a channel
    was_in, is_in = is_present(change.old_chat_member), is_present(change.new_chat_member)
    services = context.services
    if was_in and not is_in:
        async with services.database.write() as session:
            await installer_groups.forget_group(session, chat_id=chat.id)
    elif is_in and not was_in:
        await _joined(context, change)


async def _joined(context: CamShareContext, change: ChatMemberUpdated) -> None:
    """A new group speaks its adder's language: their account's, else what Telegram gives."""
    services = context.services
    adder = change.from_user
    reader = await services.readers.reader_of(services.database, adder.id, now=services.clock())
    async with services.database.write() as session:
        group, __ = await installer_groups.note_bot_added(
            session,
            chat_id=change.chat.id,
            title=change.chat.title or "",
            added_by=adder.id,
            now=services.clock(),
            language=reader[0] if reader else language_for(adder.language_code),
        )
    with speaking(group.language):
        hello = (
            _("👋 Hello, {title}!").format(title=escape(change.chat.title))
            if change.chat.title
            else _("👋 Hello, everyone!")
        )
        text = f"{hello}\n\n{group_help_text()}"
    try:
        await change.chat.send_message(text, parse_mode=ParseMode.HTML)
    except TelegramError as error:
        # Added where it may not write (a restricted supergroup): it answers commands later.
        log.info("could not greet group %s: %s", change.chat.id, error.message)


async def group_migrated(update: Update, context: CamShareContext) -> None:
    """The group became a supergroup with a new chat id: its links and news go with it.

    Telegram says so in both chats (`migrate_to_chat_id` in the old, `migrate_from_chat_id` in
    the new); whichever arrives first moves the group, the other finds nothing left to move.
    """
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with context.services.database.write() as session:
        await installer_groups.move_group(session, old_chat_id=old, new_chat_id=new)


async def note_speaker(update: Update, context: CamShareContext) -> None:
    """A guard on every command in a group: remember that its sender is there, which is how the
    device card knows which groups to offer. Answers nothing, so the handlers still run."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return  # anonymous administrators write as a bot
    services = context.services
    async with services.database.write() as session:
        await installer_groups.note_seen(
            session,
            chat_id=message.chat.id,
            title=message.chat.title or "",
            user_id=user.id,
            now=services.clock(),
        )


# --- administrators ------------------------------------------------------------------------------


async def allow_linking(update: Update, context: CamShareContext) -> None:
    await _set_linking(update, context, allowed=True)


async def stop_linking(update: Update, context: CamShareContext) -> None:
    await _set_linking(update, context, allowed=False)


async def _set_linking(update: Update, context: CamShareContext, *, allowed: bool) -> None:
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    services = context.services
    is_admin = await is_administrator(context, message)
    try:
        async with services.database.write() as session:
            await installer_groups.set_linking(
                session,
                chat_id=message.chat.id,
                title=message.chat.title or "",
                admin_id=update.effective_user.id,
                is_admin=is_admin,
                allowed=allowed,
                now=services.clock(),
            )
    except SharingError as error:
        await message.reply_html(describe(error))
        return
    if allowed:
        await message.reply_html(
            _(
                "🔓 Linking is allowed in this group. Device owners: send /link here and tap your"
                " devices; the group will hear about their invitations, shares and applications."
            )
        )
    else:
        await message.reply_html(
            _(
                "🔒 Linking is stopped: no more devices can be linked here. Devices linked"
                " already stay linked until their owners send /unlink, or until I am removed"
                " from the group."
            )
        )


# --- in a private chat ---------------------------------------------------------------------------


async def show_my_groups(update: Update, context: CamShareContext) -> None:
    """`/groups`: the groups my devices are linked to."""
    account = await current_account(update, context)
    if account is None:
        return
    message = update.effective_message
    assert message is not None
    async with context.services.database.read() as session:
        linked = await installer_groups.linked_groups(session, owner_id=account.id)
    if not linked:
        await message.reply_html(
            _(
                "None of your devices is linked to a group. To link one: add me to your"
                " installer's group, ask an administrator there to send /allowlinking, then send"
                " /link in the group (or tap 👥 Groups on a device card in /devices)."
            )
        )
        return
    heading = _("👥 <b>Groups that hear about your devices</b>")
    footer = _("Send /unlink in a group, or tap 👥 Groups on a device card, to unlink one.")
    lines = _fitting([_group_line(item) for item in linked], room=MESSAGE_CHARS - 200)
    await message.reply_html("\n".join([heading, *lines, "", footer]))


def _group_line(item: LinkedGroup) -> str:
    names = item.device_names
    shown = ", ".join(escape(short(name, NAME_CHARS)) for name in names[:GROUP_NAMES_SHOWN])
    title = escape(short(item.group.title, NAME_CHARS))
    if len(names) <= GROUP_NAMES_SHOWN:
        return f"• <b>{title}</b>: {shown}"
    more = len(names) - GROUP_NAMES_SHOWN
    return ngettext(
        "• <b>{group}</b>: {devices} and {count} more",
        "• <b>{group}</b>: {devices} and {count} more",
        more,
    ).format(group=title, devices=shown, count=more)


def _fitting(lines: list[str], *, room: int) -> list[str]:
    """As many lines as fit in `room` characters, and a count of the others: an installer's
    many groups must not make a message Telegram refuses."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) + 1 > room:
            others = len(lines) - index
            more = ngettext("… and {count} more group.", "… and {count} more groups.", others)
            return [*kept, more.format(count=others)]
        kept.append(line)
        used += len(line) + 1
    return kept


async def explain_group_command(update: Update, context: CamShareContext) -> None:
    """/link and the administrators' commands act on the group they are sent in."""
    message = update.effective_message
    assert message is not None
    await message.reply_html(
        _(
            "That command works in a group: add me to your installer's group and send it there."
            " An administrator sends /allowlinking once; then device owners send /link there."
        )
        + "\n\n"
        + _(
            "From here, tap 👥 Groups on a device card (/devices) to link it to a group you share"
            " with me, and /groups lists the groups your devices are linked to."
        )
    )


async def show_group_help(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_html(group_help_text())


def build_guards() -> list[Handler]:
    """For a handler group of their own, before all others (bot.app)."""
    return [MessageHandler(GROUP_CHATS & filters.COMMAND, note_speaker)]


def build_handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated),
        CommandHandler("allowlinking", allow_linking, filters=GROUP_CHATS),
        CommandHandler("stoplinking", stop_linking, filters=GROUP_CHATS),
        CommandHandler("help", show_group_help, filters=GROUP_CHATS),
        CommandHandler("groups", show_my_groups, filters=private),
        CommandHandler(list(GROUP_ONLY_COMMANDS), explain_group_command, filters=private),
    ]
