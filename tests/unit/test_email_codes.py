"""Proving an email with a one-time code (R10): hashed, expiring, few attempts, rare resends."""

import pytest
from sqlmodel import select

from sharing.errors import (
    AccountNotFound,
    EmailAlreadyVerified,
    EmailCodeAttemptsExhausted,
    EmailCodeExpired,
    EmailCodeRequestedTooSoon,
    EmailCodeUsed,
    InvalidEmail,
    NoEmailCode,
)
from sharing.people import email_codes
from sharing.people.email_codes import (
    CODE_LIFETIME,
    MAX_ATTEMPTS,
    EmailVerified,
    IssuedCode,
    WrongCode,
)
from storage.database import Database
from storage.models import Account, EmailCode
from tests.clock import FakeClock
from tests.factories import make_account

ANN, BEN = 10, 11


@pytest.fixture(autouse=True)
async def people(database: Database) -> None:
    async with database.write() as session:
        await make_account(session, ANN, first_name="Ann")
        await make_account(session, BEN, first_name="Ben")


async def issue(
    database: Database, clock: FakeClock, email: str = "Ann@Example.com", account_id: int = ANN
) -> IssuedCode:
    async with database.write() as session:
        return await email_codes.issue_code(
            session, account_id=account_id, email=email, now=clock()
        )


async def verify(
    database: Database, clock: FakeClock, code: str, account_id: int = ANN
) -> EmailVerified | WrongCode:
    async with database.write() as session:
        return await email_codes.verify_code(session, account_id=account_id, code=code, now=clock())


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def stored_codes(database: Database) -> list[EmailCode]:
    async with database.read() as session:
        return list(await session.exec(select(EmailCode).order_by(EmailCode.id)))  # type: ignore[arg-type]


async def email_of(database: Database, account_id: int) -> str | None:
    async with database.read() as session:
        return (await session.get_one(Account, account_id)).email


async def test_a_code_is_six_random_digits_stored_only_as_a_salted_hash(
    database: Database, clock: FakeClock
) -> None:
    issued = await issue(database, clock)
    assert issued.email == "ann@example.com"
    assert len(issued.code) == 6 and issued.code.isdigit()
    assert issued.expires_at == clock() + CODE_LIFETIME
    [row] = await stored_codes(database)
    assert issued.code not in row.code_hash
    salt, _, digest = row.code_hash.partition(":")
    assert len(bytes.fromhex(salt)) == 16 and len(digest) == 64

    clock.advance(minutes=1)
    again = await issue(database, clock, "ben@example.com")
    rows = await stored_codes(database)
    # A fresh salt per code: equal codes would not give equal hashes.
    assert rows[0].code_hash.split(":")[0] != rows[1].code_hash.split(":")[0]
    assert again.code_id != issued.code_id


async def test_the_right_code_proves_the_address(database: Database, clock: FakeClock) -> None:
    issued = await issue(database, clock)
    clock.advance(minutes=14, seconds=59)
    outcome = await verify(database, clock, f" {issued.code} ")
    assert isinstance(outcome, EmailVerified)
    assert outcome.account.email == "ann@example.com"
    assert await email_of(database, ANN) == "ann@example.com"
    [row] = await stored_codes(database)
    assert row.used_at == clock()
    with pytest.raises(EmailCodeUsed):
        await verify(database, clock, issued.code)


async def test_an_expired_code_is_refused(database: Database, clock: FakeClock) -> None:
    issued = await issue(database, clock)
    clock.advance(minutes=15)
    with pytest.raises(EmailCodeExpired) as refusal:
        await verify(database, clock, issued.code)
    assert refusal.value.email == "ann@example.com"
    assert await email_of(database, ANN) is None


async def test_wrong_attempts_are_counted_and_limited(database: Database, clock: FakeClock) -> None:
    issued = await issue(database, clock)
    for left in range(MAX_ATTEMPTS - 1, -1, -1):
        assert await verify(database, clock, wrong(issued.code)) == WrongCode(
            "ann@example.com", attempts_left=left
        )
    with pytest.raises(EmailCodeAttemptsExhausted):
        await verify(database, clock, issued.code)
    assert await email_of(database, ANN) is None
    [row] = await stored_codes(database)
    assert row.attempts == MAX_ATTEMPTS


async def test_a_new_code_once_a_minute_and_only_the_newest_counts(
    database: Database, clock: FakeClock
) -> None:
    first = await issue(database, clock)
    clock.advance(seconds=20.5)
    with pytest.raises(EmailCodeRequestedTooSoon) as refusal:
        await issue(database, clock)
    assert refusal.value.retry_after_seconds == 40
    with pytest.raises(EmailCodeRequestedTooSoon):  # whatever the address
        await issue(database, clock, "other@example.com")
    clock.advance(seconds=39.5)
    second = await issue(database, clock)

    if first.code != second.code:  # one chance in a million that they are the same
        assert await verify(database, clock, first.code) == WrongCode(
            "ann@example.com", attempts_left=MAX_ATTEMPTS - 1
        )
    assert isinstance(await verify(database, clock, second.code), EmailVerified)


async def test_a_withdrawn_code_leaves_no_trace(database: Database, clock: FakeClock) -> None:
    """The email could not be sent: the user may ask again at once, and the earlier code
    (which they did receive) counts again."""
    first = await issue(database, clock)
    clock.advance(minutes=2)
    unsent = await issue(database, clock)
    async with database.write() as session:
        await email_codes.withdraw_code(session, unsent)
    assert [row.id for row in await stored_codes(database)] == [first.code_id]
    assert isinstance(await verify(database, clock, first.code), EmailVerified)

    async with database.write() as session:
        await email_codes.withdraw_code(session, first)  # used: kept
    assert len(await stored_codes(database)) == 1


async def test_used_and_expired_codes_are_cleared_when_a_new_one_is_issued(
    database: Database, clock: FakeClock
) -> None:
    issued = await issue(database, clock)
    assert isinstance(await verify(database, clock, issued.code), EmailVerified)
    clock.advance(minutes=1)
    await issue(database, clock, "ann@work.example")
    clock.advance(minutes=20)
    await issue(database, clock, "ann@work.example")
    [row] = await stored_codes(database)
    assert row.created_at == clock() and row.used_at is None


async def test_the_address_moves_to_the_newest_account_that_proves_it(
    database: Database, clock: FakeClock
) -> None:
    ann_code = await issue(database, clock, "shared@example.com")
    await verify(database, clock, ann_code.code)
    ben_code = await issue(database, clock, "SHARED@example.com", account_id=BEN)
    outcome = await verify(database, clock, ben_code.code, account_id=BEN)
    assert isinstance(outcome, EmailVerified) and outcome.account.email == "shared@example.com"
    assert await email_of(database, BEN) == "shared@example.com"
    assert await email_of(database, ANN) is None


async def test_codes_belong_to_the_account_that_asked(database: Database, clock: FakeClock) -> None:
    issued = await issue(database, clock)
    with pytest.raises(NoEmailCode):
        await verify(database, clock, issued.code, account_id=BEN)


async def test_refusals_before_any_code_is_issued(database: Database, clock: FakeClock) -> None:
    with pytest.raises(InvalidEmail):
        await issue(database, clock, "ann at example dot com")
    with pytest.raises(AccountNotFound):
        await issue(database, clock, account_id=99)
    with pytest.raises(NoEmailCode):
        await verify(database, clock, "123456")
    issued = await issue(database, clock)
    await verify(database, clock, issued.code)
    clock.advance(minutes=1)
    with pytest.raises(EmailAlreadyVerified):
        await issue(database, clock, "ANN@example.com")
    assert len(await stored_codes(database)) == 1
