"""What `check_work` hands back: one row per answer, its status, and the slips found."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..language.numbers import format_number

__all__ = ["WorkRow", "Slip", "WorkReport"]

STATUSES = ("right", "carried", "wrong")


@dataclass(frozen=True)
class Slip:
    """A slip that reproduces the learner's number: its kind, the row it shows in, a sentence."""

    kind: str
    where: WorkRow
    text: str

    def __str__(self) -> str:
        return f"{self.kind} (shows in {self.where.name}): {self.text}"


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
    note: str = ""

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
        raise KeyError(f"no answer named {name!r} was checked")

    def _cells(self) -> list[tuple[str, str, str, str, str]]:
        cells = []
        for row in self.rows:
            note = "; ".join(f"{s.kind}: {s.text}" for s in row.slips)
            if row.status == "carried" and not note:
                note = f"follows from your numbers ({format_number(row.follows)})"
            cells.append((row.name, row.written, format_number(row.expected), row.status, note))
        return cells

    def summary(self) -> str:
        """One line: how many rows are right, carried, wrong, and the first wrong one."""
        counts = ", ".join(f"{sum(r.status == s for r in self.rows)} {s}" for s in STATUSES)
        first = self.first_wrong
        where = f"; first wrong: {first.name}" if first is not None else ""
        return f"{len(self.rows)} answers: {counts}{where}"

    def __str__(self) -> str:
        head = ("name", "given", "expected", "status", "slip")
        cells = [head, *self._cells()]
        widths = [max(len(c[i]) for c in cells) for i in range(4)]
        lines = ["  ".join(c[i].ljust(widths[i]) for i in range(4)) + "  " + c[4]
                 for c in cells]
        lines.insert(1, "  ".join("-" * w for w in widths) + "  ----")
        tail = [self.summary()] + ([self.note] if self.note else [])
        return "\n".join([*(line.rstrip() for line in lines), "", *tail])

    def __repr__(self) -> str:
        return f"<WorkReport: {self.summary()}>"

    def _repr_html_(self) -> str:
        colors = {"right": "#1a7f37", "carried": "#9a6700", "wrong": "#cf222e"}
        rows = "".join(
            f'<tr class="{html.escape(status)}"><td>{html.escape(name)}</td>'
            f"<td>{html.escape(given)}</td><td>{html.escape(expected)}</td>"
            f'<td style="color:{colors[status]}">{status}</td><td>{html.escape(note)}</td></tr>'
            for name, given, expected, status, note in self._cells())
        note = f"<p>{html.escape(self.note)}</p>" if self.note else ""
        return ("<table class=\"work-report\"><thead><tr><th>name</th><th>given</th>"
                "<th>expected</th><th>status</th><th>slip</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p>{html.escape(self.summary())}</p>{note}")
