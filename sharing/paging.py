"""A page of a list, with enough to draw Previous/Next buttons, and how its total is counted."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


TOTAL = func.count().over().label("total")
"""A column for a page's query: how many rows the query has without its OFFSET and LIMIT
(window functions are computed before them), so that the count comes with the page instead of
in a query of its own."""


async def page_total(
    session: AsyncSession,
    rows: Sequence[Any],
    count: SelectOfScalar[int],
    params: Mapping[str, Any],
    *,
    offset: int,
    limit: int,
) -> int:
    """How many there are in all: read off the page's rows (their `TOTAL` column), and counted
    by `count` only when the page has none to say it, being past the end or asked for no rows.
    An empty first page means there are none."""
    if rows:
        return int(rows[0].total)
    if offset == 0 and limit > 0:
        return 0
    return (await session.exec(count, params=params)).one()
