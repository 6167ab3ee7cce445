"""The texts the code asks to translate, as `pybabel extract` finds them, and the catalogs."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from languages.translation import CATALOGS, DOMAIN

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Text:
    """A text the code asks to translate: a message, or a singular and plural pair."""

    msgid: str | tuple[str, str]
    where: str


def extracted_texts() -> dict[str, Text]:
    """Every text in `_()`, `ngettext()` or `N_()` in our packages (babel.cfg), by its singular:
    what `pybabel extract -F babel.cfg` puts in the template."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, Text] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        singular = message if isinstance(message, str) else message[0]
        msgid = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(singular, Text(msgid, f"{filename}:{lineno}"))
    return found


def catalog(language: str) -> Catalog:
    with (CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def translated_forms(message: Message) -> Iterator[str]:
    """The msgstr of a message: one, or one per plural form."""
    strings = message.string
    yield from (strings,) if isinstance(strings, str) else strings or ()


def singular(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]
