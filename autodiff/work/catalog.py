"""The catalog of slips: each a `Change` to one row of the sheet, and the ways to make them.

A slip is tried by working its row again with the change (sheet.py) and seeing whether the
learner's number comes out. Every kind is generated from the graph itself: its nodes, its
edges and the op table, never from the names or numbers of one example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..engine.value import Value
from .change import KINDS, Change
from .sheet import Sheet, Step
from .written import round_significant

__all__ = ["Change", "KINDS", "changes"]

NICE_DIGITS = 2  # a learning rate a learner might use by mistake: 0.1, 1, 0.05, 0.25


def changes(sheet: Sheet, step: Step, get: Callable[[int], float],
            updated: Callable[[Value], float | None], given: float | None,
            edge: int | None = None) -> Iterator[Change]:
    """Every slip of the catalog that could sit in row `step`, given the values `get` sees,
    `updated(leaf)`, a parameter's value after the step (None where unknown), and `given`,
    the learner's number for the row where the row is the one being explained. With `edge`
    (a gradient row), only the slips on that one term of its sum."""
    if edge is not None:
        if step.kind == "grad" and step.node is not sheet.root:
            yield from _gradient_slips(sheet, step, get, updated, edge)
        return
    if step.kind == "value" and step.node.inputs:
        yield from _wrong_inputs(sheet, step, get)
    elif step.kind == "grad" and step.node is not sheet.root:
        yield from _gradient_slips(sheet, step, get, updated)
    elif step.kind == "new":
        yield from _wrong_lr(sheet, step, get, given)
    if step.kind != "grad" or step.node is not sheet.root:
        yield Change("sign", step.index, negate=True)
        yield from _roundings(sheet, step, get)


def _wrong_inputs(sheet: Sheet, step: Step, get) -> Iterator[Change]:
    node = step.node
    for position, x in enumerate(node.inputs):
        right = get(sheet.value_step[x].index)
        for other in _nameable(sheet.order[: sheet.position[node]]):
            source = sheet.value_step[other].index
            if other is not x and get(source) != right:
                yield Change("wrong input", step.index, source=source, position=position)


def _nameable(nodes: list[Value]) -> Iterator[Value]:
    """The nodes a learner writes down and could mix up: labeled ones and constants."""
    return (node for node in nodes if node.label or not node.inputs)


def _gradient_slips(sheet: Sheet, step: Step, get, updated,
                    only: int | None = None) -> Iterator[Change]:
    node, i = step.node, step.index
    edges = sheet.users[node]
    for e, (user, k) in enumerate(edges):
        if only is not None and e != only:
            continue
        if len(edges) > 1:
            yield Change("missing path", i, edge=e, drop="path")
            yield Change("sign", i, edge=e, negate=True)
        local = sheet.local(user, k, get)
        if abs(local) != 1.0:  # leaving out 1 changes nothing; leaving out -1 is a sign slip
            yield Change("missing factor", i, edge=e, drop="local")
        if user is not sheet.root:
            yield Change("missing factor", i, edge=e, drop="upstream")
        for other in sheet.order:
            if other is not user and other.op_entry is user.op_entry and \
                    len(other.inputs) == len(user.inputs) and other.exponent == user.exponent:
                yield Change("wrong slope", i, edge=e, slope_at=other)
        for position, x in enumerate(user.inputs):
            right = get(sheet.value_step[x].index)
            after = updated(x) if not x.inputs else None
            if after is not None and after != right:
                yield Change("updated weight", i, edge=e, position=position, constant=after)
            for other in _nameable(sheet.order[: sheet.position[user]]):
                source = sheet.value_step[other].index
                if other is not x and get(source) != right:
                    yield Change("wrong input", i, edge=e, position=position, source=source)
        right = get(sheet.grad_step[user].index)
        for other in sheet.order[sheet.position[node] + 1:]:
            source = sheet.grad_step[other].index
            if other.label and other is not user and get(source) != right:
                yield Change("wrong input", i, edge=e, upstream=source)


def _wrong_lr(sheet: Sheet, step: Step, get, given: float | None) -> Iterator[Change]:
    """The learning rate the learner's number implies, where it is a round one."""
    grad = get(sheet.grad_step[step.node].index)
    if sheet.lr is None or given is None or grad == 0.0:
        return
    implied = (get(sheet.value_step[step.node].index) - given) / grad
    nice = round_significant(implied, NICE_DIGITS)
    if implied > 0 and abs(implied - nice) <= 1e-3 * nice and nice != sheet.lr:
        yield Change("wrong lr", step.index, lr=nice)


def _roundings(sheet: Sheet, step: Step, get) -> Iterator[Change]:
    """The row's number rounded to 1-5 significant digits or decimals, each rounding once."""
    value = sheet.evaluate(step, get)
    seen = {value}
    for digits in range(1, 6):
        for rounded in (round_significant(value, digits), round(value, digits)):
            if rounded not in seen:
                seen.add(rounded)
                yield Change("rounding", step.index, round_to=rounded)
