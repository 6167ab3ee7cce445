"""Installer groups: the Telegram groups the bot is in, who was seen there, the devices linked
to each, and the news waiting for each group with how much may be sent now."""
