"""The port through which the domain's flows send email; `bot/mailer.py` is the SMTP adapter.

A port, so that handlers and tests depend on this small promise and never on an SMTP library.
"""

from typing import Protocol


class EmailSender(Protocol):
    async def send(self, *, to: str, subject: str, text: str) -> None:
        """Hand a plain-text message for `to` to the mail server, without blocking the event loop.

        Raises `sharing.errors.EmailNotSent` when the server cannot be reached or does not
        accept the message; returning means the server took responsibility for delivering it.
        """
        ...
