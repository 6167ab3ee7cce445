"""The random payloads of deep links, which QR codes carry.

A device token lets whoever holds it apply for a share of the device; an account token lets
whoever holds it share a device with the account. Each is 128 random bits (22 characters of
`A-Za-z0-9_-`, within Telegram's 64-character limit for /start payloads), stored with what it
opens, so nothing about it can be guessed or edited into another device's token. Making a new
token revokes the previous one of the same device or account.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.errors import LinkExpired, LinkNotFound
from sharing.shares.checks import check_firmware, load_account, lock_device, require_owner
from sharing.shares.share_queries import device_ref, person_view
from sharing.views import DeviceRef, PersonView
from storage.models import Device, LinkToken, TokenKind

TOKEN_BYTES = 16
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22}$")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class DeviceLink:
    """What a device QR code opens: a device to apply for, and who owns it."""

    token: str
    device: DeviceRef
    owner: PersonView


@dataclass(frozen=True)
class AccountLink:
    """What an account QR code opens: someone to share a device with."""

    token: str
    account: PersonView


async def issue_device_token(
    session: AsyncSession, *, owner_id: int, device_id: int, ttl: timedelta, now: datetime
) -> IssuedToken:
    """A new device QR token, valid for `ttl`; the device's previous tokens stop working.
    Only the owner (R2) of a device whose firmware supports sharing (R6) gets one."""
    device = await lock_device(session, device_id)
    require_owner(device, owner_id)
    check_firmware(device)
    await _revoke(session, col(LinkToken.device_id) == device_id, now=now)
    return await _insert(
        session, TokenKind.DEVICE, now=now, expires_at=now + ttl, device_id=device_id
    )


async def issue_account_token(
    session: AsyncSession, *, account_id: int, now: datetime
) -> IssuedToken:
    """A new account QR token; it does not expire, and the account's previous one stops working."""
    await load_account(session, account_id)
    await _revoke(session, col(LinkToken.account_id) == account_id, now=now)
    return await _insert(
        session, TokenKind.ACCOUNT, now=now, expires_at=None, account_id=account_id
    )


async def open_link(
    session: AsyncSession, *, token: str, now: datetime
) -> DeviceLink | AccountLink:
    """What `token` opens, if it is one of ours, not revoked and not expired."""
    if not _TOKEN_SHAPE.match(token):
        raise LinkNotFound()
    link = await session.get(LinkToken, token)
    if link is None or link.revoked_at is not None:
        raise LinkNotFound()
    if link.expires_at is not None and link.expires_at <= now:
        raise LinkExpired(link.expires_at)
    if link.kind == TokenKind.DEVICE:
        assert link.device_id is not None
        device = await session.get(Device, link.device_id)
        if device is None:
            raise LinkNotFound()  # removed since the token was read (a read has no snapshot)
        owner = await load_account(session, device.owner_id)
        return DeviceLink(token=token, device=device_ref(device), owner=person_view(owner))
    assert link.account_id is not None
    return AccountLink(
        token=token, account=person_view(await load_account(session, link.account_id))
    )


async def _revoke(session: AsyncSession, condition: object, *, now: datetime) -> None:
    await session.exec(
        update(LinkToken)
        .where(condition, col(LinkToken.revoked_at).is_(None))  # type: ignore[arg-type]
        .values(revoked_at=now)
    )


async def _insert(
    session: AsyncSession,
    kind: TokenKind,
    *,
    now: datetime,
    expires_at: datetime | None,
    device_id: int | None = None,
    account_id: int | None = None,
) -> IssuedToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        LinkToken(
            token=token,
            kind=kind,
            device_id=device_id,
            account_id=account_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return IssuedToken(token=token, expires_at=expires_at)
