"""Nothing lost: `python -m bot` SIGKILLed at random moments while it announces expiries, and at
Finish, then started again; every message owed arrives, at most one repeated per kill
(the scenario and its counts: tests/process/faults.py).
"""

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.factories import make_account
from tests.harness import ChatMessage, FakeBotApi, Person
from tests.harness.state import ChatState
from tests.process.bot_api_server import BotApiServer
from tests.process.faults import DEVICE, OLIVIA, World, make_world, run_expiry_kills, settled
from tests.process.running import TIMEOUT, RunningBot

pytestmark = pytest.mark.process


@pytest.fixture
def world(tmp_path: Path, server: BotApiServer) -> World:
    return make_world(tmp_path, server)


def test_expiries_announced_through_random_kills_are_all_told_once_or_once_more(
    world: World,
) -> None:
    figures = run_expiry_kills(world)
    print(f"\n{figures}")
    assert figures.kills >= figures.rounds
    for side, (lost, repeated, most) in figures.by_side.items():
        assert lost == 0, side
        assert repeated <= figures.kills, side
        assert most <= figures.most_kills_in_a_round, side


# --- Finish --------------------------------------------------------------------------------------


FINISH_POINTS = [
    "answerCallbackQuery",
    "sendMessage",
    "landed",
    "editMessageText",
    "answerCallbackQuery",
    "landed",
]
"""Where /share's Finish is killed: its commit done, its reply not yet answered; the prompt on
its way to Telegram (lost with the connection); the prompt just taken by Telegram; the prompt
sent and the owner's screen on its way."""


def test_a_bot_killed_at_finish_still_delivers_the_prompt_and_tells_the_owner(
    world: World,
) -> None:
    recipients = [
        Person(id=2000 + n, first_name=f"Rita {n}", username=f"rita_cam{n}")
        for n in range(len(FINISH_POINTS))
    ]
    asyncio.run(_seed_recipients(world, recipients))
    prompts_seen = {
        rita.id: _finish_point(world, point, rita, then=then)
        for then, (point, rita) in enumerate(zip(FINISH_POINTS, recipients, strict=True))
    }
    print(f"\nkills at Finish {world.kills}; prompts per recipient {prompts_seen}")
    assert all(1 <= count <= 2 for count in prompts_seen.values())


def _finish_point(world: World, point: str, rita: Person, *, then: int) -> int:
    """/share to `rita`, killed at Finish at `point`; the bot started again delivers the prompt,
    then (by `then`) Rita accepts and Olivia hears it (the bot killed as it tells her, every
    other time), or Olivia cancels and the prompt closes. Returns how many prompts Rita got."""
    api, server = world.api, world.server
    with world.bot() as bot:
        _share_until_save(world, bot, rita)
        before = len(_bot_messages(api, rita.id))
        if point == "landed":
            _tap(world, "✅ Finish")
            bot.wait_for(server, lambda a: len(_bot_messages(a, rita.id)) > before, "send")
            world.kill(bot)
        else:
            hold = server.hold(point)
            _tap(world, "✅ Finish")
            assert hold.parked.wait(TIMEOUT), bot.log()
            world.kill(bot)
            server.release(point, lost=True)
    with world.bot() as bot:
        bot.wait_for(server, lambda a: _prompt_of(world, a, rita) is not None, "send the prompt")
        prompt = _prompt_of(world, api, rita)
        assert prompt is not None
        if then % 2 == 0:
            _accept_and_hear(world, bot, rita, prompt, kill_first=then % 4 == 0)
        else:
            _cancel_and_see_closed(world, bot, rita, prompt)
        world.stop(bot)
    assert "Traceback" not in bot.log(), bot.log()
    return sum(
        1
        for call in api.calls
        if call.method == "sendMessage"
        and call.error is None
        and int(call.params["chat_id"]) == rita.id
        and "wants to share" in call.params.get("text", "")
    )


async def _seed_recipients(world: World, people: list[Person]) -> None:
    database = world.database()
    try:
        async with database.write() as session:
            for person in people:
                world.api.private_chat(person)
                await make_account(
                    session, person.id, first_name=person.first_name, username=person.username
                )
    finally:
        await database.dispose()


def _bot_messages(api: FakeBotApi, chat_id: int) -> list[ChatMessage]:
    chat: ChatState | None = api.chats.get(chat_id)
    return [m for m in chat.messages.values() if m.from_bot] if chat else []


def _showing(label: str) -> Callable[[FakeBotApi], bool]:
    """Olivia's latest message from the bot (the wizard's screen) shows `label`, and the bot
    took every update."""

    def shown(api: FakeBotApi) -> bool:
        messages = _bot_messages(api, OLIVIA.id)
        return not api.updates and bool(messages) and _label(messages[-1], label) is not None

    return shown


def _label(message: ChatMessage, prefix: str) -> str | None:
    """The label of the message's first button that starts with `prefix`."""
    for row in message.buttons or []:
        for label in row:
            if label.startswith(prefix):
                return label
    return None


def _tap(world: World, prefix: str) -> None:
    """Olivia taps the button starting with `prefix` on her latest message from the bot."""
    message = _bot_messages(world.api, OLIVIA.id)[-1]
    label = _label(message, prefix)
    assert label is not None, message.buttons
    world.server.tap(OLIVIA, label, message=message)


def _share_until_save(world: World, bot: RunningBot, rita: Person) -> None:
    """/share, Shop NVR, @rita, Permissions, Save: the summary with Finish."""
    server = world.server
    server.send_text(OLIVIA, "/share")
    bot.wait_for(server, _showing(f"🗄 {DEVICE}"), "offer the device")
    _tap(world, f"🗄 {DEVICE}")
    bot.wait_for(server, lambda api: not _showing(f"🗄 {DEVICE}")(api), "ask for the recipient")
    server.send_text(OLIVIA, f"@{rita.username}")
    bot.wait_for(server, _showing("Permissions ›"), "show the channels")
    _tap(world, "Permissions ›")
    bot.wait_for(server, _showing("💾 Save"), "show the permissions")
    _tap(world, "💾 Save")
    bot.wait_for(server, _showing("✅ Finish"), "show the summary")


def _prompt_of(world: World, api: FakeBotApi, rita: Person) -> ChatMessage | None:
    """Rita's prompt as recorded: the message the share names, once marked sent."""
    rows = world.read(
        "SELECT prompt_message_id FROM share WHERE recipient_id = ? AND prompt_message_id"
        " IS NOT NULL",
        rita.id,
    )
    if not rows or not settled(world):
        return None
    chat = api.chats.get(rita.id)
    return chat.messages.get(int(rows[0][0])) if chat else None  # type: ignore[call-overload]


def _accept_and_hear(
    world: World, bot: RunningBot, rita: Person, prompt: ChatMessage, *, kill_first: bool
) -> None:
    """Rita accepts; Olivia hears it, even when the bot dies as it tells her."""
    server = world.server
    heard = f"✅ {rita.first_name} accepted your share of {DEVICE}."

    def told(api: FakeBotApi) -> bool:
        return any(m.text == heard for m in _bot_messages(api, OLIVIA.id)) and settled(world)

    if kill_first:
        hold = server.hold("sendMessage")
        server.tap(rita, "✅ Accept", message=prompt)
        assert hold.parked.wait(TIMEOUT), bot.log()
        world.kill(bot)
        server.release("sendMessage", lost=True)
        with world.bot() as again:
            again.wait_for(server, told, "tell the owner after the kill")
            world.stop(again)
        return
    server.tap(rita, "✅ Accept", message=prompt)
    bot.wait_for(server, told, "tell the owner")


def _cancel_and_see_closed(
    world: World, bot: RunningBot, rita: Person, prompt: ChatMessage
) -> None:
    """Olivia cancels from /shared: the recorded prompt closes."""
    server = world.server
    server.send_text(OLIVIA, "/shared")
    bot.wait_for(server, _showing(f"🗄 {DEVICE}"), "list the shared device")
    _tap(world, f"🗄 {DEVICE}")
    bot.wait_for(server, _showing(f"{rita.first_name} · ⏳"), "list the invitation")
    _tap(world, f"{rita.first_name} · ⏳")
    bot.wait_for(server, _showing("✖️ Cancel invitation"), "open the invitation")
    _tap(world, "✖️ Cancel invitation")
    bot.wait_for(server, _showing("✖️ Yes, cancel it"), "ask to confirm")
    _tap(world, "✖️ Yes, cancel it")
    bot.wait_for(
        server,
        lambda _: (prompt.text or "").startswith("✖️ Olivia cancelled the invitation"),
        "close the prompt",
    )
