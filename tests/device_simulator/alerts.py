"""The alert stream: `GET /ISAPI/Event/notification/alertStream` as devices serve it.

A device keeps the response open and writes one multipart part per event, in this framing
(DEVICES.md 1.5):

    --boundary\r\n
    Content-Type: application/xml; charset="UTF-8"\r\n
    Content-Length: 478\r\n
    \r\n
    <EventNotificationAlert ...>...\r\n

Here the test decides when parts are written; every open stream receives every part.
"""

import asyncio
from collections.abc import AsyncIterator

BOUNDARY = "boundary"
MEDIA_TYPE = f"multipart/mixed; boundary={BOUNDARY}"

_END = None  # on a queue: the device ends the response cleanly
_DROP = b""  # on a queue: the connection breaks mid-body


class ConnectionDropped(Exception):
    """Raised in the response body so that the server cuts the connection without ending the
    body (the ASGI server closes the socket and logs the error, as a device that lost power)."""


def frame(body: bytes, content_type: str = 'application/xml; charset="UTF-8"') -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        + b"\r\n"
    )


class AlertStreams:
    def __init__(self) -> None:
        self._open: set[asyncio.Queue[bytes | None]] = set()

    @property
    def open_count(self) -> int:
        return len(self._open)

    def push(self, part: bytes) -> None:
        for queue in self._open:
            queue.put_nowait(part)

    def end_all(self) -> None:
        """Every open stream ends: the response body ends properly, and the connection with it."""
        for queue in self._open:
            queue.put_nowait(_END)

    def drop_all(self) -> None:
        """Every open stream breaks off: the connection closes in the middle of the body."""
        for queue in self._open:
            queue.put_nowait(_DROP)

    async def stream(self, on_change: "asyncio.Condition") -> AsyncIterator[bytes]:
        """The body of one alertStream response, until `end_all` or the client hangs up."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._open.add(queue)
        async with on_change:
            on_change.notify_all()
        try:
            while (part := await queue.get()) is not _END:
                if part == _DROP:
                    raise ConnectionDropped("the simulated device dropped its alert stream")
                yield part
        finally:
            self._open.discard(queue)
