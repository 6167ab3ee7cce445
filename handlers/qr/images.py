"""QR codes: drawing a deep link as a PNG, and reading deep links back from a photo.

Both are CPU work on images, so they run in a worker thread, never on the event loop. A photo
is measured before it is decoded: anything larger than Telegram's own photos is refused.
"""

import asyncio
import io
import re
from dataclasses import dataclass

import qrcode
import zxingcpp
from PIL import Image, UnidentifiedImageError
from qrcode.constants import ERROR_CORRECT_M

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 5000 * 5000
"""Telegram's photos are at most 2560 px on a side; documents sent as photos may be larger."""

QR_BOX_SIZE = 12
"""Pixels per QR module: about 500 px for our links, easy to scan from another phone's screen."""

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class UnreadablePhoto(Exception):
    """Not an image we can read, or too large to read safely."""


@dataclass(frozen=True)
class FoundCodes:
    payloads: tuple[str, ...]
    """The /start payloads of links to this bot, in the order found."""
    others: int
    """QR codes that are not links to this bot."""


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


async def render_qr_png(text: str) -> bytes:
    return await asyncio.to_thread(_render, text)


def _render(text: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=QR_BOX_SIZE, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


async def read_qr_codes(image: bytes, *, bot_username: str) -> FoundCodes:
    if len(image) > MAX_PHOTO_BYTES:
        raise UnreadablePhoto("too many bytes")
    texts = await asyncio.to_thread(_decode, image)
    payloads = [payload for text in texts if (payload := _start_payload(text, bot_username))]
    return FoundCodes(payloads=tuple(payloads), others=len(texts) - len(payloads))


def _decode(image: bytes) -> list[str]:
    try:
        with Image.open(io.BytesIO(image)) as picture:
            width, height = picture.size
            if width * height > MAX_PHOTO_PIXELS:
                raise UnreadablePhoto(f"{width}x{height} is too large")
            picture.load()
            results = zxingcpp.read_barcodes(
                picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnreadablePhoto(str(error)) from error
    return [result.text for result in results if result.valid]


def _start_payload(text: str, bot_username: str) -> str | None:
    """`https://t.me/<bot>?start=<payload>` (or tg://resolve) for this bot, else None."""
    match = re.match(
        r"^(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z0-9_]+)\?start=(\S+)$", text.strip()
    ) or re.match(r"^tg://resolve\?domain=([A-Za-z0-9_]+)&start=(\S+)$", text.strip())
    if not match or match.group(1).lower() != bot_username.lower():
        return None
    payload = match.group(2)
    return payload if _PAYLOAD.match(payload) else None
