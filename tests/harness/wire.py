"""The Bot API's wire format, shared by both doors into the fake: URLs, parameters, answers.

Telegram receives every parameter as a string, objects JSON-encoded, and files as parts of a
multipart request; it answers JSON. Both `FakeRequest` and the HTTP server decode requests into
exactly this form, so the fake behind them exists once.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.harness.refusals import bad_request, load_json
from tests.harness.state import JsonDict

_API_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<file_path>.+)$")


@dataclass(frozen=True)
class Route:
    """Where a request goes: a method (`<root>/bot<token>/<method>`) or a file download
    (`<root>/file/bot<token>/<file_path>`)."""

    token: str
    method: str = ""
    file_path: str = ""


def route(url: str) -> Route | None:
    path = unquote(urlsplit(url).path)  # file URLs come percent-encoded
    match = _FILE_PATH.search(path) or _API_PATH.search(path)
    return Route(**match.groupdict()) if match else None


@dataclass(frozen=True)
class Upload:
    """A file sent as a part of a multipart request."""

    content: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, and Telegram's description if it was refused."""

    method: str
    params: Mapping[str, str]
    error: str | None = None


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: JsonDict) -> "ApiResponse":
        return cls(status, json.dumps(payload).encode())


class Params:
    """A request's parameters as Telegram receives them, read as the types a method expects."""

    def __init__(self, values: Mapping[str, str], uploads: Mapping[str, Upload]) -> None:
        self._values = values
        self._uploads = uploads

    def has(self, name: str) -> bool:
        return bool(self._values.get(name)) or name in self._uploads

    def text(self, name: str) -> str | None:
        return self._values.get(name)

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"{name} must be an integer, not {value!r}") from None

    def flag(self, name: str) -> bool:
        return self._values.get(name, "false").lower() == "true"

    def json(self, name: str, what: str) -> Any:
        value = self._values.get(name)
        return None if value is None else load_json(value, what)

    def file(self, name: str) -> Upload | str:
        """An uploaded file, or the file_id or URL that stands for one."""
        value = self._values.get(name)
        if value is None:
            return self._uploads[name]
        return self.attached(value)

    def attached(self, value: str) -> Upload | str:
        """What a value that names a file stands for: `attach://<part>` is an upload in the same
        request (InputMedia uses it); anything else is a file_id or URL."""
        if value.startswith("attach://"):
            try:
                return self._uploads[value.removeprefix("attach://")]
            except KeyError:
                raise bad_request("wrong attach:// name: no such part") from None
        return value
