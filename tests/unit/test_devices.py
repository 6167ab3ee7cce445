"""Adding, listing, renaming and removing devices; R1."""

from datetime import datetime

import pytest

from sharing.devices import devices
from sharing.errors import (
    DeviceAlreadyYours,
    DeviceHeldByAnotherAccount,
    DeviceNotFound,
    InvalidDeviceField,
)
from storage.database import Database
from storage.models import Account, DeviceType, Share, ShareState
from tests.clock import FakeClock


async def add_account(database: Database, account_id: int, now: datetime) -> None:
    async with database.write() as session:
        session.add(Account(id=account_id, first_name=f"User {account_id}", created_at=now))


def new_device(
    serial: str = "J12345678", *, channels: int = 4, name: str = "Shop"
) -> devices.NewDevice:
    return devices.NewDevice(
        serial=serial,
        verification_code="ABCDEF",
        name=name,
        type=DeviceType.NVR,
        channel_names=devices.default_channel_names(channels),
        firmware_version="V4.30.005 build 200101",
    )


@pytest.fixture
async def owners(database: Database, clock: FakeClock) -> tuple[int, int]:
    await add_account(database, 1, clock())
    await add_account(database, 2, clock())
    return 1, 2


async def test_added_device_has_its_channels(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    async with database.write() as session:
        device = await devices.add_device(
            session, owner_id=1, new=new_device(channels=3), now=clock()
        )
    assert device.serial == "J12345678"
    assert [(c.number, c.name) for c in device.channels] == [
        (1, "Camera 01"),
        (2, "Camera 02"),
        (3, "Camera 03"),
    ]
    assert device.live_shares == 0


async def test_serial_held_by_another_account_is_refused(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    async with database.write() as session:
        await devices.add_device(session, owner_id=1, new=new_device(), now=clock())
    with pytest.raises(DeviceHeldByAnotherAccount) as refused:
        async with database.write() as session:
            await devices.add_device(session, owner_id=2, new=new_device(), now=clock())
    assert refused.value.rule == "R1"
    async with database.read() as session:
        assert (await devices.list_devices(session, owner_id=2, offset=0, limit=10)).total == 0


async def test_adding_own_serial_twice_says_so(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    async with database.write() as session:
        await devices.add_device(session, owner_id=1, new=new_device(), now=clock())
    with pytest.raises(DeviceAlreadyYours):
        async with database.write() as session:
            await devices.add_device(session, owner_id=1, new=new_device(), now=clock())


async def test_list_pages_by_name_with_counts(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    async with database.write() as session:
        for index in range(5):
            await devices.add_device(
                session,
                owner_id=1,
                new=new_device(f"SERIAL00{index}", channels=index + 1, name=f"Device {4 - index}"),
                now=clock(),
            )
    async with database.read() as session:
        first = await devices.list_devices(session, owner_id=1, offset=0, limit=2)
        last = await devices.list_devices(session, owner_id=1, offset=4, limit=2)
    assert [(d.name, d.channel_count) for d in first.items] == [("Device 0", 5), ("Device 1", 4)]
    assert first.total == 5 and first.has_next and not first.has_previous
    assert [d.name for d in last.items] == ["Device 4"] and not last.has_next


async def test_another_owner_cannot_see_rename_or_remove(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    async with database.write() as session:
        device = await devices.add_device(session, owner_id=1, new=new_device(), now=clock())
    async with database.write() as session:
        with pytest.raises(DeviceNotFound):
            await devices.get_owned_device(session, owner_id=2, device_id=device.id)
        with pytest.raises(DeviceNotFound):
            await devices.rename_device(session, owner_id=2, device_id=device.id, name="Mine")
        with pytest.raises(DeviceNotFound):
            await devices.remove_device(session, owner_id=2, device_id=device.id)
    async with database.read() as session:
        assert (
            await devices.get_owned_device(session, owner_id=1, device_id=device.id)
        ).name == "Shop"


async def test_rename_validates_the_name(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    async with database.write() as session:
        device = await devices.add_device(session, owner_id=1, new=new_device(), now=clock())
    async with database.write() as session:
        renamed = await devices.rename_device(
            session, owner_id=1, device_id=device.id, name="  Back   <yard> & 🐈 "
        )
    assert renamed.name == "Back <yard> & 🐈"
    with pytest.raises(InvalidDeviceField):
        async with database.write() as session:
            await devices.rename_device(session, owner_id=1, device_id=device.id, name="x" * 65)


async def test_removal_returns_live_recipients_and_frees_the_serial(
    database: Database, clock: FakeClock, owners: tuple[int, int]
) -> None:
    await add_account(database, 3, clock())
    async with database.write() as session:
        device = await devices.add_device(session, owner_id=1, new=new_device(), now=clock())
        for recipient, state in ((2, ShareState.ACTIVE), (3, ShareState.DECLINED)):
            session.add(
                Share(
                    device_id=device.id,
                    owner_id=1,
                    recipient_id=recipient,
                    state=state,
                    created_at=clock(),
                    updated_at=clock(),
                )
            )
    async with database.write() as session:
        removed = await devices.remove_device(session, owner_id=1, device_id=device.id)
    assert removed.name == "Shop" and removed.recipient_ids == (2,)
    async with database.write() as session:
        again = await devices.add_device(session, owner_id=2, new=new_device(), now=clock())
    assert again.owner_id == 2


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (devices.parse_serial, " j1234 5678 ", "J12345678"),
        (devices.parse_verification_code, "abcdef", "ABCDEF"),
        (devices.parse_channel_count, " 128 ", 128),
        (devices.parse_firmware, "V5.7.3  build 220112", "V5.7.3 build 220112"),
    ],
)
def test_parsers_normalise(parse: object, text: str, expected: object) -> None:
    assert parse(text) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (devices.parse_serial, "short"),
        (devices.parse_serial, "J1234<5678>"),
        (devices.parse_verification_code, "ABC12F"),
        (devices.parse_verification_code, "ABCDEFG"),
        (devices.parse_channel_count, "0"),
        (devices.parse_channel_count, "257"),
        (devices.parse_channel_count, "eight"),
        (devices.parse_firmware, "latest"),
        (devices.parse_name, "   "),
    ],
)
def test_parsers_refuse_with_the_field(parse: object, text: str) -> None:
    with pytest.raises(InvalidDeviceField):
        parse(text)  # type: ignore[operator]


def test_channel_names_need_one_line_per_channel() -> None:
    assert devices.parse_channel_names("Gate\n\nYard & <Back>\n", count=2) == (
        "Gate",
        "Yard & <Back>",
    )
    with pytest.raises(InvalidDeviceField):
        devices.parse_channel_names("Gate", count=2)
