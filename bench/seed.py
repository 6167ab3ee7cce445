"""The sizes installers reach, seeded with bulk inserts: `python -m bench.seed`.

At `--scale 1`:
- 128 installers, each with a 128-channel NVR shared, every channel, to 64 recipients:
  8,192 active shares and 1,048,576 grants;
- those recipients (82 of them) each hold shares from about 100 owners, the most R5 allows;
- one fleet owner with 1,000 devices, and 8,872 more devices with owners of five each, one in
  five a 16-channel NVR, the rest cameras: 10,000 devices and about 56,000 channels in all;
- 100,000 pending invitations to email addresses nobody has proved yet, spread over the small
  owners' devices, open at BENCH_NOW (when the list queries are timed) and all run out by
  SWEEP_AT (when the sweep is timed).

Every count but the 128 channels and 64 recipients per NVR scales with `--scale`, so a quick
run (`--scale 0.01`) has the same shapes, smaller. Ids are chosen here (bench.bulk), so the rows
stream into executemany in chunks and nothing comes back from the database.

    python -m bench.seed --url sqlite+aiosqlite:///./data/bench.db --scale 0.1

migrates the database to head first; the database should be empty.
"""

import argparse
import asyncio
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from time import perf_counter

from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bench.apps import BENCH_NOW
from bench.bulk import Row, advance_sequences, insert_rows
from bench.rows import account_row, channel_row, device_row, grant_row, share_row
from storage.migrate import upgrade_to_head
from storage.models import AddressKind, DeviceType, ShareState

NVR_CHANNELS = 128
RECIPIENTS_PER_NVR = 64
OWNERS_PER_RECIPIENT = 100
SMALL_OWNER_DEVICES = 5
SMALL_NVR_CHANNELS = 16

SWEEP_AT = BENCH_NOW + timedelta(days=4)
"""Every seeded invitation has run out by then."""

FLEET_OWNER_ID = 900_000_001
_NVR_OWNER_IDS = 910_000_000
_RECIPIENT_IDS = 920_000_000
_SMALL_OWNER_IDS = 930_000_000


@dataclass(frozen=True)
class ScalePlan:
    """How many of everything, at a scale factor of the sizes in the module's docstring."""

    scale: float
    nvr_owners: int
    fleet_devices: int
    small_devices: int
    invitations: int

    @classmethod
    def at(cls, scale: float) -> "ScalePlan":
        if scale <= 0:
            raise ValueError("the scale must be positive")
        nvr_owners = max(round(128 * scale), 1)
        fleet_devices = max(round(1_000 * scale), 1)
        small_devices = max(round(10_000 * scale) - nvr_owners - fleet_devices, 1)
        return cls(
            scale=scale,
            nvr_owners=nvr_owners,
            fleet_devices=fleet_devices,
            small_devices=small_devices,
            invitations=max(round(100_000 * scale), 1),
        )

    @property
    def recipients(self) -> int:
        """Enough that no recipient holds shares from more than 100 owners (R5), and at least
        the 64 one NVR is shared to."""
        needed = math.ceil(self.nvr_owners * RECIPIENTS_PER_NVR / OWNERS_PER_RECIPIENT)
        return max(RECIPIENTS_PER_NVR, needed)

    @property
    def small_owners(self) -> int:
        return math.ceil(self.small_devices / SMALL_OWNER_DEVICES)

    @property
    def devices(self) -> int:
        return self.nvr_owners + self.fleet_devices + self.small_devices


@dataclass(frozen=True)
class Landmarks:
    """Who and what the timed queries ask about: the largest of each kind."""

    fleet_owner_id: int
    """Owns `fleet_devices` devices: /devices pages through them."""
    nvr_owner_id: int
    nvr_device_id: int
    """A 128-channel NVR shared to 64 recipients: its card, and its screen in /shared."""
    busiest_recipient_id: int
    """Holds shares from the most owners: /received."""
    inviting_owner_id: int
    """A small owner whose devices have pending invitations: /shared with pending counts."""
    rows: dict[str, int] = field(default_factory=dict)
    """Rows inserted, per table."""


@dataclass
class _Devices:
    """The devices as they are generated: owner, type and channel ids, by device id."""

    owner: dict[int, int] = field(default_factory=dict)
    first_channel: dict[int, int] = field(default_factory=dict)
    channels: dict[int, int] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    next_channel_id: int = 1

    def add(self, owner_id: int, name: str, device_type: DeviceType, channels: int) -> int:
        device_id = len(self.rows) + 1
        self.rows.append(
            device_row(
                device_id,
                owner_id,
                name=name,
                device_type=device_type,
                serial=f"SEED{device_id:010d}",
            )
        )
        self.owner[device_id] = owner_id
        self.first_channel[device_id] = self.next_channel_id
        self.channels[device_id] = channels
        self.next_channel_id += channels
        return device_id

    def channel_rows(self) -> Iterator[Row]:
        for device_id, first in self.first_channel.items():
            for number in range(1, self.channels[device_id] + 1):
                yield channel_row(first + number - 1, device_id, number)

    def channel_ids(self, device_id: int) -> range:
        first = self.first_channel[device_id]
        return range(first, first + self.channels[device_id])


def _small_device(index: int) -> tuple[DeviceType, int]:
    return (DeviceType.NVR, SMALL_NVR_CHANNELS) if index % 5 == 0 else (DeviceType.CAMERA, 1)


def _build_devices(plan: ScalePlan) -> _Devices:
    devices = _Devices()
    for owner in range(plan.nvr_owners):
        devices.add(
            _NVR_OWNER_IDS + owner, f"Warehouse NVR {owner:03d}", DeviceType.NVR, NVR_CHANNELS
        )
    for index in range(plan.fleet_devices):
        device_type, channels = _small_device(index)
        devices.add(FLEET_OWNER_ID, f"Site {index:04d} {device_type}", device_type, channels)
    for index in range(plan.small_devices):
        device_type, channels = _small_device(index)
        owner_id = _SMALL_OWNER_IDS + index // SMALL_OWNER_DEVICES
        devices.add(owner_id, f"Home {device_type} {index % 5}", device_type, channels)
    return devices


def _account_rows(plan: ScalePlan) -> Iterator[Row]:
    yield account_row(FLEET_OWNER_ID, "Fleet")
    for owner in range(plan.nvr_owners):
        yield account_row(_NVR_OWNER_IDS + owner, f"Installer {owner}")
    for recipient in range(plan.recipients):
        yield account_row(_RECIPIENT_IDS + recipient, f"Guard {recipient}")
    for owner in range(plan.small_owners):
        yield account_row(_SMALL_OWNER_IDS + owner, f"Homeowner {owner}")


def _nvr_recipient(plan: ScalePlan, owner: int, slot: int) -> int:
    """Spread each NVR's 64 shares over the recipients, 64 different ones per NVR."""
    return _RECIPIENT_IDS + (owner * RECIPIENTS_PER_NVR + slot) % plan.recipients


def _share_and_grant_rows(
    plan: ScalePlan, devices: _Devices
) -> tuple[Iterator[Row], Iterator[Row]]:
    """Two streams over the same shares: the share rows, then their grants."""
    accepted = BENCH_NOW - timedelta(days=10)
    first_small_device = plan.nvr_owners + plan.fleet_devices + 1

    def nvr_shares() -> Iterator[tuple[Row, range]]:
        share_id = 0
        for owner in range(plan.nvr_owners):
            device_id = owner + 1
            for slot in range(RECIPIENTS_PER_NVR):
                share_id += 1
                row = share_row(
                    share_id,
                    device_id=device_id,
                    owner_id=devices.owner[device_id],
                    recipient_id=_nvr_recipient(plan, owner, slot),
                    state=ShareState.ACTIVE,
                    created_at=accepted,
                )
                yield row, devices.channel_ids(device_id)
        for index in range(plan.invitations):
            share_id += 1
            device_id = first_small_device + index % plan.small_devices
            expires_at = BENCH_NOW + timedelta(days=1, seconds=index)
            row = share_row(
                share_id,
                device_id=device_id,
                owner_id=devices.owner[device_id],
                recipient_id=None,
                state=ShareState.PENDING,
                address=(AddressKind.EMAIL, f"invitee{index}@example.com"),
                expires_at=expires_at,
                created_at=expires_at - timedelta(days=3),
            )
            yield row, devices.channel_ids(device_id)[:1]

    shares = (row for row, _ in nvr_shares())
    grants = (
        grant_row(row["id"], channel_id)
        for row, channel_ids in nvr_shares()
        for channel_id in channel_ids
    )
    return shares, grants


async def seed(connection: AsyncConnection, plan: ScalePlan) -> Landmarks:
    """Insert the world of `plan` in the connection's transaction; the tables must be empty."""
    devices = _build_devices(plan)
    shares, grants = _share_and_grant_rows(plan, devices)
    rows = {
        "account": await insert_rows(connection, "account", _account_rows(plan)),
        "device": await insert_rows(connection, "device", devices.rows),
        "channel": await insert_rows(connection, "channel", devices.channel_rows()),
        "share": await insert_rows(connection, "share", shares),
        "grant": await insert_rows(connection, "grant", grants),
    }
    await advance_sequences(connection)
    return Landmarks(
        fleet_owner_id=FLEET_OWNER_ID,
        nvr_owner_id=_NVR_OWNER_IDS,
        nvr_device_id=1,
        busiest_recipient_id=_RECIPIENT_IDS,
        inviting_owner_id=_SMALL_OWNER_IDS,
        rows=rows,
    )


async def seed_database(url: str, plan: ScalePlan) -> Landmarks:
    """Migrate the database at `url` to head, then seed it in one transaction."""
    await upgrade_to_head(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            landmarks = await seed(connection, plan)
        if engine.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum gathers them soon after a load this size. SQLite
            # gets none: the bot never runs ANALYZE, so its planner works without them.
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return landmarks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", required=True, help="SQLAlchemy async URL of an empty database")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the sizes above (default)")
    options = parser.parse_args(argv)
    plan = ScalePlan.at(options.scale)
    started = perf_counter()
    landmarks = asyncio.run(seed_database(options.url, plan))
    seconds = perf_counter() - started
    counts = ", ".join(f"{count:,} {table}s" for table, count in landmarks.rows.items())
    print(f"seeded {counts} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
