"""Where the engine refuses, the compiled code refuses too: an op's domain as a check.

Where an op has a domain (the op table's `domain`, e.g. `a > 0` for log), a check before its
statement refuses what the engine refuses, `if not x > 0: out_of_domain(...)`, unless the
domain holds for every value the inputs can take (x ** 2, a division by a constant, the log
of exp(x) + 1: `spans` bounds what each node can hold).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..engine import errors, ops, rows
from ..engine.numpy_on_demand import is_numpy_scalar, np
from ..engine.value import Value
from .optext import IDENT

__all__ = ["Domain", "domain", "may_leave", "refusal", "spans"]


@dataclass(frozen=True)
class Domain:
    """An op's `domain` as a condition over its inputs {0}, {1}, with its constant written in."""

    text: str  # e.g. "{0} > 0"; constant parts folded ("2.0 >= 0" is True)
    reads: tuple[int, ...]  # the inputs the condition reads
    points: tuple[float, ...]  # where to try it, for an input that may take any value
    cuts: tuple[float, ...] = ()  # the constants where its truth may change


_domains: dict[tuple, Domain | None] = {}


def domain(op: ops.Op, arity: int, n: float | None) -> Domain | None:
    """The op's domain with the constant n written in, or None for an op without one."""
    key = (id(op), arity, n)
    if key in _domains:
        return _domains[key]
    found = None
    if op.domain:
        names = rows.arg_names(op, arity)
        tree = _Folder(set(names)).visit(ast.parse(op.domain, mode="eval"))
        if n is not None:
            tree = _Folder(set(names), {"n": float(n)}).visit(tree)
        text = ast.unparse(tree)
        slots = {name: f"{{{k}}}" for k, name in enumerate(names)}
        reads = tuple(k for k, name in enumerate(names) if re.search(rf"\b{name}\b", text))
        # The condition is made of comparisons with constants: it can only change its truth
        # at a constant, so trying each constant, its neighbours and the points between them
        # tries every piece of the real line it cuts.
        cuts = sorted({0.0, *(float(c) for c in re.findall(r"\d+\.?\d*(?:e[+-]?\d+)?", text))})
        points = {p for c in cuts for p in (c - 1.0, c, c + 1.0)}
        points |= {(a + b) / 2 for a, b in zip(cuts, cuts[1:])}
        found = Domain(
            text=IDENT.sub(lambda m: slots.get(m.group(0), m.group(0)), text),
            reads=reads, points=tuple(sorted(points | {-c for c in points})),
            cuts=tuple(sorted({*cuts, *(-c for c in cuts)})),
        )
    _domains[key] = found
    return found


class _Folder(ast.NodeTransformer):
    """Folds what does not read an input: `(2.0 >= 0)` becomes True, `x & True` becomes x."""

    def __init__(self, inputs: set[str], values: dict | None = None) -> None:
        self.inputs = inputs
        self.values = values or {}

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.values:
            return ast.Constant(self.values[node.id])
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            for this, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(this, ast.Constant) and isinstance(this.value, bool):
                    keep = this.value if isinstance(node.op, ast.BitOr) else not this.value
                    return this if keep else other
        if isinstance(node, (ast.Compare, ast.BinOp, ast.Call)) and not self.reads_input(node):
            expression = ast.fix_missing_locations(ast.Expression(node))
            try:
                value = eval(compile(expression, "<domain>", "eval"), {"np": np})  # our own text
            except Exception:  # noqa: BLE001 - not foldable here: leave it to run
                return node
            if isinstance(value, bool) or is_numpy_scalar(value, ("bool_",)):
                return ast.copy_location(ast.Constant(bool(value)), node)
        return node

    def reads_input(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.inputs for n in ast.walk(node))


def may_leave(node: Value, domain: Domain, free: list[int], batch: list[bool],
              fixed: tuple | None, ranges: list[tuple[float, float]] | None = None) -> bool:
    """Whether the node's inputs may, at some call, lie outside its op's domain.

    `free` are the inputs (slots) the condition reads that take new values at each call,
    `batch` which of them hold arrays, `fixed` the one shape constant arrays give every batch,
    `ranges` where each input's values lie (`spans`; any number where not given).
    """
    if not free:
        return False  # fixed inputs: the engine made this node, so they are inside
    # The condition is made of comparisons with constants, so it holds for every value if
    # it holds at the points where its truth could change; a batch is tried as one array
    # of those points, and as an empty one (the mean of an empty batch is undefined).
    values = [c.data for c in node.inputs]
    grid = [values]
    for k in free:
        points = domain.points if ranges is None else _points_in(domain.cuts, *ranges[k])
        if points is None:
            points = domain.points
        if not batch[k]:
            tries = points
        elif fixed is not None:  # full-batch data: a batch can only be of that shape
            tries = [np.full(fixed, point) for point in points]
        else:
            tries = [np.array(points), np.array([])]
        grid = [[*v[:k], p, *v[k + 1:]] for v in grid for p in tries]
    return not all(node.op_entry.in_domain(v, node.exponent) for v in grid)


def _points_in(cuts: tuple[float, ...], lo: float, hi: float) -> tuple[float, ...] | None:
    """A point of every piece the cuts make of [lo, hi]: its ends, the cuts inside, a point
    between each two of them. None where the range is every number (try them all)."""
    if lo == -math.inf and hi == math.inf:
        return None
    ends = sorted({lo, hi, *(c for c in cuts if lo < c < hi)})
    between = []
    for left, right in zip(ends, ends[1:]):
        if left == -math.inf:
            between.append(right - 1.0)
        elif right == math.inf:
            between.append(left + 1.0)
        else:
            between.append(left + (right - left) / 2)
    return tuple(sorted({*ends, *between}))


# --- where each node's values lie ------------------------------------------------------------

_ANY = (-math.inf, math.inf)
_AT_LEAST_ZERO = (0.0, math.inf)


def spans(order: list[Value], ins: list[list[int]], varies: list[bool]
          ) -> list[tuple[float, float]]:
    """For each node, a range [lo, hi] that holds every value it can take at any call (nan
    aside: an input the engine refuses). Bounds are computed in floats from the inputs'
    bounds: rounding is monotone, so a + b with a >= lo_a and b >= lo_b is >= lo_a + lo_b,
    rounded. The inputs may be any number; a node made from constants only holds its value."""
    found: list[tuple[float, float]] = []
    for i, node in enumerate(order):
        if not varies[i]:
            found.append(_span_of(node.data))
        elif not ins[i]:
            found.append(_ANY)
        else:
            found.append(_op_span(node, [found[c] for c in ins[i]], ins[i]))
    return found


def _span_of(data) -> tuple[float, float]:
    if type(data) is float:
        return (data, data) if data == data else _ANY
    if data.size == 0 or np.isnan(data).any():
        return _ANY
    return float(data.min()), float(data.max())


def _op_span(node: Value, args: list[tuple[float, float]], ins: list[int]
             ) -> tuple[float, float]:
    op = node.op_entry
    if op is ops.ADD:
        return _clean(args[0][0] + args[1][0], args[0][1] + args[1][1])
    if op is ops.SUB:
        return _clean(args[0][0] - args[1][1], args[0][1] - args[1][0])
    if op is ops.NEG:
        return -args[0][1], -args[0][0]
    if op is ops.MUL:
        if ins[0] == ins[1]:
            return _AT_LEAST_ZERO  # x * x
        (a, b), (c, d) = args
        corners = [a * c, a * d, b * c, b * d]
        return _ANY if any(x != x for x in corners) else (min(corners), max(corners))
    if op is ops.POW and node.exponent == 2.0:
        return _AT_LEAST_ZERO
    if op in (ops.EXP, ops.SQRT, ops.ABS):
        return _AT_LEAST_ZERO  # exp may round down to 0, never below
    if op is ops.SIGMOID:
        return 0.0, 1.0
    if op is ops.TANH:
        return -1.0, 1.0
    if op is ops.RELU:
        return max(args[0][0], 0.0), max(args[0][1], 0.0)
    if op in (ops.SUM, ops.MEAN):  # of numbers of one sign: that sign
        lo, hi = args[0]
        return _AT_LEAST_ZERO if lo >= 0.0 else (-math.inf, 0.0) if hi <= 0.0 else _ANY
    return _ANY


def _clean(lo: float, hi: float) -> tuple[float, float]:
    """inf - inf is nan: then the bound is unknown."""
    return (lo if lo == lo else -math.inf), (hi if hi == hi else math.inf)


class _Shown:
    """A node as an error message names it: its label and the value it got."""

    __slots__ = ("label", "data", "op")

    def __init__(self, label: str, data) -> None:
        self.label, self.data, self.op = label, data, ""


def refusal(checks: list[tuple]) -> Callable[..., None]:
    """The `out_of_domain(k, *inputs)` of one compiled function: raises the engine's error."""

    def out_of_domain(k: int, *values) -> None:
        op, labels, n = checks[k]
        raise errors.op_failed(op, tuple(map(_Shown, labels, values)), n)

    return out_of_domain
