"""A device's news for its installer groups, each line in the language of the groups that read
it: made once per language, queued in the caller's transaction (as every group line is)."""

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from languages import speaking
from sharing.groups import group_outbox, installer_groups


async def queue_for_groups(
    session: AsyncSession, *, group_ids: Iterable[int], line: Callable[[], str], now: datetime
) -> None:
    """Queue the line that `line()` makes (HTML), made for each language the groups speak."""
    by_language = await installer_groups.groups_by_language(session, group_ids=group_ids)
    for language, ids in by_language.items():
        with speaking(language):
            made = line()
        await group_outbox.queue_line(session, group_ids=ids, line=made, now=now)
