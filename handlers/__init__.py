"""Telegram: one package per feature, and what every feature uses in `handlers.common`.

    accounts/  onboarding (/start), /myaccount, /email
    devices/   /adddevice, /devices, the device card
    share/     the share conversation (/share, Share on a card, reviews, edits)
    manage/    /shared, /received, invitations' prompts and their expiry
    qr/        device and account QR codes, deep links, photos of codes
    groups/    installer groups: joining, linking, members, news lines
    common/    callback-data codec, context, keyboards, formatting, refusals, errors, help,
               /cancel and the fallbacks

Each feature's `__init__` exposes `build_handlers()`, which `bot.app` registers in order. It
imports its modules when called, not at package import, so that importing one module of a
feature (a keyboard, a callback-data class) never pulls in every other feature's modules, which
import each other's buttons.
"""
