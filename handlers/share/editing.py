"""Steps 3 to 6 of /share: the channel, permission and summary screens, one message edited in
place. Taps change only the draft; nothing is stored until Finish."""

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode

from handlers.common.context import CamShareContext
from handlers.share import screens
from handlers.share.recipient import ask_recipient, sharing_device
from handlers.share.screens import ShareDraft
from handlers.share.state import Step, on_screen, show
from languages import _
from storage.models import ALL_PERMISSIONS, Permission


@on_screen
async def toggle_channel(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    number = screens.ToggleChannel.unpack(query.data).number
    if number not in draft.channels:
        await query.answer(_("That channel is not on this device."), show_alert=True)
        return
    if draft.grants.pop(number, None) is None:
        draft.grants[number] = ALL_PERMISSIONS
    await query.answer()
    await show(query, screens.channels_screen(draft))


@on_screen
async def select_all_channels(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    draft.select_all()
    await query.answer(_("All channels selected"))
    await show(query, screens.channels_screen(draft))


@on_screen
async def select_no_channels(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    draft.grants.clear()
    await query.answer(_("No channels selected"))
    await show(query, screens.channels_screen(draft))


@on_screen
async def turn_page(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    draft.page = screens.TurnPage.unpack(query.data).page
    await query.answer()
    paged = screens.permissions_screen if draft.on_permissions else screens.channels_screen
    await show(query, paged(draft))


@on_screen
async def show_channels(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    draft.page, draft.on_permissions = 0, False
    await query.answer()
    await show(query, screens.channels_screen(draft))


@on_screen
async def show_permissions(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    if not draft.grants:
        await query.answer(_("Select at least one channel first."), show_alert=True)
        return
    if not draft.on_permissions:
        draft.page, draft.on_permissions = 0, True
    draft.channel = None
    await query.answer()
    await show(query, screens.permissions_screen(draft))


@on_screen
async def edit_channel(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    number = screens.EditChannel.unpack(query.data).number
    if number not in draft.grants:
        await query.answer(_("That channel is not selected."), show_alert=True)
        return
    draft.channel = number
    await query.answer()
    await show(query, screens.channel_screen(draft))


@on_screen
async def toggle_permission(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    if draft.channel is None:
        await query.answer()
        return
    # IntFlag takes any int; only a single known permission is a button we drew.
    flag = Permission(screens.TogglePermission.unpack(query.data).permission)
    if flag not in screens.PERMISSION_LABELS:
        await query.answer(_("Unknown permission."), show_alert=True)
        return
    if flag in draft.required:
        await query.answer(screens.live_view_locked(), show_alert=True)
        return
    toggled = draft.grants[draft.channel] ^ flag
    if not toggled:
        await query.answer(
            _(
                "A shared channel needs at least one permission. To stop sharing it, unselect it"
                " on the channel screen."
            ),
            show_alert=True,
        )
        return
    draft.grants[draft.channel] = toggled
    await query.answer()
    await show(query, screens.channel_screen(draft))


@on_screen
async def apply_to_all_channels(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    if draft.channel is None:
        await query.answer()
        return
    chosen = draft.grants[draft.channel]
    draft.grants = dict.fromkeys(draft.grants, chosen)
    draft.channel = None
    await query.answer(_("Applied to every selected channel"))
    await show(query, screens.permissions_screen(draft))


@on_screen
async def save(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> None:
    await query.answer()
    await show(query, screens.summary_screen(draft))


@on_screen
async def back_to_recipient(
    update: Update, context: CamShareContext, query: CallbackQuery, draft: ShareDraft
) -> Step:
    await query.answer()
    await query.edit_message_text(sharing_device(draft.device_name), parse_mode=ParseMode.HTML)
    draft.screen_message_id = None
    await ask_recipient(query.message, draft)
    return Step.RECIPIENT
