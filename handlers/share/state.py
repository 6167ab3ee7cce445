"""What the steps of the share conversation share: its states, the draft kept in user_data,
and drawing a screen in the one message the later steps edit."""

import functools
from collections.abc import Callable, Coroutine
from enum import IntEnum, auto
from typing import Any, TypeVar

from telegram import CallbackQuery, Update

from handlers.common.cancel import DRAFTS_KEY
from handlers.common.context import CamShareContext
from handlers.common.keyboards import edit_screen
from handlers.share import screens
from handlers.share.screens import ShareDraft
from languages import _

WIZARD = "share"
PRESET_RECIPIENT = "share_recipient"
"""drafts key: the recipient of a scanned account code, until the device is chosen."""


class Step(IntEnum):
    DEVICE = auto()
    RECIPIENT = auto()
    SCREENS = auto()
    """Channels, permissions, one channel's permissions, summary: all drawn in one message."""


def drafts(context: CamShareContext) -> dict[str, Any]:
    assert context.user_data is not None
    drafts: dict[str, Any] = context.user_data.setdefault(DRAFTS_KEY, {})
    return drafts


def current_draft(context: CamShareContext) -> ShareDraft | None:
    draft: ShareDraft | None = drafts(context).get(WIZARD)
    return draft


def set_draft(context: CamShareContext, draft: ShareDraft | None) -> None:
    if draft is None:
        drafts(context).pop(WIZARD, None)
    else:
        drafts(context)[WIZARD] = draft


async def tapped_screen(
    update: Update, context: CamShareContext
) -> tuple[CallbackQuery, ShareDraft] | None:
    """The query and the draft, if the tap came from the screen the draft is drawn in."""
    query = update.callback_query
    assert query
    draft = current_draft(context)
    message_id = query.message.message_id if query.message else None
    if draft is None or message_id != draft.screen_message_id:
        await query.answer(
            _("This screen is out of date. Send /share to start again."), show_alert=True
        )
        return None
    return query, draft


R = TypeVar("R")
ScreenTap = Callable[[Update, CamShareContext, CallbackQuery, ShareDraft], Coroutine[Any, Any, R]]


def on_screen(
    tap: ScreenTap[R],
) -> Callable[[Update, CamShareContext], Coroutine[Any, Any, R | None]]:
    """A callback for a button of the screens: it runs with the query and the draft, and only
    if the tap came from the screen the draft is drawn in (else the tap is answered why not)."""

    @functools.wraps(tap)
    async def callback(update: Update, context: CamShareContext) -> R | None:
        current = await tapped_screen(update, context)
        if current is None:
            return None
        return await tap(update, context, *current)

    return callback


async def show(query: CallbackQuery, screen: screens.Screen) -> None:
    await edit_screen(query, *screen)
