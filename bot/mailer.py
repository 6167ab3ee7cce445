"""The SMTP adapter of `sharing.people.mail.EmailSender`, built from SMTP_URL and SMTP_FROM.

SMTP_URL says how to reach the server, and the scheme says how the connection is protected:

    smtp://host:25                      plain; for a relay on the same host or network
    smtp+starttls://user:pass@host:587  plain connection upgraded with STARTTLS (required)
    smtps://user:pass@host:465          TLS from the first byte ("implicit TLS")

The port defaults to the scheme's usual one; user and password are percent-decoded, so a
password with `@` or `:` is written `%40` or `%3A`. Certificates are checked.

aiosmtplib speaks SMTP on the event loop, so sending never blocks it; one connection per message
is plenty for codes sent at most once a minute per person.
"""

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
from pydantic import SecretStr

from sharing.errors import EmailNotSent
from sharing.people.mail import EmailSender

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 15.0
"""Longer than any healthy server needs, short enough that the user is told in time."""

_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    """`SmtpServer` for an SMTP_URL; ValueError saying what is wrong, for the settings check."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(
            "must start with smtp://, smtp+starttls:// or smtps://, e.g. smtps://user:pass@host:465"
        )
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError("has a port that is not a number from 1 to 65535") from error
    if not parts.hostname:
        raise ValueError("names no host, e.g. smtp://127.0.0.1:25")
    return SmtpServer(
        hostname=parts.hostname,
        port=port or _DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=scheme == "smtps",
        starttls=scheme == "smtp+starttls",
    )


class SmtpEmailSender:
    """Sends each message over its own connection; any failure becomes `EmailNotSent`."""

    def __init__(
        self, server: SmtpServer, *, sender: str, timeout: float = SEND_TIMEOUT_SECONDS
    ) -> None:
        self.server = server
        self.sender = sender
        self.timeout = timeout

    async def send(self, *, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        server = self.server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.hostname,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                # None would upgrade whenever the server offers it: say what SMTP_URL says.
                start_tls=server.starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            # The address is the user's; the server and the reason are for the operator.
            log.warning("could not send email via %s:%s: %s", server.hostname, server.port, error)
            raise EmailNotSent(to) from error


def build_email_sender(smtp_url: SecretStr | None, smtp_from: str | None) -> EmailSender | None:
    """The sender, or None when SMTP is not configured (then /email says it is unavailable)."""
    if smtp_url is None or not smtp_from:
        if smtp_url or smtp_from:
            log.warning("email verification is off: set both SMTP_URL and SMTP_FROM")
        return None
    return SmtpEmailSender(parse_smtp_url(smtp_url.get_secret_value()), sender=smtp_from)
