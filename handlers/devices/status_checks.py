"""The status job's work: ask every connected device, due for it, whether it answers; record
what it said; tell its owner and its installer groups when it has been away longer than the
grace period, and again when it is back (each way once: `sharing.devices.status`).

A run asks at most `CHECKS_PER_RUN` devices, those asked longest ago first, and at most
`DEVICE_CHECK_CONCURRENCY` at a time, each bounded by the driver's timeout: hundreds of devices
cost a few runs, never a pile-up. A device's group line is queued in the transaction that
records its status, as every group line is.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime

from handlers.common.context import CamShareContext
from handlers.common.owed import Delivery, MessageKind, Send, owe, renders, send_owed
from handlers.devices.group_news import queue_for_groups
from handlers.groups import lines as group_lines
from languages import _
from sharing.devices import status
from sharing.devices.connections import DeviceTarget
from sharing.people.person_outbox import Payload
from storage.models import DeviceStatus
from wording.formatting import device_status_label, escape, format_moment

CHECKS_PER_RUN = 500


async def check_devices(context: CamShareContext) -> None:
    services = context.services
    devices = services.devices
    async with services.database.read() as session:
        targets = await status.connections_due(
            session,
            now=services.clock(),
            every=devices.check_every,
            limit=CHECKS_PER_RUN,
            sealer=devices.sealer,
        )
    at_once = asyncio.Semaphore(devices.check_concurrency)

    async def check(target: DeviceTarget) -> None:
        async with at_once:
            result = await devices.pool.check(target)
        await _record(context, target, result)

    await asyncio.gather(*(check(target) for target in targets))


async def _record(
    context: CamShareContext, target: DeviceTarget, result: status.CheckResult
) -> None:
    services = context.services
    now = services.clock()
    async with services.database.write() as session:
        notice = await status.record_check(
            session,
            device_id=target.device_id,
            result=result,
            now=now,
            grace=services.devices.offline_grace,
            connected_at=target.connected_at,
        )
        if notice is None:
            return
        told = notice
        await queue_for_groups(
            session, group_ids=told.group_ids, line=lambda: _group_line(told), now=now
        )
        payload = {
            "device": notice.device_name,
            "status": notice.status,
            "since": notice.away_since.isoformat(),
        }
        owed = await owe(context, session, notice.owner_id, MessageKind.DEVICE_STATUS, payload)
    await send_owed(context, [owed])


@renders(MessageKind.DEVICE_STATUS)
async def _device_status(context: CamShareContext, payload: Payload) -> Sequence[Delivery]:
    status_ = DeviceStatus(payload["status"])
    since = datetime.fromisoformat(payload["since"])
    return (Send(_owner_text(payload["device"], status_, since)),)


def _group_line(notice: status.StatusNotice) -> str:
    if notice.status == DeviceStatus.ONLINE:
        return group_lines.device_back(device_name=notice.device_name, away_since=notice.away_since)
    return group_lines.device_away(
        device_name=notice.device_name, status=notice.status, since=notice.away_since
    )


def _owner_text(device_name: str, status_: DeviceStatus, away_since: datetime) -> str:
    """In the owner's language: made inside `speaking_to` them."""
    name = escape(device_name)
    since = format_moment(away_since)
    if status_ == DeviceStatus.ONLINE:
        return _("🟢 <b>{device}</b> is back online. It was away since {moment}.").format(
            device=name, moment=since
        )
    if status_ == DeviceStatus.WRONG_PASSWORD:
        away = _(
            "{status}: <b>{device}</b> has not answered as itself since {moment}. Open its card"
            " in /devices to connect it again with the right password."
        )
    else:
        away = _("{status}: <b>{device}</b> has not answered as itself since {moment}.")
    return away.format(status=device_status_label(status_), device=name, moment=since)
