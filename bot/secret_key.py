"""The key that seals device passwords: `SECRET_KEY`, or one generated once into a file.

The file is the embedded default's answer (SQLite in ./data/): it sits beside the database,
readable by the bot's user only (0600), and must move with it. A production deployment sets
`SECRET_KEY` instead (README, "Configuration"). Losing the key loses nothing but the stored
device passwords: their owners are asked to connect the devices again.
"""

import os
import secrets
from pathlib import Path

from bot.settings import Settings


def load_secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return _key_file(settings.secret_key_file)


def _key_file(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    try:
        # A hard link appears whole or not at all, and never replaces a file: two processes
        # starting at once agree on the first one's key.
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
