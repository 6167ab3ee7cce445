"""Asking Telegram who is in a group and who runs it.

Telegram is the authority, asked when it matters (a link, an /allowlinking): what the bot saw
earlier may be stale, and a client can forge callback data but not getChatMember's answer.
"""

from enum import Enum, auto

from telegram import ChatMember, Message
from telegram.error import BadRequest, Forbidden

from handlers.common.context import CamShareContext
from handlers.common.notify import CHAT_NOT_FOUND


class Membership(Enum):
    MEMBER = auto()
    NOT_MEMBER = auto()
    BOT_NOT_THERE = auto()
    """The bot is not in the group (any more)."""


async def membership(context: CamShareContext, *, chat_id: int, user_id: int) -> Membership:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except Forbidden:
        return Membership.BOT_NOT_THERE
    except BadRequest as error:
        if CHAT_NOT_FOUND.search(error.message):
            return Membership.BOT_NOT_THERE
        return Membership.NOT_MEMBER  # e.g. "user not found": never in the group
    return Membership.MEMBER if is_present(member) else Membership.NOT_MEMBER


async def is_administrator(context: CamShareContext, message: Message) -> bool:
    """Whether the sender of `message` administers its group.

    An administrator who posts anonymously sends as the group itself (`sender_chat`); only
    administrators can, so that is proof enough, and getChatMember could not tell who it was.
    """
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True
    if message.from_user is None:
        return False
    return await administers(context, chat_id=message.chat.id, user_id=message.from_user.id)


async def administers(context: CamShareContext, *, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the group: for a tap, whose sender is always a person."""
    member = await context.bot.get_chat_member(chat_id, user_id)
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


def is_present(member: ChatMember) -> bool:
    """In the chat, whatever the role: a restricted member is still a member."""
    if member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER):
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))
