"""The page holds no words of its own: what it shows comes from /api/texts or the data."""

import re
from html.parser import HTMLParser
from pathlib import Path

from portal.texts import PAGE_TEXTS

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"
PAGES = {"devices", "shared", "received", "account"}


def test_the_script_asks_for_exactly_the_texts_the_server_gives() -> None:
    script = (STATIC / "portal.js").read_text()
    used = set(re.findall(r"\bT\.([a-z_]+)", script)) | {f"tab_{page}" for page in PAGES}
    assert used == set(PAGE_TEXTS)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip = tag in ("title", "script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.words.append(data.strip())


def test_the_html_shows_no_words_of_its_own() -> None:
    parser = _Text()
    parser.feed((STATIC / "index.html").read_text())
    assert parser.words == []


def test_nothing_is_loaded_from_another_site() -> None:
    for name in ("index.html", "portal.js", "portal.css"):
        text = (STATIC / name).read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert "telegram.org/js" not in text, name
