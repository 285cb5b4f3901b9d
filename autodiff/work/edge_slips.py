"""Practise mode's slips for one edge of a backward step: the wrong numbers a learner is likely
to write for the edge's local derivative d user / d input, and for its contribution to the
input's gradient, local × upstream, each with the slip that gives it.

Two sources, both read from the graph and the op table, never from one example's numbers:
- check_work's catalog (`catalog.changes` on the input's gradient row): each slip it makes on
  this edge's term, worked by the sheet's own chain-rule term (`Sheet.term`): the local
  derivative left out or taken at another node or with another input in its formula, the
  upstream gradient left out or another gradient in its place, the sign;
- the op table's local-derivative formula worked wrongly: taken at the op's output where its
  input belongs (σ(out)·(1 − σ(out))), fed the input where the formula takes the output
  (net·(1 − net)), or with one factor of a product left out (1 − out where 1 − out·out belongs).
A slip in the local derivative is a slip in the contribution too: each is offered for both.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from ..engine import rows
from ..engine.ops import SCALAR_NAMESPACE
from ..engine.value import Value
from .catalog import KINDS, Change, changes
from .sheet import Sheet, local_derivatives
from .texts import edge_change_text, formula_slip_text

__all__ = ["EdgeSlip", "EdgeCandidates", "edge_candidates", "MAX_EDGE_SLIPS"]

MAX_EDGE_SLIPS = 12  # per number asked, the plainest kinds first: a page carries all of them
_NOT_ASKED = ("rounding", "updated weight", "wrong lr", "missing path")


@dataclass(frozen=True)
class EdgeSlip:
    """A wrong number for an edge's local derivative or contribution, and its slip."""

    value: float
    kind: str  # as check_work names it
    text: str  # the sentence, in the reader's language


@dataclass(frozen=True)
class EdgeCandidates:
    """One edge's two numbers and the slips that give other numbers for each, best first."""

    local: float
    contribution: float
    local_slips: list[EdgeSlip]
    contribution_slips: list[EdgeSlip]


def edge_candidates(sheet: Sheet, user: Value, k: int) -> EdgeCandidates:
    """The slips of `user`'s k-th edge (into its k-th input) on `sheet`, as practise mode
    offers them."""
    x = user.inputs[k]
    e = next(i for i, (u, q) in enumerate(sheet.users[x]) if u is user and q == k)
    truth = sheet.truth.__getitem__
    local, upstream = sheet.term(x, e, truth)
    # Each found as (rank, value, kind, its sentence to be written): only the kept are written.
    locals_: list[tuple[float, float, str, Callable[[], str]]] = []
    shares: list[tuple[float, float, str, Callable[[], str]]] = []
    for change in changes(sheet, sheet.grad_step[x], truth, lambda leaf: None, None, edge=e):
        if change.kind in _NOT_ASKED:
            continue
        try:
            worked = sheet.term(x, e, truth, change)
        except (ArithmeticError, ValueError, TypeError):
            continue  # a slip may take the op out of its domain (1 ÷ 0): it gives no number
        if worked is None:
            continue
        rank = KINDS.index(change.kind) + 0.5 * _farther(sheet, change, user)
        if worked[0] != local:  # the slip sits in the local derivative
            locals_.append((rank, worked[0], change.kind,
                            partial(edge_change_text, sheet, change, "local")))
        shares.append((rank, worked[0] * worked[1], change.kind,
                       partial(edge_change_text, sheet, change, "contribution")))
    flipped = Change("sign", sheet.grad_step[x].index, edge=e, negate=True)
    sign = [(0, -local, "sign", partial(edge_change_text, sheet, flipped, "local"))]
    shares.append((0, -local * upstream, "sign",
                   partial(edge_change_text, sheet, flipped, "contribution")))
    for value, kind, how, factor in _formula_slips(sheet, user, k):
        text = partial(formula_slip_text, sheet, user, k, how, factor)
        locals_.append((KINDS.index(kind), value, kind, text))
        shares.append((KINDS.index(kind), value * upstream, kind, text))
    contribution = local * upstream
    return EdgeCandidates(local, contribution, _distinct(local, sign + locals_),
                          _distinct(contribution, shares))


def _farther(sheet: Sheet, change: Change, user: Value) -> bool:
    """Whether a wrong input is one of the less likely: in a formula, a node that is not one
    of the op's own inputs (w where x belongs is likelier); for the upstream, the gradient of
    a node of another op than the user's (a sibling neuron's is likelier)."""
    if change.source is not None:
        return not any(sheet.steps[change.source].node is v for v in user.inputs)
    if change.upstream is not None:
        return sheet.steps[change.upstream].node.op_entry is not user.op_entry
    return False


def _distinct(truth: float, found: list[tuple[float, float, str, Callable[[], str]]],
              ) -> list[EdgeSlip]:
    """Best (plainest kind) first; none the page would count right; each number once per kind;
    each kept one's sentence written."""
    kept: list[EdgeSlip] = []
    for _, value, kind, text in sorted(found, key=lambda f: f[0]):
        if not math.isfinite(value) or abs(value - truth) <= 1e-8 + 1e-4 * abs(truth):
            continue
        if any(s.kind == kind and abs(s.value - value) <= 1e-12 * max(1.0, abs(value))
               for s in kept):
            continue
        kept.append(EdgeSlip(value, kind, text()))
        if len(kept) == MAX_EDGE_SLIPS:
            break
    return kept


def _formula_slips(sheet: Sheet, user: Value, k: int) -> Iterator[tuple[float, str, str, str]]:
    """The op table's local derivative of input k worked wrongly: (value, kind, how, the
    factor left out) for how in "at output", "input for output", "factor"."""
    op = user.op_entry
    if op is None:
        return
    values = [sheet.truth[sheet.value_step[x].index] for x in user.inputs]
    out = sheet.truth[sheet.value_step[user].index]
    extra = [user.exponent] if op.param else []
    slopes = local_derivatives(op, len(values))
    code = rows.local_texts(op, rows.arg_names(op, len(values)), "out", user.exponent)[k]
    if len(values) == 1:
        try:  # the slope taken at the output, as though the output were the input
            at_out = op.run(out, *extra)[0]
            yield float(slopes(out, *extra, at_out)[k]), "wrong slope", "at output", ""
        except (ArithmeticError, ValueError, TypeError):
            pass
        if "out" in _names(code):  # the formula takes the output: the input put in its place
            yield float(slopes(values[0], *extra, values[0])[k]), "wrong slope", \
                "input for output", ""
    names = {**dict(zip(rows.arg_names(op, len(values)), values)), "out": out}
    if op.param:
        names["n"] = user.exponent
    for kept, dropped in _factors_left_out(code):
        try:
            value = float(eval(kept, dict(SCALAR_NAMESPACE), names))  # the op table's text
        except (ArithmeticError, ValueError, TypeError):
            continue
        yield value, "missing factor", "factor", dropped


def _names(code: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(code, mode="eval")) if isinstance(n, ast.Name)}


def _factors_left_out(code: str) -> Iterator[tuple[str, str]]:
    """For each product in a local derivative's code, the code with one factor left out, and
    that factor's code: 1.0 - out * out gives (1.0 - out, out), once per factor."""
    count = sum(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)
                for n in ast.walk(ast.parse(code, mode="eval")))
    for p in range(count):
        for side in ("left", "right"):
            tree = ast.parse(code, mode="eval")  # parsed afresh: each variant changes its own
            product = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp)
                       and isinstance(n.op, ast.Mult)][p]
            kept = getattr(product, side)
            dropped = ast.unparse(product.right if side == "left" else product.left)
            yield ast.unparse(_Swap(product, kept).visit(tree)), dropped


class _Swap(ast.NodeTransformer):
    """Stands `new` where the node `old` stood."""

    def __init__(self, old: ast.AST, new: ast.AST) -> None:
        self.old, self.new = old, new

    def visit(self, node: ast.AST) -> ast.AST:
        return self.new if node is self.old else self.generic_visit(node)
