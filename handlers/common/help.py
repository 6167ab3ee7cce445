"""The command list (registered with setMyCommands at start-up) and `/help`."""

from telegram import BotCommand, Update
from telegram.ext import CommandHandler

from handlers.common.context import CamShareContext

COMMANDS = (
    BotCommand("devices", "Your devices"),
    BotCommand("adddevice", "Add a camera, NVR or DVR"),
    BotCommand("share", "Share a device with someone"),
    BotCommand("shared", "Devices you share: who has them, edit, delete"),
    BotCommand("received", "Devices shared with you, and invitations"),
    BotCommand("groups", "Groups that hear about your devices"),
    BotCommand("myqr", "Your QR code, for owners to share with you"),
    BotCommand("myaccount", "Your account: region and phone"),
    BotCommand("email", "Verify your email address"),
    BotCommand("help", "What I can do"),
    BotCommand("cancel", "Leave the current step"),
    BotCommand("start", "Set up your account"),
)

GROUP_COMMANDS = (
    BotCommand("link", "Link your devices to this group"),
    BotCommand("unlink", "Unlink your devices from this group"),
    BotCommand("allowlinking", "Administrators: let members link devices here"),
    BotCommand("stoplinking", "Administrators: stop new links here"),
    BotCommand("help", "What I do in this group"),
)
"""Registered for group chats (BotCommandScopeAllGroupChats); handlers.groups.chats answers them."""


def help_text() -> str:
    lines = [f"/{command.command} — {command.description}" for command in COMMANDS]
    return (
        "<b>CamShare</b> shares your CCTV devices channel by channel, with the permissions you"
        " choose (Live View, Playback, Alarm, Two-way Audio, PTZ).\n\n" + "\n".join(lines)
    )


async def show_help(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_html(help_text())


def build_handler() -> CommandHandler[CamShareContext, None]:
    return CommandHandler("help", show_help)
