"""QR codes and deep links: a device's code that others scan to apply for a share, an account's
code (`/myqr`) that owners scan to share with that person, and photos of either sent to the bot."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.qr import links, pending

    return [*links.build_handlers(), *pending.build_handlers()]
