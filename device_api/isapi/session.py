"""One conversation channel with one device: the HTTP rules every ISAPI request follows.

- One `httpx.AsyncClient` and one Digest authenticator, so connections and the Digest
  challenge are reused (a recorder answers the next request faster on a warm connection).
- At most `max_concurrent` requests in flight: recorders choke on parallel requests.
- Each request, from the first byte sent to the last byte read, within `timeout` seconds.
- Bodies read as a stream and refused past `max_response_bytes`.
- A 401 is never retried, and after a lock-out the device is left alone until it unlocks:
  every attempt during a lock is another failed login, and some firmware restarts the lock.
"""

import asyncio
import math
from collections.abc import Callable
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
            try:
                async with asyncio.timeout(self._timeout):
                    answer = await self._exchange(method, path, xml)
            except (TimeoutError, httpx.TimeoutException) as error:
                raise DeviceTimeout(f"{self._where} did not answer in {self._timeout} s") from error
            except httpx.DecodingError as error:
                raise NotIsapi(f"{self._where} sent a body that does not decode") from error
            except httpx.RequestError as error:
                raise DeviceUnreachable(
                    f"{self._where}: {str(error) or type(error).__name__}"
                ) from error
        if answer.status == 401:
            self._refuse_login(answer.body)
        return answer

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _exchange(self, method: str, path: str, xml: bytes | None) -> Answer:
        headers = {"Content-Type": "application/xml"} if xml is not None else None
        async with self._client.stream(method, path, content=xml, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._max_response_bytes:
                raise self._too_large()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_response_bytes:
                    raise self._too_large()
            return Answer(response.status_code, bytes(body))

    def _too_large(self) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"{self._where} answered more than {self._max_response_bytes} bytes"
        )

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
