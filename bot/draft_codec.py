"""The JSON codec for what wizards keep in `user_data` (their drafts), for bot.persistence.

Chosen over pickle: the stored text says what it holds, reading it runs no code, and a class
that is renamed or changed fails at one named place instead of somewhere in unpickling. Only
the types listed in `DRAFT_TYPES` are written besides JSON's own: a draft that holds anything
else is refused when it is saved (`TypeError`), so a new kind of draft is noticed by the tests
that restart the bot mid-wizard, not by users after a deploy.

    str, int, float, bool, None, list    as JSON
    dict with str keys                   a JSON object (no key may start with "$")
    other dicts                          {"$map": [[key, value], ...]}
    tuple                                {"$tuple": [...]}
    a dataclass of DRAFT_TYPES           {"$dataclass": "ShareDraft", "fields": {...}}
    an enum of DRAFT_TYPES               {"$enum": "Permission", "value": 7}
"""

import dataclasses
import json
from enum import Enum
from typing import Any

from handlers.share.screens import ShareDraft
from sharing.views import Address
from storage.models import AddressKind, DeviceType, Permission

DRAFT_TYPES: tuple[type, ...] = (ShareDraft, Address, AddressKind, DeviceType, Permission)
_BY_NAME = {kind.__name__: kind for kind in DRAFT_TYPES}
assert len(_BY_NAME) == len(DRAFT_TYPES), "draft types need distinct names"


def encode(value: Any) -> str:
    return json.dumps(_to_json(value), separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> Any:
    return _from_json(json.loads(text))


def _to_json(value: Any) -> Any:
    kind = type(value)
    if isinstance(value, Enum):
        _check_listed(kind)
        return {"$enum": kind.__name__, "value": value.value}
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list:
        return [_to_json(item) for item in value]
    if kind is tuple:
        return {"$tuple": [_to_json(item) for item in value]}
    if kind is dict:
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _to_json(item) for key, item in value.items()}
        return {"$map": [[_to_json(key), _to_json(item)] for key, item in value.items()]}
    if dataclasses.is_dataclass(value):
        _check_listed(kind)
        fields = {
            field.name: _to_json(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
        return {"$dataclass": kind.__name__, "fields": fields}
    raise TypeError(f"a draft may not hold a {kind.__qualname__}: add it to DRAFT_TYPES")


def _check_listed(kind: type) -> None:
    if _BY_NAME.get(kind.__name__) is not kind:
        raise TypeError(f"a draft may not hold a {kind.__qualname__}: add it to DRAFT_TYPES")


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$enum" in value:
        return _BY_NAME[value["$enum"]](value["value"])
    if "$tuple" in value:
        return tuple(_from_json(item) for item in value["$tuple"])
    if "$map" in value:
        return {_from_json(key): _from_json(item) for key, item in value["$map"]}
    if "$dataclass" in value:
        fields = {name: _from_json(item) for name, item in value["fields"].items()}
        return _BY_NAME[value["$dataclass"]](**fields)
    return {key: _from_json(item) for key, item in value.items()}
