"""Applying for a share of a device (QR code), and the owner's answer; R2-R11 on that path."""

from collections.abc import Mapping

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.applications import applications
from sharing.errors import (
    ApplicationNotFound,
    ApplicationNotPending,
    ChannelFull,
    DeviceNotFound,
    DifferentRegion,
    FirmwareTooOld,
    InvitationExpired,
    LiveViewRequired,
    NotDeviceOwner,
    RegionNotSet,
    ShareToSelf,
)
from sharing.rules import MAX_RECIPIENTS_PER_CHANNEL
from sharing.shares.share_queries import load_share
from sharing.views import AcceptedApplication, ApplicationView, ExpiredApplication, MessageRef
from storage.models import (
    Account,
    Application,
    ApplicationState,
    Device,
    DeviceType,
    Permission,
    ShareState,
)
from tests.factories import make_account, make_share
from tests.unit.sharing_world import ALL_FOUR, OWNER, RECIPIENT, STRANGER, TTL, World

APPLICANT = RECIPIENT


async def apply(
    world: World, applicant_id: int = APPLICANT, device_id: int | None = None
) -> tuple[ApplicationView, bool]:
    async with world.database.write() as session:
        return await applications.apply_for_share(
            session,
            applicant_id=applicant_id,
            device_id=device_id or world.device_id,
            ttl=TTL,
            now=world.clock(),
        )


async def accept(
    world: World,
    application: ApplicationView,
    grants: Mapping[int, Permission] = ALL_FOUR,
    owner_id: int = OWNER,
) -> AcceptedApplication:
    async with world.database.write() as session:
        return await applications.accept_application(
            session,
            owner_id=owner_id,
            application_id=application.id,
            grants=grants,
            now=world.clock(),
        )


async def reject(
    world: World, application: ApplicationView, owner_id: int = OWNER
) -> ApplicationView:
    async with world.database.write() as session:
        return await applications.reject_application(
            session, owner_id=owner_id, application_id=application.id, now=world.clock()
        )


async def stored_state(world: World, application: ApplicationView) -> ApplicationState:
    async with world.database.read() as session:
        return (await session.get_one(Application, application.id)).state


# --- applying ------------------------------------------------------------------------------------


async def test_applying_creates_a_pending_application(world: World) -> None:
    application, is_new = await apply(world)

    assert is_new and application.state == ApplicationState.PENDING
    assert application.owner_id == OWNER and application.applicant.display_name == "Rita"
    assert application.device.name == "Shop NVR"
    assert application.expires_at == world.clock() + TTL


async def test_applying_again_returns_the_pending_application(world: World) -> None:
    first, _ = await apply(world)
    world.clock.advance(hours=1)

    again, is_new = await apply(world)

    assert not is_new and again == first


async def test_an_application_past_the_unique_index_returns_the_pending_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a concurrent applicant had slipped past the device lock."""
    first, _ = await apply(world)
    look_up = applications._pending_application
    calls = 0

    async def misses_the_first_time(session: AsyncSession, **key: int) -> Application | None:
        nonlocal calls
        calls += 1
        return None if calls == 1 else await look_up(session, **key)

    monkeypatch.setattr(applications, "_pending_application", misses_the_first_time)
    again, is_new = await apply(world)

    assert not is_new and again == first
    async with world.database.read() as session:
        assert len((await session.exec(select(Application))).all()) == 1


async def test_applying_after_it_ran_out_renews_it_before_the_sweep(world: World) -> None:
    first, _ = await apply(world)
    world.clock.advance(days=3)

    renewed, is_new = await apply(world)

    assert is_new and renewed.id == first.id
    assert renewed.expires_at == world.clock() + TTL


async def test_no_application_for_ones_own_device(world: World) -> None:
    with pytest.raises(ShareToSelf):
        await apply(world, applicant_id=OWNER)


async def test_no_application_for_a_missing_device(world: World) -> None:
    with pytest.raises(DeviceNotFound):
        await apply(world, device_id=404)


async def test_applicant_and_owner_must_share_a_region(world: World) -> None:
    async with world.database.write() as session:
        (await session.get_one(Account, STRANGER)).region = "IE"
        await make_account(session, 60, region=None)
    with pytest.raises(DifferentRegion):
        await apply(world, applicant_id=STRANGER)
    with pytest.raises(RegionNotSet) as refused:
        await apply(world, applicant_id=60)
    assert refused.value.account_id == 60


async def test_no_application_for_old_firmware(world: World) -> None:
    old = await world.add_device(type=DeviceType.DVR, firmware="V3.9.9")
    with pytest.raises(FirmwareTooOld):
        await apply(world, device_id=old)


# --- the owner's answer --------------------------------------------------------------------------


async def test_accepting_gives_the_applicant_an_active_share(world: World) -> None:
    application, _ = await apply(world)
    world.clock.advance(hours=2)

    accepted = await accept(world, application, {1: Permission.LIVE_VIEW})

    assert accepted.application.state == ApplicationState.ACCEPTED
    assert accepted.application.decided_at == world.clock()
    share = accepted.change.share
    assert accepted.change.created and share.state == ShareState.ACTIVE
    assert share.recipient is not None and share.recipient.id == APPLICANT
    assert share.accepted_at == world.clock() and share.expires_at is None
    assert [grant.channel_number for grant in share.grants] == [1]
    async with world.database.read() as session:
        assert share == await load_share(session, share.id)


async def test_accepting_makes_a_pending_invitation_to_the_applicant_active(world: World) -> None:
    invitation = (await world.share(APPLICANT, {1: Permission.LIVE_VIEW})).share
    application, _ = await apply(world)

    accepted = await accept(world, application)

    assert not accepted.change.created and accepted.change.share.id == invitation.id
    assert accepted.change.share.state == ShareState.ACTIVE
    assert accepted.change.added_channels == (2, 3, 4)
    assert await world.count_shares() == 1


async def test_only_the_owner_answers(world: World) -> None:
    application, _ = await apply(world)
    with pytest.raises(NotDeviceOwner) as refused:
        await accept(world, application, owner_id=APPLICANT)
    assert refused.value.rule == "R2"
    with pytest.raises(ApplicationNotFound):
        await accept(world, application, owner_id=STRANGER)
    with pytest.raises(ApplicationNotFound):
        await reject(world, application, owner_id=STRANGER)
    assert await stored_state(world, application) == ApplicationState.PENDING


async def test_accepting_checks_the_share_rules(world: World) -> None:
    application, _ = await apply(world)
    with pytest.raises(LiveViewRequired):
        await accept(world, application, {1: Permission.PLAYBACK})
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        for account_id in range(1000, 1000 + MAX_RECIPIENTS_PER_CHANNEL):
            account = await make_account(session, account_id)
            await make_share(session, device, account, channels=[3])

    with pytest.raises(ChannelFull):
        await accept(world, application)

    assert await stored_state(world, application) == ApplicationState.PENDING
    assert (await accept(world, application, {1: Permission.LIVE_VIEW})).change.created


async def test_an_application_is_answered_once(world: World) -> None:
    application, _ = await apply(world)
    await accept(world, application)
    with pytest.raises(ApplicationNotPending) as refused:
        await reject(world, application)
    assert refused.value.state == ApplicationState.ACCEPTED


async def test_rejecting_ends_the_application(world: World) -> None:
    application, _ = await apply(world)

    rejected = await reject(world, application)

    assert rejected.state == ApplicationState.REJECTED and rejected.decided_at == world.clock()
    with pytest.raises(ApplicationNotPending):
        await accept(world, application)
    assert await world.count_shares() == 0


async def test_an_application_past_its_time_cannot_be_answered(world: World) -> None:
    application, _ = await apply(world)
    world.clock.advance(days=3)
    with pytest.raises(InvitationExpired):
        await accept(world, application)
    with pytest.raises(InvitationExpired):
        await reject(world, application)


# --- expiry, lists, prompt -----------------------------------------------------------------------


async def test_the_sweep_expires_each_application_once(world: World) -> None:
    due, _ = await apply(world)
    world.clock.advance(days=1)
    later, _ = await apply(world, applicant_id=STRANGER)
    world.clock.advance(days=2)

    async with world.database.write() as session:
        await applications.set_application_prompt(
            session, application_id=due.id, prompt=MessageRef(OWNER, 7)
        )
    async with world.database.write() as session:
        expired = await applications.expire_due_applications(session, now=world.clock())
    async with world.database.write() as session:
        again = await applications.expire_due_applications(session, now=world.clock())

    assert expired == (
        ExpiredApplication(
            id=due.id,
            device=due.device,
            applicant=due.applicant,
            expires_at=due.expires_at,
            prompt=MessageRef(OWNER, 7),
            device_linked=False,
        ),
    )
    assert again == ()
    assert await stored_state(world, due) == ApplicationState.EXPIRED
    assert await stored_state(world, later) == ApplicationState.PENDING
    with pytest.raises(InvitationExpired):
        await accept(world, due)


async def test_pending_applications_for_an_owner(world: World) -> None:
    first, _ = await apply(world)
    world.clock.advance(minutes=1)
    second, _ = await apply(world, applicant_id=STRANGER)
    await reject(world, second)
    world.clock.advance(minutes=1)
    third, _ = await apply(world, applicant_id=STRANGER, device_id=await world.add_device())
    foreign_device = await world.add_device(owner_id=STRANGER)
    await apply(world, applicant_id=OWNER, device_id=foreign_device)

    async with world.database.read() as session:
        page = await applications.list_pending_applications(
            session, owner_id=OWNER, now=world.clock(), offset=0, limit=1
        )
        rest = await applications.list_pending_applications(
            session, owner_id=OWNER, now=world.clock(), offset=1, limit=1
        )

    assert page.total == 2 and page.has_next
    assert [page.items[0].id, rest.items[0].id] == [first.id, third.id]


async def test_the_prompt_is_recorded_and_read_back(world: World) -> None:
    application, _ = await apply(world)
    async with world.database.write() as session:
        await applications.set_application_prompt(
            session, application_id=application.id, prompt=MessageRef(OWNER, 7)
        )
    async with world.database.read() as session:
        seen = await applications.get_application(
            session, application_id=application.id, account_id=OWNER
        )
        with pytest.raises(ApplicationNotFound):
            await applications.get_application(
                session, application_id=application.id, account_id=STRANGER
            )
    assert seen.prompt == MessageRef(OWNER, 7)
