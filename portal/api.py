"""The JSON API under /api/: one endpoint per thing a page shows or changes.

Every endpoint runs as the account Telegram signed the request for (`portal.auth`), in that
account's language, and calls the same `sharing` functions as the chat: the rules are checked
there, and a refusal comes back as JSON that names it (`error`, the rule's `rule`, the `field`
the page shows it beside, and the chat's own words in `message`). An id that is not the
caller's is refused as the chat refuses it: as if it did not exist (404).
"""

import base64
import io
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

import qrcode
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from qrcode.constants import ERROR_CORRECT_M
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from languages import _, format_moment, language_for, ngettext, speaking
from portal.auth import InitDataRefused, TelegramUser, verify_init_data
from portal.services import PortalServices
from portal.texts import page_texts
from portal.wording import device_status_line, plain, refusal, share_state_label
from sharing import errors
from sharing.applications import link_tokens
from sharing.devices import devices
from sharing.devices.status import seen_statuses
from sharing.groups import group_outbox
from sharing.people import accounts
from sharing.people.accounts import AccountView
from sharing.people.person_outbox import Owed
from sharing.people.recipients import parse_recipient
from sharing.rules import required_permissions
from sharing.shares import preview, share_queries, shares
from sharing.views import Address, GrantView, ListedShare, ShareChange, ShareView
from storage.models import LIVE_SHARE_STATES, Permission, ShareState
from wording.formatting import (
    PERMISSION_LABELS,
    device_type_label,
    permission_label,
    recipient_label,
    region_label,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""A 256-channel table with every permission is about 20 KB of JSON."""
LIST_LIMIT = 100
"""Items a list endpoint returns at most; `offset` pages through more."""

PERMISSION_NAMES = {permission: str(permission.name).lower() for permission in PERMISSION_LABELS}
PermissionName = Literal["live_view", "playback", "alarm", "two_way_audio", "ptz"]
ChannelNumber = Annotated[int, Field(ge=1, le=256)]


# --- requests -------------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrantsBody(_Body):
    grants: dict[ChannelNumber, list[PermissionName]] = Field(max_length=256)
    """Channel number -> its permissions; a channel left out is not shared."""

    def permissions(self) -> dict[int, Permission]:
        return {number: _permissions(names) for number, names in self.grants.items() if names}


class ShareBody(GrantsBody):
    recipient: str = Field(min_length=1, max_length=320)
    """What the owner types in the chat: a phone number, an email address or an @username."""


class RenameBody(_Body):
    alias: str | None = Field(default=None, max_length=200)
    """Empty or null: back to the owner's name."""


def _permissions(names: list[PermissionName]) -> Permission:
    permissions = Permission(0)
    for name in names:
        permissions |= Permission[name.upper()]
    return permissions


# --- the frame every endpoint runs in ---------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    user: TelegramUser
    account: AccountView


Endpoint = Callable[[Request, PortalServices, Caller], Awaitable[JSONResponse]]

FIELDS: dict[type[errors.SharingError], str] = {
    errors.InvalidRecipient: "recipient",
    errors.InvalidUsername: "recipient",
    errors.InvalidPhone: "recipient",
    errors.ShareToSelf: "recipient",
    errors.DifferentRegion: "recipient",
    errors.TooManyOwners: "recipient",
    errors.ShareConflict: "recipient",
    errors.ChannelFull: "grants",
    errors.LiveViewRequired: "grants",
    errors.NoChannelsSelected: "grants",
    errors.UnknownChannel: "grants",
    errors.InvalidDeviceField: "alias",
}
"""Where the page shows a refusal: beside the field it concerns; elsewhere at the top."""

NOT_FOUND = (
    errors.DeviceNotFound,
    errors.ShareNotFound,
    errors.AccountNotFound,
    errors.ApplicationNotFound,
)


def json_response(data: object, status_code: int = 200) -> JSONResponse:
    """Never kept by a cache: every answer is one person's."""
    return JSONResponse(data, status_code=status_code, headers={"Cache-Control": "no-store"})


def refused(error: errors.SharingError) -> JSONResponse:
    if isinstance(error, NOT_FOUND):
        status = 404
    elif isinstance(error, errors.NotDeviceOwner):
        status = 403
    else:
        status = 409
    return json_response(
        {
            "error": type(error).__name__,
            "rule": error.rule,
            "field": FIELDS.get(type(error)),
            "message": refusal(error),
        },
        status,
    )


def unauthorized(request: Request) -> JSONResponse:
    """401 and nothing else; the words in the browser's language, the only one known."""
    wanted = request.headers.get("accept-language", "").split(",", 1)[0].split(";", 1)[0]
    with speaking(language_for(wanted.strip() or None)):
        message = _("Open this page from the bot in Telegram.")
    return json_response({"error": "unauthorized", "message": message}, 401)


def endpoint(services: PortalServices, handle: Endpoint) -> Callable[[Request], Awaitable[Any]]:
    """`handle` for the caller Telegram signed the request for, in their language; refusals
    become JSON that names them."""

    async def run(request: Request) -> JSONResponse:
        scheme, _space, init_data = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "tma" or not init_data:
            return unauthorized(request)
        try:
            user = verify_init_data(
                init_data,
                bot_token=services.bot_token,
                now=services.clock(),
                max_age=services.auth_max_age,
            )
        except InitDataRefused as error:
            log.info("portal: initData refused: %s", error)
            return unauthorized(request)
        async with services.database.read() as session:
            account = await accounts.find_account(session, user.id)
        if account is None:
            with speaking(user.language_code):
                return json_response(
                    {
                        "error": "AccountNotFound",
                        "rule": None,
                        "field": None,
                        "message": refusal(errors.AccountNotFound(user.id)),
                    },
                    403,
                )
        with speaking(account.language, account.time_zone):
            try:
                return await handle(request, services, Caller(user, account))
            except errors.SharingError as error:
                return refused(error)
            except BodyTooLarge:
                return json_response({"error": "too_large"}, 413)
            except ValidationError as error:
                return json_response(
                    {
                        "error": "InvalidRequest",
                        "rule": None,
                        "field": None,
                        "message": _("Something went wrong. Please try again."),
                        "details": json.loads(error.json(include_url=False, include_input=False)),
                    },
                    422,
                )

    return run


B = TypeVar("B", bound=BaseModel)


class BodyTooLarge(Exception):
    pass


async def body_of(request: Request, model: type[B]) -> B:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge()
    return model.model_validate_json(body)


def _offset(request: Request) -> int:
    try:
        return max(int(request.query_params.get("offset", "0")), 0)
    except ValueError:
        return 0


# --- what the API says of things --------------------------------------------------------------


def grants_json(grants: tuple[GrantView, ...]) -> list[dict[str, object]]:
    return [
        {
            "channel": grant.channel_number,
            "name": grant.channel_name,
            "permissions": [
                PERMISSION_NAMES[p] for p in PERMISSION_LABELS if p in grant.permissions
            ],
            "label": "/".join(
                permission_label(p) for p in PERMISSION_LABELS if p in grant.permissions
            ),
        }
        for grant in grants
    ]


def _since(share: ListedShare | ShareView) -> str:
    moment = share.accepted_at if share.state == ShareState.ACTIVE else share.created_at
    return format_moment(moment or share.created_at)


def owned_share_json(share: ListedShare | ShareView) -> dict[str, object]:
    data: dict[str, object] = {
        "id": share.id,
        "device_id": share.device.id,
        "device_name": share.device.name,
        "who": recipient_label(share.recipient, share.address),
        "state": str(share.state),
        "state_label": share_state_label(share.state),
        "since": _since(share),
        "expires": format_moment(share.expires_at) if share.expires_at else None,
    }
    if isinstance(share, ShareView):
        data["grants"] = grants_json(share.grants)
        data["live_view_locked"] = _live_view_locked(share)
    else:
        data["channels"] = ngettext(
            "{count} channel", "{count} channels", share.channel_count
        ).format(count=share.channel_count)
    return data


def _live_view_locked(share: ShareView) -> bool:
    return Permission.LIVE_VIEW in required_permissions(share.device.type)


# --- Device Management --------------------------------------------------------------------------


async def list_my_devices(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    async with services.database.read() as session:
        page = await devices.list_devices(
            session, owner_id=caller.account.id, offset=_offset(request), limit=LIST_LIMIT
        )
    return json_response(
        {
            "total": page.total,
            "devices": [
                {
                    "id": device.id,
                    "name": device.name,
                    "serial": device.serial,
                    "type": str(device.type),
                    "type_label": device_type_label(device.type),
                    "channels": ngettext(
                        "{count} channel", "{count} channels", device.channel_count
                    ).format(count=device.channel_count),
                    "status": device_status_line(device.status, None),
                    "shares": device.live_shares,
                }
                for device in page.items
            ],
        }
    )


async def show_my_device(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    async with services.database.read() as session:
        device = await devices.get_owned_device(
            session, owner_id=caller.account.id, device_id=request.path_params["device_id"]
        )
    connection = device.connection
    return json_response(
        {
            "id": device.id,
            "name": device.name,
            "serial": device.serial,
            "type": str(device.type),
            "type_label": device_type_label(device.type),
            "firmware": device.firmware_version,
            "status": device_status_line(
                connection.status if connection else None,
                connection.last_online_at if connection else None,
            ),
            "channels": [{"number": c.number, "name": c.name} for c in device.channels],
            "live_view_locked": Permission.LIVE_VIEW in required_permissions(device.type),
            "permissions": [
                {"name": PERMISSION_NAMES[p], "label": permission_label(p)}
                for p in PERMISSION_LABELS
            ],
        }
    )


async def share_my_device(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    """Share: the recipient as typed in the chat, and the table; Finish's rules, Finish's
    messages."""
    body = await body_of(request, ShareBody)
    recipient = parse_recipient(body.recipient, region=caller.account.region)
    change, owed = await _save(
        services,
        caller,
        device_id=request.path_params["device_id"],
        recipient=recipient,
        grants=body.permissions(),
        editing=None,
    )
    told = await services.notices.send(owed)
    outcome = services.notices.share_saved_outcome(change, told=told)
    return json_response({"share": owned_share_json(change.share), "outcome": plain(outcome)})


async def _save(
    services: PortalServices,
    caller: Caller,
    *,
    device_id: int,
    recipient: int | Address | None,
    grants: dict[int, Permission],
    editing: int | None,
) -> tuple[ShareChange, list[Owed]]:
    """Finish's rules, and Finish's messages owed in the same transaction."""
    async with services.database.write() as session:
        if editing is not None:
            share = await share_queries.get_owned_share(
                session, share_id=editing, owner_id=caller.account.id
            )
            if share.state not in LIVE_SHARE_STATES:
                raise errors.ShareNotActive(share.id, share.state)
            device_id = share.device.id
            recipient = share.recipient.id if share.recipient else share.address
        assert recipient is not None, "a share names its recipient or an address"
        # As the chat's device step: another account's device does not exist (not "not yours").
        await preview.shareable_device(session, owner_id=caller.account.id, device_id=device_id)
        change = await shares.share_device(
            session,
            owner_id=caller.account.id,
            device_id=device_id,
            recipient=recipient,
            grants=grants,
            ttl=services.invite_ttl,
            now=services.clock(),
        )
        news = [(change.share.device.id, partial(services.notices.share_saved_line, change))]
        await group_outbox.queue_device_news(session, news, now=services.clock())
        owed = await services.notices.owe_share_saved(
            session, change, owner_name=caller.user.full_name
        )
    return change, owed


# --- My Shared Devices -------------------------------------------------------------------------


async def list_my_shares(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    """Per device, who has it: pending and active, since when."""
    async with services.database.read() as session:
        page = await share_queries.list_owned_shares(
            session,
            owner_id=caller.account.id,
            device_id=None,
            offset=_offset(request),
            limit=LIST_LIMIT,
        )
    by_device: dict[int, dict[str, Any]] = {}
    for share in page.items:
        device = by_device.setdefault(
            share.device.id,
            {
                "id": share.device.id,
                "name": share.device.name,
                "type_label": device_type_label(share.device.type),
                "shares": [],
            },
        )
        device["shares"].append(owned_share_json(share))
    return json_response({"total": page.total, "devices": list(by_device.values())})


async def show_my_share(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    async with services.database.read() as session:
        share = await share_queries.get_owned_share(
            session, share_id=request.path_params["share_id"], owner_id=caller.account.id
        )
        device = await devices.get_owned_device(
            session, owner_id=caller.account.id, device_id=share.device.id
        )
    if share.state not in LIVE_SHARE_STATES:
        raise errors.ShareNotFound(share.id)
    data = owned_share_json(share)
    data["channels"] = [{"number": c.number, "name": c.name} for c in device.channels]
    return json_response(data)


async def edit_my_share(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    body = await body_of(request, GrantsBody)
    change, owed = await _save(
        services,
        caller,
        device_id=0,
        recipient=None,
        grants=body.permissions(),
        editing=request.path_params["share_id"],
    )
    told = await services.notices.send(owed)
    outcome = services.notices.share_saved_outcome(change, told=told)
    return json_response({"share": owned_share_json(change.share), "outcome": plain(outcome)})


async def revoke_my_share(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    """R12: the device leaves the recipient's list with this commit, and they are told."""
    async with services.database.write() as session:
        share = await shares.revoke_share(
            session,
            share_id=request.path_params["share_id"],
            owner_id=caller.account.id,
            now=services.clock(),
        )
        news = [(share.device.id, partial(services.notices.share_deleted_by_owner_line, share))]
        await group_outbox.queue_device_news(session, news, now=services.clock())
        owed = await services.notices.owe_share_revoked(
            session, share, owner_name=caller.user.full_name
        )
    told = await services.notices.send(owed)
    fields = {
        "device": share.device.name,
        "person": recipient_label(share.recipient, share.address),
    }
    outcome = (
        _("🗑 You stopped sharing {device} with {person}; they have been told.")
        if told
        else _(
            "🗑 You stopped sharing {device} with {person}; I could not tell them: they have"
            " blocked the bot."
        )
    )
    return json_response({"outcome": outcome.format(**fields)})


async def cancel_my_invitation(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    async with services.database.write() as session:
        share = await shares.cancel_invitation(
            session,
            share_id=request.path_params["share_id"],
            owner_id=caller.account.id,
            now=services.clock(),
        )
        news = [(share.device.id, partial(services.notices.share_deleted_by_owner_line, share))]
        await group_outbox.queue_device_news(session, news, now=services.clock())
        owed = await services.notices.owe_invitation_cancelled(session, share)
    await services.notices.send(owed)
    outcome = _("✖️ The invitation to {person} for {device} was cancelled.").format(
        person=recipient_label(share.recipient, share.address), device=share.device.name
    )
    return json_response({"outcome": outcome})


# --- Others' Shared Devices ----------------------------------------------------------------------


async def list_received(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    """The seed's table: my name for it, serial, status, from whom."""
    recipient_id = caller.account.id
    async with services.database.read() as session:
        page = await share_queries.list_received_shares(
            session, recipient_id=recipient_id, offset=_offset(request), limit=LIST_LIMIT
        )
        invitations = await share_queries.list_invitations(
            session, recipient_id=recipient_id, now=services.clock(), offset=0, limit=LIST_LIMIT
        )
        serials = await share_queries.received_serials(session, recipient_id=recipient_id)
        statuses = await seen_statuses(
            session, device_ids={share.device.id for share in page.items}
        )
    rows = []
    for share in page.items:
        seen = statuses.get(share.device.id)
        rows.append(
            {
                "id": share.id,
                "name": share.alias or share.device.name,
                "device_name": share.device.name,
                "alias": share.alias,
                "serial": serials.get(share.device.id, ""),
                "type_label": device_type_label(share.device.type),
                "status": device_status_line(
                    seen.status if seen else None, seen.last_online_at if seen else None
                ),
                "from": share.owner.display_name,
                "since": _since(share),
            }
        )
    waiting = [
        {
            "id": invitation.id,
            "name": invitation.device.name,
            "from": invitation.owner.display_name,
            "channels": ngettext(
                "{count} channel", "{count} channels", invitation.channel_count
            ).format(count=invitation.channel_count),
            "expires": format_moment(invitation.expires_at) if invitation.expires_at else None,
        }
        for invitation in invitations.items
    ]
    return json_response({"total": page.total, "invitations": waiting, "devices": rows})


async def show_received(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    """Details: each channel with its permissions, and from whom."""
    async with services.database.read() as session:
        share = await share_queries.get_received_share(
            session, share_id=request.path_params["share_id"], recipient_id=caller.account.id
        )
    return json_response(
        {
            "id": share.id,
            "name": share.alias or share.device.name,
            "device_name": share.device.name,
            "alias": share.alias,
            "from": share.owner.display_name,
            "since": _since(share),
            "grants": grants_json(share.grants),
        }
    )


async def rename_received(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    body = await body_of(request, RenameBody)
    async with services.database.write() as session:
        share = await shares.rename_share(
            session,
            share_id=request.path_params["share_id"],
            recipient_id=caller.account.id,
            alias=body.alias,
            now=services.clock(),
        )
    return json_response({"id": share.id, "name": share.alias or share.device.name})


async def remove_received(
    request: Request, services: PortalServices, caller: Caller
) -> JSONResponse:
    """R12: the owner is told; the device leaves my list with this commit."""
    async with services.database.write() as session:
        share = await shares.remove_share(
            session,
            share_id=request.path_params["share_id"],
            recipient_id=caller.account.id,
            now=services.clock(),
        )
        news = [(share.device.id, partial(services.notices.share_deleted_by_recipient_line, share))]
        await group_outbox.queue_device_news(session, news, now=services.clock())
        owed = await services.notices.owe_share_removed(
            session, share, recipient_name=caller.user.full_name
        )
    await services.notices.send(owed)
    outcome = _("🗑 {device} was deleted from your list; {owner} has been told.").format(
        device=share.alias or share.device.name, owner=share.owner.display_name
    )
    return json_response({"outcome": outcome})


# --- My Account ---------------------------------------------------------------------------------


async def show_me(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    account = caller.account
    async with services.database.read() as session:
        device_count = await devices.count_devices(session, owner_id=account.id)
    return json_response(
        {
            "id": account.id,
            "name": account.display_name,
            "username": account.username,
            "language": account.language,
            "region": account.region,
            "region_label": region_label(account.region),
            "phone": account.phone,
            "email": account.email,
            "devices": device_count,
        }
    )


async def show_texts(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    return json_response(page_texts())


async def account_qr(request: Request, services: PortalServices, caller: Caller) -> JSONResponse:
    """A new account code, as /myqr makes it: the previous one stops working."""
    async with services.database.write() as session:
        issued = await link_tokens.issue_account_token(
            session, account_id=caller.account.id, now=services.clock()
        )
    link = f"https://t.me/{services.bot_username()}?start={issued.token}"
    png = await run_in_threadpool(_qr_png, link)
    image = "data:image/png;base64," + base64.b64encode(png).decode()
    return json_response({"link": link, "image": image})


def _qr_png(text: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def api_routes(services: PortalServices) -> list[Route]:
    def route(path: str, handle: Endpoint, method: str = "GET") -> Route:
        return Route(path, endpoint(services, handle), methods=[method])

    return [
        route("/api/me", show_me),
        route("/api/texts", show_texts),
        route("/api/account/qr", account_qr, "POST"),
        route("/api/devices", list_my_devices),
        route("/api/devices/{device_id:int}", show_my_device),
        route("/api/devices/{device_id:int}/shares", share_my_device, "POST"),
        route("/api/shares", list_my_shares),
        route("/api/shares/{share_id:int}", show_my_share),
        route("/api/shares/{share_id:int}", edit_my_share, "PUT"),
        route("/api/shares/{share_id:int}/revoke", revoke_my_share, "POST"),
        route("/api/shares/{share_id:int}/cancel", cancel_my_invitation, "POST"),
        route("/api/received", list_received),
        route("/api/received/{share_id:int}", show_received),
        route("/api/received/{share_id:int}/rename", rename_received, "POST"),
        route("/api/received/{share_id:int}/remove", remove_received, "POST"),
    ]
