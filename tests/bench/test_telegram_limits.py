"""The fake Bot API's flood control counts like the strictest reading of Telegram's limits."""

from bench.telegram_limits import FloodControl


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_thirty_messages_in_any_second_and_no_more() -> None:
    clock = Clock()
    flood = FloodControl(clock=clock)
    for chat in range(30):
        assert flood.admit(chat) is None
        clock.now += 0.01
    wait = flood.admit(30)
    assert wait is not None and 0 < wait <= 1
    clock.now = 100.0 + 1.0  # the first message leaves the window
    assert flood.admit(30) is None
    assert flood.refused == 1 and len(flood.sent) == 31


def test_one_message_a_second_in_one_chat() -> None:
    clock = Clock()
    flood = FloodControl(clock=clock)
    assert flood.admit(7) is None
    clock.now += 0.5
    assert flood.admit(7) is not None
    assert flood.admit(8) is None
    clock.now += 0.5
    assert flood.admit(7) is None


def test_twenty_messages_a_minute_in_one_group() -> None:
    clock = Clock()
    flood = FloodControl(clock=clock)
    for _ in range(20):
        assert flood.admit(-100) is None
        clock.now += 1.5
    assert flood.admit(-100) is not None
    clock.now = 100.0 + 60.0
    assert flood.admit(-100) is None


def test_edits_count_in_their_chat_but_not_toward_the_thirty_a_second() -> None:
    clock = Clock()
    flood = FloodControl(clock=clock)
    for chat in range(30):
        assert flood.admit(chat) is None
    assert flood.admit(1000, new_message=False) is None  # an edit elsewhere: no 31st message
    assert flood.admit(1001) is not None  # a 31st new message is refused
    assert flood.admit(7, new_message=False) is not None  # chat 7 had its message this second
