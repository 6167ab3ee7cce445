"""Proving an email address (R10) with a one-time code sent to it.

    issue_code ──mail sent──> the user types the code ──verify_code──> Account.email set
        └──mail not sent──> withdraw_code (as if never asked)

Only the newest code of an account counts: asking for a new one retires the others, so the
attempt limit cannot be multiplied by asking for several codes at once. Old codes are deleted
once they are used or expired.

How the code is kept: only an HMAC-SHA256 of it, keyed with 16 random bytes drawn for that code
and stored beside the digest (`<salt hex>:<digest hex>`). The hash keeps the code out of plain
sight in dumps, backups and an operator's queries, and the per-code salt makes two equal codes
look different. It is no defence against brute force: six digits are a million values, which
any hash, even a slow one, gives up offline. What protects an address is that a code is bound to
the account that asked for it, lives 15 minutes, and allows 5 wrong attempts; a slow KDF would
only cost CPU on the event loop for nothing.

Every function runs in the caller's write session, takes `now`, and never reads the clock.
"""

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sharing.errors import (
    EmailAlreadyVerified,
    EmailCodeAttemptsExhausted,
    EmailCodeExpired,
    EmailCodeRequestedTooSoon,
    EmailCodeUsed,
    InvalidEmail,
    InvalidRecipient,
    NoEmailCode,
)
from sharing.people import accounts
from sharing.people.accounts import AccountView
from sharing.people.recipients import normalise_email
from sharing.shares.checks import lock_account
from storage.models import Account, EmailCode

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5
"""Wrong attempts a code allows; the next one needs a new code."""
RESEND_INTERVAL = timedelta(minutes=1)
"""At most one new code per account in this time: each one is an email to someone's inbox."""
_SALT_BYTES = 16


@dataclass(frozen=True)
class IssuedCode:
    """A new code, in clear text only here: to be mailed, never stored or logged."""

    code_id: int
    account_id: int
    email: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class EmailVerified:
    account: AccountView


@dataclass(frozen=True)
class WrongCode:
    """The code typed does not match. `attempts_left` is 0 when that was the last one."""

    email: str
    attempts_left: int


def parse_email(text: str) -> str:
    """The address as we store and compare it (lower-cased), or `InvalidEmail`."""
    try:
        return normalise_email(text)
    except InvalidRecipient as error:
        raise InvalidEmail(text) from error


async def issue_code(
    session: AsyncSession, *, account_id: int, email: str, now: datetime
) -> IssuedCode:
    """A new code for `email`, retiring the account's earlier ones.

    Refused when the account has proved this address already, or asked for a code less than
    `RESEND_INTERVAL` ago (whatever the address: every code is an email to someone).
    """
    email = parse_email(email)
    account = await lock_account(session, account_id)  # serialises requests of one account
    if account.email == email:
        raise EmailAlreadyVerified(email)
    newest = await _newest_code(session, account_id)
    if newest is not None and now < newest.created_at + RESEND_INTERVAL:
        wait = newest.created_at + RESEND_INTERVAL - now
        raise EmailCodeRequestedTooSoon(retry_after_seconds=math.ceil(wait.total_seconds()))
    await session.exec(
        delete(EmailCode).where(
            col(EmailCode.account_id) == account_id,
            or_(col(EmailCode.used_at).is_not(None), col(EmailCode.expires_at) <= now),
        )
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = EmailCode(
        account_id=account_id,
        email=email,
        code_hash=_hash_code(code, salt=secrets.token_bytes(_SALT_BYTES)),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return IssuedCode(
        code_id=row.id, account_id=account_id, email=email, code=code, expires_at=row.expires_at
    )


async def withdraw_code(session: AsyncSession, issued: IssuedCode) -> None:
    """Forget a code whose email could not be sent: it could never be typed back, so it must
    not count against the resend interval. The code it retired counts again."""
    await session.exec(
        delete(EmailCode).where(
            col(EmailCode.id) == issued.code_id,
            col(EmailCode.account_id) == issued.account_id,
            col(EmailCode.used_at).is_(None),
        )
    )


async def verify_code(
    session: AsyncSession, *, account_id: int, code: str, now: datetime
) -> EmailVerified | WrongCode:
    """Check `code` against the account's newest code; if it matches, the account proves its
    address, which moves to it from any other account that had proved it before (addresses
    change hands, like phone numbers).

    A wrong code is returned, not raised: the attempt it used up must be committed, and a write
    session rolls back on an exception. A used, expired or exhausted code is refused.
    """
    account = await lock_account(session, account_id)
    stored = await _newest_code(session, account_id, for_update=True)
    if stored is None:
        raise NoEmailCode(account_id)
    if stored.used_at is not None:
        raise EmailCodeUsed(stored.email)
    if now >= stored.expires_at:
        raise EmailCodeExpired(stored.email, expired_at=stored.expires_at)
    if stored.attempts >= MAX_ATTEMPTS:
        raise EmailCodeAttemptsExhausted(stored.email, max_attempts=MAX_ATTEMPTS)
    if not _code_matches(code.strip(), stored.code_hash):
        stored.attempts += 1
        await session.flush()
        return WrongCode(stored.email, attempts_left=MAX_ATTEMPTS - stored.attempts)
    stored.used_at = now
    await session.exec(
        update(Account)
        .where(col(Account.email) == stored.email, col(Account.id) != account_id)
        .values(email=None)
    )
    account.email = stored.email
    await session.flush()
    return EmailVerified(await accounts.get_account(session, account_id))


async def _newest_code(
    session: AsyncSession, account_id: int, *, for_update: bool = False
) -> EmailCode | None:
    statement = (
        select(EmailCode)
        .where(EmailCode.account_id == account_id)
        .order_by(col(EmailCode.created_at).desc(), col(EmailCode.id).desc())
        .limit(1)
    )
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


def _hash_code(code: str, *, salt: bytes) -> str:
    digest = hmac.new(salt, code.encode(), hashlib.sha256).hexdigest()
    return f"{salt.hex()}:{digest}"


def _code_matches(code: str, code_hash: str) -> bool:
    salt_hex, _, _ = code_hash.partition(":")
    return hmac.compare_digest(_hash_code(code, salt=bytes.fromhex(salt_hex)), code_hash)
