"""Which account an address names (R10), in both directions: address -> account when a share is
made, account -> addresses when an account claims the invitations that wait for it."""

from collections.abc import Mapping
from typing import TypeVar

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sharing.views import Address
from storage.models import Account, AddressKind

T = TypeVar("T")


def proven_addresses(account: Account) -> list[Address]:
    """What the account has proved: phone and email are stored only once proved; the username
    and the id are Telegram's own word."""
    values = {
        AddressKind.PHONE: account.phone,
        AddressKind.EMAIL: account.email,
        AddressKind.USERNAME: account.username,
        AddressKind.USER_ID: str(account.id),
    }
    return [Address(kind, value) for kind, value in values.items() if value]


_ADDRESS_COLUMNS = (
    (AddressKind.PHONE, col(Account.phone)),
    (AddressKind.EMAIL, col(Account.email)),
    (AddressKind.USERNAME, col(Account.username)),
    (AddressKind.USER_ID, col(Account.id)),
)
_ACCOUNTS_BY_ADDRESS = {
    kind: select(Account).where(column == bindparam("value")).order_by(col(Account.id)).limit(2)
    for kind, column in _ADDRESS_COLUMNS
}
"""Up to two accounts that proved a `value` of each kind. Built once, with a bind parameter:
building a statement and computing its cache key on every call took a large share of an
update's time (`python -m bench`)."""


_LOCK_ACCOUNTS_BY_ADDRESS = {
    kind: statement.with_for_update().execution_options(populate_existing=True)
    for kind, statement in _ACCOUNTS_BY_ADDRESS.items()
}
"""The same, locked, in id order (two lockers of the same two accounts take them in turn)."""


async def find_account_at(session: AsyncSession, address: Address) -> Account | None:
    """The account that proved `address`, if exactly one did.

    Usernames move between Telegram users and we only learn of it when they write to us, so two
    accounts may still hold the same one: then neither is chosen and the invitation waits for
    whoever starts the bot with it.
    """
    return await _the_one(session, _ACCOUNTS_BY_ADDRESS, address)


async def lock_account_at(session: AsyncSession, address: Address) -> Account | None:
    """`find_account_at`'s account, locked (both, while two hold a username)."""
    return await _the_one(session, _LOCK_ACCOUNTS_BY_ADDRESS, address)


async def _the_one(
    session: AsyncSession, statements: Mapping[AddressKind, SelectOfScalar[T]], address: Address
) -> T | None:
    """What the address's statement finds, if it finds exactly one."""
    value: str | int = address.value
    if address.kind == AddressKind.USER_ID:
        if not address.value.isdecimal():
            return None  # a user id that is not a number is nobody's
        value = int(address.value)
    found = (await session.exec(statements[address.kind], params={"value": value})).all()
    return found[0] if len(found) == 1 else None
