"""One conversation channel with one device: the HTTP rules every ISAPI request follows.

- One `httpx.AsyncClient` and one Digest authenticator, so connections and the Digest
  challenge are reused (a recorder answers the next request faster on a warm connection).
- At most `max_concurrent` requests in flight: recorders choke on parallel requests.
- Each request, from the first byte sent to the last byte read, within `timeout` seconds.
- Bodies read as a stream and refused past `max_response_bytes`.
- A streamed answer (the alert stream, a download) has its headers within `timeout`, then
  each read within a read timeout of its own, however long it lasts. A download holds one of
  the `max_concurrent` places; the alert stream does not, or it would hold one for hours.
- A 401 is never retried, and after a lock-out the device is left alone until it unlocks:
  every attempt during a lock is another failed login, and some firmware restarts the lock.
"""

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx

from device_api.driver import Credentials, Endpoint
from device_api.errors import (
    DeviceLockedOut,
    DeviceTimeout,
    DeviceUnreachable,
    NotIsapi,
    ResponseTooLarge,
    WrongCredentials,
)
from device_api.isapi.digest import OneAttemptDigestAuth
from device_api.isapi.documents import user_check

# Hikvision's default locking duration, for a lock whose 401 does not say when it ends.
DEFAULT_LOCK_SECONDS = 600


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class IsapiSession:
    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials,
        *,
        timeout: float,
        max_concurrent: int,
        max_response_bytes: int,
        transport: httpx.AsyncBaseTransport | None,
        clock: Callable[[], float],
    ) -> None:
        self._where = f"{endpoint.host}:{endpoint.port}"
        self._timeout = timeout
        self._max_response_bytes = max_response_bytes
        self._clock = clock
        self._in_flight = asyncio.Semaphore(max_concurrent)
        self._locked_until: float | None = None
        self._client = httpx.AsyncClient(
            base_url=endpoint.base_url,
            auth=OneAttemptDigestAuth(credentials.username, credentials.password),
            timeout=timeout,
            transport=transport or httpx.AsyncHTTPTransport(verify=endpoint.verify_tls),
            follow_redirects=False,
        )

    async def request(self, method: str, path: str, *, xml: bytes | None = None) -> Answer:
        """The device's answer, whatever its status, except 401, which raises."""
        self._refuse_while_locked()
        async with self._in_flight:
            self._refuse_while_locked()  # a request we queued behind may have been locked out
            with _typed_failures(self._where, f"did not answer in {self._timeout} s"):
                async with asyncio.timeout(self._timeout):
                    answer = await self._exchange(method, path, xml)
        if answer.status == 401:
            self._refuse_login(answer.body)
        return answer

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        read_timeout: float,
        xml: bytes | None = None,
        counted: bool,
    ) -> AsyncIterator["StreamedAnswer"]:
        """A request whose body is read as it comes, for as long as the device sends it.

        The headers come within `timeout`, then each read within `read_timeout`. `counted`
        holds one of the `max_concurrent` places until the block ends (a download: the device
        works for it); the alert stream is not counted, or it would hold a place for hours.
        A 401 raises as in `request`; any other status is the caller's to judge.
        """
        self._refuse_while_locked()
        async with contextlib.AsyncExitStack() as held:
            if counted:
                await held.enter_async_context(self._in_flight)
                self._refuse_while_locked()
            timeout = httpx.Timeout(self._timeout, read=read_timeout)
            headers = {"Content-Type": "application/xml"} if xml is not None else None
            opening = self._client.stream(
                method, path, content=xml, headers=headers, timeout=timeout
            )
            with _typed_failures(self._where, f"did not answer in {self._timeout} s"):
                async with asyncio.timeout(self._timeout):
                    response = await held.enter_async_context(opening)
            answer = StreamedAnswer(
                response,
                where=self._where,
                read_timeout=read_timeout,
                max_response_bytes=self._max_response_bytes,
            )
            if response.status_code == 401:
                self._refuse_login(await answer.read())
            yield answer

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _exchange(self, method: str, path: str, xml: bytes | None) -> Answer:
        headers = {"Content-Type": "application/xml"} if xml is not None else None
        async with self._client.stream(method, path, content=xml, headers=headers) as response:
            body = await _read_bounded(response, self._max_response_bytes, self._where)
            return Answer(response.status_code, body)

    def _refuse_while_locked(self) -> None:
        if self._locked_until is None:
            return
        remaining = self._locked_until - self._clock()
        if remaining > 0:
            raise DeviceLockedOut(math.ceil(remaining))
        self._locked_until = None

    def _refuse_login(self, body: bytes) -> None:
        check = user_check(body)
        if check.locked:
            lock_seconds = check.unlock_in_seconds
            self._locked_until = self._clock() + (lock_seconds or DEFAULT_LOCK_SECONDS)
            raise DeviceLockedOut(check.unlock_in_seconds)
        raise WrongCredentials(check.retries_left)


class StreamedAnswer:
    """An open streamed answer: its status and headers, and its body as it comes."""

    def __init__(
        self, response: httpx.Response, *, where: str, read_timeout: float, max_response_bytes: int
    ) -> None:
        self._response = response
        self._where = where
        self._silence = f"sent nothing for {read_timeout} s"
        self._max_response_bytes = max_response_bytes

    @property
    def status(self) -> int:
        return self._response.status_code

    def header(self, name: str) -> str:
        """A response header; "" when absent."""
        return self._response.headers.get(name, "")

    @property
    def declared_length(self) -> int | None:
        return declared_length(self._response)

    async def read(self) -> bytes:
        """The whole body, refused past the session's `max_response_bytes` (an error page)."""
        with _typed_failures(self._where, self._silence):
            return await _read_bounded(self._response, self._max_response_bytes, self._where)

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The body's bytes as they arrive; a silence longer than the read timeout raises
        `DeviceTimeout`, a dropped connection `DeviceUnreachable`."""
        with _typed_failures(self._where, self._silence):
            async for chunk in self._response.aiter_bytes():
                yield chunk


@contextlib.contextmanager
def _typed_failures(where: str, on_timeout: str) -> Iterator[None]:
    """httpx's and asyncio's failures as `DeviceError`s."""
    try:
        yield
    except (TimeoutError, httpx.TimeoutException) as error:
        raise DeviceTimeout(f"{where} {on_timeout}") from error
    except httpx.DecodingError as error:
        raise NotIsapi(f"{where} sent a body that does not decode") from error
    except httpx.RequestError as error:
        raise DeviceUnreachable(f"{where}: {str(error) or type(error).__name__}") from error


def declared_length(response: httpx.Response) -> int | None:
    """The Content-Length header as a number; None when absent or not one (ASCII digits only:
    str.isdigit admits "²", which int() refuses)."""
    declared = response.headers.get("content-length", "")
    return int(declared) if declared.isascii() and declared.isdigit() else None


async def _read_bounded(response: httpx.Response, limit: int, where: str) -> bytes:
    declared = declared_length(response)
    if declared is not None and declared > limit:
        raise ResponseTooLarge(f"{where} answered more than {limit} bytes")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise ResponseTooLarge(f"{where} answered more than {limit} bytes")
    return bytes(body)
