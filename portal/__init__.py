"""The web portal: a Telegram Mini App with the Hik-Connect portal's pages (Device Management,
My Shared Devices, Others' Shared Devices, My Account), a second front door beside handlers/.

Every request is signed by Telegram (`portal.auth`) and acts as that person's account; every
change goes through the same `sharing` functions as the chat, and what the other side hears in
Telegram is said by the bot through `portal.notices.ShareNotices`, which bot.app implements with
the handlers' own messages. Nothing here imports handlers/ or telegram.
"""
