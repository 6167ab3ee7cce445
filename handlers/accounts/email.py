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
from handlers.common.formatting import escape, plural
from handlers.common.keyboards import button, inline
from handlers.common.refusals import as_alert, describe
from handlers.common.wizards import Wizard
from handlers.manage.invitations import deliver_waiting_invitations
from sharing.errors import EmailAlreadyVerified, SharingError
from sharing.people import email_codes
from sharing.people.email_codes import CODE_DIGITS, CODE_LIFETIME, IssuedCode, WrongCode
from sharing.people.mail import EmailSender

WIZARD = "email"
NOT_CONFIGURED = "Email verification is not configured on this bot."
NEW_CODE_BUTTON = "🔁 Send a new code"
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
    return inline([button(NEW_CODE_BUTTON, SendNewCode())])


def _code_sent(issued: IssuedCode, *, new: bool = False) -> str:
    return (
        f"I sent a {'new ' if new else ''}{CODE_DIGITS}-digit code to {escape(issued.email)}."
        f" Send it here; it is valid for {_CODE_MINUTES} minutes."
    )


def _code_email(issued: IssuedCode, bot_username: str) -> tuple[str, str]:
    """Subject and text of the email that carries the code."""
    return (
        "Your CamShare verification code",
        f"Your CamShare verification code is {issued.code}.\n\n"
        f"Send it to @{bot_username} in Telegram to verify {issued.email}."
        f" It is valid for {_CODE_MINUTES} minutes.\n\n"
        "If you did not ask for it, ignore this email: without the code, nobody can use"
        " your address.\n",
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
        await message.reply_text(NOT_CONFIGURED)
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data.setdefault(DRAFTS_KEY, {})[WIZARD] = {}
    current = (
        f"Your verified address is {escape(account.email)}; a new one will replace it.\n\n"
        if account.email
        else ""
    )
    await message.reply_html(
        f"{current}Send the <b>email address</b> to verify, like <code>ann@example.com</code>."
        f" I will email a {CODE_DIGITS}-digit code to it; people who know the address can then"
        " share devices with you.\nSend /cancel to stop."
    )
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
        await message.reply_html(f"{describe(error)}\nSend /cancel to stop.")
        return Step.ADDRESS
    _draft(context)["email"] = issued.email
    await message.reply_html(_code_sent(issued), reply_markup=_new_code_keyboard())
    return Step.CODE


async def receive_code(update: Update, context: CamShareContext) -> Step | int:
    message, text = _text(update)
    assert update.effective_user
    code = re.sub(r"[\s-]", "", text)
    if not _CODE_SHAPE.match(code):  # a typo is not worth one of the code's attempts
        address = escape(_draft(context).get("email", "your address"))
        await message.reply_html(
            f"The code is the {CODE_DIGITS} digits in the email I sent to {address},"
            " like <code>123456</code>. Send them here, or send /cancel to stop.",
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
        f"✅ {escape(email)} is verified. Devices shared with this address will reach you here."
    )
    await deliver_waiting_invitations(outcome.account.id, context)
    return ConversationHandler.END


async def _say_wrong_code(message: Message, wrong: WrongCode) -> None:
    if wrong.attempts_left:
        await message.reply_html(
            f"That code is not right: {plural(wrong.attempts_left, 'attempt')} left."
            " Check the latest email and send the code again."
        )
        return
    await message.reply_html(
        "That code is not right, and that was its last attempt."
        f" Tap <b>{NEW_CODE_BUTTON}</b> to get another.",
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
            "This button is no longer active. Send /email to start again.", show_alert=True
        )
        return Step.CODE
    try:
        issued = await _issue_code(update, context, email)
    except SharingError as error:
        await query.answer(as_alert(error), show_alert=True)
        return Step.CODE
    await query.answer("Sending a new code…")
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
            Step.ADDRESS: "your email address",
            Step.CODE: "the 6-digit code I emailed you",
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
