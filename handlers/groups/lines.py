"""The one-line news an installer group reads about a linked device, in HTML.

People are named by their display names only: never a phone number, an email address or a
username, not even the address an owner typed to invite someone who has no account yet (the
group reads "someone not on CamShare yet"). Every name is cut to NAME_CHARS, so a line stays
short and well under `sharing.groups.group_outbox.MAX_LINE_CHARS` whatever people call themselves.

A line is made in the reader's language: the group's. Callers pass the call that makes it
(`functools.partial(share_saved, change)` to `group_outbox.queue_device_news`, a lambda to
`handlers.devices.group_news.queue_for_groups`), and it is made once in each language of the
groups that hear of the event, whoever caused it.
"""

from collections.abc import Sequence
from datetime import datetime

from languages import N_, _, ngettext
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
from wording.formatting import escape, format_moment

NAME_CHARS = 40
CHANNELS_NAMED = 3
NOT_HERE_YET = N_("someone not on CamShare yet")
AWAY_LINES = {
    DeviceStatus.OFFLINE: N_("🔴 {device} has been away since {moment}: offline"),
    DeviceStatus.WRONG_PASSWORD: N_(
        "🔴 {device} has been away since {moment}: refuses the stored password"
    ),
    DeviceStatus.NOT_A_DEVICE: N_(
        "🔴 {device} has been away since {moment}: not answering as this device should"
    ),
}
"""Why a device is away, one whole line each (a translator words each reason in its sentence)."""


def share_saved(change: ShareChange) -> str:
    """An invitation sent (`/share`), or a share or invitation edited."""
    share = change.share
    names = {
        "owner": _name(share.owner.display_name),
        "recipient": _recipient(share),
        "device": _device(share.device.name),
        "channels": channels_phrase(share.grants),
    }
    if change.created:
        return _("📨 {owner} invited {recipient} to {device}: {channels}").format(**names)
    if share.state == ShareState.ACTIVE:
        return _("✏️ {owner} changed {recipient}'s access to {device}: {channels}").format(**names)
    return _("✏️ {owner} changed the invitation of {recipient} to {device}: {channels}").format(
        **names
    )


def invitation_answered(share: ShareView) -> str:
    recipient, owner = _recipient(share), _name(share.owner.display_name)
    device = _device(share.device.name)
    if share.state == ShareState.ACTIVE:
        return _("✅ {recipient} accepted {device} from {owner}: {channels}").format(
            recipient=recipient, device=device, owner=owner, channels=channels_phrase(share.grants)
        )
    return _("❌ {recipient} declined {device} from {owner}").format(
        recipient=recipient, device=device, owner=owner
    )


def invitation_expired(invitation: ExpiredInvitation) -> str:
    return _("⌛ {owner}'s invitation of {recipient} to {device} expired").format(
        owner=_name(invitation.owner.display_name),
        recipient=_recipient(invitation),
        device=_device(invitation.device.name),
    )


def share_deleted_by_owner(share: ShareView) -> str:
    """An active share revoked, or a pending invitation cancelled (from `/shared`)."""
    names = {
        "owner": _name(share.owner.display_name),
        "recipient": _recipient(share),
        "device": _device(share.device.name),
    }
    if share.state == ShareState.CANCELLED:
        return _("✖️ {owner} cancelled the invitation of {recipient} to {device}").format(**names)
    return _("🗑 {owner} stopped sharing {device} with {recipient}").format(**names)


def share_deleted_by_recipient(share: ShareView) -> str:
    """A recipient deleted a device shared with them (from `/received`)."""
    return _("🗑 {recipient} deleted {device} (shared by {owner}) from their list").format(
        recipient=_recipient(share),
        device=_device(share.device.name),
        owner=_name(share.owner.display_name),
    )


def application_sent(application: ApplicationView) -> str:
    return _("📝 {applicant} applied for access to {device}").format(
        applicant=_name(application.applicant.display_name),
        device=_device(application.device.name),
    )


def application_accepted(accepted: AcceptedApplication) -> str:
    share = accepted.change.share
    return _("✅ {owner} accepted {applicant}'s application for {device}: {channels}").format(
        owner=_name(share.owner.display_name),
        applicant=_name(accepted.application.applicant.display_name),
        device=_device(share.device.name),
        channels=channels_phrase(share.grants),
    )


def application_rejected(application: ApplicationView, *, owner_name: str) -> str:
    return _("❌ {owner} rejected {applicant}'s application for {device}").format(
        owner=_name(owner_name),
        applicant=_name(application.applicant.display_name),
        device=_device(application.device.name),
    )


def application_expired(application: ExpiredApplication) -> str:
    return _("⌛ {applicant}'s application for {device} expired without an answer").format(
        applicant=_name(application.applicant.display_name),
        device=_device(application.device.name),
    )


def device_removed(*, owner_name: str, device_name: str, shared_with: int) -> str:
    """`shared_with`: how many accounts lost their share or invitation with it."""
    owner, device = _name(owner_name), _device(device_name)
    if not shared_with:
        return _("🗑 {owner} removed {device}").format(owner=owner, device=device)
    return ngettext(
        "🗑 {owner} removed {device}; it is no longer shared with {count} person",
        "🗑 {owner} removed {device}; it is no longer shared with {count} people",
        shared_with,
    ).format(owner=owner, device=device, count=shared_with)


def device_linked(*, owner_name: str, device_name: str) -> str:
    return _("🔗 {owner} linked {device} to this group").format(
        owner=_name(owner_name), device=_device(device_name)
    )


def device_unlinked(*, owner_name: str, device_name: str) -> str:
    return _("🔗 {owner} unlinked {device} from this group").format(
        owner=_name(owner_name), device=_device(device_name)
    )


def device_away(*, device_name: str, status: DeviceStatus, since: datetime) -> str:
    """`status`: why it is away, one of AWAY_LINES."""
    return _(AWAY_LINES[status]).format(device=_device(device_name), moment=format_moment(since))


def device_back(*, device_name: str, away_since: datetime) -> str:
    return _("🟢 {device} is back online (away since {moment})").format(
        device=_device(device_name), moment=format_moment(away_since)
    )


def device_alarm(*, device_name: str, channel: int, kind: str, at: datetime) -> str:
    """`kind`: the alarm's English label (said in the group's language here), or the event's
    name as the device sent it."""
    return _("🚨 {kind} on {device}, channel {channel}, at {moment}").format(
        kind=_name(_(kind)), device=_device(device_name), channel=channel, moment=format_moment(at)
    )


def channels_phrase(grants: Sequence[GrantView]) -> str:
    """`Camera 01, Camera 02, Camera 03`, or `Camera 01, Camera 02 and 126 more channels`."""
    names = [_name(grant.channel_name) for grant in grants]
    if not names:
        return _("no channels")
    if len(names) <= CHANNELS_NAMED:
        return ", ".join(names)
    shown, more = CHANNELS_NAMED - 1, len(names) - (CHANNELS_NAMED - 1)
    return ngettext(
        "{channels} and {count} more channel", "{channels} and {count} more channels", more
    ).format(channels=", ".join(names[:shown]), count=more)


def _recipient(share: ShareView | ExpiredInvitation) -> str:
    return _name(share.recipient.display_name) if share.recipient else _(NOT_HERE_YET)


def _device(name: str) -> str:
    return f"<b>{_name(name)}</b>"


def _name(text: str) -> str:
    cut = text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1].rstrip() + "…"
    return escape(cut)
