from dataclasses import dataclass

import pytest

from handlers.common.callback_data import CallbackData, CallbackDataError


@dataclass(frozen=True)
class Sample(CallbackData, prefix="tst"):
    item_id: int
    code: str


def test_round_trip() -> None:
    data = Sample(42, "DE").pack()
    assert data == "tst:42:DE"
    assert Sample.unpack(data) == Sample(42, "DE")
    assert Sample.pattern().match(data)


@pytest.mark.parametrize("forged", ["tst:x:DE", "tst:1", "tst:1:DE:extra", "tstx:1:DE", None])
def test_forged_data_is_refused(forged: str | None) -> None:
    with pytest.raises(CallbackDataError):
        Sample.unpack(forged)


def test_packing_refuses_what_telegram_would() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Sample(1, "é" * 40).pack()
    with pytest.raises(ValueError, match="may not contain"):
        Sample(1, "a:b").pack()


def test_prefixes_are_unique() -> None:
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Again(CallbackData, prefix="tst"):
            item_id: int


@pytest.mark.parametrize(
    "forged",
    ["tst:0:DE", "tst:-1:DE", f"tst:{2**63}:DE", "tst:99999999999999999999:DE", "tst:007:DE"],
)
def test_ids_out_of_range_are_refused(forged: str) -> None:
    """A database id is 1 to 2**63 - 1: anything else could only be forged."""
    with pytest.raises(CallbackDataError):
        Sample.unpack(forged)


@dataclass(frozen=True)
class Page(CallbackData, prefix="tstp"):
    offset: int


def test_other_numbers_start_at_zero() -> None:
    assert Page.unpack("tstp:0") == Page(0)
    assert Sample.unpack(f"tst:{2**63 - 1}:DE") == Sample(2**63 - 1, "DE")
    with pytest.raises(CallbackDataError):
        Page.unpack("tstp:-1")
    with pytest.raises(ValueError, match="out of range"):
        Sample(0, "DE").pack()
