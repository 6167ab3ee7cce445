"""`python -m bot` end to end with a device: a recipient who holds Live View on one channel of a
connected NVR opens /received, taps the device and 📷 Live view, and gets that channel's
snapshot, fetched by the bot process from the simulated device over loopback."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from PIL import Image

from sharing.devices.secrets import PasswordSealer
from storage.database import Database
from storage.migrate import upgrade_to_head
from storage.models import Account, Permission
from tests.device_simulator import nvr
from tests.device_simulator.threaded import SimulatorThread
from tests.factories import connect_to, make_account, make_device, make_share
from tests.harness import ChatMessage, FakeBotApi, Person
from tests.process.bot_api_server import BotApiServer
from tests.process.running import TOKEN, bot_environment, running_bot

SECRET = "a-secret-key-for-the-process-test"
RITA = Person(id=2002, first_name="Rita", language_code="en")


def test_a_recipients_snapshot_arrives_end_to_end(tmp_path: Path, server: BotApiServer) -> None:
    environment = bot_environment(tmp_path, server, BOT_TOKEN=TOKEN, SECRET_KEY=SECRET)
    with SimulatorThread(nvr(channel_count=4)) as device:
        asyncio.run(_owner_shares_channel_two(environment["DATABASE_URL"], device))
        with running_bot(tmp_path, environment) as bot:
            bot.wait_for(server, lambda api: api.bot_commands(), "register its commands")
            server.send_text(RITA, "/received")
            bot.wait_for(server, _shows("🗄 Shop NVR · from Olivia"), "list the devices")
            server.tap(RITA, "🗄 Shop NVR · from Olivia")
            bot.wait_for(server, _shows("📷 Live view"), "open the device")
            server.tap(RITA, "📷 Live view")
            bot.wait_for(server, _shows("🔄 Refresh"), "send the snapshot")
            photo = _last(server.api)
            assert photo is not None
            assert photo.caption and photo.caption.startswith("📷 Shop NVR · 2. Camera 02")
            assert photo.photo is not None
            with Image.open(BytesIO(photo.photo.content)) as image:
                assert image.info["comment"] == b"channel 2"
        assert "Traceback" not in bot.log()
        assert device.credentials.password not in bot.log()


async def _owner_shares_channel_two(database_url: str, device: SimulatorThread) -> None:
    """Before the bot starts: Olivia's NVR, connected to the simulator, with channel 2 shared
    to Rita. Made through the domain's own functions; the bot process is what is tested."""
    await upgrade_to_head(database_url)
    database = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with database.write() as session:
            olivia = await make_account(session, 1001, first_name="Olivia")
            rita = Account(id=RITA.id, first_name="Rita", region="GB", created_at=now)
            session.add(rita)
            nvr_row = await make_device(session, olivia, channels=4, name="Shop NVR")
            nvr_row.serial = "K98765432"
            await session.flush()
            await make_share(session, nvr_row, rita, channels=[2], permissions=Permission.LIVE_VIEW)
        await connect_to(
            database,
            nvr_row,
            endpoint=device.endpoint,
            credentials=device.credentials,
            sealer=PasswordSealer(SECRET),
            now=now,
        )
    finally:
        await database.dispose()


def _last(api: FakeBotApi) -> ChatMessage | None:
    """The bot's latest message to Rita."""
    chat = api.chats.get(RITA.id)
    sent = [message for message in chat.messages.values() if message.from_bot] if chat else []
    return sent[-1] if sent else None


def _shows(label: str) -> Callable[[FakeBotApi], bool]:
    def shown(api: FakeBotApi) -> bool:
        last = _last(api)
        return last is not None and last.inline_button(label) is not None

    return shown
