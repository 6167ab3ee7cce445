"""`GET /healthz`: is the database answering, and how long since Telegram last sent an update.

Served by bot.http_server when HEALTH_PORT is set. 200 with
`{"database": "ok", "seconds_since_last_update": 12.5}` while the database answers a `SELECT 1`
(within DATABASE_TIMEOUT); 503, with `"database": "unreachable"`, when it does not.
`seconds_since_last_update` is null until the first update since start-up: a quiet bot is not
an unhealthy one, so it is for the operator's alerting to judge, not for the status code.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import literal_column
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from telegram import Update
from telegram.ext import TypeHandler

from storage.database import Database

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
"""Seconds a `SELECT 1` may take before the database counts as unreachable."""


class LastUpdate:
    """When the last update arrived, in monotonic seconds; None before the first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.at: float | None = None

    async def record(self, _update: Update, _context: object) -> None:
        self.at = self._clock()

    def seconds_since(self) -> float | None:
        return None if self.at is None else round(self._clock() - self.at, 1)

    def handler(self) -> TypeHandler[Update, Any, None]:
        """For a handler group of its own, before all others: it takes every update, answers
        nothing, and the update goes on to the other groups."""
        return TypeHandler(Update, self.record)


def health_routes(database: Database, last_update: LastUpdate) -> list[Route]:
    async def healthz(_request: Request) -> JSONResponse:
        database_ok = await _database_answers(database)
        return JSONResponse(
            {
                "database": "ok" if database_ok else "unreachable",
                "seconds_since_last_update": last_update.seconds_since(),
            },
            status_code=200 if database_ok else 503,
        )

    return [Route("/healthz", healthz, methods=["GET"])]


async def _database_answers(database: Database) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), database.read() as session:
            await session.exec(select(literal_column("1")))  # SELECT 1
    except Exception as error:  # any driver's failure means the same to a health check
        log.warning("health check: no answer from the database: %s", type(error).__name__)
        return False
    return True
