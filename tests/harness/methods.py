"""The Bot API methods the fake answers, each with the parameters Telegram requires for it.

Required parameters are hand-written from the Bot API reference, for these methods only. A
method reads the fake's state, changes it as Telegram would, and returns the `result` of
Telegram's answer, or raises the `ApiError` Telegram would answer instead.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.harness.refusals import (
    MESSAGE_NOT_MODIFIED,
    QUERY_ID_INVALID,
    NotModelled,
    bad_request,
    check_callback_answer,
    check_caption,
    check_commands,
    check_photo,
    check_reply_markup,
    check_text,
    check_video,
    forbidden,
    formatted,
    group_migrated,
)
from tests.harness.state import (
    CallbackAnswer,
    ChatMessage,
    ChatState,
    JsonDict,
    MessageContent,
    StoredFile,
    chat_member_json,
)
from tests.harness.wire import Params, Upload

if TYPE_CHECKING:
    from tests.harness.bot_api import FakeBotApi

_MISSING_PARAMETER = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "video": "there is no video in the request",
}
_ADMINISTRATORS = ("creator", "administrator")


Answer = Callable[["FakeBotApi", Params], Any]


@dataclass(frozen=True)
class Method:
    answer: Answer
    required: tuple[str, ...]

    def __call__(self, api: "FakeBotApi", params: Params) -> Any:
        for name in self.required:
            if not params.has(name):
                raise bad_request(_MISSING_PARAMETER.get(name, f"{name} is empty"))
        return self.answer(api, params)


METHODS: dict[str, Method] = {}  # by lower-case name: Telegram's method names ignore case


def _method(*names: str, required: tuple[str, ...] = ()) -> Callable[[Answer], Answer]:
    def register(answer: Answer) -> Answer:
        for name in names:
            METHODS[name.lower()] = Method(answer, required)
        return answer

    return register


# Start-up and polling.


@_method("getMe")
def get_me(api: "FakeBotApi", params: Params) -> JsonDict:
    return {**api.bot.to_json(), "can_join_groups": True, "supports_inline_queries": False}


@_method("close", "logOut")
def accept(api: "FakeBotApi", params: Params) -> bool:
    return True


@_method("deleteWebhook")
def delete_webhook(api: "FakeBotApi", params: Params) -> bool:
    if params.flag("drop_pending_updates"):
        api.updates.clear()
    api.webhook = {}
    return True


@_method("setWebhook", required=("url",))
def set_webhook(api: "FakeBotApi", params: Params) -> bool:
    secret = params.text("secret_token") or ""
    api.webhook = {"url": params.text("url") or "", "secret_token": secret}
    return True


@_method("getWebhookInfo")
def get_webhook_info(api: "FakeBotApi", params: Params) -> JsonDict:
    url = api.webhook.get("url", "")
    return {"url": url, "has_custom_certificate": False, "pending_update_count": len(api.updates)}


@_method("getUpdates")
def get_updates(api: "FakeBotApi", params: Params) -> list[JsonDict]:
    # An offset confirms every update before it: Telegram forgets them.
    api.updates = api.pending_updates(params.integer("offset"))
    return api.updates[: params.integer("limit") or 100]


# Commands and the menu button.


def commands_key(scope: JsonDict | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code


def _commands_key_of(params: Params) -> tuple[str, str]:
    return commands_key(params.json("scope", "scope"), params.text("language_code") or "")


@_method("setMyCommands", required=("commands",))
def set_my_commands(api: "FakeBotApi", params: Params) -> bool:
    api.commands[_commands_key_of(params)] = check_commands(params.json("commands", "commands"))
    return True


@_method("getMyCommands")
def get_my_commands(api: "FakeBotApi", params: Params) -> list[JsonDict]:
    return api.commands.get(_commands_key_of(params), [])


@_method("deleteMyCommands")
def delete_my_commands(api: "FakeBotApi", params: Params) -> bool:
    api.commands.pop(_commands_key_of(params), None)
    return True


@_method("setChatMenuButton")
def set_chat_menu_button(api: "FakeBotApi", params: Params) -> bool:
    menu_button = params.json("menu_button", "menu button") or {"type": "default"}
    api.menu_buttons[params.integer("chat_id")] = menu_button
    return True


# Messages.


@_method("sendMessage", required=("chat_id", "text"))
def send_message(api: "FakeBotApi", params: Params) -> JsonDict:
    chat = _chat_to_write_to(api, params)
    content = _text_content(params, _reply_markup(params))
    return _post(api, chat, content, params).to_json()


@_method("sendPhoto", required=("chat_id", "photo"))
def send_photo(api: "FakeBotApi", params: Params) -> JsonDict:
    chat = _chat_to_write_to(api, params)
    photo = _file(api, params, "photo")
    content = _caption_content(params, _reply_markup(params))
    return _post(api, chat, content, params, photo=photo).to_json()


@_method("editMessageMedia", required=("media",))
def edit_message_media(api: "FakeBotApi", params: Params) -> JsonDict:
    """Photos only: the bot replaces a snapshot with a newer one in the same message."""
    message = _message_to_edit(api, params)
    media = params.json("media", "input media")
    if not isinstance(media, dict) or "media" not in media:
        raise bad_request("media must be an InputMedia object")
    if media.get("type") != "photo":
        raise NotModelled("editing media other than photos")
    if message.photo is None and message.document is None:
        raise bad_request("there is no media in the message to edit")
    photo = _stored(api, params.attached(str(media["media"])), photo=True)
    caption = Params({k: str(v) for k, v in media.items() if k in ("caption", "parse_mode")}, {})
    content = _caption_content(caption, _edit_markup(params))
    if photo.file_id == (message.photo.file_id if message.photo else None) and content.looks_like(
        message.content
    ):
        raise bad_request(MESSAGE_NOT_MODIFIED)
    message.history.append(message.content)
    message.content = content
    message.photo = photo
    message.edit_date = api.clock()
    return message.to_json()


@_method("sendDocument", required=("chat_id", "document"))
def send_document(api: "FakeBotApi", params: Params) -> JsonDict:
    chat = _chat_to_write_to(api, params)
    document = _file(api, params, "document")
    content = _caption_content(params, _reply_markup(params))
    return _post(api, chat, content, params, document=document).to_json()


@_method("sendVideo", required=("chat_id", "video"))
def send_video(api: "FakeBotApi", params: Params) -> JsonDict:
    chat = _chat_to_write_to(api, params)
    video = _stored(api, params.file("video"), photo=False)
    check_video(video)
    content = _caption_content(params, _reply_markup(params))
    return _post(api, chat, content, params, video=video).to_json()


@_method("editMessageText")
def edit_message_text(api: "FakeBotApi", params: Params) -> JsonDict:
    message = _message_to_edit(api, params)
    if message.content.text is None:
        raise bad_request("there is no text in the message to edit")
    _replace(api, message, _text_content(params, _edit_markup(params)))
    return message.to_json()


@_method("editMessageCaption")
def edit_message_caption(api: "FakeBotApi", params: Params) -> JsonDict:
    message = _message_to_edit(api, params)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    _replace(api, message, _caption_content(params, _edit_markup(params)))
    return message.to_json()


@_method("editMessageReplyMarkup")
def edit_message_reply_markup(api: "FakeBotApi", params: Params) -> JsonDict:
    message = _message_to_edit(api, params)
    _replace(api, message, message.content.with_reply_markup(_edit_markup(params)))
    return message.to_json()


@_method("deleteMessage", required=("chat_id", "message_id"))
def delete_message(api: "FakeBotApi", params: Params) -> bool:
    chat = _known_chat(api, params)
    message = chat.messages.get(params.integer("message_id") or 0)
    if message is None:
        raise bad_request("message to delete not found")
    bot_status = chat.members.get(api.bot.id)
    if not (chat.is_private or message.from_bot or bot_status in _ADMINISTRATORS):
        raise bad_request("message can't be deleted")
    del chat.messages[message.message_id]
    return True


@_method("answerCallbackQuery", required=("callback_query_id",))
def answer_callback_query(api: "FakeBotApi", params: Params) -> bool:
    query = api.callback_queries.get(params.text("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_ID_INVALID)
    check_callback_answer(params.text("text"))
    query.answer = CallbackAnswer(
        params.text("text"), params.flag("show_alert"), params.text("url")
    )
    return True


# Chats, members and files.


@_method("getChat", required=("chat_id",))
def get_chat(api: "FakeBotApi", params: Params) -> JsonDict:
    gift_types = (
        "unlimited_gifts",
        "limited_gifts",
        "unique_gifts",
        "premium_subscription",
        "gifts_from_channels",
    )
    return {
        **_known_chat(api, params).to_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gift_types, False),
    }


@_method("getChatMember", required=("chat_id", "user_id"))
def get_chat_member(api: "FakeBotApi", params: Params) -> JsonDict:
    chat = _known_chat(api, params)
    person = api.people.get(params.integer("user_id") or 0)
    if person is None:
        raise bad_request("user not found")
    return chat_member_json(person, chat.members.get(person.id, "left"))


@_method("getChatAdministrators", required=("chat_id",))
def get_chat_administrators(api: "FakeBotApi", params: Params) -> list[JsonDict]:
    chat = _known_chat(api, params)
    if chat.is_private:
        raise bad_request("there are no administrators in the private chat")
    return [
        chat_member_json(api.people[user_id], status)
        for user_id, status in chat.members.items()
        if status in _ADMINISTRATORS
    ]


@_method("getFile", required=("file_id",))
def get_file(api: "FakeBotApi", params: Params) -> JsonDict:
    stored = api.files.get(params.text("file_id") or "")
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return {**stored.to_json(), "file_path": stored.file_path}


# The rules the methods share.


def _known_chat(api: "FakeBotApi", params: Params) -> ChatState:
    chat = api.chats.get(params.integer("chat_id") or 0)
    if chat is None:
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise group_migrated(chat.migrated_to)
    return chat


def _chat_to_write_to(api: "FakeBotApi", params: Params) -> ChatState:
    """The chat, if the bot may write there: not blocked, not removed, not a stranger's."""
    chat_id = params.integer("chat_id") or 0
    if chat_id not in api.chats and chat_id in api.people:
        raise forbidden("bot can't initiate conversation with a user")
    chat = _known_chat(api, params)
    status = chat.members.get(api.bot.id, "left")
    if chat.is_private and status == "kicked":
        raise forbidden("bot was blocked by the user")
    if status == "kicked":
        raise forbidden("bot was kicked from the group chat")
    if status == "left":
        raise forbidden("bot is not a member of the group chat")
    if status == "restricted":  # an administrator took the bot's right to send messages
        raise bad_request("not enough rights to send text messages to the chat")
    return chat


def _reply_markup(params: Params) -> JsonDict | None:
    markup = params.json("reply_markup", "reply keyboard markup")
    return None if markup is None else check_reply_markup(markup)


def _edit_markup(params: Params) -> JsonDict | None:
    """Edits take inline keyboards only; leaving the markup out removes the keyboard."""
    markup = _reply_markup(params)
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


def _text_content(params: Params, reply_markup: JsonDict | None) -> MessageContent:
    text, parse_mode = params.text("text") or "", params.text("parse_mode")
    shown = formatted(text, parse_mode)
    check_text(shown)
    return MessageContent(text=text, parse_mode=parse_mode, shown=shown, reply_markup=reply_markup)


def _caption_content(params: Params, reply_markup: JsonDict | None) -> MessageContent:
    caption, parse_mode = params.text("caption"), params.text("parse_mode")
    if caption is None:
        return MessageContent(reply_markup=reply_markup)
    shown = formatted(caption, parse_mode)
    check_caption(shown)
    return MessageContent(
        caption=caption, parse_mode=parse_mode, shown=shown, reply_markup=reply_markup
    )


def _file(api: "FakeBotApi", params: Params, name: str) -> StoredFile:
    return _stored(api, params.file(name), photo=name == "photo")


def _stored(api: "FakeBotApi", sent: Upload | str, *, photo: bool) -> StoredFile:
    if isinstance(sent, Upload):
        stored = api.store_file(
            sent.content, photo=photo, file_name=sent.file_name, mime_type=sent.mime_type
        )
        if photo:
            check_photo(stored)
        return stored
    if sent in api.files:
        return api.files[sent]
    if sent.startswith(("http://", "https://")):
        raise NotModelled("sending a file by URL")
    raise bad_request("wrong file identifier/HTTP URL specified")


def _post(
    api: "FakeBotApi",
    chat: ChatState,
    content: MessageContent,
    params: Params,
    *,
    photo: StoredFile | None = None,
    document: StoredFile | None = None,
    video: StoredFile | None = None,
) -> ChatMessage:
    reply_to = params.json("reply_parameters", "reply parameters")
    replied_to_nothing = reply_to and reply_to.get("message_id") not in chat.messages
    if replied_to_nothing and not reply_to.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    message = ChatMessage(
        chat, chat.next_message_id(), api.bot, api.clock(), content, photo, document, video
    )
    chat.messages[message.message_id] = message
    markup = content.reply_markup or {}
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    return message


def _message_to_edit(api: "FakeBotApi", params: Params) -> ChatMessage:
    if params.text("inline_message_id"):
        raise NotModelled("editing inline messages")
    chat = _chat_to_write_to(api, params)
    message = chat.messages.get(params.integer("message_id") or 0)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _replace(api: "FakeBotApi", message: ChatMessage, content: MessageContent) -> None:
    if content.looks_like(message.content):
        raise bad_request(MESSAGE_NOT_MODIFIED)
    message.history.append(message.content)
    message.content = content
    message.edit_date = api.clock()
