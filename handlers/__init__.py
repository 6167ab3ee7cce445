"""Telegram: conversations, keyboards, the callback-data codec, texts and notifications."""
