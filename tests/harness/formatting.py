"""Telegram's `parse_mode=HTML`, parsed the way the Bot API server parses it.

The server turns the HTML into plain text plus entities and refuses what it cannot parse with
"can't parse entities: ...". This parser follows the server's rules and wording (unsupported
tags, unclosed or mismatched tags, offsets in bytes of the UTF-8 text), with one deliberate
difference: the server keeps a lone `&` as it is, this parser refuses it. A lone `&` is almost
always text a user typed that the bot forgot to escape, and the same bug with `<` breaks the
message in production, so the tests should catch it at the first `&`.
"""

import re
from dataclasses import dataclass
from typing import Any

# Tag names the server understands, and the entity type each one produces.
_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHARACTER_REFERENCE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_SPACES = " \t\n\r"
_MARKUP = re.compile("[&<]")
"""Where plain text stops: a character reference or a tag."""


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is the server's description."""


@dataclass(frozen=True)
class FormattedText:
    """What the user reads, and the entities that style it (offsets in UTF-16 code units)."""

    text: str
    entities: tuple[dict[str, Any], ...] = ()


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int  # UTF-16 offset in the plain text where the entity starts


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> FormattedText:
    """Parse `source` as the server would for `parse_mode=HTML`, or raise `EntityParseError`."""
    return _HtmlParser(source).parse()


def _character_for(reference: re.Match[str]) -> str | None:
    """The character a well-formed reference such as `&lt;` or `&#x27;` stands for, if any."""
    decimal, hexadecimal, name = reference.groups()
    if name is not None:
        return _NAMED_CHARACTERS.get(name)
    code_point = int(decimal) if decimal else int(hexadecimal, 16)
    if not 0 < code_point <= 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        return None
    return chr(code_point)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.text: list[str] = []
        self.utf16_length = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> FormattedText:
        while self.position < len(self.source):
            character = self.source[self.position]
            if character == "&":
                self._character_reference()
            elif character == "<":
                if self.source.startswith("</", self.position):
                    self._end_tag()
                else:
                    self._start_tag()
            else:
                markup = _MARKUP.search(self.source, self.position)
                end = markup.start() if markup else len(self.source)
                self._emit(self.source[self.position : end])
                self.position = end
        if self.open_tags:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.open_tags[-1].name}"'
            )
        entities = sorted(self.entities, key=lambda entity: entity["offset"])
        return FormattedText("".join(self.text), tuple(entities))

    def _byte_offset(self, position: int) -> int:
        return len(self.source[:position].encode())

    def _emit(self, text: str) -> None:
        self.text.append(text)
        self.utf16_length += utf16_length(text)

    def _character_reference(self) -> None:
        reference = _CHARACTER_REFERENCE.match(self.source, self.position)
        character = _character_for(reference) if reference else None
        if reference is None or character is None:
            raise EntityParseError(
                f"Character '&' at byte offset {self._byte_offset(self.position)} must be escaped"
                " as &amp; (the real server keeps it, this fake refuses unescaped text)"
            )
        self.position = reference.end()
        self._emit(character)

    def _start_tag(self) -> None:
        begin = self.position
        end = begin + 1
        while end < len(self.source) and self.source[end] not in _SPACES + ">":
            end += 1
        if end >= len(self.source):
            raise EntityParseError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")
        name = self.source[begin + 1 : end].lower()
        if name not in _ENTITY_TYPES:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(begin)}'
            )
        self.position = end
        attributes = self._attributes(name, begin)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        self.open_tags.append(_OpenTag(name, attributes, self.utf16_length))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        """Read `name="value"`, `name='value'`, `name=value` or bare `name` up to the `>`."""
        attributes: dict[str, str] = {}
        while True:
            while self.position < len(self.source) and self.source[self.position] in _SPACES:
                self.position += 1
            if self.position >= len(self.source):
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {self._byte_offset(begin)}"
                )
            if self.source[self.position] == ">":
                self.position += 1
                return attributes
            name_end = self.position
            while name_end < len(self.source) and self.source[name_end] not in _SPACES + "=>":
                name_end += 1
            name = self.source[self.position : name_end].lower()
            if not name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset'
                    f" {self._byte_offset(begin)}"
                )
            self.position = name_end
            if self.position < len(self.source) and self.source[self.position] == "=":
                self.position += 1
                attributes[name] = self._attribute_value(tag, begin)
            else:
                attributes[name] = ""

    def _attribute_value(self, tag: str, begin: int) -> str:
        quote = self.source[self.position : self.position + 1]
        if quote in ('"', "'"):
            end = self.source.find(quote, self.position + 1)
            if end < 0:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {self._byte_offset(begin)}'
                )
            raw, self.position = self.source[self.position + 1 : end], end + 1
        else:
            end = self.position
            while end < len(self.source) and self.source[end] not in _SPACES + ">":
                end += 1
            raw, self.position = self.source[self.position : end], end
        return _CHARACTER_REFERENCE.sub(lambda match: _character_for(match) or match[0], raw)

    def _end_tag(self) -> None:
        begin = self.position
        end = self.source.find(">", begin)
        if end < 0:
            raise EntityParseError(f"Unclosed end tag at byte offset {self._byte_offset(begin)}")
        name = self.source[begin + 2 : end].strip().lower()
        if not self.open_tags:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._byte_offset(begin)}")
        expected = self.open_tags[-1].name
        if name != expected:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)},"
                f' expected "</{expected}>", found "</{name}>"'
            )
        self.position = end + 1
        self._close(self.open_tags.pop())

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16_length - tag.offset
        language = tag.attributes.get("class", "").removeprefix("language-")
        if tag.name == "code" and self.open_tags and self.open_tags[-1].name == "pre":
            # <pre><code class="language-x"> is one entity: a pre block in language x.
            if language:
                self.open_tags[-1].attributes["language"] = language
            return
        if length == 0:
            return  # the server drops empty entities
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPES[tag.name],
            "offset": tag.offset,
            "length": length,
        }
        if tag.name == "a":
            entity["url"] = tag.attributes.get("href", "")
        elif tag.name == "pre" and tag.attributes.get("language"):
            entity["language"] = tag.attributes["language"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attributes.get("emoji-id", "")
        elif tag.name == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)
