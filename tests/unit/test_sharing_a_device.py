"""Sharing a device with a recipient (an invitation), editing it by sharing again, and every
refusal of R2-R9."""

import pytest

from sharing.errors import (
    AccountNotFound,
    ChannelFull,
    DeviceNotFound,
    DifferentRegion,
    FirmwareTooOld,
    LiveViewRequired,
    NoChannelsSelected,
    NotDeviceOwner,
    RegionNotSet,
    ShareConflict,
    ShareToSelf,
    TooManyOwners,
    UnknownChannel,
)
from sharing.rules import MAX_OWNERS_PER_RECIPIENT, MAX_RECIPIENTS_PER_CHANNEL
from sharing.shares import saving
from sharing.shares.share_queries import load_share
from sharing.views import Address, GrantView, ShareView
from storage.models import (
    ALL_PERMISSIONS,
    Account,
    AddressKind,
    Device,
    DeviceType,
    Permission,
    ShareState,
)
from tests.factories import make_account, make_device, make_share
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, TTL, World

LIVE = Permission.LIVE_VIEW
PLAYBACK = Permission.PLAYBACK


async def fill_channel(world: World, channel: int, count: int, *, state: ShareState) -> None:
    """`count` other accounts hold a share of `channel` of the world's device."""
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        for account_id in range(1000, 1000 + count):
            account = await make_account(session, account_id)
            await make_share(session, device, account, state=state, channels=[channel])


async def fill_owners(world: World, count: int, *, state: ShareState) -> None:
    """The recipient holds shares from `count` other owners."""
    async with world.database.write() as session:
        recipient = await session.get_one(Account, RECIPIENT)
        for owner_id in range(2000, 2000 + count):
            device = await make_device(session, await make_account(session, owner_id))
            await make_share(session, device, recipient, state=state)


async def set_region(world: World, account_id: int, region: str | None) -> None:
    async with world.database.write() as session:
        account = await session.get_one(Account, account_id)
        account.region = region


# --- creating and editing ------------------------------------------------------------------------


async def test_a_new_share_is_a_pending_invitation_with_its_grants(world: World) -> None:
    change = await world.share(grants={1: LIVE | PLAYBACK, 3: LIVE})

    share = change.share
    assert change.created and change.previous is None
    assert share.state == ShareState.PENDING and share.version == 1
    assert share.expires_at == world.clock() + TTL
    assert (share.owner.display_name, share.device.name) == ("Olivia", "Shop NVR")
    assert share.recipient is not None and share.recipient.id == RECIPIENT
    assert share.grants == (
        GrantView(1, "Camera 01", LIVE | PLAYBACK),
        GrantView(3, "Camera 03", LIVE),
    )
    assert (await world.stored(share.id)).state == ShareState.PENDING


async def test_sharing_again_edits_the_invitation_and_renews_it(world: World) -> None:
    first = await world.share(grants={1: LIVE, 2: LIVE, 3: LIVE})
    world.clock.advance(days=1)

    change = await world.share(grants={1: LIVE | PLAYBACK, 2: LIVE, 4: LIVE})

    assert not change.created
    assert change.share.id == first.share.id and change.share.version == 2
    assert change.share.expires_at == world.clock() + TTL
    assert change.added_channels == (4,)
    assert change.removed_channels == (3,)
    assert change.changed_channels == (1,)
    assert await world.count_shares() == 1


async def test_editing_an_active_share_keeps_it_active(world: World) -> None:
    accepted = await world.accept((await world.share()).share)

    change = await world.share(grants={1: LIVE})

    assert change.previous == accepted
    assert change.share.state == ShareState.ACTIVE and change.share.expires_at is None
    assert change.removed_channels == (2, 3, 4)


async def read_back(world: World, share_id: int) -> ShareView:
    async with world.database.read() as session:
        return await load_share(session, share_id)


async def test_the_saved_view_is_what_reading_the_share_gives(world: World) -> None:
    """`save_share` makes its view from the transaction instead of reading the share back."""
    waiting = Address(AddressKind.PHONE, "+447700900999")
    saved: list[ShareView] = []

    async def share(recipient: int | Address, grants: dict[int, Permission]) -> ShareView:
        view = (await world.share(recipient, grants)).share
        assert view == await read_back(world, view.id)
        saved.append(view)
        return view

    await share(RECIPIENT, {1: LIVE | PLAYBACK, 3: LIVE})
    await share(waiting, {1: LIVE})
    world.clock.advance(hours=1)
    await world.accept(await share(RECIPIENT, {2: LIVE}))  # an edited invitation
    await share(RECIPIENT, {2: LIVE, 4: LIVE | PLAYBACK})  # an edited active share
    await share(waiting, {4: LIVE})  # an edited invitation to an address

    assert [view.version for view in saved] == [1, 1, 2, 3, 2]
    assert saved[3].state == ShareState.ACTIVE and saved[4].recipient is None


async def test_a_share_that_ended_does_not_stop_a_new_one(world: World) -> None:
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        await make_share(
            session, device, await session.get_one(Account, RECIPIENT), state=ShareState.REVOKED
        )

    change = await world.share()

    assert change.created
    assert await world.count_shares(ShareState.PENDING, ShareState.ACTIVE) == 1


async def test_a_refused_share_stores_nothing(world: World) -> None:
    await world.share(grants={1: LIVE})
    with pytest.raises(UnknownChannel):
        await world.share(grants={1: ALL_PERMISSIONS, 9: LIVE})
    stored = await world.stored((await world.share(grants={1: LIVE})).share.id)
    assert stored.version == 2  # the refused edit did not bump it


# --- recipients named by an address (R10) --------------------------------------------------------


async def test_an_address_nobody_proved_waits_as_an_address(world: World) -> None:
    address = Address(AddressKind.PHONE, "+447700900999")

    change = await world.share(address)
    again = await world.share(address, {1: LIVE})

    assert change.share.recipient is None and change.share.address == address
    assert again.share.id == change.share.id and not again.created


@pytest.mark.parametrize(
    "address",
    [
        Address(AddressKind.PHONE, "+447700900002"),
        Address(AddressKind.USER_ID, str(RECIPIENT)),
        Address(AddressKind.USERNAME, "rita"),
    ],
)
async def test_an_address_an_account_proved_is_that_account(world: World, address: Address) -> None:
    async with world.database.write() as session:
        (await session.get_one(Account, RECIPIENT)).username = "rita"

    change = await world.share(address)

    assert change.share.recipient is not None and change.share.recipient.id == RECIPIENT


async def test_a_username_two_accounts_hold_is_not_guessed(world: World) -> None:
    async with world.database.write() as session:
        for account_id in (RECIPIENT, STRANGER):
            (await session.get_one(Account, account_id)).username = "sameold"

    change = await world.share(Address(AddressKind.USERNAME, "sameold"))

    assert change.share.recipient is None


async def test_an_unknown_account_id_is_refused(world: World) -> None:
    with pytest.raises(AccountNotFound):
        await world.share(99)


# --- R2 ------------------------------------------------------------------------------------------


async def test_only_the_owner_can_share(world: World) -> None:
    with pytest.raises(NotDeviceOwner) as refused:
        await world.share(STRANGER, owner_id=RECIPIENT)
    assert refused.value.rule == "R2" and refused.value.device_id == world.device_id
    with pytest.raises(DeviceNotFound):
        await world.share(device_id=404)
    assert await world.count_shares() == 0


# --- R3 ------------------------------------------------------------------------------------------


async def test_owner_and_recipient_must_share_a_region(world: World) -> None:
    await set_region(world, RECIPIENT, "DE")
    with pytest.raises(DifferentRegion) as refused:
        await world.share()
    assert refused.value.rule == "R3"
    assert (refused.value.owner_region, refused.value.recipient_region) == ("GB", "DE")


async def test_an_owner_without_a_region_cannot_share(world: World) -> None:
    await set_region(world, OWNER, None)
    with pytest.raises(RegionNotSet) as refused:
        await world.share()
    assert refused.value.account_id == OWNER


async def test_a_recipient_without_a_region_is_invited_and_checked_on_accept(
    world: World,
) -> None:
    await set_region(world, RECIPIENT, None)
    invitation = (await world.share()).share
    with pytest.raises(RegionNotSet) as refused:
        await world.accept(invitation)
    assert refused.value.account_id == RECIPIENT
    assert (await world.stored(invitation.id)).state == ShareState.PENDING


# --- R4 ------------------------------------------------------------------------------------------


async def test_a_channel_shared_with_64_accounts_is_full(world: World) -> None:
    await fill_channel(world, 2, MAX_RECIPIENTS_PER_CHANNEL // 2, state=ShareState.ACTIVE)
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        for account_id in range(3000, 3000 + MAX_RECIPIENTS_PER_CHANNEL // 2):
            account = await make_account(session, account_id)
            await make_share(session, device, account, state=ShareState.PENDING, channels=[2])

    with pytest.raises(ChannelFull) as refused:
        await world.share(grants={1: LIVE, 2: LIVE, 3: LIVE})

    assert refused.value.rule == "R4"
    assert (refused.value.channel_numbers, refused.value.limit) == ([2], 64)
    assert (await world.share(grants={1: LIVE, 3: LIVE})).created


async def test_ended_shares_free_their_channel_slots(world: World) -> None:
    await fill_channel(world, 1, MAX_RECIPIENTS_PER_CHANNEL, state=ShareState.REVOKED)
    assert (await world.share(grants={1: LIVE})).created


async def test_editing_a_share_that_holds_a_slot_of_a_full_channel_is_allowed(
    world: World,
) -> None:
    await world.share(grants={1: LIVE})
    await fill_channel(world, 1, MAX_RECIPIENTS_PER_CHANNEL - 1, state=ShareState.ACTIVE)

    change = await world.share(grants={1: LIVE | PLAYBACK})

    assert change.changed_channels == (1,)


# --- R5 ------------------------------------------------------------------------------------------


async def test_a_recipient_receives_from_at_most_100_owners(world: World) -> None:
    await fill_owners(world, MAX_OWNERS_PER_RECIPIENT, state=ShareState.PENDING)
    with pytest.raises(TooManyOwners) as refused:
        await world.share()
    assert (refused.value.rule, refused.value.limit) == ("R5", 100)


async def test_an_owner_already_counted_can_share_another_device(world: World) -> None:
    await world.share()
    await fill_owners(world, MAX_OWNERS_PER_RECIPIENT - 1, state=ShareState.ACTIVE)
    second_device = await world.add_device()

    assert (await world.share(device_id=second_device)).created


async def test_owners_whose_shares_ended_do_not_count(world: World) -> None:
    await fill_owners(world, MAX_OWNERS_PER_RECIPIENT, state=ShareState.REMOVED)
    assert (await world.share()).created


# --- R6 ------------------------------------------------------------------------------------------


async def test_old_firmware_cannot_be_shared(world: World) -> None:
    camera = await world.add_device(type=DeviceType.CAMERA, firmware="V5.4.9 build 190101")
    with pytest.raises(FirmwareTooOld) as refused:
        await world.share(device_id=camera, grants={1: LIVE})
    assert refused.value.rule == "R6"
    assert refused.value.minimum_version == "V5.5.0"
    assert refused.value.firmware_version == "V5.4.9 build 190101"


# --- R7 and the grants themselves ----------------------------------------------------------------


async def test_cctv_channels_must_keep_live_view(world: World) -> None:
    with pytest.raises(LiveViewRequired) as refused:
        await world.share(grants={1: LIVE, 3: PLAYBACK})
    assert (refused.value.rule, refused.value.channel_number) == ("R7", 3)


async def test_other_devices_may_grant_without_live_view(world: World) -> None:
    doorbell = await world.add_device(type=DeviceType.DOORBELL, firmware="V1.0", channels=1)
    change = await world.share(device_id=doorbell, grants={1: Permission.TWO_WAY_AUDIO})
    assert change.share.grants[0].permissions == Permission.TWO_WAY_AUDIO


async def test_a_share_needs_at_least_one_channel(world: World) -> None:
    with pytest.raises(NoChannelsSelected):
        await world.share(grants={})
    doorbell = await world.add_device(type=DeviceType.DOORBELL, firmware="V1.0", channels=2)
    with pytest.raises(NoChannelsSelected):
        await world.share(device_id=doorbell, grants={1: Permission(0), 2: Permission(0)})


async def test_unknown_channels_are_refused(world: World) -> None:
    with pytest.raises(UnknownChannel) as refused:
        await world.share(grants={1: LIVE, 5: LIVE})
    assert refused.value.channel_number == 5


# --- R9 ------------------------------------------------------------------------------------------


async def test_no_share_to_oneself(world: World) -> None:
    async with world.database.write() as session:
        (await session.get_one(Account, OWNER)).email = "olivia@example.com"
    with pytest.raises(ShareToSelf) as refused:
        await world.share(OWNER)
    assert refused.value.rule == "R9"
    with pytest.raises(ShareToSelf):
        await world.share(Address(AddressKind.EMAIL, "olivia@example.com"))


async def test_the_unique_index_is_a_domain_refusal_not_a_crash(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a concurrent writer had slipped past the device lock."""
    await world.share()

    async def sees_nothing(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr(saving, "_lock_live_share", sees_nothing)
    with pytest.raises(ShareConflict) as refused:
        await world.share()
    assert (refused.value.rule, refused.value.device_id) == ("R9", world.device_id)
    assert await world.count_shares() == 1
