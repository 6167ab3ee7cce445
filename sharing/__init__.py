"""The domain: rules R1-R12 and every state change of accounts, devices, shares and applications.

Functions here take a storage session, plain values and `now` (the clock is given, never read),
and raise `sharing.errors.SharingError` subclasses that name the rule. No Telegram import.
"""
