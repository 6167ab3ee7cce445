"""/email (R10): an address proved by a code mailed through a real SMTP server on loopback."""

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot.settings import Settings
from handlers.accounts.email import NEW_CODE_BUTTON, NOT_CONFIGURED
from sharing.rules import full_grants
from sharing.shares import shares
from sharing.views import Address
from storage.database import Database
from storage.models import Account, AddressKind, EmailCode
from tests.clock import FakeClock
from tests.factories import make_account, make_device
from tests.handlers.conftest import TEST_SECRET_KEY, TEST_TOKEN
from tests.harness.users import Telegram, TelegramUser

ANN = "ann@example.com"
SENDER = "CamShare <camshare@camshare.test>"
CODE_SENT = "I sent a 6-digit code to ann@example.com. Send it here; it is valid for 15 minutes."
NEW_CODE_SENT = (
    "I sent a new 6-digit code to ann@example.com. Send it here; it is valid for 15 minutes."
)


class LoopbackSmtp:
    """An SMTP server on 127.0.0.1 (aiosmtpd, in its own thread) that keeps what it receives.

    `stop()` and `start()` take it down and bring it back on the same port, as an outage would.
    """

    def __init__(self) -> None:
        self.port = _free_port()
        self.received: list[EmailMessage] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: the message was received whole."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted for delivery"

    def code_sent_to(self, address: str) -> str:
        """The code in the newest email to `address`."""
        mails = [mail for mail in self.received if mail["To"] == address]
        assert mails, f"no email was sent to {address}"
        body = mails[-1].get_body(preferencelist=("plain",))
        assert body is not None
        match = re.search(r"\b(\d{6})\b", body.get_content())
        assert match, f"no code in {body.get_content()!r}"
        return match.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSmtp]:
    server = LoopbackSmtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_url(smtp_server: LoopbackSmtp) -> str | None:
    """Parametrize it with None for a bot without SMTP."""
    return smtp_server.url


@pytest.fixture
def settings(database: Database, smtp_url: str | None) -> Settings:
    """tests/handlers/conftest.py's settings, with SMTP pointed at the loopback server."""
    return Settings(
        bot_token=TEST_TOKEN,
        database_url=database.url.render_as_string(hide_password=False),
        smtp_url=smtp_url,
        smtp_from=SENDER if smtp_url else None,
        secret_key=TEST_SECRET_KEY,
        portal_port=0,  # no HTTP server: nothing here asks it
        _env_file=None,  # type: ignore[call-arg]
    )


async def onboard(telegram: Telegram, name: str = "Ann") -> TelegramUser:
    user = telegram.user(name, language_code="en-GB")
    await user.send("/start")
    await user.tap_reply_button("Not now")
    await user.tap("✅ Yes, 🇬🇧 United Kingdom")
    return user


async def ask_code(user: TelegramUser, address: str = ANN) -> None:
    await user.send("/email")
    await user.send(address)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def stored_email(database: Database, account_id: int) -> str | None:
    async with database.read() as session:
        return (await session.get_one(Account, account_id)).email


async def stored_codes(database: Database) -> list[EmailCode]:
    async with database.read() as session:
        return list(await session.exec(select(EmailCode)))


@pytest.mark.parametrize("smtp_url", [None])
async def test_without_smtp_email_verification_is_unavailable(telegram: Telegram) -> None:
    ann = await onboard(telegram)
    await ann.send("/email")
    assert ann.last_message.text == NOT_CONFIGURED
    await ann.send(ANN)
    assert "I'm not waiting for a message" in ann.last_message.text


async def test_email_needs_an_account(telegram: Telegram, smtp_server: LoopbackSmtp) -> None:
    stranger = telegram.user("Stranger")
    await stranger.send("/email")
    assert "Send /start" in stranger.last_message.text


async def test_a_wrong_code_then_the_right_one(
    telegram: Telegram, smtp_server: LoopbackSmtp, database: Database
) -> None:
    ann = await onboard(telegram)
    await ann.send("/email")
    assert "Send the email address to verify" in ann.last_message.text
    await ann.send("  Ann@Example.COM ")
    assert ann.last_message.text == CODE_SENT
    assert ann.last_message.buttons == [[NEW_CODE_BUTTON]]

    [mail] = smtp_server.received
    assert mail["To"] == ANN and mail["From"] == SENDER
    assert mail["Subject"] == "Your CamShare verification code"
    code = smtp_server.code_sent_to(ANN)
    assert "@CamShareBot" in mail.get_content() and "15 minutes" in mail.get_content()
    [row] = await stored_codes(database)
    assert code not in row.code_hash

    await ann.send("12ab56")
    assert "The code is the 6 digits in the email I sent to ann@example.com" in (
        ann.last_message.text
    )
    await ann.send(wrong(code))
    assert ann.last_message.text.startswith("That code is not right: 4 attempts left.")
    await ann.send(f"{code[:3]} {code[3:]}")
    assert ann.last_message.text.startswith("✅ ann@example.com is verified")
    assert await stored_email(database, ann.id) == ANN

    await ann.send("/myaccount")
    assert f"Email: {ANN} ✅" in ann.last_message.text
    await ann.send(code)
    assert "I'm not waiting for a message" in ann.last_message.text


async def test_a_bad_address_says_what_is_expected_and_stays(
    telegram: Telegram, smtp_server: LoopbackSmtp
) -> None:
    ann = await onboard(telegram)
    await ask_code(ann, "ann at example dot com")
    assert "That is not an email address. Send one like ann@example.com." in (ann.last_message.text)
    assert not smtp_server.received
    await ann.send(ANN)
    assert ann.last_message.text == CODE_SENT


async def test_an_expired_code_offers_a_new_one(
    telegram: Telegram, smtp_server: LoopbackSmtp, clock: FakeClock, database: Database
) -> None:
    ann = await onboard(telegram)
    await ask_code(ann)
    old_code = smtp_server.code_sent_to(ANN)
    clock.advance(minutes=15)
    await ann.send(old_code)
    expired = ann.last_message
    assert expired.text.startswith("This code has expired.")
    assert expired.buttons == [[NEW_CODE_BUTTON]]

    answer = await ann.tap(NEW_CODE_BUTTON)
    assert answer.text == "Sending a new code…"
    assert expired.buttons == []  # the tapped button is spent
    assert ann.last_message.text == NEW_CODE_SENT
    assert len(smtp_server.received) == 2
    await ann.send(smtp_server.code_sent_to(ANN))
    assert await stored_email(database, ann.id) == ANN


async def test_too_many_wrong_attempts_need_a_new_code(
    telegram: Telegram, smtp_server: LoopbackSmtp, clock: FakeClock, database: Database
) -> None:
    ann = await onboard(telegram)
    await ask_code(ann)
    code = smtp_server.code_sent_to(ANN)
    for left in ("4 attempts", "3 attempts", "2 attempts", "1 attempt"):
        await ann.send(wrong(code))
        assert f"{left} left" in ann.last_message.text
    await ann.send(wrong(code))
    assert "that was its last attempt" in ann.last_message.text
    assert ann.last_message.buttons == [[NEW_CODE_BUTTON]]

    await ann.send(code)
    assert ann.last_message.text.startswith("Too many wrong attempts: a code allows 5.")
    assert await stored_email(database, ann.id) is None

    clock.advance(minutes=1)
    await ann.tap(NEW_CODE_BUTTON)
    assert ann.last_message.text == NEW_CODE_SENT
    await ann.send(smtp_server.code_sent_to(ANN))
    assert await stored_email(database, ann.id) == ANN


async def test_a_new_code_at_most_once_a_minute(
    telegram: Telegram, smtp_server: LoopbackSmtp, clock: FakeClock, database: Database
) -> None:
    ann = await onboard(telegram)
    await ask_code(ann)
    first_code = smtp_server.code_sent_to(ANN)

    answer = await ann.tap(NEW_CODE_BUTTON)
    assert answer.show_alert and "ask for a new one in 60 seconds" in (answer.text or "")
    clock.advance(seconds=45)
    answer = await ann.tap(NEW_CODE_BUTTON)
    assert "ask for a new one in 15 seconds" in (answer.text or "")
    assert len(smtp_server.received) == 1
    assert ann.last_message.text == CODE_SENT

    clock.advance(seconds=15)
    await ann.tap(NEW_CODE_BUTTON)
    assert ann.last_message.text == NEW_CODE_SENT
    new_code = smtp_server.code_sent_to(ANN)
    if new_code != first_code:  # one chance in a million that they are the same
        await ann.send(first_code)
        assert "not right: 4 attempts left" in ann.last_message.text  # only the newest counts
    await ann.send(new_code)
    assert await stored_email(database, ann.id) == ANN


async def test_smtp_server_down_stores_nothing(
    telegram: Telegram, smtp_server: LoopbackSmtp, clock: FakeClock, database: Database
) -> None:
    ann = await onboard(telegram)
    smtp_server.stop()
    await ask_code(ann)
    assert ann.last_message.text.startswith(
        "I couldn't send an email to ann@example.com: the mail server is not answering."
    )
    assert await stored_codes(database) == []

    smtp_server.start()
    await ann.send(ANN)  # at once: the failed attempt does not count against the minute
    assert ann.last_message.text == CODE_SENT
    code = smtp_server.code_sent_to(ANN)

    smtp_server.stop()
    clock.advance(minutes=2)
    await ann.tap(NEW_CODE_BUTTON)
    assert "the mail server is not answering" in ann.last_message.text
    assert ann.last_message.buttons == [[NEW_CODE_BUTTON]]
    assert len(await stored_codes(database)) == 1
    await ann.send(code)  # the code that did arrive still counts
    assert await stored_email(database, ann.id) == ANN


@pytest.mark.parametrize("step", ["address", "code"])
async def test_cancel_at_each_step(
    telegram: Telegram, smtp_server: LoopbackSmtp, database: Database, step: str
) -> None:
    ann = await onboard(telegram)
    await ann.send("/email")
    if step == "code":
        await ann.send(ANN)
    await ann.send("/cancel")
    assert ann.last_message.text.startswith("Cancelled. Nothing was saved.")
    await ann.send(smtp_server.code_sent_to(ANN) if step == "code" else ANN)
    assert "I'm not waiting for a message" in ann.last_message.text
    assert await stored_email(database, ann.id) is None


async def test_email_again_starts_over(telegram: Telegram, smtp_server: LoopbackSmtp) -> None:
    ann = await onboard(telegram)
    await ask_code(ann)
    await ann.send("/email")
    assert "Send the email address to verify" in ann.last_message.text


async def test_an_address_already_verified_needs_no_code(
    telegram: Telegram, smtp_server: LoopbackSmtp, clock: FakeClock
) -> None:
    ann = await onboard(telegram)
    await ask_code(ann)
    await ann.send(smtp_server.code_sent_to(ANN))
    clock.advance(minutes=1)
    await ann.send("/email")
    assert "Your verified address is ann@example.com" in ann.last_message.text
    await ann.send(ANN)
    assert (
        ann.last_message.text == "ann@example.com is already your verified address. Nothing to do."
    )
    assert len(smtp_server.received) == 1


async def test_the_address_moves_to_whoever_proves_it_last(
    telegram: Telegram, smtp_server: LoopbackSmtp, database: Database
) -> None:
    ann = await onboard(telegram)
    await ask_code(ann)
    await ann.send(smtp_server.code_sent_to(ANN))
    bob = await onboard(telegram, "Bob")
    await ask_code(bob)
    await bob.send(smtp_server.code_sent_to(ANN))
    assert await stored_email(database, bob.id) == ANN
    assert await stored_email(database, ann.id) is None


async def test_an_invitation_waiting_for_the_address_arrives_after_verification(
    telegram: Telegram, smtp_server: LoopbackSmtp, database: Database, clock: FakeClock
) -> None:
    olivia = telegram.user("Olivia")
    async with database.write() as session:
        owner = await make_account(session, olivia.id, first_name="Olivia")
        device = await make_device(session, owner, channels=2, name="Shop NVR")
        assert device.id is not None
        await shares.share_device(
            session,
            owner_id=owner.id,
            device_id=device.id,
            recipient=Address(AddressKind.EMAIL, ANN),
            grants=full_grants([1, 2]),
            ttl=timedelta(days=3),
            now=clock(),
        )

    ann = await onboard(telegram)
    await ask_code(ann)
    await ann.send(smtp_server.code_sent_to(ANN))

    assert ann.messages[-2].text.startswith("✅ ann@example.com is verified")
    prompt = ann.last_message
    assert "Olivia wants to share Shop NVR with you (2 channels)" in prompt.text
    assert prompt.buttons == [["✅ Accept", "❌ Decline"]]
