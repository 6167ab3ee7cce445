"""The "Open portal" button: opens the web portal (a Telegram Mini App) at one of its pages,
when PUBLIC_URL says where it is served (bot.app keeps it in bot_data)."""

from urllib.parse import urlencode, urlsplit, urlunsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from handlers.common.context import CamShareContext
from languages import _

PORTAL_URL_KEY = "portal_url"


def portal_url(context: CamShareContext, page: str) -> str | None:
    """PUBLIC_URL with `?page=<page>` (the fragment is Telegram's: it carries initData)."""
    url: str | None = context.bot_data.get(PORTAL_URL_KEY)
    if not url:
        return None
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode({"page": page})]))
    return urlunsplit(parts._replace(query=query, fragment=""))


def with_portal_button(
    context: CamShareContext, keyboard: InlineKeyboardMarkup | None, page: str
) -> InlineKeyboardMarkup | None:
    """`keyboard` with a last row that opens the portal at `page`; unchanged without PUBLIC_URL.
    Inline web_app buttons work in private chats only, where /devices, /shared and /received
    answer."""
    url = portal_url(context, page)
    if url is None:
        return keyboard
    rows = list(keyboard.inline_keyboard) if keyboard else []
    button = InlineKeyboardButton(_("🌐 Open portal"), web_app=WebAppInfo(url))
    return InlineKeyboardMarkup([*rows, [button]])
