"""What a person reading another language sees, for whole conversations in that language: the
catalogs' own translations (so the tests tap what the person reads), and a check that nothing
the bot showed them is left in English."""

import re
from collections.abc import Iterable, Iterator

from languages import _, speaking
from tests.harness.state import MessageContent
from tests.harness.users import TelegramUser
from wording.formatting import region_label

NOT_WORDS = re.compile(
    r"/\w+"  # commands
    r"|@\w+"  # usernames
    r"|\S+@\S+"  # email addresses
    r"|\b(?:CamShare|Telegram|Hik-Connect|ISAPI|NVR|DVR|PTZ|QR|UTC|HTTPS?|MP4)\b"
)
"""What stays as it is in every language: commands, addresses, and the product's names."""
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
"""English in a language written in another script: any Latin word left."""
ENGLISH_WORD = re.compile(
    r"\b(?:the|and|you|your|with|this|that|from|for|share|shared|device|devices|channel"
    r"|channels|send|tap|here|what|which|who|will|have|has|are|was|can|not|now|invitation"
    r"|accept|decline|back|yes|choose|phone|number|region|name|names|default|camera)\b",
    re.IGNORECASE,
)
"""English in a language written in Latin letters: words that are English only."""
LATIN_SCRIPT = {"en", "es"}


class Phrasebook:
    """The bot's texts as a reader of `language` reads them."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, english: str, **values: object) -> str:
        with speaking(self.language):
            return _(english).format(**values)

    def region(self, code: str) -> str:
        with speaking(self.language):
            return region_label(code)


def english_left(person: TelegramUser, language: str, *, typed: Iterable[str] = ()) -> list[str]:
    """What the bot showed `person` (texts, captions, buttons, the reply keyboard and its
    placeholder, every edit, toasts and alerts) that still has English in it, once `typed`
    (names and data people typed, never translated) and the product's names are left out."""
    english = ENGLISH_WORD if language in LATIN_SCRIPT else LATIN_WORD
    left = []
    for shown in _everything_shown(person):
        remains = NOT_WORDS.sub(" ", shown)
        for data in typed:
            remains = remains.replace(data, " ")
        if english.search(remains):
            left.append(shown)
    return left


def _everything_shown(person: TelegramUser) -> Iterator[str]:
    for message in person.messages:
        if not message.from_bot:
            continue
        for content in (*message.history, message.content):
            yield from _content_shown(content)
    yield from (answer.text for answer in person.callback_answers if answer.text)


def _content_shown(content: MessageContent) -> Iterator[str]:
    if content.shown is not None:
        yield content.shown.text
    markup = content.reply_markup or {}
    for row in (*markup.get("inline_keyboard", []), *markup.get("keyboard", [])):
        yield from (button if isinstance(button, str) else button["text"] for button in row)
    if placeholder := markup.get("input_field_placeholder"):
        yield placeholder
