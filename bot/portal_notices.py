"""The portal's `ShareNotices`, made of the chat's own messages (handlers/): a change made in
the portal reaches the other side in Telegram exactly as the same change made in the chat."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import Application

from bot.telegram_pace import interactive
from handlers.common.context import CamShareContext
from handlers.common.owed import send_owed
from handlers.groups import lines as group_lines
from handlers.manage.received import owe_share_left
from handlers.manage.shared import owe_cancelled_prompt_closed, owe_share_stopped
from handlers.share.finish import owe_recipient, share_outcome
from sharing.people.person_outbox import Owed
from sharing.views import ShareChange, ShareView


class ChatNotices:
    """Sends as the bot, outside any update, with a context of its own; in the interactive
    lane (bot.telegram_pace), as the chat's answers to someone's own tap are."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._application = application

    def _context(self) -> CamShareContext:
        return CamShareContext(self._application)

    def share_saved_line(self, change: ShareChange) -> str:
        return group_lines.share_saved(change)

    def share_deleted_by_owner_line(self, share: ShareView) -> str:
        return group_lines.share_deleted_by_owner(share)

    def share_deleted_by_recipient_line(self, share: ShareView) -> str:
        return group_lines.share_deleted_by_recipient(share)

    async def owe_share_saved(
        self, session: AsyncSession, change: ShareChange, *, owner_name: str
    ) -> list[Owed]:
        return await owe_recipient(self._context(), session, change, owner_name)

    async def owe_share_revoked(
        self, session: AsyncSession, share: ShareView, *, owner_name: str
    ) -> list[Owed]:
        return await owe_share_stopped(self._context(), session, share, owner_name=owner_name)

    async def owe_invitation_cancelled(self, session: AsyncSession, share: ShareView) -> list[Owed]:
        return await owe_cancelled_prompt_closed(self._context(), session, share)

    async def owe_share_removed(
        self, session: AsyncSession, share: ShareView, *, recipient_name: str
    ) -> list[Owed]:
        return await owe_share_left(self._context(), session, share, recipient_name=recipient_name)

    async def send(self, owed: list[Owed]) -> bool:
        if not owed:
            return True
        with interactive():
            return (await send_owed(self._context(), owed))[owed[-1].id]

    def share_saved_outcome(self, change: ShareChange, *, told: bool) -> str:
        return share_outcome(change, told=told)
