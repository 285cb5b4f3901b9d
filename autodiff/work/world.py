"""The learner's world: the numbers that follow from the learner's own.

A row the learner answered holds their number; every other row is worked from the rows it
depends on, as the learner would have worked it, slips already found included. `trial` works
one more slip into it and says which rows' numbers move.
"""

from __future__ import annotations

import heapq

from .change import Change
from .sheet import Sheet

__all__ = ["World"]


class World:
    """Each row's number worked from the learner's (`computed`) and the number the rest of
    the work goes on from (`values`: the learner's own where given)."""

    def __init__(self, sheet: Sheet, given: dict[int, float],
                 adopted: dict | None = None) -> None:
        self.sheet, self.given, self.adopted = sheet, given, dict(adopted or {})
        self.evaluations = 0  # rows worked by trials: the cost of the search so far
        self.computed: list[float] = []
        self.values: list[float] = []
        for step in sheet.steps:
            worked = sheet.evaluate(step, self.values.__getitem__, self.change(step.index))
            self.computed.append(worked)
            self.values.append(given.get(step.index, worked))

    def change(self, index: int) -> Change | None:
        """The slip taken into row `index`: its own, or for a step, a learning rate found
        wrong in an earlier step (the learner used it for every step)."""
        own = self.adopted.get(index)
        if own is None and self.sheet.steps[index].kind == "new":
            return self.adopted.get("lr")
        return own

    def trial(self, change: Change) -> dict[int, float]:
        """The rows whose worked number moves when `change` is made, and their new numbers."""
        sheet, overlay = self.sheet, {}
        get = lambda i: overlay.get(i, self.values[i])  # noqa: E731
        self.evaluations += 1
        first = sheet.evaluate(sheet.steps[change.step], get, change)
        moved = {change.step: first}
        if change.step in self.given or first == self.values[change.step]:
            return moved  # an answered row: the work goes on from the learner's number
        overlay[change.step] = first
        waiting = list(sheet.dependents[change.step])
        heapq.heapify(waiting)
        done = set()
        while waiting:  # rows in the order they are made: a row after all it depends on
            i = heapq.heappop(waiting)
            if i in done:
                continue
            done.add(i)
            self.evaluations += 1
            worked = sheet.evaluate(sheet.steps[i], get, self.change(i))
            if worked == self.computed[i]:
                continue
            moved[i] = worked
            if i not in self.given:
                overlay[i] = worked
                for j in sheet.dependents[i]:
                    heapq.heappush(waiting, j)
        return moved

    def hidden_ancestors(self, index: int) -> list[int]:
        """The unanswered rows `index` is worked from, back to the answered ones."""
        seen, stack = set(), list(self.sheet.steps[index].deps)
        while stack:
            i = stack.pop()
            if i in seen or i in self.given:
                continue
            seen.add(i)
            stack.extend(self.sheet.steps[i].deps)
        return sorted(seen)
