"""The command line's parser in the reader's language: argparse's own words from our tables.

argparse writes a few words of its own ("usage:", "options:", "positional arguments:", the
`-h` help, its error messages), through gettext, which would need compiled catalogs and a
process-wide switch. Here the parser is built, and its messages read, in the current
language (`autodiff.language`), with nothing of the standard library patched:
- the section titles and `-h`'s help are set when a parser is made (`Parser`);
- the usage's prefix is the formatter's (`HelpFormatter`), which also wraps Chinese text by
  its width on screen (a Chinese character takes two columns);
- an error message, already written in English by argparse, is matched against argparse's
  own message templates and written again from our table (`translated`).
Under English nothing changes: argparse's words are used as they are.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Sequence

from ..language import LANGUAGES, get_language, say

__all__ = ["Parser", "HelpFormatter", "UsageError", "translated", "wanted_language"]


class UsageError(Exception):
    """Bad usage or bad input: main() prints it as one line and returns 2."""


# argparse's messages, as its source writes them (Python 3.10-3.12), by our table's key.
# `%(name)s`, `%(name)r` and `%s` are what argparse fills in; our texts take them as {name}
# (an unnamed `%s` as {arg}). A message that matches none stays as argparse wrote it.
_ARGPARSE_MESSAGES = {
    "cli.argparse.argument": "argument %(argument_name)s: %(message)s",
    "cli.argparse.required": "the following arguments are required: %s",
    "cli.argparse.invalid_choice": "invalid choice: %(value)r (choose from %(choices)s)",
    "cli.argparse.invalid_value": "invalid %(type)s value: %(value)r",
    "cli.argparse.unrecognized": "unrecognized arguments: %s",
    "cli.argparse.expected_one": "expected one argument",
    "cli.argparse.expected_at_most_one": "expected at most one argument",
    "cli.argparse.expected_at_least_one": "expected at least one argument",
    "cli.argparse.expected_n": "expected %s arguments?",
    "cli.argparse.ambiguous": "ambiguous option: %(option)s could match %(matches)s",
    "cli.argparse.ignored_explicit": "ignored explicit argument %r",
    "cli.argparse.not_allowed_with": "not allowed with argument %s",
    "cli.argparse.one_required": "one of the arguments %s is required",
}
_SPEC = re.compile(r"%(?:\((\w+)\))?[sr]")


def _pattern(template: str) -> re.Pattern:
    """A regular expression that reads a message argparse wrote from `template` back into its
    fields (an unnamed `%s` is `arg`)."""
    parts, at = [], 0
    for spec in _SPEC.finditer(template):
        parts.append(re.escape(template[at:spec.start()]))
        parts.append(f"(?P<{spec.group(1) or 'arg'}>.+?)")
        at = spec.end()
    tail = template[at:]
    # "arguments?" in a template: the plural's s is optional (argparse's ngettext).
    parts.append(re.escape(tail[:-1]) + "?" if tail.endswith("?") else re.escape(tail))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


_PATTERNS = {key: _pattern(template) for key, template in _ARGPARSE_MESSAGES.items()}


def translated(message: str) -> str:
    """An error message argparse wrote, in the current language (as it is under English, or
    where it matches none of argparse's templates)."""
    if get_language() == "en":
        return message
    for key, pattern in _PATTERNS.items():
        found = pattern.match(message)
        if found:
            fields = found.groupdict()
            if "message" in fields:  # "argument X: <a message of its own>"
                fields["message"] = translated(fields["message"])
            return say(key, **fields)
    return message


def wanted_language(argv: Sequence[str], default: str) -> str:
    """The language `--lang` asks for in `argv` (`--lang zh` or `--lang=zh`, before any `--`),
    else `default`: read before the parser is built, so that its help is in that language.
    An unknown language is left to the parser to refuse, in `default`."""
    for k, arg in enumerate(argv):
        if arg == "--":
            break
        value = arg[len("--lang="):] if arg.startswith("--lang=") else (
            argv[k + 1] if arg == "--lang" and k + 1 < len(argv) else None)
        if value in LANGUAGES:
            return value
    return default


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with our word for "usage: ", wrapping a line by its width on screen
    (argparse's documented way to change its output is such a subclass, overriding these)."""

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        prefix = say("cli.usage") if prefix is None else prefix
        # argparse indents a wrapped usage by len(prefix): a stand-in of spaces as wide on
        # screen as the prefix keeps the lines aligned, then the prefix takes its place.
        stand_in = " " * _columns(prefix)
        return super()._format_usage(usage, actions, groups, stand_in).replace(stand_in, prefix, 1)

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not _has_wide(text):
            return super()._split_lines(text, width)
        return _wrap_wide(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not _has_wide(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in _wrap_wide(" ".join(text.split()), width))


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _columns(text: str) -> int:
    return sum(2 if _is_wide(char) else 1 for char in text)


def _has_wide(text: str) -> bool:
    return any(_is_wide(char) for char in text)


# A piece a line may not be broken inside: a run of non-wide characters without spaces (an
# English word, an option, a number), or one wide character with the punctuation after it.
_PIECE = re.compile(r"\s+|[^\s\u2e80-\uffef]+|.[，。；：、）」』]?", re.DOTALL)


def _wrap_wide(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` columns, a wide character counted as two; broken
    between any two Chinese characters or at a space, never inside an English word."""
    lines, line, used = [], "", 0
    for piece in _PIECE.findall(text):
        columns = _columns(piece)
        if piece.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        if used + columns > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + piece, used + columns
    if line.strip():
        lines.append(line.rstrip())
    return lines


class Parser(argparse.ArgumentParser):
    """argparse in the current language; a usage error is one line (no usage block) and no
    SystemExit. Build it inside `language(...)`: its words are read as it is made."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        # The two sections every parser has (our subclass owns them: set here, once).
        self._positionals.title = say("cli.positional_arguments")
        self._optionals.title = say("cli.options")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=say("cli.help_help"))

    def error(self, message: str):
        """Raise a UsageError: the message in the current language, and where to read more."""
        raise UsageError(say("cli.usage_error", prog=self.prog, message=translated(message)))
