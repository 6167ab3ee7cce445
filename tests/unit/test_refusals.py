"""Refusals in a message are HTML; in an alert (answerCallbackQuery) they are plain text."""

from sharing.errors import DeviceHeldByAnotherAccount
from wording.refusals import as_alert, describe


def test_an_alert_shows_the_refusal_without_tags_or_escapes() -> None:
    error = DeviceHeldByAnotherAccount(serial="Q&A<1>")

    assert "<code>Q&amp;A&lt;1&gt;</code>" in describe(error)
    assert as_alert(error).startswith(
        "This device has been added by another account (serial Q&A<1>). A device can belong"
    )
