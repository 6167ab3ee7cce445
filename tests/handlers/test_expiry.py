"""R11 on Telegram: the sweep closes what ran out and tells both sides, once, however many bot
processes share the database; and the job that runs it is registered to run at start-up and then
every EXPIRY_SWEEP_SECONDS."""

import asyncio
import dataclasses
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from pydantic import SecretStr
from sqlmodel import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import CamShareApplication, build_application, services_of
from bot.jobs import EXPIRY_SWEEP_JOB
from bot.settings import Settings
from handlers.common.context import CamShareContext
from handlers.manage.expiry import sweep_expired
from handlers.manage.invitations import AcceptInvitation, DeclineInvitation, deliver_invitation
from sharing.applications import applications
from sharing.rules import full_grants
from sharing.shares import shares
from sharing.views import Address, ApplicationView, MessageRef, ShareView
from storage.database import Database
from storage.models import Account, AddressKind, Device, Share, ShareState
from tests.clock import FakeClock
from tests.factories import make_account, make_device, make_share
from tests.handlers.conftest import TEST_SECRET_KEY, TEST_TOKEN
from tests.harness.bot_api import FakeBotApi
from tests.harness.request import FakeRequest
from tests.harness.state import ChatMessage, Person
from tests.harness.users import AnyApplication, Telegram, TelegramUser

DEVICE_NAME = "Shop <NVR> & co"
HEADING = re.compile(r"^⌛ \d+ of your invitations expired:$")
EXPIRED_LINE = re.compile(
    rf"^(⌛ Your invitation to |• )(?P<name>.+) for {re.escape(DEVICE_NAME)}( expired\.)?$"
)


async def joined(telegram: Telegram, database: Database, name: str) -> TelegramUser:
    """Someone with an account in GB who has started the bot (so it may write to them)."""
    user = telegram.user(name)
    telegram.api.private_chat(user.person)
    async with database.write() as session:
        await make_account(session, user.id, first_name=name)
    return user


async def add_device(database: Database, owner: TelegramUser, name: str = DEVICE_NAME) -> int:
    async with database.write() as session:
        device = await make_device(session, await session.get_one(Account, owner.id), name=name)
    assert device.id is not None
    return device.id


async def invite(
    context: CamShareContext, owner: TelegramUser, recipient: TelegramUser | Address, device: int
) -> ShareView:
    """Share all four channels, as /share would, and show the recipient the prompt."""
    services = context.services
    async with services.database.write() as session:
        change = await shares.share_device(
            session,
            owner_id=owner.id,
            device_id=device,
            recipient=recipient.id if isinstance(recipient, TelegramUser) else recipient,
            grants=full_grants([1, 2, 3, 4]),
            ttl=services.invite_ttl,
            now=services.clock(),
        )
    await deliver_invitation(context, change.share)
    return change.share


async def share_state(database: Database, share: ShareView) -> ShareState:
    async with database.read() as session:
        return (await session.get_one(Share, share.id)).state


@pytest.fixture
def context(application: AnyApplication) -> CamShareContext:
    return CamShareContext(application)


@pytest.fixture
def ttl(context: CamShareContext) -> timedelta:
    return context.services.invite_ttl


# --- invitations ---------------------------------------------------------------------------------


async def test_an_invitation_that_ran_out_is_closed_and_its_owner_told(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
) -> None:
    olivia = await joined(telegram, database, "Olivia <Boss>")
    rita = await joined(telegram, database, "Rita")
    share = await invite(context, olivia, rita, await add_device(database, olivia))
    prompt = rita.last_message
    assert prompt.buttons == [["✅ Accept", "❌ Decline"]]

    clock.advance(seconds=ttl.total_seconds() - 1)
    assert await sweep_expired(context) == 0
    assert prompt.buttons and olivia.messages == []

    clock.advance(seconds=1)
    assert await sweep_expired(context) == 1

    assert prompt.text == (
        f"⌛ Olivia <Boss>'s invitation to {DEVICE_NAME} expired on 18 Jan 2026, 09:00 UTC."
        " Ask Olivia <Boss> to share it again if you still need it."
    )
    assert prompt.buttons == []
    assert [message.text for message in olivia.messages] == [
        f"⌛ Your invitation to Rita for {DEVICE_NAME} expired."
    ]
    assert await share_state(database, share) == ShareState.EXPIRED

    for stale in (AcceptInvitation, DeclineInvitation):
        answer = await rita.forge_callback(stale(share.id, share.version).pack(), message=prompt)
        assert answer.text and "expired" in answer.text and answer.show_alert
    assert prompt.buttons == [] and "expired" in (prompt.text or "")
    assert await share_state(database, share) == ShareState.EXPIRED

    clock.advance(days=1)
    assert await sweep_expired(context) == 0
    assert len(olivia.messages) == 1 and len(rita.messages) == 1


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        (AddressKind.PHONE, "+447700900123", "+447700900123"),
        (AddressKind.EMAIL, "rita@example.com", "rita@example.com"),
        (AddressKind.USERNAME, "rita_cam", "@rita_cam"),
    ],
)
async def test_an_invitation_nobody_claimed_is_named_by_its_address(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
    kind: AddressKind,
    value: str,
    shown: str,
) -> None:
    olivia = await joined(telegram, database, "Olivia")
    share = await invite(context, olivia, Address(kind, value), await add_device(database, olivia))
    assert share.recipient is None and share.prompt is None

    clock.advance(seconds=ttl.total_seconds())

    assert await sweep_expired(context) == 1
    assert olivia.last_message.text == f"⌛ Your invitation to {shown} for {DEVICE_NAME} expired."
    assert await share_state(database, share) == ShareState.EXPIRED


async def test_a_recipient_who_blocked_the_bot_does_not_stop_the_sweep(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
    bot_api: FakeBotApi,
) -> None:
    olivia = await joined(telegram, database, "Olivia")
    rita = await joined(telegram, database, "Rita")
    sam = await joined(telegram, database, "Sam")
    device = await add_device(database, olivia)
    await invite(context, olivia, rita, device)
    await invite(context, olivia, sam, device)
    ritas_prompt, sams_prompt = rita.last_message, sam.last_message
    await rita.block_bot()
    clock.advance(seconds=ttl.total_seconds())

    assert await sweep_expired(context) == 2

    assert ritas_prompt.buttons, "Telegram refused the edit: the prompt is as it was"
    assert [call.error for call in bot_api.refusals] == ["Forbidden: bot was blocked by the user"]
    assert sams_prompt.buttons == [] and "expired" in (sams_prompt.text or "")
    assert [message.text for message in olivia.messages] == [
        f"⌛ 2 of your invitations expired:\n• Rita for {DEVICE_NAME}\n• Sam for {DEVICE_NAME}"
    ]


async def test_an_owner_who_blocked_the_bot_is_marked_and_the_prompt_still_closed(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
) -> None:
    olivia = await joined(telegram, database, "Olivia")
    rita = await joined(telegram, database, "Rita")
    await invite(context, olivia, rita, await add_device(database, olivia))
    await olivia.block_bot()
    clock.advance(seconds=ttl.total_seconds())

    assert await sweep_expired(context) == 1

    assert rita.last_message.buttons == [] and "expired" in (rita.last_message.text or "")
    async with database.read() as session:
        owner = await session.get_one(Account, olivia.id)
    assert owner.unreachable_since == clock()


async def test_each_owner_hears_of_their_own_expiries_only(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
) -> None:
    """One batch, two owners, Rita invited by both: each prompt names its own owner."""
    olivia = await joined(telegram, database, "Olivia")
    paul = await joined(telegram, database, "Paul")
    rita = await joined(telegram, database, "Rita")
    sam = await joined(telegram, database, "Sam")
    olivias_device = await add_device(database, olivia)
    await invite(context, olivia, rita, olivias_device)
    await invite(context, olivia, sam, olivias_device)
    await invite(context, paul, rita, await add_device(database, paul, name="Paul's cam"))
    clock.advance(seconds=ttl.total_seconds())

    assert await sweep_expired(context) == 3

    assert [message.text for message in olivia.messages] == [
        f"⌛ 2 of your invitations expired:\n• Rita for {DEVICE_NAME}\n• Sam for {DEVICE_NAME}"
    ]
    assert [message.text for message in paul.messages] == [
        "⌛ Your invitation to Rita for Paul's cam expired."
    ]
    assert [(message.text or "").split(" expired on ")[0] for message in rita.messages] == [
        f"⌛ Olivia's invitation to {DEVICE_NAME}",
        "⌛ Paul's invitation to Paul's cam",
    ]
    assert all(message.buttons == [] for message in rita.messages + sam.messages)


async def test_an_owner_hears_once_per_batch(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
) -> None:
    """Three due, batches of two: the first two in one message, the third in the next."""
    olivia = await joined(telegram, database, "Olivia")
    device = await add_device(database, olivia)
    for name in ("Rita", "Sam", "Tom"):
        await invite(context, olivia, await joined(telegram, database, name), device)
    clock.advance(seconds=ttl.total_seconds())

    assert await sweep_expired(context, batch_size=2) == 3

    assert [message.text for message in olivia.messages] == [
        f"⌛ 2 of your invitations expired:\n• Rita for {DEVICE_NAME}\n• Sam for {DEVICE_NAME}",
        f"⌛ Your invitation to Tom for {DEVICE_NAME} expired.",
    ]


async def test_more_due_than_one_batch_holds_are_all_announced_once(
    telegram: Telegram, database: Database, clock: FakeClock, context: CamShareContext
) -> None:
    """250 due, batches of 100: three claims, each in its own transaction."""
    olivia = await joined(telegram, database, "Olivia")
    device_id = await add_device(database, olivia)
    async with database.write() as session:
        device = await session.get_one(Device, device_id)
        for number in range(1, 251):
            recipient = await make_account(session, number, first_name=f"Guest {number}")
            await make_share(
                session, device, recipient, state=ShareState.PENDING, expires_at=clock()
            )

    assert await sweep_expired(context, batch_size=100) == 250

    assert listed(olivia.messages) == Counter(f"Guest {number}" for number in range(1, 251))
    assert all(len(message.text or "") <= 4096 for message in olivia.messages)
    assert await sweep_expired(context) == 0


def listed(messages: list[ChatMessage]) -> Counter[str]:
    """Who the owner was told about, over one-line and listing messages alike."""
    names: Counter[str] = Counter()
    for message in messages:
        for line in (message.text or "").splitlines():
            if HEADING.match(line):
                continue
            found = EXPIRED_LINE.match(line)
            assert found, f"not an expiry: {line!r}"
            names[found["name"]] += 1
    return names


# --- applications --------------------------------------------------------------------------------


async def apply(context: CamShareContext, applicant: TelegramUser, device: int) -> ApplicationView:
    """Sam applies; the owner gets the message that the application screen would send."""
    services = context.services
    async with services.database.write() as session:
        application, _ = await applications.apply_for_share(
            session,
            applicant_id=applicant.id,
            device_id=device,
            ttl=services.invite_ttl,
            now=services.clock(),
        )
    message = await context.bot.send_message(
        application.owner_id,
        "📝 New sharing application",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Review", callback_data="x:1")]]),
    )
    async with services.database.write() as session:
        await applications.set_application_prompt(
            session,
            application_id=application.id,
            prompt=MessageRef(message.chat_id, message.message_id),
        )
    return application


async def test_an_application_that_ran_out_is_closed_and_the_applicant_told(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
) -> None:
    olivia = await joined(telegram, database, "Olivia")
    sam = await joined(telegram, database, "Sam & Sons")
    await apply(context, sam, await add_device(database, olivia))
    owners_message = olivia.last_message
    clock.advance(seconds=ttl.total_seconds())

    assert await sweep_expired(context) == 1

    assert owners_message.text == (
        f"⌛ The application from Sam & Sons for {DEVICE_NAME} expired on 18 Jan 2026, 09:00 UTC"
        " without a decision."
    )
    assert owners_message.buttons == []
    assert [message.text for message in sam.messages] == [
        f"⌛ Your application for {DEVICE_NAME} expired: its owner did not answer in time."
        " Scan the device's QR code again to apply again."
    ]
    assert await sweep_expired(context) == 0
    assert len(olivia.messages) == 1 and len(sam.messages) == 1


# --- restarts and several processes --------------------------------------------------------------


@asynccontextmanager
async def running(
    settings: Settings, bot_api: FakeBotApi, clock: FakeClock, database: Database | None = None
) -> AsyncIterator[CamShareApplication]:
    """A bot process: its own Application, initialised as `run_polling` would, on `database`
    (a fresh engine of its own, like another process) or the one the settings name."""
    application = build_application(
        settings, request=FakeRequest(bot_api), clock=clock, paced=False
    )
    if database is not None:
        await services_of(application).database.dispose()
        application.bot_data["services"] = dataclasses.replace(
            services_of(application), database=database
        )
    await application.initialize()
    try:
        yield application
    finally:
        await application.shutdown()
        await services_of(application).database.dispose()


async def test_a_restarted_bot_announces_what_ran_out_while_down_and_nothing_twice(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
    settings: Settings,
    bot_api: FakeBotApi,
) -> None:
    olivia = await joined(telegram, database, "Olivia")
    rita = await joined(telegram, database, "Rita")
    sam = await joined(telegram, database, "Sam")
    device = await add_device(database, olivia)
    await invite(context, olivia, rita, device)
    clock.advance(days=1)
    await invite(context, olivia, sam, device)
    clock.advance(seconds=ttl.total_seconds() - 3600)
    assert await sweep_expired(context) == 1  # Rita's; then the bot stops

    clock.advance(days=2)  # Sam's runs out while the bot is down
    async with running(settings, bot_api, clock) as restarted:
        assert await sweep_expired(CamShareContext(restarted)) == 1
        assert await sweep_expired(CamShareContext(restarted)) == 0

    assert [message.text for message in olivia.messages] == [
        f"⌛ Your invitation to Rita for {DEVICE_NAME} expired.",
        f"⌛ Your invitation to Sam for {DEVICE_NAME} expired.",
    ]


async def test_two_bot_processes_on_one_postgres_announce_each_expiry_once(
    pg_database: Database, postgres_url: str, clock: FakeClock, bot_api: FakeBotApi
) -> None:
    """Both sweeps run at once on one database, each process with its own engine, and talk to
    the same Telegram; 250 due, so each claims batches while the other is announcing."""
    due = 250
    owner = Person(1, "Olivia")
    async with pg_database.write() as session:
        schema = (await session.exec(select(func.current_schema()))).one()
        device = await make_device(
            session, await make_account(session, owner.id, first_name="Olivia"), name=DEVICE_NAME
        )
        for number in range(2, due + 2):
            recipient = await make_account(session, number, first_name=f"Guest {number}")
            await make_share(
                session, device, recipient, state=ShareState.PENDING, expires_at=clock()
            )
    owners_chat = bot_api.private_chat(owner)
    settings = Settings(
        bot_token=SecretStr(TEST_TOKEN),
        database_url=postgres_url,
        secret_key=TEST_SECRET_KEY,
        portal_port=0,  # no HTTP server: nothing here asks it
        _env_file=None,  # type: ignore[call-arg]
    )

    def own_engine() -> Database:
        return Database(postgres_url, connect_args={"server_settings": {"search_path": schema}})

    async with (
        running(settings, bot_api, clock, own_engine()) as first,
        running(settings, bot_api, clock, own_engine()) as second,
    ):
        counts = await asyncio.gather(
            sweep_expired(CamShareContext(first), batch_size=100),
            sweep_expired(CamShareContext(second), batch_size=100),
        )

    assert sum(counts) == due
    told = listed(list(owners_chat.messages.values()))
    assert told == Counter(f"Guest {number}" for number in range(2, due + 2))
    async with pg_database.read() as session:
        states = set((await session.exec(select(Share.state))).all())
    assert states == {ShareState.EXPIRED}


# --- the job -------------------------------------------------------------------------------------


def test_the_sweep_is_scheduled_at_start_up_and_then_every_interval(
    settings: Settings, bot_api: FakeBotApi
) -> None:
    settings = settings.model_copy(update={"expiry_sweep_seconds": 42})
    before = datetime.now(UTC)

    application = build_application(settings, request=FakeRequest(bot_api), paced=False)

    assert application.job_queue is not None
    (job,) = application.job_queue.get_jobs_by_name(EXPIRY_SWEEP_JOB)
    assert job.job.trigger.interval == timedelta(seconds=42)
    # Pinned, so that it is due when the queue starts, however long start-up takes after this.
    assert job.next_t is not None and before <= job.next_t <= datetime.now(UTC)
    assert job.job.misfire_grace_time is None and job.job.coalesce
    assert job.job.max_instances == 1


async def test_the_job_sweeps_when_the_queue_starts_late(
    telegram: Telegram,
    database: Database,
    clock: FakeClock,
    context: CamShareContext,
    ttl: timedelta,
    application: AnyApplication,
) -> None:
    """The real scheduler, started as if migrations and polling set-up had taken ten and a half
    minutes after the factory ran: the first sweep still runs at once, through the job's
    callback, rather than being dropped as missed."""
    olivia = await joined(telegram, database, "Olivia")
    rita = await joined(telegram, database, "Rita")
    await invite(context, olivia, rita, await add_device(database, olivia))
    clock.advance(seconds=ttl.total_seconds())
    job_queue = application.job_queue
    assert job_queue is not None
    (job,) = job_queue.get_jobs_by_name(EXPIRY_SWEEP_JOB)
    job.job.modify(next_run_time=datetime.now(UTC) - timedelta(minutes=10, seconds=30))
    finished: asyncio.Future[JobEvent] = asyncio.get_running_loop().create_future()

    def first_outcome(event: JobEvent) -> None:
        if event.job_id == job.job.id and not finished.done():
            finished.set_result(event)

    job_queue.scheduler.add_listener(
        first_outcome, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
    )

    await job_queue.start()
    try:
        event = await asyncio.wait_for(finished, timeout=10)
    finally:
        await job_queue.stop()

    assert event.code == EVENT_JOB_EXECUTED
    assert [message.text for message in olivia.messages] == [
        f"⌛ Your invitation to Rita for {DEVICE_NAME} expired."
    ]
