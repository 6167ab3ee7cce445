"""Answering an invitation (accept, decline), withdrawing it (cancel), its running out (R11)."""

from dataclasses import replace
from datetime import timedelta

import pytest

from sharing.errors import (
    DifferentRegion,
    InvitationExpired,
    NotDeviceOwner,
    ShareNotFound,
    ShareNotPending,
)
from sharing.shares import shares
from sharing.shares.expiry import SweepNames
from sharing.shares.share_queries import load_share
from sharing.views import Address, ExpiredInvitation, MessageRef, ShareView
from storage.models import Account, AddressKind, Device, ShareState
from tests.factories import make_account, make_share
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, TTL, World


async def decline(world: World, share: ShareView, recipient_id: int = RECIPIENT) -> ShareView:
    async with world.database.write() as session:
        return await shares.decline_invitation(
            session,
            share_id=share.id,
            version=share.version,
            recipient_id=recipient_id,
            now=world.clock(),
        )


async def cancel(world: World, share: ShareView, owner_id: int = OWNER) -> ShareView:
    async with world.database.write() as session:
        return await shares.cancel_invitation(
            session, share_id=share.id, owner_id=owner_id, now=world.clock()
        )


async def sweep(
    world: World, limit: int = 100, names: SweepNames | None = None
) -> tuple[ExpiredInvitation, ...]:
    async with world.database.write() as session:
        return await shares.expire_due_invitations(
            session, now=world.clock(), limit=limit, names=names
        )


# --- accept --------------------------------------------------------------------------------------


async def test_accepting_makes_the_share_active(world: World) -> None:
    invitation = (await world.share()).share
    world.clock.advance(hours=1)

    accepted = await world.accept(invitation)

    assert accepted.state == ShareState.ACTIVE
    assert accepted.accepted_at == world.clock() and accepted.expires_at is None
    async with world.database.read() as session:  # the view is made, not read back
        assert accepted == await load_share(session, invitation.id)


async def test_a_second_accept_is_refused(world: World) -> None:
    invitation = (await world.share()).share
    await world.accept(invitation)
    with pytest.raises(ShareNotPending) as refused:
        await world.accept(invitation)
    assert refused.value.state == ShareState.ACTIVE


async def test_a_prompt_older_than_the_last_edit_cannot_accept(world: World) -> None:
    stale = (await world.share()).share
    await world.share(grants={1: stale.grants[0].permissions})

    with pytest.raises(ShareNotPending) as refused:
        await world.accept(stale)

    assert refused.value.state == "edited"
    assert (await world.stored(stale.id)).state == ShareState.PENDING


async def test_only_the_recipient_can_accept(world: World) -> None:
    invitation = (await world.share()).share
    for somebody_else in (STRANGER, OWNER):
        with pytest.raises(ShareNotFound) as refused:
            await world.accept(invitation, recipient_id=somebody_else)
        assert refused.value.share_id == invitation.id
    with pytest.raises(ShareNotFound):
        await world.accept(replace(invitation, id=404))


async def test_an_invitation_past_its_time_cannot_be_accepted_before_the_sweep(
    world: World,
) -> None:
    invitation = (await world.share()).share
    world.clock.advance(seconds=TTL.total_seconds())

    with pytest.raises(InvitationExpired) as refused:
        await world.accept(invitation)

    assert refused.value.rule == "R11" and refused.value.expires_at == invitation.expires_at
    assert (await world.stored(invitation.id)).state == ShareState.PENDING


async def test_an_expired_invitation_cannot_be_accepted(world: World) -> None:
    invitation = (await world.share()).share
    world.clock.advance(days=4)
    await sweep(world)
    world.clock.advance(days=-4)  # even a clock running behind sees it as expired
    with pytest.raises(InvitationExpired):
        await world.accept(invitation)


async def test_accepting_checks_the_regions_again(world: World) -> None:
    invitation = (await world.share()).share
    async with world.database.write() as session:
        (await session.get_one(Account, RECIPIENT)).region = "FR"
    with pytest.raises(DifferentRegion):
        await world.accept(invitation)


# --- decline and cancel --------------------------------------------------------------------------


async def test_declining_ends_the_invitation(world: World) -> None:
    invitation = (await world.share()).share
    declined = await decline(world, invitation)
    assert declined.state == ShareState.DECLINED and declined.ended_at == world.clock()
    with pytest.raises(ShareNotPending):
        await world.accept(invitation)


async def test_only_the_recipient_can_decline(world: World) -> None:
    invitation = (await world.share()).share
    with pytest.raises(ShareNotFound):
        await decline(world, invitation, recipient_id=STRANGER)


async def test_an_accepted_share_cannot_be_declined(world: World) -> None:
    accepted = await world.accept((await world.share()).share)
    with pytest.raises(ShareNotPending) as refused:
        await decline(world, accepted)
    assert refused.value.state == ShareState.ACTIVE


async def test_the_owner_cancels_a_pending_invitation(world: World) -> None:
    invitation = (await world.share()).share
    await world.share(grants={1: invitation.grants[0].permissions})  # any version

    cancelled = await cancel(world, invitation)

    assert cancelled.state == ShareState.CANCELLED and cancelled.ended_at == world.clock()
    assert (await world.stored(invitation.id)).state == ShareState.CANCELLED


async def test_only_the_owner_cancels(world: World) -> None:
    invitation = (await world.share()).share
    with pytest.raises(NotDeviceOwner) as refused:
        await cancel(world, invitation, owner_id=RECIPIENT)
    assert refused.value.rule == "R2"
    with pytest.raises(ShareNotFound):
        await cancel(world, invitation, owner_id=STRANGER)


async def test_an_accepted_share_cannot_be_cancelled(world: World) -> None:
    accepted = await world.accept((await world.share()).share)
    with pytest.raises(ShareNotPending) as refused:
        await cancel(world, accepted)
    assert refused.value.state == ShareState.ACTIVE


# --- expiry (R11) --------------------------------------------------------------------------------


async def test_the_sweep_expires_what_ran_out_once(world: World) -> None:
    due = (await world.share()).share
    async with world.database.write() as session:
        await shares.set_share_prompt(session, share_id=due.id, prompt=MessageRef(RECIPIENT, 42))
    world.clock.advance(days=1)
    later = (await world.share(STRANGER)).share
    world.clock.advance(days=2)

    expired = await sweep(world)

    assert due.expires_at is not None
    assert expired == (
        ExpiredInvitation(
            id=due.id,
            device=due.device,
            owner=due.owner,
            recipient=due.recipient,
            address=None,
            expires_at=due.expires_at,
            prompt=MessageRef(RECIPIENT, 42),
            device_linked=False,
        ),
    )
    stored = await world.stored(due.id)
    assert stored.state == ShareState.EXPIRED and stored.ended_at == world.clock()
    assert stored.expires_at == due.expires_at, "kept: the prompt says when it ran out"
    assert await sweep(world) == ()
    assert (await world.stored(later.id)).state == ShareState.PENDING


async def test_an_invitation_nobody_claimed_expires_with_its_address(world: World) -> None:
    address = Address(AddressKind.EMAIL, "nobody.yet@example.com")
    invitation = (await world.share(address)).share
    world.clock.advance(days=3)

    (expired,) = await sweep(world)

    assert expired.id == invitation.id
    assert expired.recipient is None and expired.address == address
    assert expired.owner == invitation.owner and expired.device == invitation.device
    assert expired.prompt is None


async def test_the_sweep_leaves_answered_invitations_alone(world: World) -> None:
    await world.accept((await world.share()).share)
    world.clock.advance(days=30)
    assert await sweep(world) == ()


async def test_the_sweep_works_in_bounded_batches(world: World) -> None:
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        for account_id in range(100, 105):
            account = await make_account(session, account_id)
            await make_share(
                session, device, account, state=ShareState.PENDING, expires_at=world.clock()
            )

    batches = [await sweep(world, limit=2) for _ in range(4)]

    assert [len(batch) for batch in batches] == [2, 2, 1, 0]
    swept = [share.recipient.id for batch in batches for share in batch if share.recipient]
    assert sorted(swept) == list(range(100, 105))


async def test_one_batch_spans_owners_and_names_each_person_and_device_once(
    world: World,
) -> None:
    sams_device = await world.add_device(owner_id=STRANGER)
    olivias = [
        (await world.share(recipient)).share
        for recipient in (RECIPIENT, Address(AddressKind.EMAIL, "a@example.com"))
    ]
    sams = [
        (await world.share(recipient, owner_id=STRANGER, device_id=sams_device)).share
        for recipient in (RECIPIENT, Address(AddressKind.PHONE, "+447700900123"))
    ]
    world.clock.advance(days=3)

    batch = await sweep(world)

    assert [invitation.id for invitation in batch] == sorted(s.id for s in olivias + sams)
    expired = {invitation.id: invitation for invitation in batch}
    for share in olivias + sams:
        invitation = expired[share.id]
        assert (invitation.owner, invitation.device) == (share.owner, share.device)
        assert (invitation.recipient, invitation.address) == (share.recipient, share.address)
    olivia_first, olivia_second, sam_first, sam_second = (expired[s.id] for s in olivias + sams)
    assert olivia_first.owner is olivia_second.owner and sam_first.device is sam_second.device
    assert olivia_first.recipient is sam_first.recipient  # Rita, invited by both


async def test_batches_take_the_earliest_first_and_a_full_one_means_call_again(
    world: World,
) -> None:
    """Four due, two a batch: the two that ran out first, then the others, then nothing. Each
    batch is by id, whatever the order they ran out in."""
    async with world.database.write() as session:
        device = await session.get_one(Device, world.device_id)
        created = []
        for minutes_ago, account_id in zip((1, 2, 3, 4), range(100, 104), strict=True):
            account = await make_account(session, account_id)
            share = await make_share(
                session,
                device,
                account,
                state=ShareState.PENDING,
                expires_at=world.clock() - timedelta(minutes=minutes_ago),
            )
            created.append(share.id)

    batches = [await sweep(world, limit=2) for _ in range(3)]

    assert (
        [[invitation.id for invitation in batch] for batch in batches]
        == [
            sorted(created[2:]),  # ran out 3 and 4 minutes ago
            sorted(created[:2]),
            [],
        ]
    )


async def test_one_sweep_reads_each_name_once(world: World) -> None:
    """Batches of one sweep share its `SweepNames`: a device renamed half-way through keeps the
    name the sweep first read; the next sweep reads it again."""
    for recipient in (RECIPIENT, STRANGER, Address(AddressKind.EMAIL, "a@example.com")):
        await world.share(recipient)
        world.clock.advance(minutes=1)
    world.clock.advance(days=3)
    names = SweepNames()

    (first,) = await sweep(world, limit=1, names=names)
    async with world.database.write() as session:
        (await session.get_one(Device, world.device_id)).name = "Renamed NVR"
    (second,) = await sweep(world, limit=1, names=names)
    (next_sweeps,) = await sweep(world, limit=1)

    assert first.device.name == second.device.name == "Shop NVR"
    assert next_sweeps.device.name == "Renamed NVR"


async def test_an_expired_invitation_frees_its_slot_for_a_new_one(world: World) -> None:
    first = (await world.share()).share
    world.clock.advance(days=3)
    await sweep(world)

    second = await world.share()

    assert second.created and second.share.id != first.id
