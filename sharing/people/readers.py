"""Each account's language and time zone, remembered for a while: the bot needs them for
nearly every update and every notice, and they change only when their person changes them.

A change made in this process (`/language`, /myaccount, the portal) calls `forget`; one made by
another bot process on the same database is seen within `KEEP_FOR`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sharing.people import accounts
from storage.database import Database

KEEP_FOR = timedelta(minutes=5)
MAX_KEPT = 100_000
"""A few MB at most; beyond it the older half is dropped."""

Reader = tuple[str, str]
"""(language, time zone)."""


@dataclass
class ReaderCache:
    _kept: dict[int, tuple[Reader, datetime]] = field(default_factory=dict)

    async def reader_of(
        self, database: Database, account_id: int, *, now: datetime
    ) -> Reader | None:
        """The account's (language, time zone), or None while there is no account."""
        kept = self._kept.get(account_id)
        if kept is not None and now - kept[1] < KEEP_FOR:
            return kept[0]
        async with database.read() as session:
            reader = await accounts.reader_of(session, account_id)
        if reader is None:
            return None
        if len(self._kept) >= MAX_KEPT:
            for older in list(self._kept)[: MAX_KEPT // 2]:
                del self._kept[older]
        self._kept[account_id] = (reader, now)
        return reader

    def forget(self, account_id: int) -> None:
        self._kept.pop(account_id, None)
