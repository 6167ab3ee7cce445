"""Bits shared by the list screens of `/shared` and `/received`: page buttons, short labels,
dates, and text that must fit one Telegram message whatever the names in it."""

from collections.abc import Callable, Sequence
from datetime import datetime

from telegram import InlineKeyboardButton

from handlers.common.callback_data import CallbackData
from handlers.common.keyboards import button
from languages import _, format_date, ngettext

MAX_MESSAGE_CHARS = 4096
LABEL_CHARS = 40
"""Button labels longer than this are cut: clients show about that much on a phone anyway."""


def format_day(moment: datetime) -> str:
    """ "8 Jan 2026" in English: the day in the reader's language and time zone."""
    return format_date(moment)


def short(text: str, limit: int = LABEL_CHARS) -> str:
    """Plain text (a button label, never HTML) cut to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def pager(
    offset: int, page_size: int, total: int, turn: Callable[[int], CallbackData]
) -> list[InlineKeyboardButton]:
    """‹ Previous / Next › for a list of `total` items shown `page_size` at a time."""
    row = []
    if offset > 0:
        row.append(button(_("‹ Previous"), turn(max(offset - page_size, 0))))
    if offset + page_size < total:
        row.append(button(_("Next ›"), turn(offset + page_size)))
    return row


def span(offset: int, shown: int, total: int) -> str:
    """ "1–8 of 50", for a page header."""
    if not shown:
        return _("0 of {total}").format(total=total)
    return _("{first}–{last} of {total}").format(first=offset + 1, last=offset + shown, total=total)


def last_page_offset(total: int, page_size: int) -> int:
    """Where a page past the end should go instead (the list shrank since it was drawn)."""
    return max(total - 1, 0) // page_size * page_size


def fit(head: str, lines: Sequence[str], tail: str = "") -> str:
    """`head`, as many of `lines` as fit, then `tail`, within one message. Lines are counted as
    HTML (longer than the text shown), so what fits here fits Telegram."""
    room = MAX_MESSAGE_CHARS - len(head) - len(tail) - 40
    kept: list[str] = []
    for index, line in enumerate(lines):
        if room - len(line) - 1 < 0:
            left = len(lines) - index
            more = ngettext("• … and {count} more line", "• … and {count} more lines", left)
            kept.append(more.format(count=left))
            break
        kept.append(line)
        room -= len(line) + 1
    return "\n".join(part for part in (head, "\n".join(kept), tail) if part)
