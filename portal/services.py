"""What the portal's endpoints reach: made once by bot.app, the same services the chat uses."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from portal.notices import ShareNotices
from sharing.clock import Clock
from storage.database import Database


@dataclass(frozen=True)
class PortalServices:
    database: Database
    clock: Clock
    invite_ttl: timedelta
    bot_token: str
    """Checks initData's signature (portal.auth); never shown or logged."""
    auth_max_age: timedelta
    notices: ShareNotices
    bot_username: Callable[[], str]
    """The bot's @username, known once it has started: account QR codes link to it."""

    def __repr__(self) -> str:
        return "PortalServices(...)"
