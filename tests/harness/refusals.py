"""What Telegram refuses, checked where the Bot API server checks it, in the server's words."""

import json
import re
from typing import Any

from tests.harness.formatting import EntityParseError, FormattedText, parse_html
from tests.harness.state import StoredFile

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_KEYBOARD_BUTTONS = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")

MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the"
    " same as a current content and reply markup of the message"
)
QUERY_ID_INVALID = "query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A refusal, answered as Telegram answers it: `{"ok": false, "error_code", "description"}`."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters = {
            name: value
            for name, value in (
                ("retry_after", self.retry_after),
                ("migrate_to_chat_id", self.migrate_to_chat_id),
            )
            if value is not None
        }
        if parameters:
            body["parameters"] = parameters
        return body


class NotModelled(Exception):
    """A real Bot API feature the fake does not model: the test must fail, not pass by luck."""


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def forbidden(description: str) -> ApiError:
    return ApiError(403, f"Forbidden: {description}")


def group_migrated(new_chat_id: int) -> ApiError:
    """Any method on a group that became a supergroup: the answer names the new chat."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_chat_id,
    )


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def formatted(text: str, parse_mode: str | None) -> FormattedText:
    """Text as the user will read it; HTML is parsed, anything else is taken literally."""
    if parse_mode is None:
        return FormattedText(text)
    if parse_mode.lower() != "html":
        raise NotModelled(f"parse_mode {parse_mode!r} (the project writes HTML)")
    try:
        return parse_html(text)
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from error


def check_text(text: FormattedText) -> None:
    if not text.text.strip():
        raise bad_request("message text is empty")
    if len(text.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption(caption: FormattedText) -> None:
    if len(caption.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")


MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20


def check_photo(photo: StoredFile) -> None:
    """sendPhoto's limits: at most 10 MB, width and height at most 10000 in total, and a ratio
    of at most 20 (the Bot API's sendPhoto documentation)."""
    if len(photo.content) > MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    assert photo.dimensions is not None
    width, height = photo.dimensions
    if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(
        width, height
    ):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""The largest file a bot may send (sendVideo, sendDocument)."""


def check_video(video: StoredFile) -> None:
    """sendVideo's limits: at most 50 MB, and an MP4 (Telegram files anything else as a
    document); an MP4 has its `ftyp` box first."""
    if len(video.content) > MAX_UPLOAD_BYTES:
        raise bad_request("Request Entity Too Large")
    if video.content[4:8] != b"ftyp":
        raise NotModelled("sending a video that is not an MP4")


def check_callback_answer(text: str | None) -> None:
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")


def check_reply_markup(markup: Any) -> dict[str, Any]:
    """An inline keyboard, a reply keyboard, a keyboard removal or a forced reply."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_rows(markup["keyboard"])
    elif not {"remove_keyboard", "force_reply"} & markup.keys():
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_rows(rows: Any) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return rows


def _check_inline_keyboard(rows: Any) -> None:
    buttons = [button for row in _check_rows(rows) for button in row]
    if len(buttons) > MAX_INLINE_KEYBOARD_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request('can\'t parse inline keyboard button: Field "text" must be a String')
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode())
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        elif button.keys() == {"text"}:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline"
                " keyboard"
            )


def check_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
    return commands


def load_json(value: str, what: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as error:
        raise bad_request(f"can't parse {what} JSON object") from error
