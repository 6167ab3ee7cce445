"""What the bot holds in memory for the people in the middle of a conversation: each owner at
the summary of /share keeps a draft (the device, the recipient, every channel's permissions) in
PTB's `user_data` until Finish or /cancel. Its size is measured with pympler's `asizeof`, which
follows every object the bot's `user_data` and `chat_data` reach; PTB's conversation state (a
key and a number per conversation) is left out. And the benchmark process's peak resident size,
which the scale part (a seeded database, a sweep of 100,000 rows) sets.
"""

import resource
import sys
from dataclasses import dataclass

from pympler.asizeof import asizeof

from bench.apps import AnyApplication, camshare_application, fixed_clock, running
from bench.interleave import TimedTelegram, interleave
from bench.workloads import SUMMARY_STEP, Sizes, share_journeys
from tests.harness import FakeBotApi, FakeRequest


@dataclass(frozen=True)
class OpenShares:
    conversations: int
    """Owners holding a complete draft at the summary, all at once."""
    held_bytes: int
    """What the bot's per-user and per-chat data grew by, all together."""

    @property
    def bytes_each(self) -> float:
        return self.held_bytes / self.conversations if self.conversations else 0.0


async def open_shares(database_url: str, sizes: Sizes) -> OpenShares:
    """`sizes.users` owners at the summary of /share at once, after `sizes.warmup` whole
    journeys, as in the timed parts: what the bot's data grew by."""
    api = FakeBotApi(clock=fixed_clock())
    application = camshare_application(database_url, FakeRequest(api))
    async with running(application):
        telegram = TimedTelegram(application, api)
        journeys = await share_journeys(application, telegram, sizes)
        await interleave(telegram, journeys[: sizes.warmup])
        before = _per_user_data(application)
        await interleave(telegram, [journey[:SUMMARY_STEP] for journey in journeys[sizes.warmup :]])
        held = _per_user_data(application) - before
    return OpenShares(conversations=sizes.users, held_bytes=held)


def _per_user_data(application: AnyApplication) -> int:
    return asizeof(application.user_data, application.chat_data)


def peak_resident_mb() -> float:
    """The process's largest resident size so far (Linux and macOS count it differently)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
