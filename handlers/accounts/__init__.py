"""Accounts: `/start` (greeting, phone, region), `/myaccount` and `/email` (proving an address)."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.accounts import email, my_account, onboarding

    return [*onboarding.build_handlers(), email.build_handler(), *my_account.build_handlers()]
