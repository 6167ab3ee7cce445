"""The share conversation: device, recipient, channels, permissions, summary and Finish, entered
by `/share`, Share on a device card, an account QR code, an application to review or a share to
edit. `conversation` wires it (see conversation.mmd); each step has a module of its own."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.share import conversation

    return [conversation.build_handler()]
