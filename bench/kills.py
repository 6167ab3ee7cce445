"""SIGKILL while expiries are announced: `python -m bot` killed at seeded random moments and
started again, then what each side was told counted per invitation (issue 15, "nothing lost").

The scenario is the process test's (tests/process/faults.py): rounds of 50 invitations whose
prompts the bot sent and recorded; they expire, the bot is killed 1 to 3 times (between sends,
during a send the connection loses, during one Telegram takes after the bot died), started
again each time, and the last start tells everyone. Counted: invitations the owner, the
recipient (the prompt closed) or the installer group never heard of; messages that only
repeated what was told; and the most one invitation was told beyond once. Real processes and
a real HTTP stand-in for Telegram on loopback, so it takes about 20 s a round.
"""

import tempfile
from pathlib import Path

from tests.harness import FakeBotApi
from tests.process.bot_api_server import BotApiServer
from tests.process.faults import SEED, KillFigures, make_world, run_expiry_kills
from tests.process.running import TOKEN


def expiry_kills(*, rounds: int, invitations: int = 50, seed: int = SEED) -> KillFigures:
    """Blocking: run it in a thread (`asyncio.to_thread`)."""
    with (
        tempfile.TemporaryDirectory(prefix="camshare-kills-") as directory,
        BotApiServer(FakeBotApi(token=TOKEN)) as server,
    ):
        world = make_world(Path(directory), server)
        return run_expiry_kills(world, rounds=rounds, invitations=invitations, seed=seed)
