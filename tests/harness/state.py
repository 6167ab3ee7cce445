"""What the fake Bot API remembers: people, chats and their messages, files, callback queries.

Each record renders itself as the Bot API object Telegram would send (`to_json`), so updates
and method results are built from the same state the tests assert on.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tests.harness.formatting import FormattedText

JsonDict = dict[str, Any]


def timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class Person:
    """A Telegram account: a user of the bot, or the bot itself."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    is_bot: bool = False

    def to_json(self) -> JsonDict:
        user: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name) is not None:
                user[name] = getattr(self, name)
        return user


def chat_member_json(person: Person, status: str) -> JsonDict:
    """A ChatMember of the given status ("creator", "administrator", "member", "left", "kicked")."""
    member: JsonDict = {"status": status, "user": person.to_json()}
    if status in ("creator", "administrator"):
        member["is_anonymous"] = False
    if status == "administrator":
        member.update(
            dict.fromkeys(
                (
                    "can_be_edited",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            )
        )
        member.update(
            dict.fromkeys(("can_manage_chat", "can_delete_messages", "can_invite_users"), True)
        )
    if status == "kicked":
        member["until_date"] = 0  # banned for ever
    return member


@dataclass(frozen=True)
class StoredFile:
    """A file Telegram holds: uploaded by the bot, or sent by a user."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    dimensions: tuple[int, int] | None = None  # width and height, for photos

    def to_json(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }

    def photo_sizes_json(self) -> list[JsonDict]:
        # Telegram sends several sizes; one, the original, is enough for a bot to download.
        width, height = self.dimensions or (0, 0)
        return [{**self.to_json(), "width": width, "height": height}]

    def document_json(self) -> JsonDict:
        document = self.to_json()
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def video_json(self) -> JsonDict:
        # Telegram reads the size and duration from the file; the fake does not, and says 0.
        return {**self.document_json(), "width": 0, "height": 0, "duration": 0}


@dataclass(frozen=True)
class MessageContent:
    """One version of a message: what its sender sent, and the text as Telegram shows it."""

    text: str | None = None  # as sent, with the HTML tags of its parse mode
    caption: str | None = None
    parse_mode: str | None = None
    shown: FormattedText | None = None  # the text or caption as the user reads it
    reply_markup: JsonDict | None = None

    @property
    def inline_keyboard(self) -> list[list[JsonDict]]:
        return (self.reply_markup or {}).get("inline_keyboard", [])

    def looks_like(self, other: "MessageContent") -> bool:
        """Whether a user would see no difference: Telegram's test for "message is not modified"."""
        return self.shown == other.shown and self.inline_keyboard == other.inline_keyboard

    def with_reply_markup(self, reply_markup: JsonDict | None) -> "MessageContent":
        return replace(self, reply_markup=reply_markup)


@dataclass(eq=False)  # a record with an identity: two messages are never "equal"
class ChatMessage:
    """A message in a chat, from the bot or from a user, with the versions its edits replaced."""

    chat: "ChatState" = field(repr=False)
    message_id: int
    sender: Person
    date: datetime
    content: MessageContent
    photo: StoredFile | None = None
    document: StoredFile | None = None
    video: StoredFile | None = None
    extra: JsonDict = field(default_factory=dict)  # e.g. contact, users_shared, forward_origin
    edit_date: datetime | None = None
    history: list[MessageContent] = field(default_factory=list)

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def text(self) -> str | None:
        """The text as the user reads it: tags gone, `&lt;` shown as `<`."""
        return self._shown_if(self.content.text)

    @property
    def caption(self) -> str | None:
        return self._shown_if(self.content.caption)

    def _shown_if(self, sent: str | None) -> str | None:
        return self.content.shown.text if sent is not None and self.content.shown else None

    @property
    def buttons(self) -> list[list[str]]:
        """The labels of the inline keyboard, row by row."""
        return [[button["text"] for button in row] for row in self.content.inline_keyboard]

    def inline_button(self, label: str) -> JsonDict | None:
        for row in self.content.inline_keyboard:
            for button in row:
                if button["text"] == label:
                    return button
        return None

    def to_json(self) -> JsonDict:
        message: JsonDict = {
            "message_id": self.message_id,
            "date": timestamp(self.date),
            "chat": self.chat.to_json(),
            "from": self.sender.to_json(),
            **self.extra,
        }
        shown = self.content.shown
        if self.content.text is not None and shown is not None:
            message["text"] = shown.text
            if shown.entities:
                message["entities"] = list(shown.entities)
        if self.content.caption is not None and shown is not None:
            message["caption"] = shown.text
            if shown.entities:
                message["caption_entities"] = list(shown.entities)
        if self.content.inline_keyboard:
            # Only inline keyboards belong to a message; a reply keyboard belongs to the chat.
            message["reply_markup"] = {"inline_keyboard": self.content.inline_keyboard}
        if self.photo:
            message["photo"] = self.photo.photo_sizes_json()
        if self.document:
            message["document"] = self.document.document_json()
        if self.video:
            message["video"] = self.video.video_json()
        if self.edit_date:
            message["edit_date"] = timestamp(self.edit_date)
        return message


@dataclass(eq=False)
class ChatState:
    """A private chat with one person, or a group; `members` includes the bot's own status."""

    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    person: Person | None = None  # the other side of a private chat
    members: dict[int, str] = field(default_factory=dict)  # user id -> ChatMember status
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    last_message_id: int = 0
    reply_keyboard: JsonDict | None = None  # the custom keyboard the bot left in the chat
    migrated_to: int | None = None  # the supergroup a group became; the old chat refuses all

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def to_json(self) -> JsonDict:
        chat: JsonDict = {"id": self.id, "type": self.type}
        if self.person is not None:
            chat.update(
                {
                    key: value
                    for key, value in self.person.to_json().items()
                    if key in ("first_name", "last_name", "username")
                }
            )
        if self.title is not None:
            chat["title"] = self.title
        return chat


@dataclass(frozen=True)
class CallbackAnswer:
    """How the bot answered a tap: a toast, an alert, or nothing but stopping the spinner."""

    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class CallbackQueryState:
    id: str
    person: Person
    message: ChatMessage
    data: str
    answer: CallbackAnswer | None = None
