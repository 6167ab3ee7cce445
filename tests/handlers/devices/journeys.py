"""Journeys of the device tests: an owner whose device is connected to a simulator, a share
made for a recipient, and reading which channel a snapshot shows."""

from collections.abc import Iterable
from io import BytesIO

from PIL import Image

from storage.database import Database
from storage.models import Account, Device, Permission
from tests.device_simulator import DeviceSimulator
from tests.factories import make_share
from tests.handlers.journeys import add_nvr, started
from tests.harness.state import ChatMessage
from tests.harness.users import Telegram, TelegramGroup, TelegramUser

NVR_SERIAL = "K98765432"
"""The label serial of the simulator's NVR (tests.device_simulator.models.nvr)."""
CAMERA_SERIAL = "J12345678"


async def connect(
    owner: TelegramUser, device: DeviceSimulator, *, password: str | None = None
) -> None:
    """From the device card the owner was last shown: 🔌 Connect with the simulator's address."""
    await owner.tap("🔌 Connect")
    await owner.send(f"127.0.0.1:{device.port}")
    await owner.send(device.username)
    await owner.send(device.password)


async def owner_of_connected_nvr(owner: TelegramUser, nvr: DeviceSimulator) -> None:
    """`owner` adds Shop NVR (4 channels typed, the simulator's serial) and connects it."""
    await add_nvr(owner, serial=NVR_SERIAL)
    await connect(owner, nvr)
    assert owner.messages[-2].text.startswith("✅ Connected Shop NVR"), owner.messages[-2].text


def pictured_channel(message: ChatMessage) -> int:
    """Which channel a snapshot shows: the simulator writes it in the JPEG's comment."""
    assert message.photo is not None, "not a photo"
    with Image.open(BytesIO(message.photo.content)) as image:
        comment = image.info["comment"].decode()
    return int(comment.removeprefix("channel "))


async def share_channels(
    database: Database,
    recipient: TelegramUser,
    channels: Iterable[int],
    permissions: Permission = Permission.LIVE_VIEW,
    *,
    device_id: int = 1,
) -> int:
    """An active share of the device to `recipient`, as if they had accepted it: the sharing
    flow has tests of its own; these tests are about what a share lets one do."""
    async with database.write() as session:
        device = await session.get(Device, device_id)
        account = await session.get(Account, recipient.id)
        assert device is not None and account is not None
        share = await make_share(
            session, device, account, channels=channels, permissions=permissions
        )
        assert share.id is not None
        return share.id


async def linked_group(telegram: Telegram, owner: TelegramUser) -> TelegramGroup:
    """Ian's installer group, with the owner's Shop NVR linked to it."""
    ian = await started(telegram, "Ian")
    group = telegram.group("Installers Ltd", creator=ian)
    await group.add_bot(by=ian)
    await ian.send("/allowlinking", chat=group)
    await owner.send("/link", chat=group)
    await owner.tap("🗄 Shop NVR", chat=group)
    return group
