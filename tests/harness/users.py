"""People and groups on Telegram, acting on the real Application the way its users do.

Every action is delivered with `Application.process_update` and handled to the end before the
`await` returns, so the next line of a test reads what the bot has answered.
"""

from collections.abc import Sequence
from itertools import count
from typing import Any

from telegram import Update
from telegram.ext import Application

from tests.harness.bot_api import FakeBotApi
from tests.harness.state import (
    CallbackAnswer,
    ChatMessage,
    ChatState,
    JsonDict,
    Person,
    timestamp,
)
from tests.harness.updates import (
    bot_status_update,
    callback_query_update,
    message_update,
    migration_updates,
)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

_FILE = {"file_id": "AgADBAADfile", "file_unique_id": "AQADfile"}
ATTACHMENTS: dict[str, JsonDict] = {
    "sticker": {
        **_FILE,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    },
    "location": {"latitude": 51.5007, "longitude": -0.1246},
    "voice": {**_FILE, "duration": 3, "mime_type": "audio/ogg"},
    "dice": {"emoji": "🎲", "value": 4},
    "document": {**_FILE, "file_name": "manual.pdf", "mime_type": "application/pdf"},
    "video_note": {**_FILE, "length": 240, "duration": 5},
}
"""Messages with no text, as Telegram sends them; the bot never downloads these files."""


class Telegram:
    """The world around the bot: makes people and groups, and delivers what they do."""

    def __init__(self, application: AnyApplication, api: FakeBotApi) -> None:
        self.application = application
        self.api = api
        self._user_ids = count(100_000_001)

    def user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        phone_number: str | None = None,
    ) -> "TelegramUser":
        """A new person; `phone_number` is what Telegram sends when they share their contact."""
        person = Person(
            next(self._user_ids), first_name, last_name, username, language_code, phone_number
        )
        self.api.add_person(person)
        return TelegramUser(self, person)

    def group(
        self, title: str, *, creator: "TelegramUser", supergroup: bool = False
    ) -> "TelegramGroup":
        """A group `creator` made; the bot is not in it until `add_bot`."""
        chat = self.api.create_group(title, creator=creator.person, supergroup=supergroup)
        return TelegramGroup(self, chat)

    async def deliver(self, update: JsonDict) -> None:
        await self.application.process_update(Update.de_json(update, self.application.bot))
        self.api.check()


def _bot_messages(chat: ChatState | None) -> list[ChatMessage]:
    return [message for message in (chat.messages if chat else {}).values() if message.from_bot]


class TelegramUser:
    """A person using the bot: writes, taps buttons, shares contacts and photos, blocks it."""

    def __init__(self, telegram: Telegram, person: Person) -> None:
        self._telegram = telegram
        self._api = telegram.api
        self.person = person

    def __repr__(self) -> str:
        return f"TelegramUser({self.person.first_name!r}, id={self.id})"

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def first_name(self) -> str:
        return self.person.first_name

    @property
    def username(self) -> str | None:
        return self.person.username

    @property
    def phone_number(self) -> str | None:
        return self.person.phone_number

    # What the user sees in the private chat with the bot.

    @property
    def chat(self) -> ChatState | None:
        """The private chat with the bot, both sides, once the user has written to it."""
        return self._api.chats.get(self.id)

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in the private chat, oldest first, as they are now after edits."""
        return _bot_messages(self.chat)

    @property
    def last_message(self) -> ChatMessage:
        if not self.messages:
            raise AssertionError(f"the bot has not written to {self.first_name}")
        return self.messages[-1]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The labels of the custom keyboard the bot left in place of the user's keyboard."""
        keyboard = self.chat.reply_keyboard if self.chat else None
        if keyboard is None:
            return None
        return [[_label(button) for button in row] for row in keyboard["keyboard"]]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """How the bot answered this user's taps, in order."""
        return [
            query.answer
            for query in self._api.callback_queries.values()
            if query.person.id == self.id and query.answer is not None
        ]

    # What the user does.

    async def send(self, text: str, *, chat: "TelegramGroup | None" = None) -> None:
        """Write a message; one starting with `/` is a command, as Telegram's clients mark it."""
        await self._telegram.deliver(
            message_update(self._api, self.person, self._conversation(chat), text=text)
        )

    async def send_photo(
        self, content: bytes, *, caption: str | None = None, chat: "TelegramGroup | None" = None
    ) -> None:
        """Send an image; the bot can download it with getFile, as from Telegram."""
        photo = self._api.store_file(content, photo=True)
        conversation = self._conversation(chat)
        await self._telegram.deliver(
            message_update(self._api, self.person, conversation, caption=caption, photo=photo)
        )

    async def tap(
        self,
        label: str,
        *,
        message: ChatMessage | None = None,
        chat: "TelegramGroup | None" = None,
    ) -> CallbackAnswer:
        """Tap an inline button, on `message` or the latest message that shows `label`.

        Returns the bot's answer, and fails if the bot did not answer: Telegram's client
        shows a spinner until it does.
        """
        message = message or self._latest_message_with_button(self._conversation(chat), label)
        button = message.inline_button(label)
        if button is None:
            raise AssertionError(f"no button {label!r} on that message, only {message.buttons}")
        if "callback_data" not in button:
            raise AssertionError(f"{label!r} is not a callback button: {button}")
        return await self._answered_callback(message, button["callback_data"])

    async def forge_callback(
        self,
        data: str,
        *,
        message: ChatMessage | None = None,
        chat: "TelegramGroup | None" = None,
    ) -> CallbackAnswer:
        """Send callback data no button carries, as a modified client can."""
        conversation = self._conversation(chat)
        if message is None:
            sent = _bot_messages(conversation)
            if not sent:
                raise AssertionError("a callback query needs a message from the bot to come from")
            message = sent[-1]
        return await self._answered_callback(message, data)

    async def tap_reply_button(self, label: str, *, pick: Sequence["TelegramUser"] = ()) -> None:
        """Tap a button of the reply keyboard; `pick` are the users chosen in a user picker."""
        chat = self._conversation(None)
        keyboard = chat.reply_keyboard
        rows = keyboard["keyboard"] if keyboard else []
        button = next((b for row in rows for b in row if _label(b) == label), None)
        if keyboard is None or button is None:
            raise AssertionError(
                f"no reply button {label!r}; the keyboard is {self.reply_keyboard}"
            )
        if keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        if isinstance(button, str) or button.keys() == {"text"}:
            await self.send(label)
        elif button.get("request_contact"):
            if self.phone_number is None:
                raise AssertionError(f"{self.first_name} has no phone number to share")
            await self._send_in_private(
                contact=self._contact_card(self.phone_number, self.id, None)
            )
        elif "request_users" in button:
            await self._share_users(button["request_users"], pick)
        else:
            raise AssertionError(f"the harness does not model reply buttons like {button}")

    async def share_contact(
        self, phone_number: str, *, user_id: int | None = None, first_name: str | None = None
    ) -> None:
        """Send a contact card from the attachment menu: one's own (user_id=self.id) or another's.

        Without `user_id`, the contact is someone Telegram does not know as a user.
        """
        await self._send_in_private(contact=self._contact_card(phone_number, user_id, first_name))

    async def forward_contact(
        self,
        phone_number: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        forwarded_from: "TelegramUser | None" = None,
    ) -> None:
        """Forward a contact card someone sent earlier (`forwarded_from`, or a hidden sender)."""
        date = timestamp(self._api.clock())
        origin: JsonDict = (
            {"type": "user", "sender_user": forwarded_from.person.to_json(), "date": date}
            if forwarded_from
            else {"type": "hidden_user", "sender_user_name": "Hidden", "date": date}
        )
        await self._send_in_private(
            contact=self._contact_card(phone_number, user_id, first_name), forward_origin=origin
        )

    async def send_attachment(self, kind: str) -> None:
        """Send what the attachment menu or the sticker panel sends: one of `ATTACHMENTS`."""
        await self._send_in_private(**{kind: ATTACHMENTS[kind]})

    async def block_bot(self) -> None:
        """Block the bot: Telegram tells it (my_chat_member), then refuses its messages."""
        chat = self._api.private_chat(self.person)
        await self._telegram.deliver(bot_status_update(self._api, chat, self.person, "kicked"))

    async def unblock_bot(self) -> None:
        chat = self._api.private_chat(self.person)
        await self._telegram.deliver(bot_status_update(self._api, chat, self.person, "member"))

    # How.

    def _conversation(self, group: "TelegramGroup | None") -> ChatState:
        if group is not None:
            group.chat.members.setdefault(self.id, "member")
            return group.chat
        chat = self._api.private_chat(self.person)
        if chat.members[self._api.bot.id] == "kicked":
            raise AssertionError(f"{self.first_name} blocked the bot: unblock_bot() first")
        return chat

    def _latest_message_with_button(self, chat: ChatState, label: str) -> ChatMessage:
        sent = _bot_messages(chat)
        for message in reversed(sent):
            if message.inline_button(label) is not None:
                return message
        keyboards = [message.buttons for message in sent if message.buttons]
        raise AssertionError(
            f"no message in the chat shows a button {label!r}; the latest keyboard is"
            f" {keyboards[-1] if keyboards else None}"
        )

    async def _answered_callback(self, message: ChatMessage, data: str) -> CallbackAnswer:
        if message.chat.messages.get(message.message_id) is not message:
            raise AssertionError("that message was deleted: its buttons are gone")
        query, update = callback_query_update(self._api, self.person, message, data)
        await self._telegram.deliver(update)
        if query.answer is None:
            raise AssertionError(
                f"the bot did not answer the callback query {data!r}: every callback query must"
                " be answered, or the user's client keeps spinning"
            )
        return query.answer

    def _contact_card(
        self, phone_number: str, user_id: int | None, first_name: str | None
    ) -> JsonDict:
        known = self._api.people.get(user_id) if user_id is not None else None
        card: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name or (known.first_name if known else "Contact"),
        }
        if known and known.last_name:
            card["last_name"] = known.last_name
        if user_id is not None:
            card["user_id"] = user_id
        return card

    async def _send_in_private(self, **fields: JsonDict) -> None:
        """A message with no text: a contact card, users picked in a picker."""
        chat = self._conversation(None)
        await self._telegram.deliver(message_update(self._api, self.person, chat, extra=fields))

    async def _share_users(self, request: JsonDict, picked: Sequence["TelegramUser"]) -> None:
        if not 1 <= len(picked) <= request.get("max_quantity", 1):
            raise AssertionError(f"the picker takes 1 to {request.get('max_quantity', 1)} users")
        users = []
        for user in picked:
            shared: JsonDict = {"user_id": user.id}
            if request.get("request_name"):
                shared["first_name"] = user.first_name
            if request.get("request_username") and user.username:
                shared["username"] = user.username
            users.append(shared)
        await self._send_in_private(
            users_shared={"request_id": request["request_id"], "users": users}
        )


def _label(button: str | JsonDict) -> str:
    return button if isinstance(button, str) else button["text"]


class TelegramGroup:
    """A group chat: people speak in it with `user.send(text, chat=group)`."""

    def __init__(self, telegram: Telegram, chat: ChatState) -> None:
        self._telegram = telegram
        self.chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in the group, oldest first, as they are now."""
        return _bot_messages(self.chat)

    @property
    def last_message(self) -> ChatMessage:
        if not self.messages:
            raise AssertionError(f"the bot has not written to the group {self.chat.title!r}")
        return self.messages[-1]

    async def add_bot(self, *, by: TelegramUser, administrator: bool = False) -> None:
        self.chat.members.setdefault(by.id, "member")
        status = "administrator" if administrator else "member"
        await self._telegram.deliver(
            bot_status_update(self._telegram.api, self.chat, by.person, status)
        )

    async def remove_bot(self, *, by: TelegramUser, ban: bool = False) -> None:
        """Remove the bot, or ban it (`kicked`): Telegram tells it with my_chat_member."""
        await self._telegram.deliver(
            bot_status_update(self._telegram.api, self.chat, by.person, "kicked" if ban else "left")
        )

    def promote(self, user: TelegramUser) -> None:
        """Make `user` an administrator. Telegram tells the bot nothing (chat_member updates
        are off by default): it finds out with getChatMember or getChatAdministrators."""
        self.chat.members[user.id] = "administrator"

    def leave(self, user: TelegramUser) -> None:
        """`user` leaves the group, quietly as far as a bot in privacy mode can tell."""
        self.chat.members[user.id] = "left"

    async def upgrade_to_supergroup(self, *, by: TelegramUser, announce: bool = True) -> None:
        """The group becomes a supergroup with a new chat id (Telegram does this when a group
        grows or an administrator changes certain settings). From now on this object is the
        supergroup; the old chat refuses every method with the new chat's id.

        `announce=False`: the two service messages never reach the bot (it was down, say).
        """
        group = self.chat
        supergroup = self._telegram.api.upgrade_group(group)
        self.chat = supergroup
        updates = migration_updates(self._telegram.api, by.person, group, supergroup)
        for update in updates if announce else ():
            await self._telegram.deliver(update)
