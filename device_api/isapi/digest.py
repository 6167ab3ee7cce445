"""httpx's Digest authentication, spending at most one failed login per request.

`httpx.DigestAuth` remembers the last challenge and signs later requests with it up front (one
round trip instead of two). When the device refuses such a request, httpx takes the new
challenge and tries again at once with the same password: two failed logins for one call,
which brings Hikvision's lock-out (7 failures by default) twice as fast. Here a refused
pre-signed request ends the exchange, unless the device says only the nonce was stale.
"""

from collections.abc import Generator

import httpx


class OneAttemptDigestAuth(httpx.DigestAuth):
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # The challenge is a private attribute of httpx.DigestAuth; python-telegram-bot pins
        # httpx below 0.29, and tests/device_api proves this behaviour against the simulator.
        pre_signed = self._last_challenge is not None
        flow = super().auth_flow(request)
        response = yield next(flow)
        if pre_signed and response.status_code == 401 and not _says_stale(response):
            self._last_challenge = None  # the next call starts from a fresh challenge
            return
        try:
            signed = flow.send(response)
        except StopIteration:
            return
        yield signed


def _says_stale(response: httpx.Response) -> bool:
    """RFC 7616: stale=true means the password was right and only the nonce expired."""
    return any(
        header.lower().startswith("digest ") and "stale=true" in header.lower().replace('"', "")
        for header in response.headers.get_list("www-authenticate")
    )
