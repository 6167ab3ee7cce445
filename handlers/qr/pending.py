"""The applications that wait for an owner's answer, listed where the owner looks: from a
device card (that device's) and from /shared (every device's). Each opens the review of
/share (`ReviewApplication`), so an application whose review was left is never out of reach."""

from telegram import Update
from telegram.ext import CallbackQueryHandler

from handlers.common.context import CamShareContext, Handler
from handlers.common.keyboards import button, edit_screen, inline
from handlers.common.listing import pager, short, span
from handlers.devices.device_card import OpenDevice
from handlers.manage.shared_screens import ListSharedDevices, Screen
from handlers.qr.links import ListApplications, ReviewApplication
from languages import _
from sharing.applications import applications
from sharing.paging import Page
from sharing.views import ApplicationView
from wording.formatting import escape, format_moment

PER_PAGE = 8


async def show_applications(update: Update, context: CamShareContext) -> None:
    query = update.callback_query
    assert query and update.effective_user
    data = ListApplications.unpack(query.data)
    services = context.services
    async with services.database.read() as session:
        page = await applications.list_pending_applications(
            session,
            owner_id=update.effective_user.id,
            device_id=data.device or None,
            now=services.clock(),
            offset=max(data.offset, 0),
            limit=PER_PAGE,
        )
    await query.answer()
    await edit_screen(query, *applications_screen(page, device_id=data.device))


def applications_screen(page: Page[ApplicationView], *, device_id: int) -> Screen:
    """`device_id` 0: every device's, reached from /shared (and back to it)."""
    back = (
        button(_("« Device"), OpenDevice(device_id))
        if device_id
        else button(_("« Devices you share"), ListSharedDevices(0))
    )
    if page.total == 0:
        return _("No application waits for your answer."), inline([back])
    lines = [
        _("• <b>{applicant}</b> for <b>{device}</b>, sent {sent}; expires {expires}").format(
            applicant=escape(item.applicant.display_name),
            device=escape(item.device.name),
            sent=format_moment(item.created_at),
            expires=format_moment(item.expires_at),
        )
        for item in page.items
    ]
    rows = [
        [
            button(
                short(f"🔍 {item.applicant.display_name} · {item.device.name}"),
                ReviewApplication(item.id),
            )
        ]
        for item in page.items
    ]
    turn = pager(
        page.offset, PER_PAGE, page.total, lambda offset: ListApplications(device_id, offset)
    )
    header = _(
        "📨 <b>Applications waiting for your answer</b> ({span}). Review one to choose what they"
        " get, then accept or reject it."
    ).format(span=span(page.offset, len(page.items), page.total))
    return "\n".join([header, "", *lines]), inline(*rows, turn, [back])


def build_handlers() -> list[Handler]:
    return [CallbackQueryHandler(show_applications, pattern=ListApplications.pattern())]
