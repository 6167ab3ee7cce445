"""The domain: rules R1-R14 and every state change of accounts, devices, shares and applications.

    people/        accounts, their region (R3), the addresses they proved (R10) and the
                   invitations those addresses claim; email codes; what an owner types to name
                   a recipient
    devices/       adding (R1), renaming, listing and removing devices
    shares/        a share from invitation to its end: the checks and locks behind R2-R9,
                   saving, the queries behind every list, previews, expiry (R11)
    applications/  applying through a device QR code, and the deep-link tokens QR codes carry
    groups/        installer groups, their members and linked devices, and their news outbox
    clock, errors, paging, rules, views: what every package uses

Functions here take a storage session, plain values and `now` (the clock is given, never read),
and raise `sharing.errors.SharingError` subclasses that name the rule. No Telegram import.
"""
