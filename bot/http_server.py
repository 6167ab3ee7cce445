"""The bot's own HTTP server: a Starlette app under uvicorn, in the bot's event loop.

It serves `/healthz` (bot.health) today, and is where further routes are mounted (the web
portal). It runs beside python-telegram-bot's polling or webhook, started and stopped with the
application (bot.app), so a route reaches the same services, in the same loop, as a handler.

The socket is bound before the bot starts (`bind`), so that a port already in use stops the
process with one clear line instead of a failure in the middle of start-up.
"""

import asyncio
import logging
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's own SIGINT and SIGTERM handlers would replace python-telegram-bot's stop
        signals, and raise the signal again when it ends; the application stops this server."""
        yield


class HttpServer:
    """`bind()` before the event loop runs, then `await start()` and `await stop()` in it."""

    def __init__(self, routes: Sequence[BaseRoute], *, host: str, port: int) -> None:
        self.app = Starlette(routes=list(routes))
        self.host = host
        self.port = port
        self._socket: socket.socket | None = None
        self._server: _EmbeddedServer | None = None
        self._serving: asyncio.Task[None] | None = None

    def bind(self) -> None:
        """Take the port now; raises OSError (in use, not allowed) for the caller to report."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
        except OSError:
            listener.close()
            raise
        self._socket = listener

    async def start(self) -> None:
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        config = uvicorn.Config(
            self.app, lifespan="off", access_log=False, log_level="warning", log_config=None
        )
        self._server = _EmbeddedServer(config)
        self._serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if self._serving.done():
                await self._serving  # raises what stopped it
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.01)
        log.info("serving HTTP on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Finish the requests in flight, close the socket."""
        if self._server is None or self._serving is None:
            return
        self._server.should_exit = True
        await self._serving
        self._server = self._serving = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
