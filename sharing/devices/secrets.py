"""Sealing device passwords at rest (R14), with the process's secret key.

Fernet (the `cryptography` package): AES-128-CBC with an HMAC-SHA256, so a sealed password that
was tampered with, or sealed under another key, is refused instead of decrypted into garbage.
The key comes from the `SECRET_KEY` setting, or from a key file that the process generates
once (bot/secret_key.py); changing it makes the stored passwords unreadable, and their devices
then ask their owners to connect them again.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SealedPasswordUnreadable(Exception):
    """The stored password was sealed under another key (SECRET_KEY changed) or altered."""


class PasswordSealer:
    """Seals and unseals device passwords; its repr never shows the key."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the secret key is empty")
        # Any string the operator chose becomes a 32-byte Fernet key; a generated key file
        # holds 32 random bytes in URL-safe base64, which goes through the same derivation.
        digest = hashlib.sha256(secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def __repr__(self) -> str:
        return "PasswordSealer(key=***)"

    def seal(self, password: str) -> bytes:
        return self._fernet.encrypt(password.encode())

    def unseal(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken:
            raise SealedPasswordUnreadable("the device password cannot be unsealed") from None
