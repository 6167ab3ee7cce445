"""Applications: someone who opened a device's QR code asks its owner for a share.

    pending --accept (owner)--> accepted, and the applicant's share is active at once
       +--reject (owner)--> rejected
       +--sweep, past expires_at--> expired

Same conventions as `sharing.shares.shares`: the caller's write session, `now` given, typed
refusals.
"""

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from operator import itemgetter

from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from sharing.errors import (
    ApplicationNotFound,
    ApplicationNotPending,
    InvitationExpired,
    NotDeviceOwner,
    ShareToSelf,
)
from sharing.paging import Page
from sharing.shares.checks import (
    check_firmware,
    check_same_region,
    load_account,
    lock_account,
    lock_device_with_owner,
)
from sharing.shares.expiry import DEFAULT_BATCH, SweepNames, claim_expired
from sharing.shares.saving import save_share
from sharing.shares.share_queries import device_ref, message_ref, person_view
from sharing.views import AcceptedApplication, ApplicationView, ExpiredApplication, MessageRef
from storage.models import Account, Application, ApplicationState, Device, Permission


async def apply_for_share(
    session: AsyncSession, *, applicant_id: int, device_id: int, ttl: timedelta, now: datetime
) -> tuple[ApplicationView, bool]:
    """Ask the device's owner for a share. Returns (application, is_new).

    Applying again while an application is pending returns that one (is_new False: the owner
    has been told already). One that ran out but is not swept yet is renewed as a new one.
    """
    device, owner = await lock_device_with_owner(session, device_id)
    if device.owner_id == applicant_id:
        raise ShareToSelf()
    check_same_region(owner, await load_account(session, applicant_id))
    check_firmware(device)
    application = await _pending_application(
        session, device_id=device_id, applicant_id=applicant_id
    )
    if application is None:
        return await _insert_application(
            session, device_id=device_id, applicant_id=applicant_id, ttl=ttl, now=now
        )
    if application.expires_at > now:
        return await _load(session, _id(application)), False
    application.created_at, application.expires_at = now, now + ttl
    application.prompt_chat_id = application.prompt_message_id = None
    application.reminded_at = None
    application.reminder_chat_id = application.reminder_message_id = None
    await session.flush()
    return await _load(session, _id(application)), True


async def accept_application(
    session: AsyncSession,
    *,
    owner_id: int,
    application_id: int,
    grants: Mapping[int, Permission],
    now: datetime,
) -> AcceptedApplication:
    """The owner accepts with `grants` (channel number -> permissions): the applicant's share
    is created active, or the live share they already have is edited and made active (R9).
    R3-R9 are checked exactly as for an invitation."""
    application = await session.get(Application, application_id)
    if application is None:
        raise ApplicationNotFound(application_id)
    device, owner = await lock_device_with_owner(session, application.device_id)
    _require_owner(application, device, owner_id)
    applicant = await lock_account(session, application.applicant_id)
    application = await _locked(session, application_id)
    _require_open(application, now=now)
    change = await save_share(
        session,
        device=device,
        owner=owner,
        recipient=applicant,
        grants=grants,
        now=now,
        pending_for=None,
    )
    return AcceptedApplication(
        application=await _decide(session, application, ApplicationState.ACCEPTED, now=now),
        change=change,
    )


async def reject_application(
    session: AsyncSession, *, owner_id: int, application_id: int, now: datetime
) -> ApplicationView:
    application = await _locked(session, application_id)
    device = await session.get(Device, application.device_id)
    assert device is not None, "an application goes with its device"
    _require_owner(application, device, owner_id)
    _require_open(application, now=now)
    return await _decide(session, application, ApplicationState.REJECTED, now=now)


async def set_application_prompt(
    session: AsyncSession, *, application_id: int, prompt: MessageRef | None
) -> None:
    """Remember where the owner's "new sharing application" message is."""
    application = await _locked(session, application_id)
    application.prompt_chat_id = prompt.chat_id if prompt else None
    application.prompt_message_id = prompt.message_id if prompt else None
    await session.flush()


REMINDER_INTERVAL = timedelta(hours=1)
"""The owner hears about one application at most this often when its applicant applies again."""


async def claim_reminder(session: AsyncSession, *, application_id: int, now: datetime) -> bool:
    """Whether to remind the owner of this pending application now; if so it is recorded, so
    that an applicant tapping Apply again and again makes one reminder an hour. The owner's
    first message counts as the first reminder."""
    application = await _locked(session, application_id)
    last = application.reminded_at or application.created_at
    if application.state != ApplicationState.PENDING or now - last < REMINDER_INTERVAL:
        return False
    application.reminded_at = now
    await session.flush()
    return True


async def set_application_reminder(
    session: AsyncSession, *, application_id: int, reminder: MessageRef
) -> None:
    """Remember where the latest reminder is (see `claim_reminder`)."""
    application = await _locked(session, application_id)
    application.reminder_chat_id = reminder.chat_id
    application.reminder_message_id = reminder.message_id
    await session.flush()


async def expire_due_applications(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int = DEFAULT_BATCH,
    names: SweepNames | None = None,
) -> tuple[ExpiredApplication, ...]:
    """As `shares.expire_due_invitations`: each expired application is returned once, by id,
    read in at most three statements."""
    names = SweepNames() if names is None else names
    rows = await claim_expired(
        session,
        Application,
        pending=ApplicationState.PENDING,
        expired=ApplicationState.EXPIRED,
        now=now,
        limit=limit,
        values={},
        returning=(
            "id",
            "device_id",
            "applicant_id",
            "expires_at",
            "prompt_chat_id",
            "prompt_message_id",
            "reminder_chat_id",
            "reminder_message_id",
        ),
    )
    rows = sorted(rows, key=itemgetter(0))
    devices = await names.devices(session, {row[1] for row in rows})
    applicants = await names.people(session, {row[2] for row in rows})
    return tuple(
        ExpiredApplication(
            id=application_id,
            device=devices[device_id],
            applicant=applicants[applicant_id],
            expires_at=expires_at,
            prompt=message_ref(chat_id, message_id),
            device_linked=device_linked,
            reminder=message_ref(reminder_chat_id, reminder_message_id),
        )
        for (
            application_id,
            device_id,
            applicant_id,
            expires_at,
            chat_id,
            message_id,
            reminder_chat_id,
            reminder_message_id,
            device_linked,
        ) in rows
    )


async def get_application(
    session: AsyncSession, *, application_id: int, account_id: int
) -> ApplicationView:
    """Seen by the device's owner or the applicant; to anyone else it does not exist."""
    application = await _load(session, application_id)
    if account_id not in (application.owner_id, application.applicant.id):
        raise ApplicationNotFound(application_id)
    return application


async def list_pending_applications(
    session: AsyncSession,
    *,
    owner_id: int,
    now: datetime,
    offset: int,
    limit: int,
    device_id: int | None = None,
) -> Page[ApplicationView]:
    """Applications waiting for the owner's decision, oldest first; those for one device if
    `device_id` is given."""
    conditions = _waiting_for(owner_id, now, device_id)
    rows = (
        _rows()
        .where(*conditions)
        .order_by(col(Application.created_at), col(Application.id))
        .offset(offset)
        .limit(limit)
    )
    return Page(
        items=await _views(session, rows),
        total=await count_pending_applications(
            session, owner_id=owner_id, now=now, device_id=device_id
        ),
        offset=offset,
        limit=limit,
    )


async def count_pending_applications(
    session: AsyncSession, *, owner_id: int, now: datetime, device_id: int | None = None
) -> int:
    total = (
        select(func.count())
        .select_from(Application)
        .join(Device, col(Device.id) == Application.device_id)
        .where(*_waiting_for(owner_id, now, device_id))
    )
    return (await session.exec(total)).one()


def _waiting_for(
    owner_id: int, now: datetime, device_id: int | None
) -> list[ColumnElement[bool] | bool]:
    conditions: list[ColumnElement[bool] | bool] = [
        Device.owner_id == owner_id,
        Application.state == ApplicationState.PENDING,
        col(Application.expires_at) > now,
    ]
    if device_id is not None:
        conditions.append(Application.device_id == device_id)
    return conditions


async def _pending_application(
    session: AsyncSession, *, device_id: int, applicant_id: int
) -> Application | None:
    statement = (
        select(Application)
        .where(
            Application.device_id == device_id,
            Application.applicant_id == applicant_id,
            Application.state == ApplicationState.PENDING,
        )
        .with_for_update()
    )
    return (await session.exec(statement)).one_or_none()


async def _insert_application(
    session: AsyncSession, *, device_id: int, applicant_id: int, ttl: timedelta, now: datetime
) -> tuple[ApplicationView, bool]:
    """The device lock makes the unique index unreachable from here; should another writer ever
    race past it, theirs is the pending application, returned as to any second applicant."""
    application = Application(
        device_id=device_id,
        applicant_id=applicant_id,
        state=ApplicationState.PENDING,
        created_at=now,
        expires_at=now + ttl,
    )
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError:
        existing = await _pending_application(
            session, device_id=device_id, applicant_id=applicant_id
        )
        assert existing is not None, "the unique index refused us for this one"
        return await _load(session, _id(existing)), False
    return await _load(session, _id(application)), True


def _require_owner(application: Application, device: Device, account_id: int) -> None:
    """R2; the applicant may know the application exists, anyone else may not."""
    if device.owner_id == account_id:
        return
    if application.applicant_id == account_id:
        raise NotDeviceOwner(application.device_id)
    raise ApplicationNotFound(_id(application))


def _require_open(application: Application, *, now: datetime) -> None:
    if application.state == ApplicationState.EXPIRED or (
        application.state == ApplicationState.PENDING and application.expires_at <= now
    ):
        raise InvitationExpired(application.expires_at)
    if application.state != ApplicationState.PENDING:
        raise ApplicationNotPending(_id(application), application.state)


async def _decide(
    session: AsyncSession, application: Application, state: ApplicationState, *, now: datetime
) -> ApplicationView:
    application.state = state
    application.decided_at = now
    await session.flush()
    return await _load(session, _id(application))


async def _locked(session: AsyncSession, application_id: int) -> Application:
    application = await session.get(
        Application, application_id, with_for_update=True, populate_existing=True
    )
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


async def _load(session: AsyncSession, application_id: int) -> ApplicationView:
    views = await _views(session, _rows().where(Application.id == application_id))
    if not views:
        raise ApplicationNotFound(application_id)
    return views[0]


def _rows() -> Select[Application, Device, Account]:
    return (
        select(Application, Device, Account)
        .join(Device, col(Device.id) == Application.device_id)
        .join(Account, col(Account.id) == Application.applicant_id)
    )


async def _views(
    session: AsyncSession, statement: Select[Application, Device, Account]
) -> tuple[ApplicationView, ...]:
    rows: Collection[tuple[Application, Device, Account]] = (
        await session.exec(statement.execution_options(populate_existing=True))
    ).all()
    return tuple(
        ApplicationView(
            id=_id(application),
            state=application.state,
            device=device_ref(device),
            owner_id=device.owner_id,
            applicant=person_view(applicant),
            created_at=application.created_at,
            expires_at=application.expires_at,
            decided_at=application.decided_at,
            prompt=message_ref(application.prompt_chat_id, application.prompt_message_id),
            reminder=message_ref(application.reminder_chat_id, application.reminder_message_id),
        )
        for application, device, applicant in rows
    )


def _id(application: Application) -> int:
    assert application.id is not None, "a stored application has an id"
    return application.id
