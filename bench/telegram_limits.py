"""Telegram's flood limits, enforced in front of the fake Bot API, in real time.

Telegram documents them loosely (the Bot FAQ): bulk notifications to many users, about 30
messages a second; about one message a second in one chat; 20 a minute in one group. Its
developers add that edits share a chat's limits with sends (tdlib/td#3034) and that
answerCallbackQuery has none (tdlib/telegram-bot-api#648). This reads them in the strictest
way, as sliding windows: a request is refused with 429 Too Many Requests (and `retry_after`, as
Telegram answers) when the window that ends with it would hold more than the limit:

- 30 a second: every new message (send*, copy*, forward*), whoever it is to, replies included;
- one a second in a chat, 20 a minute in a group: every call that names the chat, edits too.

answerCallbackQuery, getMe and the rest pass freely, as they do on Telegram. This reading is
the fake's own, not the bot's (bot/telegram_pace.py), so that it checks the bot.
"""

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from time import monotonic

from telegram.request import BaseRequest, RequestData

from tests.harness import FakeBotApi, FakeRequest
from tests.harness.refusals import too_many_requests
from tests.harness.wire import ApiResponse


@dataclass(frozen=True)
class Limit:
    messages: int
    seconds: float


OVERALL = Limit(30, 1.0)
PER_GROUP = Limit(20, 60.0)
PER_CHAT = Limit(1, 1.0)


@dataclass
class Window:
    """When the messages within one limit's window were taken."""

    limit: Limit
    times: deque[float] = field(default_factory=deque)

    def full_at(self, now: float) -> bool:
        while self.times and self.times[0] <= now - self.limit.seconds:
            self.times.popleft()
        return len(self.times) >= self.limit.messages

    def retry_after(self, now: float) -> float:
        return self.times[0] + self.limit.seconds - now


@dataclass
class FloodControl:
    """Counts what it let through and what it refused, and when."""

    clock: Callable[[], float] = monotonic
    overall: Window = field(default_factory=lambda: Window(OVERALL))
    chats: defaultdict[int, Window] = field(
        default_factory=lambda: defaultdict(lambda: Window(PER_CHAT))
    )
    groups: defaultdict[int, Window] = field(
        default_factory=lambda: defaultdict(lambda: Window(PER_GROUP))
    )
    sent: list[float] = field(default_factory=list)
    refused: int = 0

    def admit(self, chat_id: int, *, new_message: bool = True) -> float | None:
        """None if a request to `chat_id` may go now (and it is counted); else seconds to wait.
        Only a `new_message` counts toward the 30 a second."""
        now = self.clock()
        windows = [self.chats[chat_id]]
        if new_message:
            windows.append(self.overall)
        if chat_id < 0:
            windows.append(self.groups[chat_id])
        full = [window for window in windows if window.full_at(now)]
        if full:
            self.refused += 1
            return max(window.retry_after(now) for window in full)
        for window in windows:
            window.times.append(now)
        self.sent.append(now)
        return None


class FloodControlledRequest(FakeRequest):
    """`FakeRequest` behind Telegram's flood limits."""

    __slots__ = ("flood",)

    def __init__(self, api: FakeBotApi, flood: FloodControl) -> None:
        super().__init__(api)
        self.flood = flood

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        chat_id = (request_data.parameters if request_data else {}).get("chat_id")
        if chat_id is not None:
            wait = self.flood.admit(int(str(chat_id)), new_message=_is_new_message(url))
            if wait is not None:
                # Telegram says how long in whole seconds, at least one.
                error = too_many_requests(max(int(wait + 0.999), 1))
                response = ApiResponse.json(error.error_code, error.to_json())
                return response.status, response.body
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


def _is_new_message(url: str) -> bool:
    method = url.rsplit("/", 1)[-1]
    return method.startswith(("send", "copy", "forward")) and method != "sendChatAction"
