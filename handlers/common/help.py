"""The command list (registered with setMyCommands at start-up, once per language) and `/help`."""

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import BotCommand, Update
from telegram.ext import CommandHandler

from handlers.common.context import CamShareContext
from languages import LANGUAGES, N_, SOURCE_LANGUAGE, _, speaking

# Keywords, not positions: the first is a command's name, not a label to translate.
COMMANDS = (
    BotCommand(command="devices", description=N_("Your devices")),
    BotCommand(command="adddevice", description=N_("Add a camera, NVR or DVR")),
    BotCommand(command="share", description=N_("Share a device with someone")),
    BotCommand(command="shared", description=N_("Devices you share: who has them, edit, delete")),
    BotCommand(command="received", description=N_("Devices shared with you, and invitations")),
    BotCommand(command="groups", description=N_("Groups that hear about your devices")),
    BotCommand(command="myqr", description=N_("Your QR code, for owners to share with you")),
    BotCommand(command="myaccount", description=N_("Your account: region, time zone and phone")),
    BotCommand(command="email", description=N_("Verify your email address")),
    BotCommand(command="language", description=N_("Language of the bot")),
    BotCommand(command="help", description=N_("What I can do")),
    BotCommand(command="cancel", description=N_("Leave the current step")),
    BotCommand(command="start", description=N_("Set up your account")),
)
"""Descriptions in English; `translated` says them in the reader's language."""

GROUP_COMMANDS = (
    BotCommand(command="link", description=N_("Link your devices to this group")),
    BotCommand(command="unlink", description=N_("Unlink your devices from this group")),
    BotCommand(
        command="allowlinking", description=N_("Administrators: let members link devices here")
    ),
    BotCommand(command="stoplinking", description=N_("Administrators: stop new links here")),
    BotCommand(
        command="language", description=N_("Administrators: choose the language I speak here")
    ),
    BotCommand(command="help", description=N_("What I do in this group")),
)
"""Registered for group chats (BotCommandScopeAllGroupChats); handlers.groups.chats answers them."""


def translated(commands: Sequence[BotCommand]) -> list[BotCommand]:
    """The commands with their descriptions in the reader's language: for setMyCommands (made
    inside `languages.speaking`) and the help texts."""
    return [BotCommand(command.command, _(command.description)) for command in commands]


@dataclass(frozen=True)
class CommandMenu:
    """The command lists for the readers of one language, as setMyCommands takes them:
    `language_code` is Telegram's two-letter code, None for the default menu (English)."""

    language_code: str | None
    private: list[BotCommand]
    groups: list[BotCommand]


def command_menus() -> list[CommandMenu]:
    """The default menu in English first, then one for each other language."""
    menus = []
    for language in LANGUAGES:
        with speaking(language):
            menus.append(
                CommandMenu(
                    language_code=None if language == SOURCE_LANGUAGE else telegram_code(language),
                    private=translated(COMMANDS),
                    groups=translated(GROUP_COMMANDS),
                )
            )
    return menus


def telegram_code(language: str) -> str:
    """The two-letter code Telegram gives for a language's readers: "zh" for "zh_Hans"."""
    return language.split("_", 1)[0]


def help_text() -> str:
    lines = [f"/{command.command} — {command.description}" for command in translated(COMMANDS)]
    about = _(
        "<b>CamShare</b> shares your CCTV devices channel by channel, with the permissions you"
        " choose (Live View, Playback, Alarm, Two-way Audio, PTZ)."
    )
    return about + "\n\n" + "\n".join(lines)


async def show_help(update: Update, context: CamShareContext) -> None:
    assert update.effective_message
    await update.effective_message.reply_html(help_text())


def build_handler() -> CommandHandler[CamShareContext, None]:
    return CommandHandler("help", show_help)
