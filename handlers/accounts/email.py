"""`/email`: prove an email address with a one-time code sent to it (R10). See email.mmd.

The code is mailed outside any database transaction (an SMTP round trip must not hold the write
lock); if the mail cannot be sent, the code is withdrawn, so nothing is left half-way. Once the
address is proved, the invitations that were waiting for it are claimed and delivered.
"""

import re
from dataclasses import dataclass
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.common.accounts import current_account
from handlers.common.callback_data import CallbackData
from handlers.common.cancel import DRAFTS_KEY, cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, inline
from handlers.common.wizards import Wizard
from handlers.manage.invitations import deliver_waiting_invitations
from languages import N_, _, ngettext
from sharing.errors import EmailAlreadyVerified, SharingError
from sharing.people import email_codes
from sharing.people.email_codes import CODE_DIGITS, CODE_LIFETIME, IssuedCode, WrongCode
from sharing.people.mail import EmailSender
from wording.formatting import escape
from wording.refusals import as_alert, describe

WIZARD = "email"
NOT_CONFIGURED = N_("Email verification is not configured on this bot.")
NEW_CODE_BUTTON = N_("🔁 Send a new code")
"""Both in English, said with `_()`."""
_CODE_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
_CODE_SHAPE = re.compile(rf"^\d{{{CODE_DIGITS}}}$")


class Step(IntEnum):
    ADDRESS = auto()
    CODE = auto()


@dataclass(frozen=True)
class SendNewCode(CallbackData, prefix="emn"):
    """Which address is kept in the draft: an address does not belong in callback data."""


def _draft(context: CamShareContext) -> dict[str, Any]:
    assert context.user_data is not None
    drafts: dict[str, dict[str, Any]] = context.user_data.setdefault(DRAFTS_KEY, {})
    return drafts.setdefault(WIZARD, {})


def _drop_draft(context: CamShareContext) -> None:
    if context.user_data is not None:
        context.user_data.get(DRAFTS_KEY, {}).pop(WIZARD, None)


def _text(update: Update) -> tuple[Message, str]:
    message = update.effective_message
    assert message and message.text is not None
    return message, message.text


def _new_code_keyboard() -> InlineKeyboardMarkup:
    return inline([button(_(NEW_CODE_BUTTON), SendNewCode())])


def _code_sent(issued: IssuedCode, *, new: bool = False) -> str:
    sent = (
        _("I sent a new {digits}-digit code to {email}.")
        if new
        else _("I sent a {digits}-digit code to {email}.")
    )
    valid = ngettext(
        "Send it here; it is valid for {count} minute.",
        "Send it here; it is valid for {count} minutes.",
        _CODE_MINUTES,
    )
    return " ".join(
        (
            sent.format(digits=CODE_DIGITS, email=escape(issued.email)),
            valid.format(count=_CODE_MINUTES),
        )
    )


def _code_email(issued: IssuedCode, bot_username: str) -> tuple[str, str]:
    """Subject and text of the email that carries the code."""
    text = ngettext(
        "Your CamShare verification code is {code}.\n\n"
        "Send it to @{bot} in Telegram to verify {email}. It is valid for {count} minute.\n\n"
        "If you did not ask for it, ignore this email: without the code, nobody can use"
        " your address.\n",
        "Your CamShare verification code is {code}.\n\n"
        "Send it to @{bot} in Telegram to verify {email}. It is valid for {count} minutes.\n\n"
        "If you did not ask for it, ignore this email: without the code, nobody can use"
        " your address.\n",
        _CODE_MINUTES,
    )
    return (
        _("Your CamShare verification code"),
        text.format(code=issued.code, bot=bot_username, email=issued.email, count=_CODE_MINUTES),
    )


async def _issue_code(update: Update, context: CamShareContext, email: str) -> IssuedCode:
    assert update.effective_user
    services = context.services
    async with services.database.write() as session:
        return await email_codes.issue_code(
            session, account_id=update.effective_user.id, email=email, now=services.clock()
        )


async def _mail_code(context: CamShareContext, sender: EmailSender, issued: IssuedCode) -> None:
    """Send the code; if that fails for any reason, withdraw it and raise."""
    subject, text = _code_email(issued, context.bot.username)
    try:
        await sender.send(to=issued.email, subject=subject, text=text)
    except Exception:
        async with context.services.database.write() as session:
            await email_codes.withdraw_code(session, issued)
        raise


async def start_email(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    if context.services.email_sender is None:
        await message.reply_text(_(NOT_CONFIGURED))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data.setdefault(DRAFTS_KEY, {})[WIZARD] = {}
    ask = _(
        "Send the <b>email address</b> to verify, like <code>ann@example.com</code>."
        " I will email a {digits}-digit code to it; people who know the address can then"
        " share devices with you."
    ).format(digits=CODE_DIGITS)
    paragraphs = [ask + "\n" + _("Send /cancel to stop.")]
    if account.email:
        current = _("Your verified address is {email}; a new one will replace it.")
        paragraphs.insert(0, current.format(email=escape(account.email)))
    await message.reply_html("\n\n".join(paragraphs))
    return Step.ADDRESS


async def receive_address(update: Update, context: CamShareContext) -> Step | int:
    message, text = _text(update)
    sender = context.services.email_sender
    assert sender is not None  # checked by start_email
    try:
        issued = await _issue_code(update, context, text)
        await _mail_code(context, sender, issued)
    except EmailAlreadyVerified as error:
        await message.reply_html(describe(error))
        _drop_draft(context)
        return ConversationHandler.END
    except SharingError as error:
        await message.reply_html(describe(error) + "\n" + _("Send /cancel to stop."))
        return Step.ADDRESS
    _draft(context)["email"] = issued.email
    await message.reply_html(_code_sent(issued), reply_markup=_new_code_keyboard())
    return Step.CODE


async def receive_code(update: Update, context: CamShareContext) -> Step | int:
    message, text = _text(update)
    assert update.effective_user
    code = re.sub(r"[\s-]", "", text)
    if not _CODE_SHAPE.match(code):  # a typo is not worth one of the code's attempts
        address = _draft(context).get("email")
        where = (
            _(
                "The code is the {digits} digits in the email I sent to {email},"
                " like <code>123456</code>. Send them here, or send /cancel to stop."
            )
            if address
            else _(
                "The code is the {digits} digits in the email I sent to your address,"
                " like <code>123456</code>. Send them here, or send /cancel to stop."
            )
        )
        await message.reply_html(
            where.format(digits=CODE_DIGITS, email=escape(address or "")),
            reply_markup=_new_code_keyboard(),
        )
        return Step.CODE
    services = context.services
    try:
        async with services.database.write() as session:
            outcome = await email_codes.verify_code(
                session, account_id=update.effective_user.id, code=code, now=services.clock()
            )
    except SharingError as error:  # used, expired, exhausted: only a new code helps
        await message.reply_html(describe(error), reply_markup=_new_code_keyboard())
        return Step.CODE
    if isinstance(outcome, WrongCode):
        await _say_wrong_code(message, outcome)
        return Step.CODE
    _drop_draft(context)
    email = outcome.account.email
    assert email is not None
    await message.reply_html(
        _("✅ {email} is verified. Devices shared with this address will reach you here.").format(
            email=escape(email)
        )
    )
    await deliver_waiting_invitations(outcome.account.id, context)
    return ConversationHandler.END


async def _say_wrong_code(message: Message, wrong: WrongCode) -> None:
    if wrong.attempts_left:
        await message.reply_html(
            ngettext(
                "That code is not right: {count} attempt left."
                " Check the latest email and send the code again.",
                "That code is not right: {count} attempts left."
                " Check the latest email and send the code again.",
                wrong.attempts_left,
            ).format(count=wrong.attempts_left)
        )
        return
    await message.reply_html(
        _(
            "That code is not right, and that was its last attempt."
            " Tap <b>{button}</b> to get another."
        ).format(button=_(NEW_CODE_BUTTON)),
        reply_markup=_new_code_keyboard(),
    )


async def send_new_code(update: Update, context: CamShareContext) -> Step:
    """Answer at once (the tap must not spin during the SMTP round trip), then mail the code."""
    query = update.callback_query
    assert query
    sender = context.services.email_sender
    email = _draft(context).get("email")
    if sender is None or email is None:
        await query.answer(
            _("This button is no longer active. Send /email to start again."), show_alert=True
        )
        return Step.CODE
    try:
        issued = await _issue_code(update, context, email)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return Step.CODE
    await query.answer(_("Sending a new code…"))
    await query.edit_message_reply_markup(reply_markup=None)
    assert isinstance(query.message, Message)
    try:
        await _mail_code(context, sender, issued)
    except SharingError as error:
        await query.message.reply_html(describe(error), reply_markup=_new_code_keyboard())
        return Step.CODE
    await query.message.reply_html(_code_sent(issued, new=True), reply_markup=_new_code_keyboard())
    return Step.CODE


def build_handler() -> Handler:
    text = filters.TEXT & ~filters.COMMAND
    return Wizard(
        title="/email",
        waiting_for={
            Step.ADDRESS: N_("your email address"),
            Step.CODE: N_("the 6-digit code I emailed you"),
        },
        entry_points=[CommandHandler("email", start_email, filters=filters.ChatType.PRIVATE)],
        states={
            Step.ADDRESS: [MessageHandler(text, receive_address)],
            Step.CODE: [
                MessageHandler(text, receive_code),
                CallbackQueryHandler(send_new_code, pattern=SendNewCode.pattern()),
            ],
        },
        fallbacks=[cancel_fallback()],
        name=WIZARD,
        # /email again restarts, instead of falling through to "I don't know the command".
        allow_reentry=True,
        # Longer than a code lives: the user leaves the chat to read the email.
        conversation_timeout=30 * 60,
    )
