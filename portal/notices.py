"""What the portal needs Telegram to say after a change, as the chat says it.

The portal cannot send Telegram messages itself (it does not import telegram or handlers/);
bot.app gives it an implementation made of the handlers' own messages, so that a share saved
or deleted in the portal reaches the other side exactly as the same change made in the chat.

As in the chat, a change's messages are owed in the change's own write transaction: the
`*_line` methods word an installer group's line (HTML) in the current reader's language, made
once in each language of the groups that hear of the device (`sharing.groups.group_outbox`);
the `owe_*` methods owe the people's messages (`sharing.people.person_outbox`), which `send`
sends after the commit and the bot's job sends if that fails: nothing is lost.
"""

from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.people.person_outbox import Owed
from sharing.views import ShareChange, ShareView


class ShareNotices(Protocol):
    def share_saved_line(self, change: ShareChange) -> str: ...

    def share_deleted_by_owner_line(self, share: ShareView) -> str: ...

    def share_deleted_by_recipient_line(self, share: ShareView) -> str: ...

    async def owe_share_saved(
        self, session: AsyncSession, change: ShareChange, *, owner_name: str
    ) -> list[Owed]:
        """The recipient's prompt (or "your access changed", or nothing while nobody has
        proved the address), and an older prompt closed; the notice or prompt is the last."""
        ...

    async def owe_share_revoked(
        self, session: AsyncSession, share: ShareView, *, owner_name: str
    ) -> list[Owed]:
        """The recipient is told (R12)."""
        ...

    async def owe_invitation_cancelled(self, session: AsyncSession, share: ShareView) -> list[Owed]:
        """The recipient's prompt, if delivered, loses its buttons and says why."""
        ...

    async def owe_share_removed(
        self, session: AsyncSession, share: ShareView, *, recipient_name: str
    ) -> list[Owed]:
        """The owner is told that the recipient deleted the device from their list (R12)."""
        ...

    async def send(self, owed: list[Owed]) -> bool:
        """After the commit: sends what was owed (the job sends what fails now); whether the
        last reached its reader or is on its way (True when nothing was owed)."""
        ...

    def share_saved_outcome(self, change: ShareChange, *, told: bool) -> str:
        """What the owner reads once the recipient was told, or not (HTML)."""
        ...
