"""`check_work`: mark a learner's numbers right, carried or wrong, and find the slips.

Rows are marked in the order the computation makes them. A wrong row is explained by trying
every slip of the catalog in it and in the unanswered rows it was worked from; the slips that
give the learner's number and disturb the fewest other answers are kept. A slip found in an
unanswered row is then taken as part of the learner's work, so the rows that only inherit it
are carried.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from functools import partial

from ..engine.value import Value
from ..language import say
from .catalog import KINDS, Change, changes
from .report import Slip, WorkReport, WorkRow
from .sheet import Sheet
from .texts import rounding_text, slip_text
from .world import World
from .written import Written, written

__all__ = ["check_work", "MAX_EVALUATIONS", "MAX_SEARCH_NODES"]

# The search's budget, in rows worked while trying slips (a few microseconds each): the 2-2-2
# example needs about 7,000 even when every answer is wrong.
MAX_EVALUATIONS = 60_000
MAX_SEARCH_NODES = 200  # beyond this, answers are marked but no slip is searched for


def check_work(root: Value, answers: Mapping[str, object], *, lr: float | None = None,
               rtol: float = 1e-4, atol: float = 1e-8) -> WorkReport:
    """Check a learner's numbers for `root`'s graph: forward values (`"net_h1"`), gradients
    (`"dE_total/dw5"`) and parameters after one SGD step at `lr` (`"w5_new"`)."""
    if not isinstance(root, Value):
        raise TypeError(say("work.root_not_value", kind=type(root).__name__))
    if not isinstance(answers, Mapping):
        raise TypeError(say("work.answers_not_mapping", kind=type(answers).__name__))
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float))):
        raise TypeError(say("work.lr_not_number", kind=type(lr).__name__))
    sheet = Sheet(root, None if lr is None else float(lr))
    given = _given_rows(sheet, answers)
    return _Marker(sheet, given, rtol, atol).report()


def _given_rows(sheet: Sheet, answers: Mapping[str, object]) -> dict[int, Written]:
    names: dict[str, list[int]] = {}
    for step in sheet.steps:
        if step.name:
            names.setdefault(step.name, []).append(step.index)
    given = {}
    for name, value in answers.items():
        if not isinstance(name, str) or name not in names:
            close = difflib.get_close_matches(str(name), list(names), n=4)
            hint = say("work.did_you_mean", names=", ".join(close)) if close else say(
                "work.names_are", example=next(iter(names), "x"), root=sheet.root_name)
            raise KeyError(say("work.unknown_name", name=name, hint=hint))
        if len(names[name]) > 1:
            raise ValueError(say("work.label_shared", count=len(names[name]),
                                 label=name.split("/d")[-1].removesuffix("_new")))
        step = sheet.steps[names[name][0]]
        if step.kind == "new" and sheet.lr is None:
            raise ValueError(say("work.needs_lr", name=name))
        given[step.index] = written(name, value)
    return given


class _Marker:
    """One marking: the sheet, the learner's numbers and the world worked from them."""

    def __init__(self, sheet: Sheet, given: dict[int, Written], rtol: float,
                 atol: float) -> None:
        self.sheet, self.given, self.rtol, self.atol = sheet, given, rtol, atol
        self.values = {i: w.value for i, w in given.items()}
        self.world = World(sheet, self.values)
        # The note, said when read (in the language set then); None: the search was whole.
        self.spent, self.note = 0, None
        if len(sheet.order) > MAX_SEARCH_NODES:
            self.note = partial(say, "work.note_too_big", nodes=len(sheet.order),
                                limit=MAX_SEARCH_NODES)
        self.reported_roundings: set[int] = set()

    def agrees(self, i: int, number: float) -> bool:
        return self.given[i].agrees(number, self.rtol, self.atol)

    def report(self) -> WorkReport:
        rows, slips = [], []
        for i in sorted(self.given):  # the order the computation makes them
            truth, follows = self.sheet.truth[i], self.world.computed[i]
            status = ("right" if self.agrees(i, truth) else
                      "carried" if self.agrees(i, follows) else "wrong")
            row = WorkRow(self.sheet.steps[i].name, self.given[i].value, truth, status,
                          self.given[i].text, follows)
            found = (self.explain(i) if status == "wrong" else
                     self.rounding(i) if status == "carried" else [])
            for kind, words in found:
                row.slips.append(Slip(kind, row, words))
            slips += row.slips
            rows.append(row)
        return WorkReport(rows, slips, self.note)

    def explain(self, i: int) -> list[tuple[str, Callable[[], str]]]:
        """The slips that give the learner's number in row i, best first."""
        if self.note:
            return []
        scored = []
        for host in [i, *reversed(self.world.hidden_ancestors(i))]:  # nearest rows first
            given = self.given[i].value if host == i else None
            for change in changes(self.sheet, self.sheet.steps[host], self.world.values.__getitem__,
                                  self.updated, given):
                if self.spent + self.world.evaluations > MAX_EVALUATIONS:
                    self.note = partial(say, "work.note_budget", name=self.sheet.steps[i].name,
                                        limit=MAX_EVALUATIONS)
                    return []
                moved = self.world.trial(change)
                if i in moved and self.agrees(i, moved[i]):
                    scored.append((self.rank(i, moved, change), change))
        if not scored:
            return []
        best = min(rank for rank, _ in scored)
        chosen = [change for rank, change in scored if rank == best]
        if best[0] == 0 and (chosen[0].step != i or chosen[0].kind == "wrong lr"):
            self.adopt(chosen[0])
        found, said = [], set()
        for change in chosen:  # one slip per sentence: two changes may read alike
            text = slip_text(self.sheet, change)
            if (change.kind, text) not in said:
                said.add((change.kind, text))
                found.append((change.kind, partial(slip_text, self.sheet, change)))
        return found

    def rank(self, i: int, moved: dict[int, float], change: Change) -> tuple:
        """How well a slip explains row i, best lowest: the fewest other answers it disturbs,
        the most it mends; a rounding only where nothing else explains it; then the slip
        nearest the row (a sign flipped in the row or in a
        row it comes from give the same numbers); then one that gives the number exactly over
        one within the tolerance; then the plainer kind."""
        broken, mended = self.disturbance(i, moved)
        given = self.given[i].value
        exact = abs(moved[i] - given) <= 1e-9 * abs(given) + 1e-300
        rounding = change.kind == "rounding"  # it explains any small difference: the last resort
        return broken, -mended, rounding, -change.step, not exact, KINDS.index(change.kind)

    def disturbance(self, i: int, moved: dict[int, float]) -> tuple[int, int]:
        """(answers a slip would stop fitting, answers it would make fit)."""
        broken = mended = 0
        for j, number in moved.items():
            if j != i and j in self.given:
                before = self.agrees(j, self.world.computed[j])
                after = self.agrees(j, number)
                broken += before and not after
                mended += after and not before
        return broken, mended

    def adopt(self, change: Change) -> None:
        """Take a slip in an unanswered row as part of the learner's work from now on."""
        key = "lr" if change.kind == "wrong lr" else change.step
        adopted = {**self.world.adopted, key: change}
        self.spent += self.world.evaluations
        self.world = World(self.sheet, self.values, adopted)

    def updated(self, leaf: Value) -> float | None:
        """A parameter after the step: the learner's number where given, else the true one."""
        step = self.sheet.new_step.get(leaf)
        if step is None or self.sheet.lr is None and step.index not in self.given:
            return None
        return self.values.get(step.index, self.sheet.truth[step.index])

    def rounding(self, i: int) -> list[tuple[str, Callable[[], str]]]:
        """A carried row whose whole error comes from numbers written rounded."""
        rounded = [j for j in self.sheet.ancestors(i) if j in self.given
                   and j not in self.reported_roundings and self.written_rounded(j)]
        if not rounded:
            return []
        alone = [j for j in rounded if self._close(i, {**self.values, j: self.sheet.truth[j]})]
        if not alone:  # no one number's rounding explains the row: all of them together?
            if not self._close(i, {**self.values, **{j: self.sheet.truth[j] for j in rounded}}):
                return []
            alone = rounded
        rounded = alone
        self.reported_roundings.update(rounded)
        sources = [(j, self.given[j].text) for j in rounded]
        return [("rounding", partial(rounding_text, self.sheet, sources,
                                     self.sheet.steps[i].name))]

    def written_rounded(self, j: int) -> bool:
        """Row j holds the true number rounded to the digits written, and not the number."""
        truth, number = self.sheet.truth[j], self.given[j]
        return number.value != truth and number.digits < 15 and number.rounds(truth)

    def _close(self, i: int, exact: dict[int, float]) -> bool:
        worked = World(self.sheet, exact, self.world.adopted).computed[i]
        truth = self.sheet.truth[i]
        return abs(worked - truth) <= self.atol + self.rtol * abs(truth)
