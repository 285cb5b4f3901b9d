"""One sample of a batch graph as a graph of numbers, so that check_work's slips work on it.

A batch graph holds arrays: every sample's numbers at once, and a reduction (a mean or a sum)
that makes them one loss. Its gradient at sample s, d loss / d node[s], is the gradient of a
graph of floats: every batch array replaced by its entry s, and the reduction kept as what it
is to one sample, its share times the reduction's factor (1/N for a mean, 1 for a sum) plus
the other samples' share, a constant. Its values and its local derivatives are the batch
graph's at sample s, so its gradients are the numbers the batch page shows for that sample,
and the sheet (sheet.py) and its slips work on it as on any graph of numbers.

A node of numbers that feeds the batch (a weight, a bias) is copied too, but its gradient in
the copy is only sample s's share of the batch's, a sum over every sample: `summed` says which
nodes those are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..engine import ops
from ..engine.mode import set_grad_enabled
from ..engine.numpy_on_demand import is_array, np
from ..engine.replay import apply_op
from ..engine.value import Value
from ..language.numbers import number_text

__all__ = ["OneSample", "one_sample", "batch_size", "summed_nodes"]

_REDUCTIONS = {"mean", "sum"}


@dataclass(frozen=True)
class OneSample:
    """Sample s of a batch graph as floats: its root, each batch node's copy, each batch edge's
    copy, and the names its slips are written with."""

    root: Value
    copy: dict[Value, Value]                        # batch node -> its node of numbers
    edge: dict[tuple[Value, int], tuple[Value, int]]  # batch edge (user, k) -> the copy's
    names: dict[Value, str]


def batch_size(order: Sequence[Value]) -> int | None:
    """N where every array of the graph is one number per sample, N of them (a batch of N);
    None where some array is not (a matrix, or batches of two sizes): no copy per sample."""
    sizes = {np.shape(n.data) for n in order if is_array(n.data)}
    if len(sizes) != 1:
        return None
    (shape,) = sizes
    return shape[0] if len(shape) == 1 and shape[0] > 0 else None


def _batch(node: Value) -> bool:
    return is_array(node.data)


def summed_nodes(order: Sequence[Value], root: Value) -> set[Value]:
    """The nodes of numbers whose gradient is a sum over the samples: those that feed a batch
    node, directly or through other such nodes (a weight, a bias; not the loss after the
    reduction, whose gradient every sample shares)."""
    users: dict[Value, list[Value]] = {n: [] for n in order}
    for node in order:
        for x in node.inputs:
            users[x].append(node)
    summed: set[Value] = set()
    for node in reversed(order):
        if node is not root and not _batch(node) and any(
                _batch(u) or u in summed for u in users[node]):
            summed.add(node)
    return summed


def one_sample(order: Sequence[Value], root: Value, s: int,
               names: Mapping[Value, str]) -> OneSample | None:
    """Sample s of the batch graph in topological `order` as a graph of floats, its nodes
    named as `names` names the batch's; None where the graph is not a batch of one number per
    sample per node, or an op other than a mean or a sum turns arrays into a number."""
    n = batch_size(order)
    if n is None or not 0 <= s < n:
        return None
    previous = set_grad_enabled(True)  # recorded even inside no_grad(): the sheet reads it
    try:
        return _copied(order, root, s, n, names)
    finally:
        set_grad_enabled(previous)


def _copied(order: Sequence[Value], root: Value, s: int, n: int,
            names: Mapping[Value, str]) -> OneSample | None:
    copy: dict[Value, Value] = {}
    edge: dict[tuple[Value, int], tuple[Value, int]] = {}
    named: dict[Value, str] = {}
    for node in order:
        if not node.inputs:
            made = Value(float(node.data[s]) if _batch(node) else float(node.data), node.label)
        elif not _batch(node) and any(_batch(x) for x in node.inputs):
            if node.op not in _REDUCTIONS or len(node.inputs) != 1:
                return None
            made, edge[node, 0], extra = _reduced(node, copy[node.inputs[0]], s, n, names,
                                                  node is not root)
            named |= extra
        else:
            made = apply_op(node.op_entry, [copy[x] for x in node.inputs], node.exponent)
            made.label = node.label
            for k in range(len(node.inputs)):
                edge[node, k] = (made, k)
        copy[node] = made
        named[made] = names[node]
    return OneSample(copy[root], copy, edge, named)


def _reduced(node: Value, share: Value, s: int, n: int, names: Mapping[Value, str],
             feeds: bool) -> tuple[Value, tuple[Value, int], dict[Value, str]]:
    """A mean or sum of the batch as sample s sees it: share·(1/N) (a mean) or share (a sum),
    plus the other samples' part, a constant (left out of a mean that `feeds` nothing: the
    root's own number changes no gradient). Returns the node, the edge that stands for the
    reduction's, and the names of the nodes made on the way."""
    whole = node.inputs[0].data
    name = names[node.inputs[0]]
    mean = node.op == "mean"
    rest = float(node.data) - float(whole[s]) / (n if mean else 1)
    others = Value(rest, "")
    other_name = f"Σ(j≠{s}) {name}" + (f"/{n}" if mean else "")
    if not mean:
        made = apply_op(ops.ADD, [share, others])
        made.label = node.label
        return made, (made, 0), {others: other_name}
    factor = Value(1.0 / n, f"1/{n}")
    part = apply_op(ops.MUL, [share, factor])
    made: Value = apply_op(ops.ADD, [part, others]) if feeds else part
    made.label = node.label
    extra = {factor: f"1/{number_text(n)}"}
    if feeds:
        extra |= {others: other_name, part: f"{name}/{n}"}
    return made, (part, 0), extra
