"""Telegram's Bot API in memory: the state a bot changes through it, and Telegram's refusals.

Two doors lead in, both speaking the wire format (`tests.harness.wire`): `FakeRequest`, the
`BaseRequest` for tests in the same process, and `tests/process/bot_api_server.py`, HTTP for
`python -m bot`. Either way `FakeBotApi.serve` answers, so the logic exists once.

What the fake does not model fails loudly: the call is refused and the problem is kept until
`check()` raises it in the test, because a bot's error handler would otherwise swallow it.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from itertools import count

from PIL import Image, UnidentifiedImageError

from tests.harness.methods import METHODS, commands_key
from tests.harness.refusals import (
    MESSAGE_NOT_MODIFIED,
    ApiError,
    NotModelled,
    bad_request,
    too_many_requests,
)
from tests.harness.state import (
    CallbackQueryState,
    ChatMessage,
    ChatState,
    JsonDict,
    Person,
    StoredFile,
)
from tests.harness.wire import ApiCall, ApiResponse, Params, Upload, route

Clock = Callable[[], datetime]
START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
DEFAULT_BOT = Person(id=7_000_000_001, first_name="CamShare", username="CamShareBot", is_bot=True)
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


@dataclass(frozen=True)
class Held:
    """A chat whose requests wait (`FakeBotApi.hold`): `parked` is set once one waits, and they
    go on when `released` is set."""

    parked: asyncio.Event
    released: asyncio.Event


@dataclass
class _Throttle:
    retry_after: int
    remaining: int


class FakeBotApi:
    """One bot's view of Telegram: people, chats and their messages, files, callback queries.

    `token`, when given, is the only token accepted (others get 401 Unauthorized).
    """

    def __init__(
        self, *, clock: Clock = lambda: START, bot: Person = DEFAULT_BOT, token: str | None = None
    ) -> None:
        self.clock = clock
        self.bot = bot
        self.token = token
        self.people: dict[int, Person] = {bot.id: bot}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.updates: list[JsonDict] = []  # waiting for getUpdates
        self.webhook: dict[str, str] = {}  # setWebhook's url and secret_token
        self.calls: list[ApiCall] = []
        self.problems: list[str] = []
        self._throttles: dict[str, _Throttle] = {}
        self._held_chats: dict[str, Held] = {}
        self._update_ids = count(1)
        self._query_ids = count(1)
        self._file_numbers = count(1)
        self._group_numbers = count(1)

    def serve(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        uploads: Mapping[str, Upload] | None = None,
    ) -> ApiResponse:
        """Answer one HTTP request: a method call, or the download of a file."""
        destination = route(url)
        if destination is None:
            self.problems.append(f"a request to {url}, which is no Bot API URL")
            return ApiResponse.json(404, _NOT_FOUND)
        if self.token is not None and destination.token != self.token:
            return ApiResponse.json(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        if destination.file_path:
            return self._download(destination.file_path)
        return self._call(destination.method, params or {}, uploads or {})

    def _download(self, file_path: str) -> ApiResponse:
        for stored in self.files.values():
            if stored.file_path == file_path:
                return ApiResponse(200, stored.content, stored.mime_type or "image/jpeg")
        return ApiResponse.json(404, _NOT_FOUND)

    def _call(
        self, name: str, params: Mapping[str, str], uploads: Mapping[str, Upload]
    ) -> ApiResponse:
        method = METHODS.get(name.lower())
        try:
            if method is None:
                self.problems.append(f"the bot called {name}, which the fake does not implement")
                raise ApiError(404, "Not Found: method not found")
            self._take_throttle(name)
            result = method(self, Params(params, uploads))
        except NotModelled as gap:
            self.problems.append(f"{name}: {gap} is not modelled by the fake Bot API")
            return self._refuse(name, params, bad_request(f"{gap} is not modelled"))
        except ApiError as error:
            return self._refuse(name, params, error)
        self.calls.append(ApiCall(name, dict(params)))
        return ApiResponse.json(200, {"ok": True, "result": result})

    def _refuse(self, name: str, params: Mapping[str, str], error: ApiError) -> ApiResponse:
        self.calls.append(ApiCall(name, dict(params), error.description))
        if MESSAGE_NOT_MODIFIED in error.description:
            # Harmless for the user, but a call Telegram refuses: the bot should know better.
            self.problems.append(f"{name} changed nothing: Telegram answers {error.description}")
        return ApiResponse.json(error.error_code, error.to_json())

    def _take_throttle(self, name: str) -> None:
        throttle = self._throttles.get(name.lower())
        if throttle and throttle.remaining > 0:
            throttle.remaining -= 1
            raise too_many_requests(throttle.retry_after)

    # What tests arrange and assert.

    @property
    def refusals(self) -> list[ApiCall]:
        return [call for call in self.calls if call.error is not None]

    def check(self) -> None:
        """Raise what the fake could not model, once, so the test sees it."""
        problems, self.problems = self.problems, []
        if problems:
            raise AssertionError("The fake Bot API cannot stand in here:\n" + "\n".join(problems))

    def hold(self, chat_id: int) -> Held:
        """Keep the bot's requests to `chat_id` waiting, as a slow Telegram would, until
        `released` is set (only through `FakeRequest`, which can wait)."""
        held = Held(parked=asyncio.Event(), released=asyncio.Event())
        self._held_chats[str(chat_id)] = held
        return held

    async def wait_while_held(self, params: Mapping[str, str]) -> None:
        held = self._held_chats.get(params.get("chat_id", ""))
        if held is not None and not held.released.is_set():
            held.parked.set()
            await held.released.wait()

    def throttle(self, method: str, *, retry_after: int, times: int = 1) -> None:
        """Refuse the next `times` calls of `method` with 429 Too Many Requests."""
        self._throttles[method.lower()] = _Throttle(retry_after, times)

    def bot_commands(
        self, *, scope: JsonDict | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The commands set with setMyCommands, as (command, description) pairs."""
        commands = self.commands.get(commands_key(scope, language_code), [])
        return [(command["command"], command["description"]) for command in commands]

    # What happens on Telegram's side, for the updates the bot receives.

    def add_person(self, person: Person) -> None:
        self.people[person.id] = person

    def private_chat(self, person: Person) -> ChatState:
        """The chat with `person`, opened when they first write to the bot."""
        self.add_person(person)
        if person.id not in self.chats:
            self.chats[person.id] = ChatState(
                id=person.id,
                type="private",
                person=person,
                members={person.id: "member", self.bot.id: "member"},
            )
        return self.chats[person.id]

    def create_group(self, title: str, *, creator: Person, supergroup: bool = False) -> ChatState:
        """A group without the bot in it yet."""
        number = next(self._group_numbers)
        chat_id = -1_000_000_000_000 - number if supergroup else -4_000_000_000 - number
        self.add_person(creator)
        self.chats[chat_id] = ChatState(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            members={creator.id: "creator"},
        )
        return self.chats[chat_id]

    def upgrade_group(self, group: ChatState) -> ChatState:
        """The group becomes a supergroup: a new chat with its title and members, bot included;
        the old chat keeps its messages and refuses every method from now on."""
        if group.type != "group":
            raise AssertionError("only a basic group becomes a supergroup")
        number = next(self._group_numbers)
        supergroup = ChatState(
            id=-1_000_000_000_000 - number,
            type="supergroup",
            title=group.title,
            members=dict(group.members),
        )
        self.chats[supergroup.id] = supergroup
        group.migrated_to = supergroup.id
        return supergroup

    def store_file(
        self,
        content: bytes,
        *,
        photo: bool,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Keep a file as Telegram does, for getFile and download; photos must be images."""
        number = next(self._file_numbers)
        stored = StoredFile(
            file_id=f"{'photo' if photo else 'document'}-{number}",
            file_unique_id=f"unique-{number}",
            file_path=f"photos/file_{number}.jpg" if photo else f"documents/file_{number}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            dimensions=_image_size(content) if photo else None,
        )
        self.files[stored.file_id] = stored
        return stored

    def new_update(self, **payload: JsonDict) -> JsonDict:
        return {"update_id": next(self._update_ids), **payload}

    def new_callback_query(
        self, person: Person, message: ChatMessage, data: str
    ) -> CallbackQueryState:
        query = CallbackQueryState(str(next(self._query_ids)), person, message, data)
        self.callback_queries[query.id] = query
        return query

    def pending_updates(self, offset: int | None = None) -> list[JsonDict]:
        """The queued updates from `offset` on, for a bot that polls over HTTP."""
        return [update for update in self.updates if update["update_id"] >= (offset or 0)]


def _image_size(content: bytes) -> tuple[int, int]:
    try:
        with Image.open(BytesIO(content)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        raise bad_request("IMAGE_PROCESS_FAILED") from None
