"""The one-line news an installer group reads about a linked device, in HTML.

People are named by their display names only: never a phone number, an email address or a
username, not even the address an owner typed to invite someone who has no account yet (the
group reads "someone not on CamShare yet"). Every name is cut to NAME_CHARS, so a line stays
short and well under `sharing.groups.group_outbox.MAX_LINE_CHARS` whatever people call themselves.
"""

from collections.abc import Sequence
from datetime import datetime

from handlers.common.formatting import DEVICE_STATUS_LABELS, escape, format_moment, plural
from sharing.views import (
    AcceptedApplication,
    ApplicationView,
    ExpiredApplication,
    ExpiredInvitation,
    GrantView,
    ShareChange,
    ShareView,
)
from storage.models import DeviceStatus, ShareState

NAME_CHARS = 40
CHANNELS_NAMED = 3
NOT_HERE_YET = "someone not on CamShare yet"


def share_saved(change: ShareChange) -> str:
    """An invitation sent (`/share`), or a share or invitation edited."""
    share = change.share
    owner, device = _name(share.owner.display_name), _device(share.device.name)
    channels = channels_phrase(share.grants)
    if change.created:
        return f"📨 {owner} invited {_recipient(share)} to {device}: {channels}"
    if share.state == ShareState.ACTIVE:
        return f"✏️ {owner} changed {_recipient(share)}'s access to {device}: {channels}"
    return f"✏️ {owner} changed the invitation of {_recipient(share)} to {device}: {channels}"


def invitation_answered(share: ShareView) -> str:
    recipient, owner = _recipient(share), _name(share.owner.display_name)
    device = _device(share.device.name)
    if share.state == ShareState.ACTIVE:
        return f"✅ {recipient} accepted {device} from {owner}: {channels_phrase(share.grants)}"
    return f"❌ {recipient} declined {device} from {owner}"


def invitation_expired(invitation: ExpiredInvitation) -> str:
    return (
        f"⌛ {_name(invitation.owner.display_name)}'s invitation of {_recipient(invitation)} to"
        f" {_device(invitation.device.name)} expired"
    )


def share_deleted_by_owner(share: ShareView) -> str:
    """An active share revoked, or a pending invitation cancelled (from `/shared`)."""
    owner, device = _name(share.owner.display_name), _device(share.device.name)
    if share.state == ShareState.CANCELLED:
        return f"✖️ {owner} cancelled the invitation of {_recipient(share)} to {device}"
    return f"🗑 {owner} stopped sharing {device} with {_recipient(share)}"


def share_deleted_by_recipient(share: ShareView) -> str:
    """A recipient deleted a device shared with them (from `/received`)."""
    return (
        f"🗑 {_recipient(share)} deleted {_device(share.device.name)}"
        f" (shared by {_name(share.owner.display_name)}) from their list"
    )


def application_sent(application: ApplicationView) -> str:
    return (
        f"📝 {_name(application.applicant.display_name)} applied for access to"
        f" {_device(application.device.name)}"
    )


def application_accepted(accepted: AcceptedApplication) -> str:
    share = accepted.change.share
    return (
        f"✅ {_name(share.owner.display_name)} accepted"
        f" {_name(accepted.application.applicant.display_name)}'s application for"
        f" {_device(share.device.name)}: {channels_phrase(share.grants)}"
    )


def application_rejected(application: ApplicationView, *, owner_name: str) -> str:
    return (
        f"❌ {_name(owner_name)} rejected {_name(application.applicant.display_name)}'s"
        f" application for {_device(application.device.name)}"
    )


def application_expired(application: ExpiredApplication) -> str:
    return (
        f"⌛ {_name(application.applicant.display_name)}'s application for"
        f" {_device(application.device.name)} expired without an answer"
    )


def device_removed(*, owner_name: str, device_name: str, shared_with: int) -> str:
    """`shared_with`: how many accounts lost their share or invitation with it."""
    ended = (
        f"; it is no longer shared with {plural(shared_with, 'person', 'people')}"
        if shared_with
        else ""
    )
    return f"🗑 {_name(owner_name)} removed {_device(device_name)}{ended}"


def device_linked(*, owner_name: str, device_name: str) -> str:
    return f"🔗 {_name(owner_name)} linked {_device(device_name)} to this group"


def device_unlinked(*, owner_name: str, device_name: str) -> str:
    return f"🔗 {_name(owner_name)} unlinked {_device(device_name)} from this group"


def device_away(*, device_name: str, status: DeviceStatus, since: datetime) -> str:
    why = DEVICE_STATUS_LABELS[status].split(" ", 1)[1].lower()
    return f"🔴 {_device(device_name)} has been away since {format_moment(since)}: {why}"


def device_back(*, device_name: str, away_since: datetime) -> str:
    return f"🟢 {_device(device_name)} is back online (away since {format_moment(away_since)})"


def device_alarm(*, device_name: str, channel: int, kind: str, at: datetime) -> str:
    return f"🚨 {_name(kind)} on {_device(device_name)}, channel {channel}, at {format_moment(at)}"


def channels_phrase(grants: Sequence[GrantView]) -> str:
    """`Camera 01, Camera 02, Camera 03`, or `Camera 01, Camera 02 and 126 more channels`."""
    names = [_name(grant.channel_name) for grant in grants]
    if len(names) <= CHANNELS_NAMED:
        return ", ".join(names) or "no channels"
    shown = CHANNELS_NAMED - 1
    return f"{', '.join(names[:shown])} and {len(names) - shown} more channels"


def _recipient(share: ShareView | ExpiredInvitation) -> str:
    return _name(share.recipient.display_name) if share.recipient else NOT_HERE_YET


def _device(name: str) -> str:
    return f"<b>{_name(name)}</b>"


def _name(text: str) -> str:
    cut = text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1].rstrip() + "…"
    return escape(cut)
