"""What `check_work` hands back: one row per answer, its status, and the slips found.

Its sentences are said when read (`str()`, `.text`, `.note`), in the language set then, from
the same numbers: a report made once reads in English and in Chinese alike.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from ..language import say
from ..language.numbers import format_number

__all__ = ["WorkRow", "Slip", "WorkReport"]

STATUSES = ("right", "carried", "wrong")


@dataclass(frozen=True)
class Slip:
    """A slip that reproduces the learner's number: its kind, the row it shows in, a sentence."""

    kind: str
    where: WorkRow
    words: Callable[[], str] = field(repr=False)  # says `.text` in the language set now

    @property
    def text(self) -> str:
        """The sentence naming the nodes involved, in the language set now."""
        return self.words()

    def __str__(self) -> str:
        return say("work.slip_shows_in", kind=kind_text(self.kind), where=self.where.name,
                   text=self.text)


def kind_text(kind: str) -> str:
    """A slip's kind as the reader reads it ("wrong input"; in Chinese 输入用错)."""
    return say(f"work.kind.{kind}")


def status_text(status: str) -> str:
    """A row's status as the reader reads it ("carried"; in Chinese 连带)."""
    return say(f"work.status.{status}")


def _width(text: str) -> int:
    """Columns the text takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass(frozen=True, eq=False)
class WorkRow:
    """One answer: the learner's number (`given`, as `written`), the right one (`expected`),
    what follows from the learner's own earlier numbers (`follows`), and the status."""

    name: str
    given: float
    expected: float
    status: str
    written: str = ""
    follows: float | None = None
    slips: list[Slip] = field(default_factory=list, compare=False, repr=False)


@dataclass
class WorkReport:
    """The checked work: `.ok`, `.rows` in the order the computation makes them,
    `.first_wrong`, `.slips`; `.note` says where the search for slips was cut short."""

    rows: list[WorkRow]
    slips: list[Slip]
    said_note: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def note(self) -> str:
        """Where the search for slips was cut short ("" where it was not)."""
        return "" if self.said_note is None else self.said_note()

    @property
    def ok(self) -> bool:
        """Every answer right."""
        return all(row.status == "right" for row in self.rows)

    @property
    def first_wrong(self) -> WorkRow | None:
        """The first row that is wrong (not carried) in the order the computation makes them."""
        return next((row for row in self.rows if row.status == "wrong"), None)

    def row(self, name: str) -> WorkRow:
        """The row of one answer, by its name."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(say("work.no_answer", name=name))

    def _cells(self) -> list[tuple[str, str, str, str, str]]:
        cells = []
        for row in self.rows:
            note = say("work.slips_join").join(
                say("work.slip_cell", kind=kind_text(s.kind), text=s.text) for s in row.slips)
            if row.status == "carried" and not note:
                note = say("work.follows", follows=format_number(row.follows))
            cells.append((row.name, row.written, format_number(row.expected),
                          status_text(row.status), note))
        return cells

    def summary(self) -> str:
        """One line: how many rows are right, carried, wrong, and the first wrong one."""
        counts = say("work.counts_join").join(
            say("work.count", count=sum(r.status == s for r in self.rows), status=status_text(s))
            for s in STATUSES)
        first = self.first_wrong
        where = say("work.first_wrong", name=first.name) if first is not None else ""
        return say("work.summary", count=len(self.rows), counts=counts, first=where)

    def __str__(self) -> str:
        head = tuple(say("work.columns").split("|"))
        cells = [head, *self._cells()]
        widths = [max(_width(c[i]) for c in cells) for i in range(4)]
        lines = ["  ".join(c[i] + " " * (widths[i] - _width(c[i])) for i in range(4))
                 + "  " + c[4] for c in cells]
        lines.insert(1, "  ".join("-" * w for w in [*widths, _width(head[4])]))
        tail = [self.summary()] + ([self.note] if self.note else [])
        return "\n".join([*(line.rstrip() for line in lines), "", *tail])

    def __repr__(self) -> str:
        return f"<WorkReport: {self.summary()}>"

    def _repr_html_(self) -> str:
        colors = {"right": "#1a7f37", "carried": "#9a6700", "wrong": "#cf222e"}
        rows = "".join(
            f'<tr class="{html.escape(row.status)}"><td>{html.escape(name)}</td>'
            f"<td>{html.escape(given)}</td><td>{html.escape(expected)}</td>"
            f'<td style="color:{colors[row.status]}">{html.escape(status)}</td>'
            f"<td>{html.escape(note)}</td></tr>"
            for row, (name, given, expected, status, note) in zip(self.rows, self._cells()))
        note = f"<p>{html.escape(self.note)}</p>" if self.note else ""
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in say("work.columns").split("|"))
        return (f"<table class=\"work-report\"><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table><p>{html.escape(self.summary())}</p>{note}")
