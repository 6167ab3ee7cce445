"""Nothing lost: what a change owes people is stored with the change, sent right after it, and
sent by the job when that failed; never twice at once; the prompt's message id recorded when it
went out."""

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import col, func, select
from telegram.error import NetworkError

from bot.app import build_application
from bot.settings import Settings
from handlers.common.context import CamShareContext
from handlers.common.owed import (
    MessageKind,
    forget_sent_messages,
    send_owed_messages,
    unrendered_kinds,
)
from handlers.manage.expiry import sweep_expired
from sharing.people import person_outbox
from storage.database import Database
from storage.models import OwedMessage, Share, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share
from tests.handlers.conftest import TEST_SECRET_KEY, TEST_TOKEN
from tests.handlers.journeys import RITA_PHONE, share_everything
from tests.handlers.test_expiry import running
from tests.harness.bot_api import FakeBotApi
from tests.harness.request import FakeRequest
from tests.harness.state import Person
from tests.harness.users import AnyApplication, TelegramUser

PROMPT = (
    "📨 Olivia wants to share Shop NVR with you (4 channels):\n"
    "• Camera 01 … Camera 04 (4 channels): Live View/Playback/Alarm/Two-way Audio/PTZ"
)


@pytest.fixture
def context(application: AnyApplication) -> CamShareContext:
    return CamShareContext(application)


@pytest.fixture
def lease(context: CamShareContext) -> timedelta:
    return context.services.owed_lease


@contextmanager
def telegram_down(
    monkeypatch: pytest.MonkeyPatch, requests: int = 1, *, method: str = ""
) -> Iterator[None]:
    """The next `requests` Bot API requests (of `method`, or any) fail as a network failure."""
    left = [requests]
    do_request = FakeRequest.do_request

    async def failing(
        self: FakeRequest, url: str, *args: object, **kwargs: object
    ) -> tuple[int, bytes]:
        if left[0] > 0 and url.endswith(f"/{method}"):
            left[0] -= 1
            raise NetworkError("connection reset")
        return await do_request(self, url, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(FakeRequest, "do_request", failing)
        yield


async def unsent(database: Database) -> list[str]:
    async with database.read() as session:
        rows = await session.exec(
            select(OwedMessage.kind).where(col(OwedMessage.sent_at).is_(None))
        )
        return list(rows)


async def share_refused_once(owner: TelegramUser, monkeypatch: pytest.MonkeyPatch) -> None:
    """/share to Rita with everything, the first message sent after Finish lost."""
    await owner.send("/share")
    await owner.tap("🗄 Shop NVR")
    await owner.send(RITA_PHONE)
    await owner.tap("Permissions ›")
    await owner.tap("💾 Save")
    with telegram_down(monkeypatch, method="sendMessage"):
        await owner.tap("✅ Finish")


def test_every_kind_of_message_has_a_renderer(application: AnyApplication) -> None:
    assert unrendered_kinds() == set()


async def test_a_prompt_telegram_refused_goes_out_with_the_job_and_its_id_is_recorded(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    lease: timedelta,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = len(rita.messages)

    await share_refused_once(olivia, monkeypatch)

    assert olivia.last_message.text.startswith("✅ Invitation to Shop NVR sent to Rita.")
    assert len(rita.messages) == before
    assert await unsent(database) == [MessageKind.INVITATION]
    assert await send_owed_messages(context) == 0  # the handler's lease holds it a while

    clock.advance(seconds=lease.total_seconds())
    assert await send_owed_messages(context) == 1

    prompt = rita.last_message
    assert prompt.text.startswith(PROMPT) and prompt.buttons == [["✅ Accept", "❌ Decline"]]
    assert await unsent(database) == []
    assert await send_owed_messages(context) == 0
    assert len(rita.messages) == before + 1

    # Recorded when it was marked sent: a cancel closes the prompt the job sent.
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 invited")
    await olivia.tap("Rita · ⏳ invited")
    await olivia.tap("✖️ Cancel invitation")
    await olivia.tap("✖️ Yes, cancel it")
    assert prompt.text == "✖️ Olivia cancelled the invitation to Shop NVR."
    assert prompt.buttons == []


async def test_an_answer_lost_to_a_network_failure_reaches_the_owner_later(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    lease: timedelta,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    told = len(olivia.messages)

    # Accept's first request is the owner's notice (the tap's answer and edit come after).
    with telegram_down(monkeypatch, method="sendMessage"):
        await rita.tap("✅ Accept")

    assert rita.last_message.text.startswith("✅ You accepted Shop NVR from Olivia:")
    assert len(olivia.messages) == told
    clock.advance(seconds=lease.total_seconds())
    assert await send_owed_messages(context) == 1
    assert olivia.last_message.text == "✅ Rita accepted your share of Shop NVR."
    assert len(olivia.messages) == told + 1


async def test_a_prompt_for_an_invitation_cancelled_before_it_went_out_is_never_sent(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    lease: timedelta,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = len(rita.messages)
    await share_refused_once(olivia, monkeypatch)
    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 invited")
    await olivia.tap("Rita · ⏳ invited")
    await olivia.tap("✖️ Cancel invitation")
    await olivia.tap("✖️ Yes, cancel it")

    clock.advance(seconds=lease.total_seconds())
    assert await send_owed_messages(context) == 1  # taken, and settled without a message

    assert len(rita.messages) == before
    assert await unsent(database) == []


async def test_expiries_announced_while_telegram_was_down_reach_both_sides_later(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    lease: timedelta,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    prompt = rita.last_message
    told = len(olivia.messages)
    clock.advance(seconds=context.services.invite_ttl.total_seconds())

    with (
        telegram_down(monkeypatch, requests=10, method="sendMessage"),
        telegram_down(monkeypatch, requests=10, method="editMessageText"),
    ):
        assert await sweep_expired(context) == 1

    assert prompt.buttons and len(olivia.messages) == told
    clock.advance(seconds=lease.total_seconds() + 1)  # the sweep holds its batch's a little more
    assert await send_owed_messages(context) == 2
    assert prompt.text.startswith("⌛ Olivia's invitation to Shop NVR expired on")
    assert prompt.buttons == []
    assert olivia.last_message.text == "⌛ Your invitation to Rita for Shop NVR expired."
    assert len(olivia.messages) == told + 1
    assert await send_owed_messages(context) == 0


async def test_sent_messages_are_forgotten_after_a_day(
    olivia: TelegramUser,
    rita: TelegramUser,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
) -> None:
    await share_everything(olivia, RITA_PHONE)

    async def rows() -> int:
        async with database.read() as session:
            return (await session.exec(select(func.count()).select_from(OwedMessage))).one()

    assert await rows() == 1
    clock.advance(hours=23)
    await forget_sent_messages(context)
    assert await rows() == 1
    clock.advance(hours=1)
    await forget_sent_messages(context)
    assert await rows() == 0


async def test_two_senders_at_once_never_send_one_message_twice(
    any_database: Database, clock: FakeClock, bot_api: FakeBotApi
) -> None:
    """Two bot processes (each its own Application and engine) run the job at once over the
    same 60 owed messages, whose handler's lease ran out: each goes out once."""
    owed = 60
    owner = Person(1, "Olivia")
    async with any_database.write() as session:
        device = await make_device(
            session, await make_account(session, owner.id, first_name="Olivia"), name="Shop NVR"
        )
        for number in range(2, owed + 2):
            guest = await make_account(session, number, first_name=f"Guest {number}")
            bot_api.private_chat(Person(number, f"Guest {number}"))
            await make_share(session, device, guest, state=ShareState.REVOKED)
            await person_outbox.owe(
                session,
                account_id=number,
                kind=MessageKind.SHARE_STOPPED,
                payload={"owner": "Olivia", "device": "Shop NVR", "alias": None},
                now=clock(),
                lease=timedelta(0),
            )
    settings = Settings(
        bot_token=SecretStr(TEST_TOKEN),
        database_url=any_database.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET_KEY,
        _env_file=None,  # type: ignore[call-arg]
    )
    async with (
        running(settings, bot_api, clock, await _engine_like(any_database)) as first,
        running(settings, bot_api, clock, await _engine_like(any_database)) as second,
    ):
        taken = await asyncio.gather(
            send_owed_messages(CamShareContext(first)),
            send_owed_messages(CamShareContext(second)),
        )

    assert sum(taken) == owed
    sent = Counter(
        int(call.params["chat_id"]) for call in bot_api.calls if call.method == "sendMessage"
    )
    assert sent == Counter(range(2, owed + 2))
    assert await unsent(any_database) == []
    async with any_database.read() as session:
        assert set((await session.exec(select(Share.state))).all()) == {ShareState.REVOKED}


async def _engine_like(database: Database) -> Database:
    """Another engine on the same database, as another process would have."""
    url = database.url.render_as_string(hide_password=False)
    if database.url.get_backend_name() == "sqlite":
        return Database(url)
    async with database.read() as session:
        schema = (await session.exec(select(func.current_schema()))).one()
    return Database(url, connect_args={"server_settings": {"search_path": schema}})


def test_the_application_registers_the_owed_messages_job(
    settings: Settings, bot_api: FakeBotApi
) -> None:
    application = build_application(settings, request=FakeRequest(bot_api), paced=False)
    assert application.job_queue is not None
    names = {job.name for job in application.job_queue.jobs()}
    assert {"owed_messages", "owed_cleanup"} <= names


async def test_a_prompt_that_went_out_as_its_invitation_was_cancelled_is_closed_after(
    olivia: TelegramUser,
    rita: TelegramUser,
    clock: FakeClock,
    bot_api: FakeBotApi,
    context: CamShareContext,
    lease: timedelta,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The job renders the prompt, Telegram is slow to take it, and the owner cancels
    meanwhile (no prompt recorded yet, so the cancel has none to close): the mark sees the
    invitation cancelled and owes the prompt's closing."""
    await share_refused_once(olivia, monkeypatch)
    clock.advance(seconds=lease.total_seconds())
    held = bot_api.hold(rita.id)
    sending = asyncio.create_task(send_owed_messages(context))
    await held.parked.wait()

    await olivia.send("/shared")
    await olivia.tap("🗄 Shop NVR · 1 invited")
    await olivia.tap("Rita · ⏳ invited")
    await olivia.tap("✖️ Cancel invitation")
    await olivia.tap("✖️ Yes, cancel it")
    held.released.set()
    assert await sending == 1

    prompt = rita.last_message
    assert prompt.text.startswith(PROMPT) and prompt.buttons
    assert await send_owed_messages(context) == 1
    assert prompt.text == "✖️ Olivia cancelled the invitation to Shop NVR."
    assert prompt.buttons == []
