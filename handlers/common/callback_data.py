"""Callback data as a small typed codec: a short prefix plus ids, never names.

    @dataclass(frozen=True)
    class DeviceCard(CallbackData, prefix="dev"):
        device_id: int

    DeviceCard(7).pack() == "dev:7"
    CallbackQueryHandler(open_card, pattern=DeviceCard.pattern())
    DeviceCard.unpack(query.data)

Fields are ints or short strings (no `:`). Telegram refuses callback data over 64 bytes, so
`pack` refuses it first. The data comes from the client and can be forged: it only says what the
user tapped, and every handler re-checks on the server what the user may do.

Ints are written in decimal without sign or leading zeros, and the pattern takes only what a
database column can hold: 0 to 2**63 - 1, and 1 up for ids (fields named `id` or `..._id`). So
forged data out of range matches no handler's pattern and is refused as a stale button, before
any query could overflow a 64-bit integer.
"""

import dataclasses
import re
from typing import Any, ClassVar, Self

MAX_CALLBACK_DATA_BYTES = 64
_SEPARATOR = ":"


def _at_most(bound: int) -> str:
    """A regular expression for the decimal numbers 1 to `bound`, without leading zeros."""
    digits = str(bound)
    longest = [digits]
    for position, digit in enumerate(digits):
        low = 1 if position == 0 else 0
        if int(digit) > low:
            rest = len(digits) - position - 1
            longest.append(rf"{digits[:position]}[{low}-{int(digit) - 1}]\d{{{rest}}}")
    return rf"(?:[1-9]\d{{0,{len(digits) - 2}}}|{'|'.join(longest)})"


_POSITIVE = _at_most(2**63 - 1)
_NATURAL = rf"(?:0|{_POSITIVE})"


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


class CallbackDataError(ValueError):
    """Data that does not unpack into the expected kind."""


class CallbackData:
    prefix: ClassVar[str]
    _kinds: ClassVar[dict[str, type["CallbackData"]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", prefix) or prefix in CallbackData._kinds:
            raise TypeError(f"callback prefix {prefix!r} is malformed or taken")
        cls.prefix = prefix
        CallbackData._kinds[prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = str(getattr(self, field.name))
            if _SEPARATOR in value:
                raise ValueError(f"{field.name} may not contain {_SEPARATOR!r}")
            parts.append(value)
        data = _SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_DATA_BYTES} bytes: {data!r}")
        if not self.pattern().match(data):
            raise ValueError(f"a number of {data!r} is out of range")
        return data

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Anchored: matches this kind only, with the right number of parts."""
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        parts = "".join(
            _SEPARATOR + (_field_pattern(field.name) if field.type is int else f"[^{_SEPARATOR}]*")
            for field in fields
        )
        return re.compile(rf"^{re.escape(cls.prefix)}{parts}$")

    @classmethod
    def unpack(cls, data: str | None) -> Self:
        if data is None or not cls.pattern().match(data):
            raise CallbackDataError(data)
        values = data.split(_SEPARATOR)[1:]
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        converted = {
            field.name: int(value) if field.type is int else value
            for field, value in zip(fields, values, strict=True)
        }
        return cls(**converted)


def _field_pattern(name: str) -> str:
    return _POSITIVE if _is_id(name) else _NATURAL
