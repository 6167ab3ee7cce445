"""bot.draft_codec: drafts round-trip through JSON, and what it does not know is refused."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from bot.draft_codec import decode, encode
from handlers.share.screens import ShareDraft
from sharing.views import Address
from storage.models import AddressKind, DeviceType, Permission


def test_a_share_draft_and_its_neighbours_round_trip() -> None:
    draft = ShareDraft(
        device_id=7,
        device_name='Shop "NVR" ✓',
        device_type=DeviceType.NVR,
        channels={1: "Door", 2: "Till"},
        grants={2: Permission.LIVE_VIEW | Permission.PTZ},
        recipient=Address(AddressKind.PHONE, "+447700900002"),
        screen_message_id=42,
    )
    user_data = {
        "drafts": {
            "share": draft,
            "share_recipient": (Address(AddressKind.USER_ID, "5"), "Rita"),
            "add_device": {"serial": "J1", "channel_names": ["a", "b"], "channel_count": 2},
            "rename_device": 3,
            "odd": {"$map": 1},  # a key like the codec's own tags
        },
    }
    text = encode(user_data)
    assert decode(text) == user_data
    assert json.loads(text)["drafts"]["share"]["$dataclass"] == "ShareDraft"


@dataclasses.dataclass
class Unlisted:
    value: int


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=UTC), {1, 2}, Unlisted(1), b"x"])
def test_what_the_codec_does_not_list_is_refused(value: object) -> None:
    with pytest.raises(TypeError, match="DRAFT_TYPES"):
        encode({"drafts": {"x": value}})
