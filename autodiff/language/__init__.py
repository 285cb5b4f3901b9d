"""The language the package writes in for its readers: English or Chinese, one table each.

The package also holds how a number (`numbers`) and an op's formula (`reading`) are written
for a reader, one way for every table, picture, page and report.

`set_language("zh")` switches every text a reader sees (the command line's lines, `Trace`
tables, `explain`, the reports of `nn.homework` and `nn.exercises`, the engine's error
messages); `language("zh")` does it for one block only; `say(key, **fields)` is the lookup.

Why two plain dicts (`en.py`, `zh.py`) and not gettext catalogs (`.po`/`.mo`, Babel)?
- No build step: a catalog must be compiled to `.mo` before it is read, and a forgotten
  compile ships stale texts; a dict is read as it is written, also in the browser lab.
- The checks a catalog tool gives (every key present, the same `{placeholders}`) are one
  short test here (tests/test_language.py), run with the others.
- The package stays pure Python with no new dependency (Pyodide loads it as it is).
- Keys are names (`trace.forward_pass`), not English sentences, so improving an English
  wording never orphans its translation.
Numbers are never in the tables: they are fields, formatted by the code, the same in both.
"""

from __future__ import annotations

import contextlib
import os
import string
from collections.abc import Iterator, Mapping

from ..engine import errors
from . import en, zh

__all__ = ["LANGUAGES", "set_language", "get_language", "language", "say", "texts",
           "from_environment", "placeholders"]

TABLES: dict[str, dict[str, str]] = {"en": en.TEXTS, "zh": zh.TEXTS}
LANGUAGES = tuple(TABLES)
# The engine's messages stay in its own table (autodiff/engine/errors.py, English); the
# engine reads a translation from `errors.TRANSLATED` where one is filled in.
ERRORS: dict[str, dict[str, str]] = {"en": {}, "zh": zh.ERRORS}

_current = "en"


def _checked(lang: str) -> str:
    if lang not in TABLES:
        raise ValueError(f"unknown language {lang!r}; choose one of "
                         f"{', '.join(map(repr, LANGUAGES))}")
    return lang


def set_language(lang: str) -> None:
    """Write every text for the reader in `lang`: "en" (the default) or "zh"."""
    global _current
    _current = _checked(lang)
    errors.TRANSLATED.clear()
    errors.TRANSLATED.update(ERRORS[lang])


def get_language() -> str:
    """The language texts are written in now: "en" or "zh"."""
    return _current


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Write in `lang` inside the block (one page, one command), then as before."""
    before = get_language()
    set_language(lang)
    try:
        yield lang
    finally:
        set_language(before)


def say(key: str, **fields: object) -> str:
    """The text `key` in the current language, its `{placeholders}` filled from `fields`."""
    try:
        text = TABLES[_current][key]
    except KeyError:
        raise KeyError(f"no text {key!r} in the {_current!r} table (autodiff/language/"
                       f"{_current}.py)") from None
    return text.format(**fields)


def texts(prefix: str) -> dict[str, str]:
    """The current language's texts whose keys start with `prefix` ("page."), by the rest of
    the key, their `{fields}` left unfilled: for a script that fills them itself (the page)."""
    return {key[len(prefix):]: text for key, text in TABLES[_current].items()
            if key.startswith(prefix)}


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The console's language: "zh" where LC_ALL, LC_MESSAGES or LANG starts with "zh".

    Any of them counts (not only the first set, as POSIX orders them): a container often
    sets LC_ALL=C.UTF-8 for itself, and a reader who sets LANG=zh_CN.UTF-8 means Chinese.
    """
    environ = os.environ if environ is None else environ
    wanted = (environ.get(name, "") for name in ("LC_ALL", "LC_MESSAGES", "LANG"))
    return "zh" if any(value.lower().startswith("zh") for value in wanted) else "en"


def placeholders(text: str) -> list[tuple[str, str, str]]:
    """The `{fields}` of a text, in order, with their conversion and format: what a
    translation must keep so that it prints the same numbers."""
    return [(name, conversion or "", spec or "")
            for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
