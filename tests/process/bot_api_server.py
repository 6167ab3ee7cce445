"""A Bot API server on 127.0.0.1 for `python -m bot`, answering from a `FakeBotApi`.

Only the HTTP is here: the requests are decoded into the same wire parameters `FakeRequest`
hands over, and `FakeBotApi.serve` answers them. getUpdates long-polls: it waits on a
condition until an update is queued or its timeout passes, as Telegram's server holds the
request open. The test waits on the same condition for what the bot does.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import monotonic
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from tests.harness.bot_api import FakeBotApi
from tests.harness.state import ChatMessage, JsonDict, Person
from tests.harness.updates import callback_query_update, message_update
from tests.harness.wire import ApiResponse, Upload, route

_HOST = "127.0.0.1"
_LONGEST_HOLD = 60.0
"""Seconds a held request waits at most, should a test forget to release it."""


@dataclass
class Hold:
    """Requests of one method wait (`BotApiServer.hold`): `parked` is set once one waits, and
    they go on when `released` is set."""

    parked: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    lost: bool = False
    """Released as lost (`BotApiServer.release`): the parked requests never reach Telegram."""


class BotApiServer:
    """`with BotApiServer(api) as server:` serves on `server.url` until the block ends."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._changed = threading.Condition()  # guards `api`; notified after every request
        self._closing = False
        self._holds: dict[str, Hold] = {}
        self._http = _HttpServer(self)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """What TELEGRAM_API_URL should be: the bot calls `<url>/bot<token>/<method>`."""
        return f"http://{_HOST}:{self._http.server_port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._changed:
            self._closing = True  # ends the long polls still waiting
            self._changed.notify_all()
        self._http.shutdown()
        self._http.server_close()

    def hold(self, method: str) -> Hold:
        """From now on, requests of `method` (e.g. "sendMessage") wait until released."""
        self._holds[method] = hold = Hold()
        return hold

    def release(self, method: str, *, lost: bool = False) -> None:
        """Let the held requests of `method` go on, and the later ones pass; `lost`: the held
        ones never reach Telegram (the bot that sent them is dead, and so is its connection)."""
        hold = self._holds.pop(method)
        hold.lost = lost
        hold.released.set()

    def answer(self, url: str, params: dict[str, str], uploads: dict[str, Upload]) -> ApiResponse:
        destination = route(url)
        if destination and (hold := self._holds.get(destination.method)):
            hold.parked.set()
            hold.released.wait(_LONGEST_HOLD)
            if hold.lost:
                return ApiResponse.json(502, {"ok": False, "error_code": 502, "description": ""})
        with self._changed:
            if destination and destination.method == "getUpdates":
                offset = int(params.get("offset") or 0)
                # Confirmed by the call itself, as on Telegram: not after the long poll.
                self.api.updates = self.api.pending_updates(offset)
                self._changed.wait_for(
                    lambda: self._closing or self.api.pending_updates(offset),
                    timeout=float(params.get("timeout") or 0),
                )
            response = self.api.serve(url, params, uploads)
            self._changed.notify_all()
            return response

    def send_text(self, person: Person, text: str) -> None:
        """`person` writes `text` to the bot in their private chat."""
        with self._changed:
            chat = self.api.private_chat(person)
            self.api.updates.append(message_update(self.api, person, chat, text=text))
            self._changed.notify_all()

    def tap(self, person: Person, label: str, *, message: ChatMessage | None = None) -> None:
        """`person` taps the inline button `label` of `message`, or of the latest message of
        their chat that shows it."""
        with self._changed:
            if message is None:
                chat = self.api.private_chat(person)
                message = next(
                    shown
                    for shown in reversed(chat.messages.values())
                    if shown.inline_button(label) is not None
                )
            button = message.inline_button(label)
            assert button is not None, f"no button {label!r}: {message.buttons}"
            _, update = callback_query_update(self.api, person, message, button["callback_data"])
            self.api.updates.append(update)
            self._changed.notify_all()

    def text_update(self, person: Person, text: str) -> JsonDict:
        """The update of `person` writing `text` to the bot, for a test to deliver (a webhook)."""
        with self._changed:
            return message_update(self.api, person, self.api.private_chat(person), text=text)

    def wait_until(
        self,
        condition: Callable[[FakeBotApi], object],
        *,
        timeout: float,
        unless: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Wait for the bot's requests to make `condition` true; give up early when `unless`.

        Wakes at every request, and every quarter second to ask `unless` (has the bot died?).
        """
        deadline = monotonic() + timeout
        with self._changed:
            while not condition(self.api):
                remaining = deadline - monotonic()
                if remaining <= 0 or unless():
                    return False
                self._changed.wait(min(remaining, 0.25))
            return True


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a long poll the bot gave up on must not hold the test

    def __init__(self, owner: BotApiServer) -> None:
        super().__init__((_HOST, 0), _RequestHandler)  # port 0: any free port
        self.owner = owner

    def handle_error(self, request: object, client_address: object) -> None:
        """The bot hung up, usually on a long poll while stopping: not the server's problem."""


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params, uploads = _decode(self.headers.get("Content-Type", ""), body)
        params.update(parse_qsl(urlsplit(self.path).query))
        response = self.server.owner.answer(self.path, params, uploads)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reports what the bot did, and the bot logs its side."""


def _decode(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    """Parameters as strings (objects JSON-encoded) and files, from any encoding Telegram takes."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        return _decode_multipart(content_type, body)
    if media_type == "application/json":
        values = json.loads(body or b"{}")
        return {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in values.items()
        }, {}
    return dict(parse_qsl(body.decode(), keep_blank_values=True)), {}


def _decode_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    form = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    params: dict[str, str] = {}
    uploads: dict[str, Upload] = {}
    for part in form.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        content = part.get_payload(decode=True)
        assert isinstance(content, bytes)  # a form's fields are never themselves multipart
        if part.get_filename() is None:
            params[name] = content.decode()
        else:
            uploads[name] = Upload(content, part.get_filename(), part.get_content_type())
    return params, uploads
