"""HTTP Digest authentication as a Hikvision device does it (RFC 7616, MD5, qop="auth").

The device sends `WWW-Authenticate: Digest qop="auth", realm="IP Camera(<model>)",
nonce="...", stale="FALSE"` with every 401 and checks the client's response hash against
the password it knows. Only nonces it issued are accepted.
"""

import hashlib
import re
import secrets
from enum import Enum, auto

_PARAMETER = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]*))')


class Verdict(Enum):
    NO_CREDENTIALS = auto()  # no Digest header, or one we did not ask for: just a challenge
    WRONG = auto()  # a failed login: wrong user name or password
    RIGHT = auto()


class DigestChallenger:
    def __init__(self, realm: str) -> None:
        self.realm = realm
        self._issued_nonces: set[str] = set()

    def challenge(self) -> str:
        nonce = secrets.token_hex(16)
        self._issued_nonces.add(nonce)
        return f'Digest qop="auth", realm="{self.realm}", nonce="{nonce}", stale="FALSE"'

    def verify(
        self, authorization: str | None, *, method: str, uri: str, accounts: dict[str, str]
    ) -> Verdict:
        """Judge an Authorization header against the device's accounts (user -> password)."""
        if not authorization or not authorization.lower().startswith("digest "):
            return Verdict.NO_CREDENTIALS
        fields = {
            name.lower(): quoted or bare
            for name, quoted, bare in _PARAMETER.findall(authorization[len("digest ") :])
        }
        if fields.get("nonce") not in self._issued_nonces or fields.get("realm") != self.realm:
            return Verdict.NO_CREDENTIALS
        if fields.get("uri") != uri or fields.get("qop") != "auth":
            return Verdict.NO_CREDENTIALS
        password = accounts.get(fields.get("username", ""))
        if password is None:
            return Verdict.WRONG
        expected = _md5(
            _md5(f"{fields['username']}:{self.realm}:{password}"),
            fields["nonce"],
            fields.get("nc", ""),
            fields.get("cnonce", ""),
            "auth",
            _md5(f"{method}:{uri}"),
        )
        return (
            Verdict.RIGHT
            if secrets.compare_digest(expected, fields.get("response", ""))
            else Verdict.WRONG
        )


def _md5(*parts: str) -> str:
    return hashlib.md5(":".join(parts).encode()).hexdigest()
