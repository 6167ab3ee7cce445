"""Typed refusals. Each names its rule and carries the facts a message needs; handlers word them."""

from dataclasses import dataclass
from datetime import datetime


class SharingError(Exception):
    """Base of every refusal of the sharing service."""

    rule: str | None = None


# --- look-ups and permission to act -------------------------------------------------------------


@dataclass
class AccountNotFound(SharingError):
    account_id: int


@dataclass
class DeviceNotFound(SharingError):
    """No such device, or not one the caller may see: the two are not told apart on purpose."""

    device_id: int


@dataclass
class ShareNotFound(SharingError):
    share_id: int


@dataclass
class ApplicationNotFound(SharingError):
    application_id: int


@dataclass
class NotDeviceOwner(SharingError):
    """R2: only a device's owner can share it, change its shares or cancel them."""

    device_id: int
    rule = "R2"


@dataclass
class RegionNotSet(SharingError):
    """The account has not confirmed its region yet (needed for R3)."""

    account_id: int


@dataclass
class UnknownLanguage(SharingError):
    """Not one of languages.LANGUAGES."""

    language: str


@dataclass
class UnknownTimeZone(SharingError):
    """Not a time zone name (IANA, like Europe/Berlin) or UTC offset we can read."""

    text: str


@dataclass
class InvalidRegion(SharingError):
    """Not an ISO 3166 two-letter code that we know."""

    region: str


@dataclass
class InvalidPhone(SharingError):
    """Not a possible phone number."""

    phone: str


@dataclass
class InvalidRecipient(SharingError):
    """Not a phone number, an email address or an @username."""

    text: str


@dataclass
class InvalidUsername(SharingError):
    """Starts with @ but is no Telegram username: 5 to 32 letters, digits and underscores."""

    text: str


# --- devices ------------------------------------------------------------------------------------


@dataclass
class DeviceHeldByAnotherAccount(SharingError):
    """R1: the serial has been added by another account."""

    serial: str
    rule = "R1"


@dataclass
class DeviceAlreadyYours(SharingError):
    serial: str


@dataclass
class InvalidDeviceField(SharingError):
    """A device field that does not have the expected shape; `field` names it."""

    field: str
    value: str


# --- shares and applications --------------------------------------------------------------------


@dataclass
class DifferentRegion(SharingError):
    """R3: owner and recipient must be in the same region."""

    owner_region: str
    recipient_region: str
    rule = "R3"


@dataclass
class ChannelFull(SharingError):
    """R4: these channels are already shared with `limit` accounts."""

    channel_numbers: list[int]
    limit: int
    rule = "R4"


@dataclass
class TooManyOwners(SharingError):
    """R5: the recipient already receives shares from `limit` different owners."""

    limit: int
    rule = "R5"


@dataclass
class FirmwareTooOld(SharingError):
    """R6: the device's firmware is older than the minimum for its type."""

    firmware_version: str
    minimum_version: str
    rule = "R6"


@dataclass
class LiveViewRequired(SharingError):
    """R7: Live View cannot be removed from a channel of a CCTV device."""

    channel_number: int
    rule = "R7"


@dataclass
class NoChannelsSelected(SharingError):
    """A share must grant at least one channel."""


@dataclass
class UnknownChannel(SharingError):
    channel_number: int


@dataclass
class ShareToSelf(SharingError):
    """R9: no share to oneself."""

    rule = "R9"


@dataclass
class ShareNotPending(SharingError):
    """The invitation was already answered, cancelled, expired or edited since the prompt."""

    share_id: int
    state: str
    """The share's state now, or "edited" when a newer version replaced the prompt's."""


@dataclass
class ShareNotActive(SharingError):
    share_id: int
    state: str


@dataclass
class ApplicationNotPending(SharingError):
    application_id: int
    state: str


@dataclass
class InvitationExpired(SharingError):
    """R11: past `expires_at`; the sweep will announce it, or already has."""

    expires_at: datetime
    rule = "R11"


@dataclass
class ShareConflict(SharingError):
    """R9: the recipient already has a live share of this device, saved by a concurrent action or
    found when an invitation sent to their address was claimed. Sharing again edits that one."""

    device_id: int
    rule = "R9"


# --- email verification (R10) -------------------------------------------------------------------


@dataclass
class InvalidEmail(SharingError):
    """Not an email address."""

    text: str


@dataclass
class EmailAlreadyVerified(SharingError):
    """The account has already proved this address; no code is sent."""

    email: str


@dataclass
class EmailCodeRequestedTooSoon(SharingError):
    """R10: a new code may be requested once a minute; `retry_after_seconds` is the wait left."""

    retry_after_seconds: int
    rule = "R10"


@dataclass
class NoEmailCode(SharingError):
    """The account has no code to check: none was requested, or the newest was withdrawn."""

    account_id: int


@dataclass
class EmailCodeUsed(SharingError):
    """R10: the newest code already proved its address; a code proves once."""

    email: str
    rule = "R10"


@dataclass
class EmailCodeExpired(SharingError):
    """R10: a code is valid for a limited time (15 minutes)."""

    email: str
    expired_at: datetime
    rule = "R10"


@dataclass
class EmailCodeAttemptsExhausted(SharingError):
    """R10: every wrong attempt this code allows was used; only a new code can prove the address."""

    email: str
    max_attempts: int
    rule = "R10"


@dataclass
class EmailNotSent(SharingError):
    """The mail server could not be reached or did not accept the message."""

    email: str


# --- deep links and QR codes --------------------------------------------------------------------


@dataclass
class LinkNotFound(SharingError):
    """Not a link of ours, or one that a newer QR code replaced."""


@dataclass
class LinkExpired(SharingError):
    """R11: device QR codes expire like invitations."""

    expires_at: datetime
    rule = "R11"


# --- installer groups ---------------------------------------------------------------------------


@dataclass
class GroupNotFound(SharingError):
    """The bot is not in that group (any more), or never was."""

    group_id: int


@dataclass
class LinkingNotAllowed(SharingError):
    """A device can be linked to a group only after an administrator there allowed it."""

    group_title: str


@dataclass
class NotGroupMember(SharingError):
    """Only a member of a group can link a device to it: the group will read about the device."""

    group_title: str


@dataclass
class NotGroupAdministrator(SharingError):
    """Only an administrator of a group decides whether devices may be linked to it."""

    group_title: str


# --- connected devices (R13, R14) ---------------------------------------------------------------


@dataclass
class InvalidDeviceAddress(SharingError):
    """R14: not an address CamShare will call: a bad host or port, link-local or cloud-metadata
    addresses, or outside the networks the installer allowed (`DEVICE_NETWORKS`)."""

    reason: str
    """One of device_api's `AddressReason` values."""
    rule = "R14"


@dataclass
class DeviceNotAnswering(SharingError):
    """The device did not answer in time, or nothing answers at its address."""

    device_name: str
    timed_out: bool


@dataclass
class DeviceLoginRefused(SharingError):
    """The device refused the user name or password."""

    device_name: str
    retries_left: int | None


@dataclass
class DeviceLoginLocked(SharingError):
    """Too many wrong passwords: the device refuses every login until it unlocks itself."""

    device_name: str
    unlock_in_seconds: int | None


@dataclass
class NotAnIsapiDevice(SharingError):
    """Something answers at the address, but not a device speaking Hikvision's ISAPI."""

    device_name: str


@dataclass
class DeviceSerialMismatch(SharingError):
    """The device that answered is not the one added: its serial does not end with ours."""

    expected: str
    reported: str


@dataclass
class DeviceRequestRefused(SharingError):
    """The device understood, and said no (no PTZ on that channel, busy, no such channel)."""

    device_name: str


@dataclass
class DeviceNotConnected(SharingError):
    """The device has no connection: its owner has not connected it, or removed it."""

    device_name: str


@dataclass
class PermissionNotHeld(SharingError):
    """R13: the permission is not held on that channel now (never was, or the share changed)."""

    permission: str
    """A `Permission` member's name, e.g. "LIVE_VIEW"."""
    rule = "R13"


@dataclass
class TooManyTaps(SharingError):
    """A person's snapshot and PTZ taps are limited, to spare the device and Telegram."""

    retry_in_seconds: int


# --- recordings ---------------------------------------------------------------------------------


@dataclass
class RecordingGone(SharingError):
    """The device no longer has the recording: its disk is a ring buffer and recorded over it."""

    device_name: str


@dataclass
class ClipInProgress(SharingError):
    """One clip is fetched from a device at a time: recorders serve one download poorly."""

    device_name: str


@dataclass
class ClipTooLarge(SharingError):
    """The clip would not fit Telegram's upload limit for bots."""

    limit_bytes: int


@dataclass
class ClipNotPlayable(SharingError):
    """The device sent bytes that are not a video the bot can convert."""

    device_name: str


@dataclass
class UnreadableMoment(SharingError):
    """A typed moment in none of the forms read (sharing.devices.moments)."""

    text: str


@dataclass
class MomentInFuture(SharingError):
    """A typed moment still to come: nothing is recorded yet."""

    moment: datetime


@dataclass
class NothingRecordedThen(SharingError):
    """The channel recorded nothing around the moment; `day_spans` are what it recorded on
    that day (the person's day), merged where the segments touch, oldest first."""

    device_name: str
    moment: datetime
    day_spans: list[tuple[datetime, datetime]]


@dataclass
class MomentTooFarIn(SharingError):
    """The moment lies further into a long recording than a download from its start may read
    (a device without download by time sends a recording from its start)."""

    device_name: str
    recording_start: datetime
