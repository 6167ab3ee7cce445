"""The portal's own words: what the chat never says. Everything else (labels, statuses, regions,
recipients, refusals) is the chat's, from wording/, so it reads the same in both front doors.
"""

import html
import re
from datetime import datetime
from functools import singledispatch

from languages import N_, _
from sharing import errors
from storage.models import DeviceStatus, ShareState
from wording import formatting, refusals

SHARE_STATE_LABELS = {
    ShareState.PENDING: N_("⏳ Pending"),
    ShareState.ACTIVE: N_("✅ Active"),
}


def share_state_label(state: ShareState) -> str:
    return _(SHARE_STATE_LABELS[state]) if state in SHARE_STATE_LABELS else str(state)


def device_status_line(status: DeviceStatus | None, last_online_at: datetime | None) -> str:
    """As the chat's card says it; "Not connected" for a device CamShare does not reach."""
    if status is None:
        return _("Not connected")
    return formatting.device_status_line(status, last_online_at)


def plain(html_text: str) -> str:
    """Tags gone and entities read: what the page shows with textContent."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def refusal(error: errors.SharingError) -> str:
    """The chat's words for a refusal, as plain text; the portal's own where the chat's point at
    its buttons, or speak to the other side."""
    return plain(_portal_words(error))


@singledispatch
def _portal_words(error: errors.SharingError) -> str:
    return refusals.describe(error)


@_portal_words.register
def _invitation_expired(error: errors.InvitationExpired) -> str:
    """The portal meets it only when an owner cancels, as /shared's Cancel invitation does."""
    return _("This invitation has already expired: there is nothing to cancel.")


@_portal_words.register
def _invalid_recipient(error: errors.InvalidRecipient) -> str:
    return _("I need a phone number (like +44 7700 900123), an email address or an @username.")


@_portal_words.register
def _invalid_username(error: errors.InvalidUsername) -> str:
    return _(
        "{text} is not a Telegram username: those have 5 to 32 characters, letters, digits and"
        " underscores. Check it, or send their phone number or email address."
    ).format(text=formatting.escape(error.text))
