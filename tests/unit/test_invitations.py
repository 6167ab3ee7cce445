"""Answering an invitation (accept, decline), withdrawing it (cancel), its running out (R11)."""

from dataclasses import replace

import pytest

from sharing import shares
from sharing.errors import (
    DifferentRegion,
    InvitationExpired,
    NotDeviceOwner,
    ShareNotFound,
    ShareNotPending,
)
from sharing.views import ShareView
from storage.models import Account, Device, ShareState
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


async def sweep(world: World, limit: int = 100) -> tuple[ShareView, ...]:
    async with world.database.write() as session:
        return await shares.expire_due_invitations(session, now=world.clock(), limit=limit)


# --- accept --------------------------------------------------------------------------------------


async def test_accepting_makes_the_share_active(world: World) -> None:
    invitation = (await world.share()).share
    world.clock.advance(hours=1)

    accepted = await world.accept(invitation)

    assert accepted.state == ShareState.ACTIVE
    assert accepted.accepted_at == world.clock() and accepted.expires_at is None
    assert (await world.stored(invitation.id)).state == ShareState.ACTIVE


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
    world.clock.advance(days=1)
    later = (await world.share(STRANGER)).share
    world.clock.advance(days=2)

    expired = await sweep(world)

    assert [share.id for share in expired] == [due.id]
    assert expired[0].state == ShareState.EXPIRED and expired[0].ended_at == world.clock()
    assert expired[0].recipient is not None and expired[0].recipient.id == RECIPIENT
    assert await sweep(world) == ()
    assert (await world.stored(later.id)).state == ShareState.PENDING


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


async def test_an_expired_invitation_frees_its_slot_for_a_new_one(world: World) -> None:
    first = (await world.share()).share
    world.clock.advance(days=3)
    await sweep(world)

    second = await world.share()

    assert second.created and second.share.id != first.id
