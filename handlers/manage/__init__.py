"""Shares after they are made: the owner's `/shared` (edit, delete, cancel), the recipient's
`/received` (accept, decline, rename, delete), the invitation prompts with Accept and Decline,
and the expiry sweep that closes what nobody answered in time (R11)."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.manage import invitations, received, shared

    return [
        received.build_rename_handler(),
        *invitations.build_handlers(),
        *shared.build_handlers(),
        *received.build_handlers(),
    ]
