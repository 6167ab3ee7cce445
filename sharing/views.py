"""What the share and application services return: frozen values, never ORM rows, so a handler
can keep them after the session is gone (async sessions cannot lazy-load)."""

from dataclasses import dataclass
from datetime import datetime

from sharing.errors import SharingError
from storage.models import AddressKind, ApplicationState, DeviceType, Permission, ShareState


@dataclass(frozen=True)
class Address:
    """A recipient named by the owner, who may not have an account yet (R10).

    `value` is normalised by the caller: E.164 phone, lower-cased email, lower-cased username
    without the @, or a Telegram user id in decimal.
    """

    kind: AddressKind
    value: str


@dataclass(frozen=True)
class MessageRef:
    """Where a prompt message is, so a later event (expiry, edit, answer) can edit it."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class PersonView:
    """Enough to name the other side of a share; nothing private (no phone, no email)."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True)
class DeviceRef:
    id: int
    name: str
    type: DeviceType


@dataclass(frozen=True)
class GrantView:
    """The permissions on one channel, e.g. `Camera 01: Live View, Playback`."""

    channel_number: int
    channel_name: str
    permissions: Permission


@dataclass(frozen=True)
class ShareBase:
    """What every view of a share says, whatever it says of the channels."""

    id: int
    version: int
    """The prompt carries it: Accept on a prompt older than the last edit is refused."""
    state: ShareState
    device: DeviceRef
    owner: PersonView
    recipient: PersonView | None
    """None while the invitation waits for someone to prove `address`."""
    address: Address | None
    """Where the invitation was sent while no account had proved it; kept once claimed."""
    alias: str | None
    """The recipient's own name for the device: show it to the recipient only."""
    created_at: datetime
    expires_at: datetime | None
    """Set while pending."""
    accepted_at: datetime | None
    ended_at: datetime | None
    prompt: MessageRef | None
    """The recipient's Accept/Decline prompt."""


@dataclass(frozen=True)
class ShareView(ShareBase):
    """One share, channel by channel."""

    grants: tuple[GrantView, ...]
    """By channel number."""


@dataclass(frozen=True)
class ListedShare(ShareBase):
    """A share as a line of a list shows it: how many channels, and which permissions among
    them, not each channel. A page of eight shares of a 128-channel NVR would otherwise read
    1,024 grants to print eight numbers (`python -m bench`)."""

    channel_count: int
    permission_sets: frozenset[Permission]
    """The distinct permissions the channels have: one when every channel has the same."""


@dataclass(frozen=True)
class ExpiredInvitation:
    """An invitation the sweep has just expired (R11), with what announcing it takes and no more:
    no grants, no state (it is `expired`). Made from the columns the sweep's UPDATE returns, and
    devices and people read once per sweep (`sharing.shares.expiry.SweepNames`), so that a backlog
    of 100,000 costs little beyond the UPDATE itself."""

    id: int
    device: DeviceRef
    owner: PersonView
    recipient: PersonView | None
    """None for an invitation nobody claimed: `address` names them then."""
    address: Address | None
    """Where the invitation was sent while no account had proved it; kept once claimed."""
    expires_at: datetime
    """When it ran out, as the prompt says."""
    prompt: MessageRef | None
    """The recipient's Accept/Decline prompt, to close."""
    device_linked: bool
    """Whether the device was linked to an installer group when the invitation expired: only
    then does a group hear of it."""


@dataclass(frozen=True)
class SharedDevice:
    """One of my devices in `/shared`: how many people have it, and how many were only invited."""

    device: DeviceRef
    active: int
    pending: int


@dataclass(frozen=True)
class ReceivedCounts:
    """What `/devices` says about the other side: invitations waiting for me, devices I have."""

    invitations: int
    devices: int


@dataclass(frozen=True)
class ShareChange:
    """The outcome of sharing a device: a new share, or an edit of the live one (R9)."""

    share: ShareView
    previous: ShareView | None
    """The share as it was before the edit; None when it was created."""

    @property
    def created(self) -> bool:
        return self.previous is None

    @property
    def added_channels(self) -> tuple[int, ...]:
        return tuple(sorted(self._now.keys() - self._before.keys()))

    @property
    def removed_channels(self) -> tuple[int, ...]:
        return tuple(sorted(self._before.keys() - self._now.keys()))

    @property
    def changed_channels(self) -> tuple[int, ...]:
        """Channels kept with different permissions."""
        kept = self._now.keys() & self._before.keys()
        return tuple(sorted(n for n in kept if self._now[n] != self._before[n]))

    @property
    def _now(self) -> dict[int, Permission]:
        return {grant.channel_number: grant.permissions for grant in self.share.grants}

    @property
    def _before(self) -> dict[int, Permission]:
        grants = self.previous.grants if self.previous else ()
        return {grant.channel_number: grant.permissions for grant in grants}


@dataclass(frozen=True)
class CancelledInvitation:
    """An invitation that could not be claimed because a rule refuses it now."""

    share: ShareView
    reason: SharingError
    """The refusal, so the owner can be told why."""


@dataclass(frozen=True)
class ClaimedInvitations:
    claimed: tuple[ShareView, ...]
    """Now addressed to the account: show each prompt."""
    cancelled: tuple[CancelledInvitation, ...]
    """Tell each owner."""


@dataclass(frozen=True)
class ApplicationView:
    id: int
    state: ApplicationState
    device: DeviceRef
    owner_id: int
    applicant: PersonView
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    prompt: MessageRef | None
    """The owner's message about the application whose Review button is live."""
    reminder: MessageRef | None = None
    """The latest reminder sent to the owner, also with Review."""


@dataclass(frozen=True)
class ExpiredApplication:
    """An application the sweep has just expired (R11), as `ExpiredInvitation` is for
    invitations: what announcing it takes, from plain columns."""

    id: int
    device: DeviceRef
    applicant: PersonView
    expires_at: datetime
    prompt: MessageRef | None
    """The owner's "new sharing application" message, to close."""
    device_linked: bool
    reminder: MessageRef | None = None
    """The latest reminder, to close too."""
    """As `ExpiredInvitation.device_linked`."""


@dataclass(frozen=True)
class AcceptedApplication:
    application: ApplicationView
    change: ShareChange
    """The applicant's share: created active, or their live share edited and made active."""
