"""Updates as Telegram sends them, built from what a person does and recorded in the fake.

Recording first matters: the bot may edit, delete or reply to the message it receives, and a
callback query must exist before the bot can answer it.
"""

from tests.harness.bot_api import FakeBotApi
from tests.harness.formatting import FormattedText, utf16_length
from tests.harness.state import (
    CallbackQueryState,
    ChatMessage,
    ChatState,
    JsonDict,
    MessageContent,
    Person,
    StoredFile,
    chat_member_json,
    timestamp,
)


def message_update(
    api: FakeBotApi,
    sender: Person,
    chat: ChatState,
    *,
    text: str | None = None,
    caption: str | None = None,
    photo: StoredFile | None = None,
    extra: JsonDict | None = None,
) -> JsonDict:
    """A message from `sender` in `chat`; a text starting with `/` is marked as a command."""
    shown = None
    if text is not None:
        shown = FormattedText(text, _command_entities(text))
    elif caption is not None:
        shown = FormattedText(caption)
    message = ChatMessage(
        chat,
        chat.next_message_id(),
        sender,
        api.clock(),
        MessageContent(text=text, caption=caption, shown=shown),
        photo=photo,
        extra=extra or {},
    )
    chat.messages[message.message_id] = message
    return api.new_update(message=message.to_json())


def _command_entities(text: str) -> tuple[JsonDict, ...]:
    """The bot_command entity that CommandHandler looks for, as Telegram's clients set it."""
    if not text.startswith("/"):
        return ()
    command = text.split(maxsplit=1)[0]
    return ({"type": "bot_command", "offset": 0, "length": utf16_length(command)},)


def callback_query_update(
    api: FakeBotApi, sender: Person, message: ChatMessage, data: str
) -> tuple[CallbackQueryState, JsonDict]:
    """A tap on a button of `message` that carries `data`, and the query the bot must answer."""
    query = api.new_callback_query(sender, message, data)
    update = api.new_update(
        callback_query={
            "id": query.id,
            "from": sender.to_json(),
            "message": message.to_json(),
            "chat_instance": f"instance{message.chat.id}",
            "data": data,
        }
    )
    return query, update


def bot_status_update(api: FakeBotApi, chat: ChatState, by: Person, status: str) -> JsonDict:
    """The bot's own membership changed: added to or removed from a group, blocked or unblocked."""
    old_status = chat.members.get(api.bot.id, "left")
    chat.members[api.bot.id] = status
    return api.new_update(
        my_chat_member={
            "chat": chat.to_json(),
            "from": by.to_json(),
            "date": timestamp(api.clock()),
            "old_chat_member": chat_member_json(api.bot, old_status),
            "new_chat_member": chat_member_json(api.bot, status),
        }
    )


def migration_updates(
    api: FakeBotApi, by: Person, group: ChatState, supergroup: ChatState
) -> tuple[JsonDict, JsonDict]:
    """Telegram announces an upgrade in both chats: `migrate_to_chat_id` in the old group,
    `migrate_from_chat_id` in the new supergroup, each a service message from whoever did it."""
    return (
        message_update(api, by, group, extra={"migrate_to_chat_id": supergroup.id}),
        message_update(api, by, supergroup, extra={"migrate_from_chat_id": group.id}),
    )
