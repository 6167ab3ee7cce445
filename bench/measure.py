"""What a benchmark records: the time each update took and the SQL it cost.

Percentiles use the nearest-rank method on the recorded samples: with a thousand samples, p99 is
the tenth slowest, a real observation rather than an interpolation between two.
"""

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of `values`; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class UpdateSamples:
    """One workload's updates: the step each came from, seconds each, and the SQL statements
    and transactions each ran."""

    name: str
    steps: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    transactions: list[int] = field(default_factory=list)

    def add(self, step: str, seconds: float, statements: int, transactions: int) -> None:
        self.steps.append(step)
        self.seconds.append(seconds)
        self.statements.append(statements)
        self.transactions.append(transactions)

    def by_step(self) -> list["UpdateSamples"]:
        """The samples of each step, named after it, steps in the order they first came."""
        split: dict[str, UpdateSamples] = {}
        for sample in zip(
            self.steps, self.seconds, self.statements, self.transactions, strict=True
        ):
            step = sample[0]
            split.setdefault(step, UpdateSamples(step)).add(*sample)
        return list(split.values())

    @property
    def count(self) -> int:
        return len(self.seconds)

    @property
    def per_second(self) -> float:
        """Updates a second while the bot is busy: the sum of the updates' own times, so the
        harness's work between updates (building them, finding buttons) is not counted."""
        busy = sum(self.seconds)
        return self.count / busy if busy else 0.0

    @property
    def mean_ms(self) -> float:
        return sum(self.seconds) / self.count * 1000 if self.count else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.seconds, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.seconds, 0.99) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds, default=0.0) * 1000

    @property
    def mean_statements(self) -> float:
        return sum(self.statements) / self.count if self.count else 0.0

    @property
    def max_statements(self) -> int:
        return max(self.statements, default=0)

    @property
    def mean_transactions(self) -> float:
        return sum(self.transactions) / self.count if self.count else 0.0


class SqlCounter:
    """Counts the statements an engine sends and the transactions it begins.

    `before_cursor_execute` sees every statement; SQLite's own `BEGIN` / `BEGIN IMMEDIATE`
    (emitted by storage.database's begin hook) is left out of the statements so the figures of
    the two backends compare, and counted as transactions through the `begin` event instead.
    """

    def __init__(self) -> None:
        self.statements = 0
        self.transactions = 0

    def _on_statement(self, *args: Any) -> None:
        statement: str = args[2]
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.statements += 1

    def _on_begin(self, *_args: Any) -> None:
        self.transactions += 1

    @contextmanager
    def watching(self, engine: AsyncEngine) -> Iterator["SqlCounter"]:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._on_statement)
        event.listen(sync_engine, "begin", self._on_begin)
        try:
            yield self
        finally:
            event.remove(sync_engine, "before_cursor_execute", self._on_statement)
            event.remove(sync_engine, "begin", self._on_begin)
