"""A device's snapshot as Telegram takes a photo: at most 10 MB, width and height at most 10000
together, a side at most 20 times the other (the Bot API's sendPhoto). A 4K or 12 MP camera's
JPEG can break the first two; it is scaled down, in a worker thread (Pillow is CPU work)."""

import asyncio
from io import BytesIO

from PIL import Image

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIDES = 10_000
LONGEST_SIDE = 2560
"""What a scaled snapshot keeps: sharper than any phone shows in a chat, far under the limits."""


async def fit_for_telegram(jpeg: bytes) -> bytes:
    return await asyncio.to_thread(_fit, jpeg)


def _fit(jpeg: bytes) -> bytes:
    with Image.open(BytesIO(jpeg)) as image:
        width, height = image.size
        if len(jpeg) <= MAX_PHOTO_BYTES and width + height <= MAX_SIDES:
            return jpeg
        image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
        scaled = BytesIO()
        image.convert("RGB").save(scaled, format="JPEG", quality=85)
        return scaled.getvalue()
