"""`/start`: greeting, the phone offered (R10), then the region (R3) confirmed with one tap.

The phone comes first because it tells the region best: a +44 number is in the United Kingdom
whatever the Telegram language. Without it ("Not now") the region is guessed from the language.
Both steps are stateless buttons, plus one typed step (searching a country by name):

    /start ─> [📱 Share my phone number] ─> [Yes, <phone's region>] ──────────> region set
          └─> [Not now] ─────────────────> [Yes, <language's region>] ────────┘
                                  [Choose another] ─> SEARCHING ─(name)─> [matches] ─┘
"""

from dataclasses import dataclass
from enum import IntEnum, auto

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.common.accounts import current_account, register_user
from handlers.common.callback_data import CallbackData
from handlers.common.cancel import cancel_fallback
from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import (
    NOT_NOW_BUTTON,
    button,
    in_every_language,
    inline,
    share_phone_keyboard,
)
from handlers.common.wizards import Wizard
from handlers.manage.invitations import deliver_waiting_invitations
from handlers.qr.links import PENDING_LINK_KEY, open_link
from languages import N_, _
from sharing.errors import SharingError
from sharing.people import accounts
from sharing.people.regions import guess_region, search_regions
from wording.formatting import escape, region_label
from wording.refusals import as_alert, describe

NEXT_STEPS = N_(
    "Send /adddevice to add a camera, NVR or DVR, /devices to see your devices,"
    " or /help for everything I can do."
)
"""In English: a sentence ending several messages, said with `_(NEXT_STEPS)`."""


@dataclass(frozen=True)
class PickRegion(CallbackData, prefix="rg"):
    code: str


@dataclass(frozen=True)
class SearchRegion(CallbackData, prefix="rgs"):
    pass


class Step(IntEnum):
    SEARCHING = auto()


async def start(update: Update, context: CamShareContext) -> None:
    assert update.effective_user and update.effective_message
    account, is_new = await register_user(update.effective_user, context)
    name = escape(account.first_name)
    payload = context.args[0] if context.args else None
    if account.region and not is_new:
        if payload:
            await open_link(update, context, payload)
        else:
            welcome = _("Welcome back, {name}!").format(name=name)
            await update.effective_message.reply_html(f"{welcome} {_(NEXT_STEPS)}")
        await deliver_waiting_invitations(account.id, context)
        return
    if payload and context.user_data is not None:
        context.user_data[PENDING_LINK_KEY] = payload
    greeting = _(
        "👋 Welcome to CamShare, {name}!\n\n"
        "I help you share your CCTV cameras, NVRs and DVRs with family, staff or your security"
        " company, channel by channel, with the permissions you choose."
    ).format(name=name)
    if account.phone:  # proved on an earlier /start; only the region is missing
        await update.effective_message.reply_html(greeting)
        await _ask_region(update, context, account)
        return
    phone = _(
        "First, your phone number: share it with the button below, so that people"
        " who know it can share devices with you, and I can tell your region from it. It stays"
        " private: CamShare uses it only to deliver invitations sent to it."
    )
    await update.effective_message.reply_html(
        f"{greeting}\n\n{phone}", reply_markup=share_phone_keyboard()
    )


async def _ask_region(
    update: Update, context: CamShareContext, account: accounts.AccountView
) -> None:
    """The region of the phone number if there is one, else of the Telegram language."""
    assert update.effective_chat
    guess = guess_region(
        phone=account.phone,
        language_code=account.language_code,
        default=context.services.default_region,
    )
    why = _("Your region: you can share only with people in the same region.")
    await update.effective_chat.send_message(
        f"{why} {_region_question(guess)}",
        parse_mode=ParseMode.HTML,
        reply_markup=_region_keyboard(guess),
    )


def _region_question(guess: str | None) -> str:
    if guess is None:
        return _("Which country are you in?")
    return _("Are you in {region}?").format(region=region_label(guess))


def _region_keyboard(guess: str | None) -> InlineKeyboardMarkup:
    choose = button(
        _("🌍 Choose another region") if guess else _("🌍 Choose my region"), SearchRegion()
    )
    confirm = (
        [button(_("✅ Yes, {region}").format(region=region_label(guess)), PickRegion(guess))]
        if guess
        else []
    )
    return inline(confirm, [choose])


async def ask_region_name(update: Update, context: CamShareContext) -> Step:
    query = update.callback_query
    assert query
    await query.answer()
    await query.edit_message_text(
        _("Type the name of your country, or its two-letter code (for example: Germany, DE).")
        + "\n"
        + _("Send /cancel to stop.")
    )
    return Step.SEARCHING


async def search_region(update: Update, context: CamShareContext) -> Step | int:
    message = update.effective_message
    assert message and message.text
    matches = search_regions(message.text)
    if not matches:
        await message.reply_text(
            _("I couldn't find that country. Try its English name or its two-letter code, like FR.")
        )
        return Step.SEARCHING
    if len(matches) == 1:
        return await _save_region(update, context, matches[0])
    await message.reply_html(
        _("Which one?"),
        reply_markup=inline(*([button(region_label(code), PickRegion(code))] for code in matches)),
    )
    return Step.SEARCHING


async def pick_region(update: Update, context: CamShareContext) -> int:
    """Set the region the user tapped. The code comes from the client, so it is validated."""
    query = update.callback_query
    assert query
    return await _save_region(update, context, PickRegion.unpack(query.data).code)


async def _save_region(update: Update, context: CamShareContext, code: str) -> int:
    """Set the region tapped, or typed when the search found that one only."""
    query = update.callback_query
    account = await current_account(update, context)
    if account is None:
        return ConversationHandler.END
    try:
        async with context.services.database.write() as session:
            account = await accounts.set_region(session, account_id=account.id, region=code)
    except SharingError as error:
        if query is None:
            assert update.effective_message
            await update.effective_message.reply_html(describe(error))
        else:
            await query.answer(as_alert(error), show_alert=True)
        return ConversationHandler.END
    saved = _("Region set: {region}.").format(region=region_label(account.region))
    if query is None:
        assert update.effective_message
        await update.effective_message.reply_html(saved)
    else:
        await query.answer(_("Region saved"))
        await query.edit_message_text(saved, parse_mode=ParseMode.HTML)
    assert update.effective_chat
    all_set = _("You're all set.")
    await update.effective_chat.send_message(f"{all_set} {_(NEXT_STEPS)}")
    await deliver_waiting_invitations(account.id, context)
    payload = context.user_data.pop(PENDING_LINK_KEY, None) if context.user_data else None
    if payload:
        await open_link(update, context, payload)
    return ConversationHandler.END


async def receive_contact(update: Update, context: CamShareContext) -> None:
    """A contact counts as proof only when it is the sender's own (R10)."""
    message = update.effective_message
    assert message and message.contact and update.effective_user
    account = await current_account(update, context)
    if account is None:
        return
    if message.contact.user_id != update.effective_user.id:
        await message.reply_text(
            _(
                "That is someone else's contact. To verify your own number, tap"
                " “📱 Share my phone number” below: Telegram then sends your own contact."
            ),
            reply_markup=share_phone_keyboard(),
        )
        return
    try:
        async with context.services.database.write() as session:
            account = await accounts.verify_phone(
                session, account_id=account.id, phone=message.contact.phone_number
            )
    except SharingError as error:
        await message.reply_html(describe(error), reply_markup=ReplyKeyboardRemove())
        return
    thanks = _("✅ Thanks! Your phone number {phone} is verified.").format(phone=account.phone)
    if account.region is None:  # onboarding: the region comes next, from this number
        await message.reply_text(thanks, reply_markup=ReplyKeyboardRemove())
        await _ask_region(update, context, account)
    else:
        await message.reply_text(f"{thanks} {_(NEXT_STEPS)}", reply_markup=ReplyKeyboardRemove())
    await deliver_waiting_invitations(account.id, context)


async def decline_phone(update: Update, context: CamShareContext) -> None:
    message = update.effective_message
    assert message
    account = await current_account(update, context)
    if account is None:
        return
    no_problem = _("No problem: you can share it any time from /myaccount.")
    if account.region is None:  # onboarding: the region comes next, from the language
        await message.reply_text(no_problem, reply_markup=ReplyKeyboardRemove())
        await _ask_region(update, context, account)
        return
    await message.reply_text(f"{no_problem} {_(NEXT_STEPS)}", reply_markup=ReplyKeyboardRemove())


def build_handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    region_search = Wizard(
        title=N_("the search for your country"),
        waiting_for={Step.SEARCHING: N_("the name of your country, or its two-letter code")},
        entry_points=[CallbackQueryHandler(ask_region_name, pattern=SearchRegion.pattern())],
        states={
            Step.SEARCHING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, search_region),
                CallbackQueryHandler(pick_region, pattern=PickRegion.pattern()),
            ]
        },
        fallbacks=[cancel_fallback()],
        name="region_search",
        conversation_timeout=15 * 60,
    )
    return [
        CommandHandler("start", start, filters=private),
        region_search,
        CallbackQueryHandler(pick_region, pattern=PickRegion.pattern()),
        MessageHandler(private & filters.CONTACT, receive_contact),
        MessageHandler(private & filters.Text(in_every_language(NOT_NOW_BUTTON)), decline_phone),
    ]
