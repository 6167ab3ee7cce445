"""The words both front doors (the chat in handlers/, the web portal in portal/) use for the
domain's values and refusals, in the reader's language: device types, permissions, statuses,
regions, recipients, and a sentence for every refusal of the sharing service saying what to do
next. One place, so that a refusal reads the same in the chat and beside a portal field.

Texts are HTML as Telegram's parse mode reads it (user text escaped; <b> and <code> at most);
the portal shows them as plain text. Nothing here imports Telegram or a front door.
"""
