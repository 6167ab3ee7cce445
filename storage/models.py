"""The tables. Alembic migrations (storage/migrations) are the only way the schema is made.

Conventions: datetimes are aware UTC (`UTCDateTime`); Telegram ids are BIGINT; enums are stored
by value in VARCHARs; a share's per-channel permissions are one bitmask per (share, channel),
so a 128-channel NVR shared to 64 people is 8,192 small rows, not 40,960.
"""

from datetime import datetime
from enum import IntFlag, StrEnum

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, string_enum

# Named constraints, so Alembic's batch mode can alter them on SQLite.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Permission(IntFlag):
    """What a recipient may do on one channel."""

    LIVE_VIEW = 1
    PLAYBACK = 2
    ALARM = 4
    TWO_WAY_AUDIO = 8
    PTZ = 16


ALL_PERMISSIONS = Permission(sum(Permission))


class DeviceType(StrEnum):
    CAMERA = "camera"
    NVR = "nvr"
    DVR = "dvr"
    DOORBELL = "doorbell"
    OTHER = "other"


class DeviceStatus(StrEnum):
    """What CamShare last saw of a connected device."""

    ONLINE = "online"
    OFFLINE = "offline"
    """It did not answer (refused, timed out, unreachable)."""
    WRONG_PASSWORD = "wrong_password"
    """It answered, and refused the stored credentials (or locked them out)."""
    NOT_A_DEVICE = "not_a_device"
    """Something answered, but not as this device should: not ISAPI, or another serial."""


class ShareState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    REMOVED = "removed"


LIVE_SHARE_STATES = (ShareState.PENDING, ShareState.ACTIVE)
"""States that hold a slot (R4, R5) and block a second share of the device to the same person."""


class AddressKind(StrEnum):
    """How a share names a recipient who has no account yet (R10)."""

    PHONE = "phone"
    EMAIL = "email"
    USERNAME = "username"
    USER_ID = "user_id"


class ApplicationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class TokenKind(StrEnum):
    DEVICE = "device"
    """A device QR code: whoever opens it may apply for a share of the device."""
    ACCOUNT = "account"
    """An account QR code: whoever opens it may share a device with the account."""


def states_written_out(column: str, states: tuple[StrEnum, ...]) -> str:
    """`column IN ('a', 'b')`, the values written out in the SQL: the condition of a partial
    index, and of every query that is to use that index.

    Both databases need the query to say it in these words. SQLite takes a partial index only
    when the query's WHERE holds each term of the index's condition, the same term (`state =
    'pending'` does not imply `state IN ('pending', 'active')` to it, nor does `state IN (?, ?)`).
    PostgreSQL proves implication, but not from a parameter, and asyncpg's prepared statements
    may get a generic plan, made for any parameter.
    """
    values = ", ".join(f"'{state.value}'" for state in states)
    return f"{column} IN ({values})"


def _live_where(column: str = "state") -> str:
    return states_written_out(column, LIVE_SHARE_STATES)


_LIVE_TO_ACCOUNT = _live_where() + " AND recipient_id IS NOT NULL"
_LIVE_TO_ADDRESS = _live_where() + " AND recipient_id IS NULL"


def _partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the rows that meet `where`, on both databases."""
    condition = text(where)
    return Index(name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition)


def _pending_index(name: str, pending: StrEnum) -> Index:
    """The sweep's index: rows still to expire (R11), which the sweep takes out and puts back
    nowhere. `sharing.shares.expiry.claim_expired` repeats the condition."""
    return _partial_index(name, "expires_at", where=states_written_out("state", (pending,)))


class Account(SQLModel, table=True):
    """A Telegram user who has started the bot. The primary key is the Telegram user id."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(max_length=128)
    last_name: str | None = Field(default=None, max_length=128)
    username: str | None = Field(default=None, max_length=32, index=True)
    """Lower-cased, without the @."""
    language_code: str | None = Field(default=None, max_length=16)
    """Telegram's, refreshed on every contact."""
    language: str = Field(default="en", max_length=16)
    """What the bot speaks to this person: from `language_code` at first contact, then /language."""
    time_zone: str = Field(default="UTC", max_length=64)
    """An IANA zone name, for the times the bot shows this person; set in /myaccount."""
    region: str | None = Field(default=None, max_length=2)
    """ISO 3166-1 alpha-2, upper case; None until onboarding confirms it."""
    phone: str | None = Field(default=None, max_length=16, unique=True)
    """E.164, set only from the account's own shared contact (R10)."""
    email: str | None = Field(default=None, max_length=254, unique=True)
    """Lower-cased, set only after a one-time code sent to it was typed back (R10)."""
    unreachable_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when Telegram refused a message to this user (blocked the bot); cleared on contact."""
    created_at: datetime = Field(sa_type=UTCDateTime)


class Device(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=48, unique=True)
    """Upper-cased; unique in the whole system (R1)."""
    verification_code: str = Field(max_length=6)
    name: str = Field(max_length=64)
    type: DeviceType = Field(sa_type=string_enum(DeviceType))
    firmware_version: str = Field(max_length=64)
    owner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_device_owner_name", "owner_id", "name", "id"),)


class Channel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="device.id", ondelete="CASCADE")
    number: int
    """1-based, as printed on the NVR's inputs."""
    name: str = Field(max_length=64)
    online: bool | None = None
    """As the connected device last said; None when it is not connected or did not say."""

    __table_args__ = (UniqueConstraint("device_id", "number"),)


class DeviceConnection(SQLModel, table=True):
    """How CamShare reaches a device over its own network API, and what it last saw there.

    The owner's alone (R14): recipients see `status` and `last_online_at`, never the rest. The
    password is sealed with the process's secret key (`sharing.devices.secrets`) and never
    leaves the domain in clear except to the device driver.
    """

    device_id: int = Field(foreign_key="device.id", primary_key=True, ondelete="CASCADE")
    scheme: str = Field(max_length=5)
    """`http` or `https`."""
    host: str = Field(max_length=253)
    port: int
    accept_self_signed: bool = False
    """HTTPS only: the owner said the device's own certificate may be accepted unverified."""
    username: str = Field(max_length=64)
    sealed_password: bytes = Field(sa_type=LargeBinary)
    model: str = Field(max_length=64)
    """As the device reported it when connected or last refreshed."""
    status: DeviceStatus = Field(sa_type=string_enum(DeviceStatus))
    status_since: datetime = Field(sa_type=UTCDateTime)
    last_online_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_at: datetime = Field(sa_type=UTCDateTime)
    """When the status job last asked; the job takes the devices asked longest ago first."""
    announced_offline: bool = False
    """Set when the owner and the device's groups were told it went offline (after the grace
    period); cleared when they are told it is back, so each way is told once."""
    connected_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_deviceconnection_checked_at", "checked_at"),)


class AlarmMute(SQLModel, table=True):
    """A person who muted a device's alarms, until a moment or until they unmute (None)."""

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    )
    device_id: int = Field(foreign_key="device.id", primary_key=True, ondelete="CASCADE")
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlarmNotice(SQLModel, table=True):
    """The alarm message a person has about one channel: the events of a burst fold into it
    (count, last time) while they come within the cooldown of each other, and the message is
    edited, not sent again, so a job can edit the
    notices whose count moved on (`count` against `shown_count`), spaced, however many events
    come."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    )
    device_id: int = Field(foreign_key="device.id", ondelete="CASCADE")
    channel_number: int
    device_name: str = Field(max_length=64)
    """As the person knows the device (a recipient's own name for it), when the burst began."""
    kinds: str = Field(max_length=128)
    """The event kinds of the burst, comma-separated, in the order they first came."""
    first_at: datetime = Field(sa_type=UTCDateTime)
    last_at: datetime = Field(sa_type=UTCDateTime)
    count: int = 1
    shown_count: int = 0
    """The count the message shows; 0 until it is sent."""
    shown_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the message was sent or last edited: edits are spaced (`alarms.EDIT_INTERVAL`)."""
    with_live_view: bool = False
    """The person held Live View on the channel when the burst began: the message has a
    snapshot and a 📷 Live view button (which checks again when tapped)."""
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)

    __table_args__ = (
        UniqueConstraint("account_id", "device_id", "channel_number"),
        Index("ix_alarmnotice_stale", "device_id", "last_at"),
    )


class Share(SQLModel, table=True):
    """One device shared by its owner with one recipient: a set of channel grants."""

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="device.id", ondelete="CASCADE")
    owner_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    )
    """The device's owner when the share was made; kept here for the R5 count and /shared."""
    recipient_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=True),
    )
    """None while the invitation waits for someone to prove `address` (R10)."""
    address_kind: AddressKind | None = Field(default=None, sa_type=string_enum(AddressKind))
    address: str | None = Field(default=None, max_length=254)
    """The normalised phone, email, username or user id the owner typed."""
    state: ShareState = Field(sa_type=string_enum(ShareState))
    version: int = 1
    """Bumped by every edit, so a prompt shown before the edit can tell it is stale."""
    alias: str | None = Field(default=None, max_length=64)
    """The recipient's own name for the device; the owner never sees it."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set while pending (R11)."""
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    prompt_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    prompt_message_id: int | None = Field(default=None, sa_type=BigInteger)
    """Where the recipient's Accept/Decline prompt is, so expiry can edit it."""

    __table_args__ = (
        _partial_index(
            "uq_share_live_recipient",
            "device_id",
            "recipient_id",
            where=_LIVE_TO_ACCOUNT,
            unique=True,
        ),
        # Address first: the same index finds the invitations waiting for the addresses an
        # account has just proved (`sharing.people.claims`, by `address IN (...)`).
        _partial_index(
            "uq_share_live_address",
            "address",
            "address_kind",
            "device_id",
            where=_LIVE_TO_ADDRESS,
            unique=True,
        ),
        # The lists' indexes hold live shares only (partial), so that what ended, which only
        # grows, costs them nothing, and the sweep's UPDATE takes a share out of them without
        # putting it back anywhere: on PostgreSQL, where an UPDATE that changes an indexed
        # column enters the new row in every index whose condition it meets, an expiring
        # invitation is entered in the primary key and ix_share_device only. Queries must
        # repeat the condition, written out: `SHARE_IS_LIVE`.
        #
        # expires_at too, or SQLite lists a recipient's invitations through the sweep's index.
        # Not the invitations to an address nobody has proved: SQLite took this index for the
        # claims' `recipient_id IS NULL` and read every one of them. A query's `recipient_id =
        # ?` implies `recipient_id IS NOT NULL` to both databases.
        _partial_index(
            "ix_share_recipient_live",
            "recipient_id",
            "state",
            "expires_at",
            where=_LIVE_TO_ACCOUNT,
        ),
        _partial_index("ix_share_owner_live", "owner_id", "state", where=_live_where()),
        # Whole, not partial: the cascade when a device is removed can use no partial index.
        # Without `state`, so that SQLite leaves it alone when a share changes state.
        Index("ix_share_device", "device_id"),
        _pending_index("ix_share_pending_expires", ShareState.PENDING),
    )


SHARE_IS_LIVE = text(_live_where("share.state"))
"""`share.state IN ('pending', 'active')`, written out: a query of live shares says it, in
these words, so that it may use the partial indexes above (see `states_written_out`)."""


class Grant(SQLModel, table=True):
    """The permissions of one share on one channel."""

    share_id: int = Field(foreign_key="share.id", primary_key=True, ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", primary_key=True, ondelete="CASCADE")
    permissions: int
    """A `Permission` bitmask."""

    __table_args__ = (Index("ix_grant_channel", "channel_id"),)


class Application(SQLModel, table=True):
    """A request for a share, sent by someone who scanned a device QR code."""

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="device.id", ondelete="CASCADE")
    applicant_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    )
    state: ApplicationState = Field(sa_type=string_enum(ApplicationState))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    prompt_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    prompt_message_id: int | None = Field(default=None, sa_type=BigInteger)
    """Where the owner's message about the application is, the one whose Review is live."""
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the owner was last reminded because the applicant applied again."""
    reminder_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    reminder_message_id: int | None = Field(default=None, sa_type=BigInteger)
    """The latest reminder, whose Review goes when the application is decided or expires."""

    __table_args__ = (
        Index(
            "uq_application_pending",
            "device_id",
            "applicant_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        _pending_index("ix_application_pending_expires", ApplicationState.PENDING),
        Index("ix_application_applicant", "applicant_id"),
    )


class LinkToken(SQLModel, table=True):
    """The random payload of a deep link (and of the QR code that carries it)."""

    token: str = Field(sa_column=Column(String(64), primary_key=True))
    kind: TokenKind = Field(sa_type=string_enum(TokenKind))
    device_id: int | None = Field(default=None, foreign_key="device.id", ondelete="CASCADE")
    account_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=True),
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        Index("ix_linktoken_device", "device_id"),
        Index("ix_linktoken_account", "account_id"),
    )


class EmailCode(SQLModel, table=True):
    """A one-time code sent to an email address to prove it (R10). Only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    )
    email: str = Field(max_length=254)
    code_hash: str = Field(max_length=128)
    attempts: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (Index("ix_emailcode_account", "account_id", "created_at"),)


class InstallerGroup(SQLModel, table=True):
    """A Telegram group the bot is in, which hears about the devices linked to it.

    `id` is ours and `chat_id` Telegram's: a group that becomes a supergroup gets a new chat id,
    and only that column changes, so its links, sightings and queued news stay with it.
    """

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    title: str = Field(max_length=255)
    joined_at: datetime = Field(sa_type=UTCDateTime)
    linking_allowed_by: int | None = Field(default=None, sa_type=BigInteger)
    """The Telegram user id of the administrator who sent /allowlinking; None while not allowed."""
    linking_allowed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Telegram asked to wait (429, retry_after): nothing is sent to the group before then."""
    flushing_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set while one flush sends the group's queued news, so no other flush sends it too."""
    language: str = Field(default="en", max_length=16)
    """What the bot speaks in the group: its adder's language, then an administrator's /language."""


class GroupSighting(SQLModel, table=True):
    """A Telegram user seen in a group (they added the bot, or sent it a command there).

    What the device card offers as groups to link to; whether they are still a member is asked
    of Telegram (getChatMember) when they link. `user_id` is a Telegram fact, not an account:
    people speak in groups before they start the bot.
    """

    group_id: int = Field(foreign_key="installergroup.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seen_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_groupsighting_user", "user_id"),)


class DeviceGroupLink(SQLModel, table=True):
    """A device whose sharing events a group hears about; made by the device's owner."""

    device_id: int = Field(foreign_key="device.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="installergroup.id", primary_key=True, ondelete="CASCADE")
    linked_at: datetime = Field(sa_type=UTCDateTime)
    hears_alarms: bool = False
    """The owner turned the device's alarms on for this group; otherwise the group hears only
    offline, online and video loss."""

    __table_args__ = (Index("ix_devicegrouplink_group", "group_id"),)


class GroupMessageSent(SQLModel, table=True):
    """A message the bot sent to a group, kept for a minute: Telegram allows about 20 messages a
    minute to one group, and sharing.groups.group_outbox counts these to stay within that."""

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="installergroup.id", ondelete="CASCADE")
    sent_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_groupmessagesent_group_sent", "group_id", "sent_at"),)


class GroupNewsLine(SQLModel, table=True):
    """One event waiting to be told to a group (HTML, one short line), oldest id first.

    Kept in the database so that nothing queued is lost on a restart; deleted once sent.
    """

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="installergroup.id", ondelete="CASCADE")
    line: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_groupnewsline_group", "group_id", "id"),)


class OwedMessage(SQLModel, table=True):
    """A message the bot owes a person because of a stored change (an invitation's prompt, an
    outcome, an expiry, a deletion), written in the change's own transaction and sent after it
    (sharing.people.person_outbox).

    `payload` is JSON: the ids and facts its kind needs to be said, never a secret; the text is
    made when it is sent, in the reader's language. `sending_until` is the lease of whoever is
    sending it; `sent_at` is set once Telegram took it (or once it no longer needs sending), and
    the row is deleted a day later.
    """

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    sending_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (Index("ix_owedmessage_sent_at", "sent_at"),)
    """Unsent rows are those with sent_at NULL: the claims read them through it, in id order."""


class ConversationState(SQLModel, table=True):
    """Where a wizard waits: a python-telegram-bot ConversationHandler's state for one chat and
    user, kept so that a restart continues the conversation (bot.persistence writes it).

    `key` is PTB's conversation key as a JSON array (`[chat_id, user_id]`), `state` the state
    as JSON (our states are small ints). A row exists only while the wizard waits.
    """

    name: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=64)
    state: str = Field(sa_column=Column(Text, nullable=False))


class UserData(SQLModel, table=True):
    """What a user's wizards keep between steps (PTB's `user_data`: the drafts), as JSON in
    bot.persistence's codec. A row exists only while there is something to keep."""

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: str = Field(sa_column=Column(Text, nullable=False))


def table_of(model: type[SQLModel]) -> Table:
    """The model's table, for Core statements: they skip the ORM's per-row bookkeeping, which
    costs more than the database's own work on bulk writes and long reads (`python -m bench`)."""
    table = inspect(model).local_table
    assert isinstance(table, Table), "every model here maps one table"
    return table
