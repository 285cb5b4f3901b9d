"""Reading a learner's answers from a file: CSV rows `name,value` (a header is optional) or a
JSON object. Numbers are kept as written, so their digits count (see `written`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..language import say
from .written import NUMBER

__all__ = ["read_answers"]

HEADER_NAMES = {"name", "names", "label", "key", "quantity", "variable"}  # name,value


def read_answers(path: str | Path) -> dict[str, str]:
    """The answers in a CSV or JSON file, name to the number's text; ValueError if malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise ValueError(say("work.file_unreadable", path=path, reason=reason)) from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return _from_json(text, path)
    return _from_csv(text, path)


def _from_json(text: str, path: Path) -> dict[str, str]:
    try:  # numbers parsed as their text: 0.5900 keeps its four digits
        data = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as error:
        raise ValueError(say("work.file_bad_json", path=path, error=error.msg,
                             line=error.lineno)) from None
    if not isinstance(data, dict):
        raise ValueError(say("work.file_not_object", path=path, kind=type(data).__name__))
    for name, value in data.items():
        if not isinstance(value, str):
            raise ValueError(say("work.file_not_number", path=path, name=name, value=value))
    return data


def _from_csv(text: str, path: Path) -> dict[str, str]:
    answers: dict[str, str] = {}
    header_seen = False
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 2:
            raise ValueError(say("work.file_two_cells", path=path, line=line, count=len(cells)))
        name, value = cells
        if not NUMBER.fullmatch(value):
            if not answers and not header_seen and name.lower() in HEADER_NAMES:
                header_seen = True
                continue  # a header, such as name,value, before the first answer
            raise ValueError(say("work.file_line_not_number", path=path, line=line, name=name,
                                 value=value))
        if name in answers:
            raise ValueError(say("work.file_twice", path=path, line=line, name=name))
        answers[name] = value
    if not answers:
        raise ValueError(say("work.file_empty", path=path))
    return answers
