"""Accounts: who the users are, their region (R3) and the phone they proved (R10)."""

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from languages import LANGUAGES, language_for
from sharing.errors import AccountNotFound, InvalidPhone, InvalidRegion, UnknownLanguage
from sharing.people.regions import is_region
from storage.models import Account


@dataclass(frozen=True)
class AccountView:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    language: str
    time_zone: str
    region: str | None
    phone: str | None
    email: str | None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


def _view(account: Account) -> AccountView:
    return AccountView(
        id=account.id,
        first_name=account.first_name,
        last_name=account.last_name,
        username=account.username,
        language_code=account.language_code,
        language=account.language,
        time_zone=account.time_zone,
        region=account.region,
        phone=account.phone,
        email=account.email,
    )


async def register(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    now: datetime,
) -> tuple[AccountView, bool]:
    """Create the account, or refresh the names Telegram gave us. Returns (account, is_new)."""
    account = await session.get(Account, user_id, with_for_update=True)
    is_new = account is None
    if account is None:
        account = Account(
            id=user_id, first_name=first_name, language=language_for(language_code), created_at=now
        )
    account.first_name = first_name
    account.last_name = last_name
    account.username = username.lower() if username else None
    account.language_code = language_code
    account.unreachable_since = None
    session.add(account)
    await session.flush()
    return _view(account), is_new


_ACCOUNT = select(Account).where(Account.id == bindparam("account_id"))
"""Built once, with a bind parameter: `session.get` builds its statement and computes its cache
key on every call, and `find_account` runs for nearly every update (`python -m bench`)."""


async def find_account(session: AsyncSession, account_id: int) -> AccountView | None:
    account = (await session.exec(_ACCOUNT, params={"account_id": account_id})).one_or_none()
    return _view(account) if account else None


async def get_account(session: AsyncSession, account_id: int) -> AccountView:
    account = await find_account(session, account_id)
    if account is None:
        raise AccountNotFound(account_id)
    return account


async def set_language(session: AsyncSession, *, account_id: int, language: str) -> AccountView:
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    account = await _load_for_update(session, account_id)
    account.language = language
    session.add(account)
    await session.flush()
    return _view(account)


async def set_time_zone(session: AsyncSession, *, account_id: int, time_zone: str) -> AccountView:
    """`time_zone` as `time_zones.find_time_zone` found it."""
    account = await _load_for_update(session, account_id)
    account.time_zone = time_zone
    session.add(account)
    await session.flush()
    return _view(account)


_READER = select(Account.language, Account.time_zone).where(Account.id == bindparam("account_id"))


async def reader_of(session: AsyncSession, account_id: int) -> tuple[str, str] | None:
    """The language and time zone of the account's messages, or None if there is no account."""
    row = (await session.exec(_READER, params={"account_id": account_id})).one_or_none()
    return (row[0], row[1]) if row else None


async def set_region(session: AsyncSession, *, account_id: int, region: str) -> AccountView:
    region = region.strip().upper()
    if not is_region(region):
        raise InvalidRegion(region)
    account = await _load_for_update(session, account_id)
    account.region = region
    await session.flush()
    return _view(account)


def normalise_phone(raw: str, *, region: str | None = None) -> str:
    """E.164 for what a contact or a person gave; Telegram's contacts often lack the `+`."""
    text = raw.strip()
    if text and text[0].isdigit() and region is None:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(raw) from error
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def verify_phone(session: AsyncSession, *, account_id: int, phone: str) -> AccountView:
    """Record a phone the account proved by sharing its own contact.

    Numbers move between people: if another account had proved this number, it loses it.
    """
    account = await _load_for_update(session, account_id)
    e164 = normalise_phone(phone)
    await session.exec(
        update(Account)
        .where(col(Account.phone) == e164, col(Account.id) != account_id)
        .values(phone=None)
    )
    account.phone = e164
    await session.flush()
    return _view(account)


async def mark_unreachable(session: AsyncSession, *, account_id: int, now: datetime) -> None:
    """Telegram refused a message to this user (they blocked the bot): remember it."""
    await session.exec(
        update(Account)
        .where(col(Account.id) == account_id, col(Account.unreachable_since).is_(None))
        .values(unreachable_since=now)
    )


async def _load_for_update(session: AsyncSession, account_id: int) -> Account:
    account = (
        await session.exec(select(Account).where(Account.id == account_id).with_for_update())
    ).one_or_none()
    if account is None:
        raise AccountNotFound(account_id)
    return account
