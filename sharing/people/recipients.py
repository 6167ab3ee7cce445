"""What an owner types to name a recipient: a phone number, an email address or an @username."""

import re

from email_validator import EmailNotValidError, validate_email

from sharing.errors import InvalidPhone, InvalidRecipient, InvalidUsername
from sharing.people.accounts import normalise_phone
from sharing.views import Address
from storage.models import AddressKind

_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
"""Telegram's usernames: 5 to 32 characters, letters, digits and underscores, a letter first."""
_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s().-]{5,}$")


def normalise_email(text: str) -> str:
    """Lower-cased: we match addresses people type, and mail systems ignore the case."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidRecipient(text) from error


def parse_recipient(text: str, *, region: str | None) -> Address:
    """`+44 7700 900123` or `07700 900123` (in the owner's region), `ann@example.com`, `@ann`."""
    text = text.strip()
    if "@" in text and not text.startswith("@"):
        return Address(AddressKind.EMAIL, normalise_email(text))
    if match := _USERNAME.match(text):
        return Address(AddressKind.USERNAME, match.group(1).lower())
    if text.startswith("@"):
        raise InvalidUsername(text)
    if _LOOKS_LIKE_PHONE.match(text):
        try:
            return Address(AddressKind.PHONE, normalise_phone(text, region=region))
        except InvalidPhone as error:
            raise InvalidRecipient(text) from error
    raise InvalidRecipient(text)


def user_address(user_id: int) -> Address:
    """A Telegram user picked with the user picker or a forwarded contact that names one."""
    return Address(AddressKind.USER_ID, str(user_id))
