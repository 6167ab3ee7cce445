"""Media work on recordings: turning what a device recorded into what Telegram plays.

CPU-bound and blocking (FFmpeg through PyAV): callers run it in a worker thread. This package
imports nothing else of CamShare's.
"""

from media.telegram_mp4 import ClipError, to_telegram_mp4, video_seconds

__all__ = ["ClipError", "to_telegram_mp4", "video_seconds"]
