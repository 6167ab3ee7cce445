"""The reader's language and time zone: from Telegram's code, for a block, and in dates."""

import asyncio
from datetime import UTC, datetime

import pytest

from languages import (
    current_language,
    current_time_zone,
    format_date,
    format_moment,
    format_time,
    language_for,
    set_reader,
    speaking,
    time_zone_name,
)

MOMENT = datetime(2026, 1, 8, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("telegram_code", "language"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("zh-hans", "zh_Hans"),
        ("zh-hant", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("es-419", "es"),
        ("en-GB", "en"),
        ("pt-br", "en"),
        ("", "en"),
        (None, "en"),
        ("zh_Hans", "zh_Hans"),
    ],
)
def test_telegram_codes_map_to_our_languages(telegram_code: str | None, language: str) -> None:
    assert language_for(telegram_code) == language


def test_speaking_sets_the_reader_for_a_block_only() -> None:
    with speaking("ru", "Europe/Moscow"):
        assert (current_language(), current_time_zone()) == ("ru", "Europe/Moscow")
        with speaking("zh-hans"):
            assert (current_language(), current_time_zone()) == ("zh_Hans", "UTC")
        assert current_language() == "ru"
    assert (current_language(), current_time_zone()) == ("en", "UTC")


async def test_each_task_has_its_own_reader() -> None:
    """As each update is handled in a task of its own (bot.updates)."""
    seen: dict[str, str] = {}

    async def handle(language: str) -> None:
        set_reader(language)
        await asyncio.sleep(0)  # let the other task set its own reader meanwhile
        seen[language] = current_language()

    await asyncio.gather(handle("ru"), handle("es"))
    assert seen == {"ru": "ru", "es": "es"}
    assert current_language() == "en"


@pytest.mark.parametrize(
    ("language", "moment", "day", "time"),
    [
        ("en", "8 Jan 2026, 09:05 UTC", "8 Jan 2026", "09:05 UTC"),
        # CLDR puts a narrow no-break space before "г."
        ("ru", "8 янв. 2026\u202fг., 09:05 UTC", "8 янв. 2026\u202fг.", "09:05 UTC"),
        ("zh_Hans", "2026年1月8日 09:05 UTC", "2026年1月8日", "09:05 UTC"),
        ("es", "8 ene 2026, 9:05 UTC", "8 ene 2026", "9:05 UTC"),
    ],
)
def test_dates_and_times_read_as_the_language_writes_them(
    language: str, moment: str, day: str, time: str
) -> None:
    with speaking(language):
        assert (format_moment(MOMENT), format_date(MOMENT), format_time(MOMENT)) == (
            moment,
            day,
            time,
        )


def test_times_are_in_the_readers_zone() -> None:
    with speaking("en", "Europe/Berlin"):
        assert format_moment(MOMENT) == "8 Jan 2026, 10:05 CET"
        assert time_zone_name("Europe/Berlin") == "Central European Time (Europe/Berlin)"
    with speaking("en", "Asia/Kolkata"):
        assert format_moment(MOMENT) == "8 Jan 2026, 14:35 IST"
    with speaking("en", "America/Sao_Paulo"):
        assert format_moment(MOMENT) == "8 Jan 2026, 06:05 UTC-3"
    with speaking("en", "Asia/Kathmandu"):
        assert format_moment(MOMENT) == "8 Jan 2026, 14:50 UTC+5:45"


def test_zones_without_a_name_read_as_their_offset() -> None:
    with speaking("ru"):
        assert time_zone_name("UTC") == "UTC"
        assert time_zone_name("Etc/GMT-3") == "UTC+3"
        assert time_zone_name("Etc/GMT+5") == "UTC-5"
    with speaking("en", "Etc/GMT-3"):
        assert format_moment(MOMENT) == "8 Jan 2026, 12:05 UTC+3"
