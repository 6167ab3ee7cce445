"""🔌 Connect on a device card (and the optional last step of /adddevice): the device's
address, then for HTTPS whether to accept its own certificate, the user name, the password.
See connect.mmd.

The password is used at once and never kept in the draft: its message is deleted as soon as
it is read, the device is asked who it is (`sharing.devices.probing`: the address must be
allowed, the device must answer ISAPI with these credentials and report the serial that was
added), and only then is the connection saved, the password sealed. A refusal says what went
wrong and asks again at the step it concerns. Refresh and Disconnect on the card are here too.
"""

import logging
from contextlib import suppress
from dataclasses import dataclass
from enum import IntEnum, auto
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from handlers.common.callback_data import CallbackData
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.wizards import Wizard
from handlers.devices.device_card import (
    ConfirmDisconnect,
    ConnectDevice,
    Disconnect,
    OpenDevice,
    RefreshDevice,
    device_card,
)
from languages import N_, _, ngettext
from sharing.devices import connections, devices
from sharing.devices.connections import ConnectionRequest, DeviceReport
from sharing.devices.probing import check_device_address, probe_device
from sharing.errors import (
    DeviceLoginLocked,
    DeviceLoginRefused,
    DeviceNotAnswering,
    DeviceNotConnected,
    DeviceSerialMismatch,
    InvalidDeviceAddress,
    NotAnIsapiDevice,
    SharingError,
)
from wording.formatting import escape
from wording.refusals import as_alert, describe

WIZARD = "connect_device"

log = logging.getLogger(__name__)


class Step(IntEnum):
    ADDRESS = auto()
    CERTIFICATE = auto()
    USERNAME = auto()
    PASSWORD = auto()


@dataclass(frozen=True)
class TrustCertificate(CallbackData, prefix="cnt"):
    accept_self_signed: int


ASK_ADDRESS = N_(
    "<b>1/3</b> Send the device's <b>address</b> on its network: its IP or host name, with the"
    " port and https:// when they are not the usual ones. For example <code>192.168.1.64</code>,"
    " <code>nvr.example.com:8080</code> or <code>https://203.0.113.5:8443</code>."
)
ASK_USERNAME = N_("<b>2/3</b> Send the <b>user name</b> of an account on the device (often admin).")
ASK_PASSWORD = N_(
    "<b>3/3</b> Send its <b>password</b>. I delete your message as soon as I read it, and keep the"
    " password encrypted; nobody is shown it again, you included."
)


async def start_connecting(update: Update, context: CamShareContext) -> Step | int:
    query = update.callback_query
    assert query and update.effective_user and update.effective_chat
    device_id = ConnectDevice.unpack(query.data).device_id
    try:
        async with context.services.database.read() as session:
            device = await devices.get_owned_device(
                session, owner_id=update.effective_user.id, device_id=device_id
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    _drafts(context)[WIZARD] = {"device_id": device.id}
    connecting = _(
        "Connecting <b>{device}</b>, so that those who hold its permissions can use them here."
        " /cancel stops."
    ).format(device=escape(device.name))
    await update.effective_chat.send_message(
        f"{connecting}\n\n{_(ASK_ADDRESS)}", parse_mode=ParseMode.HTML
    )
    return Step.ADDRESS


async def receive_address(update: Update, context: CamShareContext) -> Step | int:
    message = _message(update)
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    try:
        scheme, host, port = connections.parse_device_address(message.text or "")
        await check_device_address(
            host, port, allowed_networks=context.services.devices.allowed_networks
        )
    except InvalidDeviceAddress as error:
        await message.reply_html(describe(error))
        return Step.ADDRESS
    draft.update(scheme=scheme, host=host, port=port, accept_self_signed=False)
    if scheme == "https":
        await message.reply_html(
            _(
                "Does the device use its own certificate (most recorders do), or one that a"
                " browser trusts?"
            ),
            reply_markup=inline(
                [button(_("Accept its own certificate"), TrustCertificate(1))],
                [button(_("Verify it as a browser does"), TrustCertificate(0))],
            ),
        )
        return Step.CERTIFICATE
    await message.reply_html(_(ASK_USERNAME))
    return Step.USERNAME


async def choose_certificate(update: Update, context: CamShareContext) -> Step | int:
    query = update.callback_query
    assert query
    await query.answer()
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    accept = bool(TrustCertificate.unpack(query.data).accept_self_signed)
    draft["accept_self_signed"] = accept
    chosen = (
        _("HTTPS, its own certificate accepted.")
        if accept
        else _("HTTPS, its certificate verified.")
    )
    await edit_screen(query, chosen)
    assert update.effective_chat
    await update.effective_chat.send_message(_(ASK_USERNAME), parse_mode=ParseMode.HTML)
    return Step.USERNAME


async def remind_to_choose_certificate(update: Update, context: CamShareContext) -> Step:
    await _message(update).reply_text(_("Choose with the buttons above, or send /cancel."))
    return Step.CERTIFICATE


async def receive_username(update: Update, context: CamShareContext) -> Step | int:
    message = _message(update)
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    username = (message.text or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        await message.reply_html(
            _("A user name is 1 to 64 characters, without spaces.") + " " + _(ASK_USERNAME)
        )
        return Step.USERNAME
    draft["username"] = username
    await message.reply_html(_(ASK_PASSWORD))
    return Step.PASSWORD


async def receive_password(update: Update, context: CamShareContext) -> Step | int:
    message = _message(update)
    password = message.text or ""
    await _delete(message)
    draft = _draft(context)
    assert update.effective_user and update.effective_chat
    if draft is None:
        return ConversationHandler.END
    if not password or len(password) > 128:
        await update.effective_chat.send_message(
            _("A password is 1 to 128 characters. Send it again, or /cancel.")
        )
        return Step.PASSWORD
    request = ConnectionRequest(
        scheme=draft["scheme"],
        host=draft["host"],
        port=draft["port"],
        accept_self_signed=draft["accept_self_signed"],
        username=draft["username"],
        password=password,
    )
    owner_id = update.effective_user.id
    progress = await update.effective_chat.send_message(_("🔌 Connecting…"))
    try:
        device = await _connect_or_say_why(
            context, owner_id=owner_id, device_id=draft["device_id"], request=request
        )
    except DeviceLoginRefused as error:
        await progress.edit_text(
            describe(error) + " " + _("Send the password again, or /cancel."),
            parse_mode=ParseMode.HTML,
        )
        return Step.PASSWORD
    except DeviceLoginLocked as error:
        await progress.edit_text(describe(error), parse_mode=ParseMode.HTML)
        _drafts(context).pop(WIZARD, None)
        return ConversationHandler.END
    except SharingError as error:
        if not _about_the_address(error):
            await progress.edit_text(describe(error), parse_mode=ParseMode.HTML)
            _drafts(context).pop(WIZARD, None)
            return ConversationHandler.END
        await progress.edit_text(
            f"{describe(error)}\n\n{_(ASK_ADDRESS)}", parse_mode=ParseMode.HTML
        )
        return Step.ADDRESS
    _drafts(context).pop(WIZARD, None)
    await progress.edit_text(_connected_text(device), parse_mode=ParseMode.HTML)
    text, keyboard = await device_card(context, device)
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    return ConversationHandler.END


async def refresh_device(update: Update, context: CamShareContext) -> None:
    """🔄 Refresh from device: the model, firmware and channels, read again with the stored
    credentials."""
    query = update.callback_query
    assert query and update.effective_user
    device_id = RefreshDevice.unpack(query.data).device_id
    owner_id = update.effective_user.id
    services = context.services
    try:
        async with services.database.read() as session:
            device = await devices.get_owned_device(session, owner_id=owner_id, device_id=device_id)
            target = await connections.device_target(
                session, device_id=device_id, sealer=services.devices.sealer
            )
        if target is None:
            raise DeviceNotConnected(device_name=device.name)
        report = await _probe(context, target.request, serial=device.serial, name=device.name)
        async with services.database.write() as session:
            await connections.refresh_from_report(
                session, owner_id=owner_id, device_id=device_id, report=report, now=services.clock()
            )
            device = await devices.get_owned_device(session, owner_id=owner_id, device_id=device_id)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    count = len(device.channels)
    await query.answer(
        ngettext(
            "Read from the device: {count} channel", "Read from the device: {count} channels", count
        ).format(count=count)
    )
    await edit_screen(query, *await device_card(context, device))


async def ask_to_disconnect(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    device_id = Disconnect.unpack(query.data).device_id
    try:
        async with context.services.database.read() as session:
            device = await devices.get_owned_device(
                session, owner_id=update.effective_user.id, device_id=device_id
            )
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await query.answer()
    await edit_screen(
        query,
        _(
            "Disconnect <b>{device}</b>? I forget its address and password; nobody can see its"
            " cameras here until you connect it again. Its shares stay as they are."
        ).format(device=escape(device.name)),
        inline(
            [
                button(_("✂️ Yes, disconnect"), ConfirmDisconnect(device.id)),
                button(_("Keep it"), OpenDevice(device.id)),
            ]
        ),
    )


async def disconnect(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    device_id = ConfirmDisconnect.unpack(query.data).device_id
    owner_id = update.effective_user.id
    try:
        async with context.services.database.write() as session:
            await connections.remove_connection(session, owner_id=owner_id, device_id=device_id)
            device = await devices.get_owned_device(session, owner_id=owner_id, device_id=device_id)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return
    await context.services.devices.pool.forget(device_id, before=context.services.clock())
    await query.answer(_("Disconnected"))
    await edit_screen(query, *await device_card(context, device))


async def _connect_or_say_why(
    context: CamShareContext, *, owner_id: int, device_id: int, request: ConnectionRequest
) -> devices.DeviceView:
    """`_connect`, with any failure that is not a refusal logged without the request (it holds
    the password) and told as the device not answering, so the wizard asks again."""
    try:
        return await _connect(context, owner_id=owner_id, device_id=device_id, request=request)
    except SharingError:
        raise
    except Exception:
        log.exception("connecting device %s failed", device_id)
        raise DeviceNotAnswering(device_name=request.host, timed_out=True) from None


async def _connect(
    context: CamShareContext, *, owner_id: int, device_id: int, request: ConnectionRequest
) -> devices.DeviceView:
    services = context.services
    async with services.database.read() as session:
        device = await devices.get_owned_device(session, owner_id=owner_id, device_id=device_id)
    report = await _probe(context, request, serial=device.serial, name=device.name)
    now = services.clock()
    async with services.database.write() as session:
        await connections.save_connection(
            session,
            owner_id=owner_id,
            device_id=device_id,
            request=request,
            report=report,
            sealer=services.devices.sealer,
            now=now,
        )
        device = await devices.get_owned_device(session, owner_id=owner_id, device_id=device_id)
    await services.devices.pool.forget(device_id, before=now)  # the old credentials go
    return device


async def _probe(
    context: CamShareContext, request: ConnectionRequest, *, serial: str, name: str
) -> DeviceReport:
    device_services = context.services.devices
    return await probe_device(
        request,
        serial=serial,
        device_name=name,
        open_driver=device_services.open_driver,
        allowed_networks=device_services.allowed_networks,
    )


def _about_the_address(error: SharingError) -> bool:
    return isinstance(
        error, InvalidDeviceAddress | DeviceNotAnswering | NotAnIsapiDevice | DeviceSerialMismatch
    )


def _connected_text(device: devices.DeviceView) -> str:
    """What was read from the device: its model (when it gave one), firmware and channels."""
    model = device.connection.model if device.connection else ""
    count = len(device.channels)
    if model:
        text = ngettext(
            "✅ Connected <b>{device}</b>: {model}, firmware {firmware}, {count} channel"
            " ({online} online).",
            "✅ Connected <b>{device}</b>: {model}, firmware {firmware}, {count} channels"
            " ({online} online).",
            count,
        )
    else:
        text = ngettext(
            "✅ Connected <b>{device}</b>: the device, firmware {firmware}, {count} channel"
            " ({online} online).",
            "✅ Connected <b>{device}</b>: the device, firmware {firmware}, {count} channels"
            " ({online} online).",
            count,
        )
    return text.format(
        device=escape(device.name),
        model=escape(model),
        firmware=escape(device.firmware_version),
        count=count,
        online=sum(1 for channel in device.channels if channel.online),
    )


async def _delete(message: Message) -> None:
    """The password must not stay in the chat. A message Telegram will not let the bot delete
    (it is older than 48 hours, or already gone) is no reason to stop."""
    with suppress(TelegramError):
        await message.delete()


def _message(update: Update) -> Message:
    assert update.effective_message
    return update.effective_message


def _drafts(context: CamShareContext) -> dict[str, Any]:
    assert context.user_data is not None
    drafts: dict[str, Any] = context.user_data.setdefault(DRAFTS_KEY, {})
    return drafts


def _draft(context: CamShareContext) -> dict[str, Any] | None:
    draft: dict[str, Any] | None = _drafts(context).get(WIZARD)
    return draft


def build_handler() -> Handler:
    text = filters.TEXT & ~filters.COMMAND
    return Wizard(
        title=N_("connecting a device"),
        waiting_for={
            Step.ADDRESS: N_("the device's address"),
            Step.CERTIFICATE: N_("a tap on one of the certificate buttons"),
            Step.USERNAME: N_("the user name on the device"),
            Step.PASSWORD: N_("the device's password"),
        },
        entry_points=[CallbackQueryHandler(start_connecting, pattern=ConnectDevice.pattern())],
        states={
            Step.ADDRESS: [MessageHandler(text, receive_address)],
            Step.CERTIFICATE: [
                CallbackQueryHandler(choose_certificate, pattern=TrustCertificate.pattern()),
                MessageHandler(text, remind_to_choose_certificate),
            ],
            Step.USERNAME: [MessageHandler(text, receive_username)],
            Step.PASSWORD: [MessageHandler(text, receive_password)],
        },
        fallbacks=[cancel_fallback()],
        name=WIZARD,
        allow_reentry=True,
        conversation_timeout=15 * 60,
    )


def build_handlers() -> list[Handler]:
    return [
        CallbackQueryHandler(refresh_device, pattern=RefreshDevice.pattern()),
        CallbackQueryHandler(ask_to_disconnect, pattern=Disconnect.pattern()),
        CallbackQueryHandler(disconnect, pattern=ConfirmDisconnect.pattern()),
    ]
