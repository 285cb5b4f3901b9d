"""Practise mode's slips: for one gradient, the wrong numbers a learner is likely to write, each
with the slip of `check_work`'s catalog that gives it.

The same catalog (`catalog.changes`) and the same re-working of a row (`Sheet.evaluate`) as
`check_work`: a slip is tried in the gradient's own row and in the gradient rows it is worked
from (a path left out further up the chain shows in every gradient below it), and the number it
gives the asked row is a candidate. Candidates come in `check_work`'s order of preference: the
slip nearest the row first, then the plainer kind.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..engine.value import Value
from .catalog import KINDS, changes
from .change import Change
from .sheet import Sheet
from .texts import practise_text

__all__ = ["Candidate", "Practice", "slip_candidates", "SEARCH_NODES", "MAX_TRIALS",
           "MAX_CANDIDATES"]

SEARCH_NODES = 200  # beyond this, a slip is tried in the asked row only (as check_work's search)
MAX_TRIALS = 60_000  # rows worked for all of one graph's candidates; past it, own rows only
MAX_CANDIDATES = 60  # per gradient, the best first: a page carries every one of them
# Slips not offered on the page: a number rounded early gives numbers within a rounding of the
# right one (most of them count as right), and a weight after the step has no place before it.
# "wrong input" (another node in place of the right one) is tried in the asked row only: in
# every row above it, it would give a page hundreds of numbers per gradient, most of them
# the same slips as the kinds kept there.
_NOT_ASKED = ("rounding", "updated weight", "wrong lr")


@dataclass(frozen=True)
class Candidate:
    """A wrong number for one gradient, and the slip that gives it."""

    value: float
    kind: str                       # as check_work names it
    text: str                       # the sentence, with the local derivative's formula
    rank: int                       # check_work's preference: lower explains first
    edge: tuple[Value, int] | None  # the edge (user, input position) the slip sits on
    carried: tuple[Value, ...]      # nodes between whose gradients inherit the slip


class Practice:
    """One graph's sheet, from which the candidates of each of its gradients are worked."""

    def __init__(self, root: Value, names: Mapping[Value, str] | None = None) -> None:
        self.sheet = Sheet(root, None, None if names is None else dict(names))
        self.trials = 0

    def candidates(self, node: Value, most: int = MAX_CANDIDATES) -> list[Candidate]:
        """The wrong values of d root / d node that a slip of the catalog gives, best first,
        at most `most` of them; each number once per kind (where two kinds give it, the page
        names both)."""
        sheet = self.sheet
        if node not in sheet.grad_step or node is sheet.root:
            return []
        asked = sheet.grad_step[node].index
        between = sorted(self.sheet.ancestors(asked) | {asked})
        hosts = [asked]
        if len(sheet.order) <= SEARCH_NODES and self.trials < MAX_TRIALS:
            hosts += [j for j in reversed(between[:-1]) if sheet.steps[j].kind == "grad"
                      and sheet.steps[j].node is not sheet.root]
        found: list = []
        for rank, host in enumerate(hosts):
            for change in changes(sheet, sheet.steps[host], sheet.truth.__getitem__,
                                  lambda leaf: None, None):
                if change.kind in _NOT_ASKED or (host != asked and change.kind == "wrong input"):
                    continue  # another node in place of the right one: in the asked row only
                moved = self._trial(change, asked, between)
                value = moved.get(asked)
                if value is not None and math.isfinite(value):
                    found.append((rank, KINDS.index(change.kind), value, change, moved))
            # A row further up ranks after every slip found so far: with enough, stop.
            if len(self._kept(asked, found, most)) >= most:
                break
        return [self._candidate(asked, *f) for f in self._kept(asked, found, most)]

    def _kept(self, asked: int, found: list, most: int) -> list:
        """The found slips in check_work's order, none it would count right, each number once
        per kind (another kind giving it is kept too), the first `most`."""
        truth = self.sheet.truth[asked]
        kept: list = []
        for f in sorted(found, key=lambda f: f[:2]):
            value, kind = f[2], f[3].kind
            if abs(value - truth) <= 1e-8 + 1e-4 * abs(truth):
                continue  # check_work would count it right
            if any(k[3].kind == kind and abs(value - k[2]) <= 1e-12 * max(1.0, abs(value))
                   for k in kept):
                continue
            kept.append(f)
            if len(kept) == most:
                break
        return kept

    def _candidate(self, asked: int, rank: int, _, value: float, change: Change,
                   moved: dict[int, float]) -> Candidate:
        carried = tuple(self.sheet.steps[j].node for j in sorted(moved)
                        if j not in (asked, change.step) and self.sheet.steps[j].kind == "grad")
        return Candidate(value, change.kind, practise_text(self.sheet, change), rank,
                         self._edge(change), carried)

    def _edge(self, change: Change) -> tuple[Value, int] | None:
        if change.edge is None:
            return None
        return self.sheet.users[self.sheet.steps[change.step].node][change.edge]

    def _trial(self, change: Change, asked: int, between: list[int]) -> dict[int, float]:
        """The rows from the slip's row down to the asked one whose numbers the slip moves."""
        sheet, truth = self.sheet, self.sheet.truth
        overlay = {change.step: sheet.evaluate(sheet.steps[change.step], truth.__getitem__,
                                               change)}
        self.trials += 1
        get = lambda j: overlay.get(j, truth[j])  # noqa: E731
        for j in between[bisect.bisect_right(between, change.step):]:
            step = sheet.steps[j]
            if any(d in overlay for d in step.deps):
                self.trials += 1
                worked = sheet.evaluate(step, get)
                if worked != truth[j]:
                    overlay[j] = worked
        return overlay


def slip_candidates(root: Value, node: Value,
                    names: Mapping[Value, str] | None = None) -> list[tuple[float, str, str]]:
    """Wrong values of d root / d node and their slips, as `check_work` names them:
    (value, kind, sentence), best first."""
    return [(c.value, c.kind, c.text) for c in Practice(root, names).candidates(node)]
