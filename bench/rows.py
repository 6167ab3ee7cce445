"""Rows as the tables store them, for bulk inserts: the values `storage.models` would write.

`World` hands out ids and keeps the rows of a small cast until `insert` sends them, table by
table in foreign-key order; the scale seed streams its big tables instead (bench.seed).
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy.ext.asyncio import AsyncConnection

from bench.apps import BENCH_NOW
from bench.bulk import Row, advance_sequences, insert_rows
from storage.models import (
    ALL_PERMISSIONS,
    AddressKind,
    DeviceType,
    ShareState,
)

TABLE_ORDER = ("account", "device", "channel", "share", "grant")
FIRMWARE = "V5.7.3 build 220112"
"""New enough for every device type (R6)."""


def account_row(
    account_id: int,
    first_name: str,
    *,
    region: str = "GB",
    phone: str | None = None,
    username: str | None = None,
) -> Row:
    return {
        "id": account_id,
        "first_name": first_name,
        "last_name": None,
        "username": username,
        "language_code": "en",
        "region": region,
        "phone": phone,
        "email": None,
        "unreachable_since": None,
        "created_at": BENCH_NOW - timedelta(days=30),
    }


def device_row(
    device_id: int, owner_id: int, *, name: str, device_type: DeviceType, serial: str
) -> Row:
    return {
        "id": device_id,
        "serial": serial,
        "verification_code": "ABCDEF",
        "name": name,
        "type": device_type,
        "firmware_version": FIRMWARE,
        "owner_id": owner_id,
        "created_at": BENCH_NOW - timedelta(days=20),
    }


def channel_row(channel_id: int, device_id: int, number: int) -> Row:
    return {
        "id": channel_id,
        "device_id": device_id,
        "number": number,
        "name": f"Camera {number:02d}",
    }


def share_row(
    share_id: int,
    *,
    device_id: int,
    owner_id: int,
    recipient_id: int | None,
    state: ShareState,
    address: tuple[AddressKind, str] | None = None,
    expires_at: datetime | None = None,
    created_at: datetime = BENCH_NOW - timedelta(days=1),
    prompt: tuple[int, int] | None = None,
) -> Row:
    return {
        "id": share_id,
        "device_id": device_id,
        "owner_id": owner_id,
        "recipient_id": recipient_id,
        "address_kind": address[0] if address else None,
        "address": address[1] if address else None,
        "state": state,
        "version": 1,
        "alias": None,
        "created_at": created_at,
        "updated_at": created_at,
        "expires_at": expires_at,
        "accepted_at": created_at if state == ShareState.ACTIVE else None,
        "ended_at": None,
        "prompt_chat_id": prompt[0] if prompt else None,
        "prompt_message_id": prompt[1] if prompt else None,
    }


def grant_row(share_id: int, channel_id: int) -> Row:
    return {"share_id": share_id, "channel_id": channel_id, "permissions": int(ALL_PERMISSIONS)}


@dataclass
class World:
    """A small cast of rows with the ids it chose; `insert` writes them all."""

    rows: defaultdict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    channel_ids: dict[int, list[int]] = field(default_factory=dict)
    """Each device's channel ids, channel 1 first."""
    _device_ids: Iterator[int] = field(default_factory=lambda: count(1))
    _channel_ids: Iterator[int] = field(default_factory=lambda: count(1))
    _share_ids: Iterator[int] = field(default_factory=lambda: count(1))
    _serials: Iterator[int] = field(default_factory=lambda: count(1))

    def account(self, account_id: int, first_name: str, *, phone: str | None = None) -> int:
        self.rows["account"].append(account_row(account_id, first_name, phone=phone))
        return account_id

    def device(
        self, owner_id: int, *, name: str, channels: int, device_type: DeviceType = DeviceType.NVR
    ) -> int:
        device_id = next(self._device_ids)
        serial = f"BENCH{next(self._serials):08d}"
        self.rows["device"].append(
            device_row(device_id, owner_id, name=name, device_type=device_type, serial=serial)
        )
        ids = [next(self._channel_ids) for _ in range(channels)]
        self.rows["channel"].extend(
            channel_row(channel_id, device_id, number)
            for number, channel_id in enumerate(ids, start=1)
        )
        self.channel_ids[device_id] = ids
        return device_id

    def share(
        self,
        device_id: int,
        owner_id: int,
        recipient_id: int | None,
        *,
        state: ShareState = ShareState.ACTIVE,
        channels: Sequence[int] | None = None,
        expires_at: datetime | None = None,
        prompt: tuple[int, int] | None = None,
    ) -> int:
        """A share of `channels` (numbers; all of them by default), every permission on each."""
        share_id = next(self._share_ids)
        self.rows["share"].append(
            share_row(
                share_id,
                device_id=device_id,
                owner_id=owner_id,
                recipient_id=recipient_id,
                state=state,
                expires_at=expires_at,
                prompt=prompt,
            )
        )
        ids = self.channel_ids[device_id]
        numbers = channels if channels is not None else range(1, len(ids) + 1)
        self.rows["grant"].extend(grant_row(share_id, ids[number - 1]) for number in numbers)
        return share_id

    async def insert(self, connection: AsyncConnection) -> None:
        for name in TABLE_ORDER:
            await insert_rows(connection, name, self.rows.pop(name, []))
        await advance_sequences(connection)
