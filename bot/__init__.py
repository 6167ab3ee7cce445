"""The bot process: settings, the application factory, scheduled jobs, `python -m bot`."""
