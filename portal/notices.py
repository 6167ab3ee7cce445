"""What the portal needs Telegram to say after a change, as the chat says it.

The portal cannot send Telegram messages itself (it does not import telegram or handlers/);
bot.app gives it an implementation made of the handlers' own messages, so that a share saved
or deleted in the portal reaches the other side exactly as the same change made in the chat.

The `*_line` methods word an installer group's line (HTML) in the current reader's language;
the change's own write transaction queues them (`sharing.groups.group_outbox`), made once in
each language of the groups that hear of the device. The others run after the commit.
"""

from typing import Protocol

from sharing.views import ShareChange, ShareView


class ShareNotices(Protocol):
    def share_saved_line(self, change: ShareChange) -> str: ...

    def share_deleted_by_owner_line(self, share: ShareView) -> str: ...

    def share_deleted_by_recipient_line(self, share: ShareView) -> str: ...

    async def share_saved(self, change: ShareChange, *, owner_name: str) -> str:
        """The recipient's prompt (or "your access changed", or nothing while nobody has
        proved the address), and an older prompt closed; returns what the owner reads (HTML)."""
        ...

    async def share_revoked(self, share: ShareView, *, owner_name: str) -> bool:
        """The recipient is told (R12); whether Telegram took the message."""
        ...

    async def invitation_cancelled(self, share: ShareView) -> None:
        """The recipient's prompt, if delivered, loses its buttons and says why."""
        ...

    async def share_removed(self, share: ShareView, *, recipient_name: str) -> None:
        """The owner is told that the recipient deleted the device from their list (R12)."""
        ...
