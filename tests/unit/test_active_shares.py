"""Active shares: the owner revokes, the recipient removes or renames (R12); prompts; reading."""

import pytest

from sharing.errors import (
    InvalidDeviceField,
    NotDeviceOwner,
    ShareNotActive,
    ShareNotFound,
)
from sharing.shares import shares
from sharing.shares.share_queries import get_share, list_received_shares
from sharing.views import MessageRef, ShareView
from storage.models import ShareState
from tests.unit.sharing_world import OWNER, RECIPIENT, STRANGER, World


async def active_share(world: World) -> ShareView:
    return await world.accept((await world.share()).share)


async def revoke(world: World, share: ShareView, owner_id: int = OWNER) -> ShareView:
    async with world.database.write() as session:
        return await shares.revoke_share(
            session, share_id=share.id, owner_id=owner_id, now=world.clock()
        )


async def remove(world: World, share: ShareView, recipient_id: int = RECIPIENT) -> ShareView:
    async with world.database.write() as session:
        return await shares.remove_share(
            session, share_id=share.id, recipient_id=recipient_id, now=world.clock()
        )


async def rename(
    world: World, share: ShareView, alias: str | None, recipient_id: int = RECIPIENT
) -> ShareView:
    async with world.database.write() as session:
        return await shares.rename_share(
            session, share_id=share.id, recipient_id=recipient_id, alias=alias, now=world.clock()
        )


async def received(world: World) -> list[int]:
    async with world.database.read() as session:
        page = await list_received_shares(session, recipient_id=RECIPIENT, offset=0, limit=10)
    return [share.id for share in page.items]


# --- revoke and remove (R12) ---------------------------------------------------------------------


async def test_a_revoked_share_leaves_the_recipients_list_at_once(world: World) -> None:
    share = await active_share(world)
    assert await received(world) == [share.id]

    revoked = await revoke(world, share)

    assert revoked.state == ShareState.REVOKED and revoked.ended_at == world.clock()
    assert revoked.recipient is not None and revoked.recipient.id == RECIPIENT  # to be told
    assert await received(world) == []


async def test_only_the_owner_revokes(world: World) -> None:
    share = await active_share(world)
    with pytest.raises(NotDeviceOwner):
        await revoke(world, share, owner_id=RECIPIENT)
    with pytest.raises(ShareNotFound):
        await revoke(world, share, owner_id=STRANGER)
    assert (await world.stored(share.id)).state == ShareState.ACTIVE


async def test_a_pending_invitation_is_cancelled_not_revoked(world: World) -> None:
    invitation = (await world.share()).share
    with pytest.raises(ShareNotActive) as refused:
        await revoke(world, invitation)
    assert refused.value.state == ShareState.PENDING


async def test_the_recipient_removes_a_share(world: World) -> None:
    share = await active_share(world)

    removed = await remove(world, share)

    assert removed.state == ShareState.REMOVED and removed.owner.id == OWNER  # to be told
    assert await received(world) == []
    with pytest.raises(ShareNotActive):
        await remove(world, share)


async def test_only_the_recipient_removes(world: World) -> None:
    share = await active_share(world)
    for somebody_else in (OWNER, STRANGER):
        with pytest.raises(ShareNotFound):
            await remove(world, share, recipient_id=somebody_else)


# --- alias ---------------------------------------------------------------------------------------


async def test_the_recipient_renames_for_themselves(world: World) -> None:
    share = await active_share(world)

    renamed = await rename(world, share, "  Mum's   shop ")

    assert renamed.alias == "Mum's shop" and renamed.device.name == "Shop NVR"
    assert renamed.version == share.version  # not an edit: prompts stay valid
    assert (await rename(world, share, "   ")).alias is None


async def test_an_alias_is_a_name(world: World) -> None:
    share = await active_share(world)
    with pytest.raises(InvalidDeviceField):
        await rename(world, share, "x" * 65)


async def test_only_the_recipient_renames_an_active_share(world: World) -> None:
    invitation = (await world.share()).share
    with pytest.raises(ShareNotActive):
        await rename(world, invitation, "Shop")
    share = await world.accept(invitation)
    with pytest.raises(ShareNotFound):
        await rename(world, share, "Shop", recipient_id=OWNER)


# --- prompt and reading --------------------------------------------------------------------------


async def test_the_prompt_is_recorded_and_read_back(world: World) -> None:
    invitation = (await world.share()).share
    assert invitation.prompt is None
    async with world.database.write() as session:
        await shares.set_share_prompt(
            session, share_id=invitation.id, prompt=MessageRef(chat_id=RECIPIENT, message_id=42)
        )

    async with world.database.read() as session:
        seen_by_owner = await get_share(session, share_id=invitation.id, account_id=OWNER)
        seen_by_recipient = await get_share(session, share_id=invitation.id, account_id=RECIPIENT)

    assert seen_by_owner.prompt == seen_by_recipient.prompt == MessageRef(RECIPIENT, 42)


async def test_a_stranger_cannot_read_a_share(world: World) -> None:
    invitation = (await world.share()).share
    async with world.database.read() as session:
        with pytest.raises(ShareNotFound):
            await get_share(session, share_id=invitation.id, account_id=STRANGER)
