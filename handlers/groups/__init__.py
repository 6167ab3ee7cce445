"""Installer groups: the bot joining and leaving Telegram groups, `/allowlinking`, `/language`,
`/link` and `/unlink` there, 👥 Groups on a device card, `/groups`, and the one-line news each
group hears about its linked devices (queued in the database, sent at the group's pace)."""

from handlers.common.context import Handler


def build_guards() -> list[Handler]:
    """Handlers that note who speaks in a group and answer nothing: registered before all others,
    in a handler group of their own, so the update still reaches its handler."""
    from handlers.groups import chats

    return chats.build_guards()


def build_handlers() -> list[Handler]:
    from handlers.groups import chats, device_groups, group_language, linking

    return [
        *chats.build_handlers(),
        *group_language.build_handlers(),
        *linking.build_handlers(),
        *device_groups.build_handlers(),
    ]
