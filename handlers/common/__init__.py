"""What every feature uses: the callback-data codec, the services context, keyboards, formatting,
refusals' words, notifications, the error handler, and the last handlers (`/help`, then the
fallbacks that answer whatever nothing else expected)."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    """Register these last: the fallbacks take whatever no feature took."""
    from handlers.common import fallbacks, help

    return [help.build_handler(), *fallbacks.build_handlers()]
