"""Accounts: `/start` (greeting, phone, region), `/myaccount` (with the time zone), `/email`
(proving an address) and `/language`."""

from handlers.common.context import Handler


def build_handlers() -> list[Handler]:
    from handlers.accounts import email, language, my_account, onboarding

    return [
        *onboarding.build_handlers(),
        email.build_handler(),
        *my_account.build_handlers(),
        *language.build_handlers(),
    ]
