"""Invitations sent to an address reach the account that proves it (R10), checked as if made now."""

import pytest

from sharing.errors import DifferentRegion, ShareConflict, ShareToSelf, TooManyOwners
from sharing.people.claims import claim_invitations
from sharing.rules import MAX_OWNERS_PER_RECIPIENT
from sharing.views import Address, ClaimedInvitations
from storage.models import Account, AddressKind, ShareState
from tests.factories import make_account, make_device, make_share
from tests.unit.sharing_world import OWNER, World

NEWCOMER = 50
PHONE = Address(AddressKind.PHONE, "+447700900050")
EMAIL = Address(AddressKind.EMAIL, "new@example.com")


async def join(world: World, *, region: str | None = "GB", **proved: str) -> None:
    """The newcomer starts the bot (and proves what `proved` says)."""
    async with world.database.write() as session:
        await make_account(session, NEWCOMER, region=region, **proved)


async def prove(world: World, account_id: int = NEWCOMER, **proved: str | None) -> None:
    async with world.database.write() as session:
        account = await session.get_one(Account, account_id)
        for field, value in proved.items():
            setattr(account, field, value)


async def claim(world: World, account_id: int = NEWCOMER) -> ClaimedInvitations:
    async with world.database.write() as session:
        return await claim_invitations(session, account_id=account_id, now=world.clock())


async def test_a_proved_phone_claims_its_invitation(world: World) -> None:
    invitation = (await world.share(PHONE)).share
    await join(world)
    assert await claim(world) == ClaimedInvitations((), ())

    await prove(world, phone=PHONE.value)
    outcome = await claim(world)

    assert [share.id for share in outcome.claimed] == [invitation.id]
    claimed = outcome.claimed[0]
    assert claimed.recipient is not None and claimed.recipient.id == NEWCOMER
    assert claimed.state == ShareState.PENDING and claimed.version == invitation.version
    assert claimed.expires_at == invitation.expires_at
    assert (await world.stored(invitation.id)).recipient_id == NEWCOMER
    assert await claim(world) == ClaimedInvitations((), ())


@pytest.mark.parametrize(
    ("address", "proved"),
    [
        (Address(AddressKind.USERNAME, "newbie"), {"username": "newbie"}),
        (Address(AddressKind.USER_ID, str(NEWCOMER)), {}),
        (EMAIL, {"email": EMAIL.value}),
    ],
)
async def test_every_kind_of_address_is_claimed(
    world: World, address: Address, proved: dict[str, str]
) -> None:
    await world.share(address)
    await join(world, **proved)
    assert len((await claim(world)).claimed) == 1


async def test_an_expired_invitation_is_not_claimed(world: World) -> None:
    invitation = (await world.share(PHONE)).share
    world.clock.advance(days=3)
    await join(world, phone=PHONE.value)

    assert await claim(world) == ClaimedInvitations((), ())
    assert (await world.stored(invitation.id)).recipient_id is None


async def test_an_account_without_a_region_claims_once_it_has_one(world: World) -> None:
    await world.share(PHONE)
    await join(world, region=None, phone=PHONE.value)
    assert await claim(world) == ClaimedInvitations((), ())

    await prove(world, region="GB")

    assert len((await claim(world)).claimed) == 1


async def test_an_invitation_to_the_owners_own_address_is_cancelled(world: World) -> None:
    invitation = (await world.share(PHONE)).share
    await prove(world, OWNER, phone=PHONE.value)

    outcome = await claim(world, OWNER)

    assert outcome.claimed == ()
    [cancelled] = outcome.cancelled
    assert cancelled.share.id == invitation.id and cancelled.share.state == ShareState.CANCELLED
    assert isinstance(cancelled.reason, ShareToSelf)


async def test_an_invitation_across_regions_is_cancelled(world: World) -> None:
    await world.share(PHONE)
    await join(world, region="US", phone=PHONE.value)

    [cancelled] = (await claim(world)).cancelled

    assert cancelled.reason == DifferentRegion(owner_region="GB", recipient_region="US")
    assert (await world.stored(cancelled.share.id)).state == ShareState.CANCELLED


async def test_an_invitation_from_a_101st_owner_is_cancelled(world: World) -> None:
    await world.share(PHONE)
    await join(world, phone=PHONE.value)
    async with world.database.write() as session:
        newcomer = await session.get_one(Account, NEWCOMER)
        for owner_id in range(2000, 2000 + MAX_OWNERS_PER_RECIPIENT):
            device = await make_device(session, await make_account(session, owner_id))
            await make_share(session, device, newcomer)

    [cancelled] = (await claim(world)).cancelled

    assert isinstance(cancelled.reason, TooManyOwners)


async def test_a_live_share_of_the_device_wins_over_the_invitation(world: World) -> None:
    by_phone = (await world.share(PHONE)).share
    await join(world)
    by_account = await world.accept((await world.share(NEWCOMER)).share, NEWCOMER)
    await prove(world, phone=PHONE.value)

    outcome = await claim(world)

    assert outcome.claimed == ()
    assert [c.share.id for c in outcome.cancelled] == [by_phone.id]
    assert outcome.cancelled[0].reason == ShareConflict(world.device_id)
    assert (await world.stored(by_account.id)).state == ShareState.ACTIVE


async def test_two_invitations_of_one_device_to_two_addresses_claim_one(world: World) -> None:
    by_phone = (await world.share(PHONE)).share
    by_email = (await world.share(EMAIL)).share
    await join(world, phone=PHONE.value, email=EMAIL.value)

    outcome = await claim(world)

    assert [share.id for share in outcome.claimed] == [by_phone.id]
    assert [c.share.id for c in outcome.cancelled] == [by_email.id]
    assert await world.count_shares(ShareState.PENDING) == 1
