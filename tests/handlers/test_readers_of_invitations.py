"""An invitation is read in its reader's language, whoever caused it (issue 16): a recipient who
reads Russian gets a Russian prompt from an English-speaking owner, answers in Russian, and the
owner hears of the answer in English; the expiry sweep, which has no update, speaks to each side
in theirs. Checked with pseudo-translations (tests.pseudo_language), so it holds before any
catalog is written."""

import pytest

from handlers.common.context import CamShareContext
from handlers.manage.expiry import sweep_expired
from storage.database import Database
from tests.clock import FakeClock
from tests.handlers.journeys import RITA_PHONE, share_everything
from tests.handlers.speakers import speak
from tests.harness.users import AnyApplication, TelegramUser
from tests.pseudo_language import marked

pytestmark = pytest.mark.usefixtures("pseudo_language")


async def test_a_russian_reader_gets_the_invitation_of_an_english_owner_in_russian(
    database: Database, olivia: TelegramUser, rita: TelegramUser
) -> None:
    await speak(rita, "ru")

    await share_everything(olivia, RITA_PHONE)

    assert not olivia.last_message.text.startswith("[")
    prompt = rita.last_message
    assert prompt.text.startswith(
        marked("ru", "📨 Olivia wants to share Shop NVR with you (4 channels):")
    )
    assert prompt.buttons == [[marked("ru", "✅ Accept"), marked("ru", "❌ Decline")]]

    answer = await rita.tap(marked("ru", "✅ Accept"))

    assert answer.text == marked("ru", "Accepted")
    assert prompt.text.startswith(marked("ru", "✅ You accepted Shop NVR from Olivia:"))
    assert olivia.last_message.text == "✅ Rita accepted your share of Shop NVR."


async def test_the_expiry_sweep_tells_each_side_in_their_language(
    database: Database,
    clock: FakeClock,
    application: AnyApplication,
    olivia: TelegramUser,
    rita: TelegramUser,
) -> None:
    await share_everything(olivia, RITA_PHONE)
    prompt = rita.last_message
    assert prompt.text.startswith("📨 Olivia wants to share Shop NVR with you (4 channels):")
    await speak(olivia, "ru")
    context = CamShareContext(application)

    clock.advance(seconds=context.services.invite_ttl.total_seconds())
    assert await sweep_expired(context) == 1

    assert prompt.text.startswith("⌛ Olivia's invitation to Shop NVR expired on ")
    invitation = marked("ru", "Rita for Shop NVR")
    assert olivia.last_message.text == marked("ru", f"⌛ Your invitation to {invitation} expired.")
