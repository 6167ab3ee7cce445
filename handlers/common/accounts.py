"""Looking up the account behind an update, and keeping it fresh."""

from telegram import Update, User

from handlers.common.context import CamShareContext
from languages import N_, _
from sharing.people import accounts
from sharing.people.accounts import AccountView

NEEDS_START = N_("I don't know you yet. Send /start to set up your account.")


async def register_user(user: User, context: CamShareContext) -> tuple[AccountView, bool]:
    """Create or refresh the account of a Telegram user. Returns (account, is_new)."""
    services = context.services
    async with services.database.write() as session:
        return await accounts.register(
            session,
            user_id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            language_code=user.language_code,
            now=services.clock(),
        )


async def current_account(update: Update, context: CamShareContext) -> AccountView | None:
    """The sender's account; if they never sent /start, tell them to and return None."""
    user = update.effective_user
    if user is None:
        return None
    async with context.services.database.read() as session:
        account = await accounts.find_account(session, user.id)
    if account is None:
        if update.callback_query:
            await update.callback_query.answer(_(NEEDS_START), show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(_(NEEDS_START))
    return account
