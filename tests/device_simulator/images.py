"""What a camera's snapshot looks like: a JPEG per channel that says which channel it is.

The channel number is drawn in big seven-segment digits (readable in a Telegram photo, no
font needed) and written in the JPEG comment as `channel <n>`, which tests read back with
Pillow. Generating a 6000x4000 JPEG takes a while, so every picture is made once.
"""

import functools
import io

from PIL import Image, ImageDraw

NORMAL_SIZE = (640, 360)
OVERSIZED = (6000, 4000)  # a 24 MP sensor: what a bot must scale down before sending

# Which of the segments a (top), b (top right), c (bottom right), d (bottom), e (bottom
# left), f (top left) and g (middle) each digit lights.
_SEGMENTS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abdeg",
    "3": "abcdg",
    "4": "bcfg",
    "5": "acdfg",
    "6": "acdefg",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
}


def comment_for(channel: int) -> bytes:
    return f"channel {channel}".encode()


@functools.cache
def channel_jpeg(channel: int, size: tuple[int, int] = NORMAL_SIZE) -> bytes:
    width, height = size
    image = Image.new("RGB", size, (20, 40, 60))
    draw = ImageDraw.Draw(image)
    digits = str(channel)
    digit_height = height * 6 // 10
    digit_width = digit_height // 2
    gap = digit_width // 3
    left = (width - len(digits) * (digit_width + gap) + gap) // 2
    top = (height - digit_height) // 2
    for index, digit in enumerate(digits):
        _draw_digit(draw, digit, left + index * (digit_width + gap), top, digit_width, digit_height)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, comment=comment_for(channel))
    return buffer.getvalue()


def _draw_digit(
    draw: ImageDraw.ImageDraw, digit: str, left: int, top: int, width: int, height: int
) -> None:
    thickness = max(width // 5, 1)
    half = height // 2
    boxes = {
        "a": (left, top, left + width, top + thickness),
        "b": (left + width - thickness, top, left + width, top + half),
        "c": (left + width - thickness, top + half, left + width, top + height),
        "d": (left, top + height - thickness, left + width, top + height),
        "e": (left, top + half, left + thickness, top + height),
        "f": (left, top, left + thickness, top + half),
        "g": (left, top + half - thickness // 2, left + width, top + half + thickness // 2),
    }
    for segment in _SEGMENTS[digit]:
        draw.rectangle(boxes[segment], fill=(255, 255, 255))
