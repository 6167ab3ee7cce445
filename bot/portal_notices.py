"""The portal's `ShareNotices`, made of the chat's own messages (handlers/): a change made in
the portal reaches the other side in Telegram exactly as the same change made in the chat."""

from typing import Any

from telegram.ext import Application

from bot.telegram_pace import interactive
from handlers.common.context import CamShareContext
from handlers.groups import lines as group_lines
from handlers.manage.received import tell_owner_share_removed
from handlers.manage.shared import close_cancelled_invitation, tell_share_revoked
from handlers.share.finish import announce_share
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

    async def share_saved(self, change: ShareChange, *, owner_name: str) -> str:
        with interactive():
            return await announce_share(self._context(), change, owner_name)

    async def share_revoked(self, share: ShareView, *, owner_name: str) -> bool:
        with interactive():
            return await tell_share_revoked(self._context(), share, owner_name)

    async def invitation_cancelled(self, share: ShareView) -> None:
        with interactive():
            await close_cancelled_invitation(self._context(), share)

    async def share_removed(self, share: ShareView, *, recipient_name: str) -> None:
        with interactive():
            await tell_owner_share_removed(self._context(), share, recipient_name)
