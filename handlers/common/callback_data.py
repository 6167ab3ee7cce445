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
"""

import dataclasses
import re
from typing import Any, ClassVar, Self

MAX_CALLBACK_DATA_BYTES = 64
_SEPARATOR = ":"


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
        return data

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Anchored: matches this kind only, with the right number of parts."""
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        parts = "".join(
            rf"{_SEPARATOR}-?\d+" if field.type is int else rf"{_SEPARATOR}[^{_SEPARATOR}]*"
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
