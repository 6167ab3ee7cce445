"""The lines a group reads: one short line per event, people by display name only, names cut
and escaped, whatever the owner typed to reach someone."""

import re

from handlers.groups import lines as group_lines
from sharing.shares import shares
from sharing.views import Address, GrantView, ShareView
from storage.models import ALL_PERMISSIONS, AddressKind
from tests.unit.sharing_world import OWNER, RECIPIENT, World


async def ended(world: World, share: ShareView, how: str) -> ShareView:
    async with world.database.write() as session:
        if how == "revoke":
            return await shares.revoke_share(
                session, share_id=share.id, owner_id=OWNER, now=world.clock()
            )
        if how == "cancel":
            return await shares.cancel_invitation(
                session, share_id=share.id, owner_id=OWNER, now=world.clock()
            )
        return await shares.remove_share(
            session, share_id=share.id, recipient_id=RECIPIENT, now=world.clock()
        )


async def test_deleting_and_cancelling_shares(world: World) -> None:
    """The lines for /shared and /received, which their handlers queue."""
    active = await world.accept((await world.share()).share)
    assert group_lines.share_deleted_by_owner(await ended(world, active, "revoke")) == (
        "🗑 Olivia stopped sharing <b>Shop NVR</b> with Rita"
    )
    pending = (await world.share()).share
    assert group_lines.share_deleted_by_owner(await ended(world, pending, "cancel")) == (
        "✖️ Olivia cancelled the invitation of Rita to <b>Shop NVR</b>"
    )
    active = await world.accept((await world.share()).share)
    assert group_lines.share_deleted_by_recipient(await ended(world, active, "remove")) == (
        "🗑 Rita deleted <b>Shop NVR</b> (shared by Olivia) from their list"
    )


async def test_an_address_nobody_claimed_is_never_shown(world: World) -> None:
    for kind, value in (
        (AddressKind.PHONE, "+447700900999"),
        (AddressKind.EMAIL, "someone@example.com"),
        (AddressKind.USERNAME, "someone_new"),
    ):
        change = await world.share(Address(kind, value))
        line = group_lines.share_saved(change)
        assert line.startswith("📨 Olivia invited someone not on CamShare yet to <b>Shop NVR</b>")
        # Not the value, nor any part of it in another format.
        assert re.search(r"\d{4,}|@|example|someone_new", line) is None, line


def test_channels_are_named_when_few_and_counted_when_many() -> None:
    def grants(count: int) -> list[GrantView]:
        return [GrantView(n, f"Camera {n:02d}", ALL_PERMISSIONS) for n in range(1, count + 1)]

    assert group_lines.channels_phrase(grants(3)) == "Camera 01, Camera 02, Camera 03"
    assert group_lines.channels_phrase(grants(128)) == "Camera 01, Camera 02 and 126 more channels"


def test_long_names_are_cut_and_escaped() -> None:
    line = group_lines.device_removed(
        owner_name="<Olivia> & " + "o" * 100, device_name="Shop & <NVR>", shared_with=2
    )
    assert line.startswith("🗑 &lt;Olivia&gt; &amp; ooooo")
    assert "…" in line and "o" * 40 not in line
    assert line.endswith(
        "removed <b>Shop &amp; &lt;NVR&gt;</b>; it is no longer shared with 2 people"
    )
