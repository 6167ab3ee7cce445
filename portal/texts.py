"""Every word the page shows that the API's data does not carry: tab names, headings, buttons,
column titles, confirmations. The page holds no English of its own; it asks `/api/texts`."""

from languages import N_, _

PAGE_TEXTS = {
    "title": N_("CamShare"),
    "tab_devices": N_("Device Management"),
    "tab_shared": N_("My Shared Devices"),
    "tab_received": N_("Others' Shared Devices"),
    "tab_account": N_("My Account"),
    "no_devices": N_("You have no devices yet. Send /adddevice in the chat to add one."),
    "no_shared": N_("You do not share any device yet."),
    "no_received": N_("Nobody shares a device with you yet."),
    "share": N_("Share"),
    "edit": N_("Edit"),
    "delete": N_("Delete"),
    "cancel_invitation": N_("Cancel invitation"),
    "rename": N_("Rename"),
    "details": N_("Details"),
    "save": N_("Save"),
    "back": N_("‹ Back"),
    "close": N_("Close"),
    "recipient": N_("Recipient"),
    "recipient_hint": N_("Phone number, email address or @username"),
    "channel": N_("Channel"),
    "whole_row": N_("Whole row"),
    "live_view_locked": N_("Live View is always shared on cameras, NVRs and DVRs."),
    "serial": N_("Serial"),
    "status": N_("Status"),
    "device_name": N_("Device name"),
    "from": N_("From:"),
    "since": N_("Since"),
    "expires_on": N_("Expires on {moment}"),
    "region": N_("Region"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "not_shared": N_("not shared"),
    "not_verified": N_("not verified"),
    "my_qr": N_("My account QR code"),
    "show_qr": N_("🔳 Show my code"),
    "qr_caption": N_(
        "🔳 Your CamShare code. Show it to a device owner: when they scan it, or send me a"
        " photo of it, they can share a device with you.\n\nA new code stops this one."
    ),
    "alias_hint": N_("Your own name for it; empty for the owner's"),
    "confirm_delete_share": N_("Stop sharing {device} with {person}? They will be told."),
    "confirm_cancel_invitation": N_("Cancel the invitation to {person} for {device}?"),
    "confirm_remove_received": N_(
        "Delete {device} from your list? {owner} will be told, and only they can share it again."
    ),
    "invitations_waiting": N_(
        "Invitations wait for your answer: accept or decline them in the chat (/received)."
    ),
    "error": N_("Something went wrong. Please try again."),
}


def page_texts() -> dict[str, str]:
    """The page's texts in the reader's language."""
    return {key: _(text) for key, text in PAGE_TEXTS.items()}
