"""No English sentence a person reads is left outside the translation functions.

`pybabel extract` finds the texts inside `_()`, `ngettext()` and `N_()` (test_catalogs checks
the catalogs against it); this test reads the same files for every other string literal that
looks like words for a person, and fails on any that is not exempt: docstrings, log lines,
developers' exceptions, assertions, and the literals of the calls that never reach a person
(callback data patterns, regexes, SQL).
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

from tests.languages.catalogs import ROOT

PERSON_FACING = ("handlers", "portal", "wording", "bot/mailer.py")
"""Where texts for people are made. sharing/ words nothing (handlers word its refusals); bot/
speaks to operators (logs, settings errors), in English on purpose."""

WORDS = re.compile(r"[A-Za-z]{2,}(?:[,.:;!?]? +|['’])[A-Za-z]{2,}")
"""Two words in a row: a sentence or a label. Identifiers, file names and callback prefixes
have no space."""
LABEL_CALLS = {
    "InlineKeyboardButton", "KeyboardButton", "button", "BotCommand",
    "answer", "reply_text", "reply_html", "send_message", "edit_message_text", "edit_text",
}  # fmt: skip
"""Calls whose first string is for people, however short ("Back", a toast's "Saved")."""
TRANSLATING = {"_", "ngettext", "N_"}
NEVER_READ = {
    # log lines and their arguments
    "debug", "info", "warning", "error", "exception", "critical", "log",
    # patterns and queries
    "compile", "match", "fullmatch", "search", "sub", "Regex", "text",
    # what Telegram matches, not what people read
    "CommandHandler", "CallbackQueryHandler", "getLogger",
}  # fmt: skip


def test_every_text_for_people_goes_through_the_translation_functions() -> None:
    leftovers = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in _person_facing_files()
        for node in _untranslated(ast.parse(path.read_text()))
    ]
    assert not leftovers, "not translatable:\n" + "\n".join(leftovers)


def _person_facing_files() -> Iterator[Path]:
    for place in PERSON_FACING:
        path = ROOT / place
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []


def _untranslated(tree: ast.AST) -> Iterator[ast.Constant]:
    """String literals that read like words for a person, outside the exempt places."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if _is_exempt(node):
            exempt.update(id(inner) for inner in ast.walk(node))
        if isinstance(node, ast.Call) and _name(node.func) in LABEL_CALLS and node.args:
            first = _as_text(node.args[0])
            if first is not None and id(node.args[0]) not in exempt:
                exempt.update(id(inner) for inner in ast.walk(node.args[0]))
                if re.search("[A-Za-z]", str(first.value)):
                    yield first
    for node in ast.walk(tree):
        text = _as_text(node)
        if id(node) not in exempt and text is not None and WORDS.search(str(text.value)):
            exempt.update(id(inner) for inner in ast.walk(node))
            yield text


def _as_text(node: ast.AST) -> ast.Constant | None:
    """A string literal, or an f-string with words of its own, read with a word in place of
    each value, so that `f"Shared {device} with {person}."` reads as a sentence too (and
    `f"{icon} {name}"`, which has none, as nothing)."""
    if isinstance(node, ast.JoinedStr):
        literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        if not re.search("[A-Za-z]{2,}", literal):
            return None
        parts = [str(v.value) if isinstance(v, ast.Constant) else "value" for v in node.values]
        return ast.Constant(value="".join(parts), lineno=node.lineno)
    return node if _is_text(node) else None


def _is_exempt(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _name(node.func) in TRANSLATING | NEVER_READ
    if isinstance(node, (ast.Raise, ast.Assert)):
        return True
    if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)  # docstrings


def _is_text(node: ast.AST) -> TypeGuard[ast.Constant]:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""
