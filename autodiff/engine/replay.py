"""Running a recorded graph again at other values: the graph as plain records, rebuilt.

`record(order, inputs)` keeps what rebuilding needs (each node's op, inputs, constant and
label; the leaves' data) and no reference to the nodes themselves; `replay(records, values)`
builds the graph anew with the engine, input k at `values[k]`, so its values, gradients and
errors are the engine's own. A compiled graph checks its answers this way
(`CompiledGraph.reference`); a gradient check evaluates a graph with one leaf moved.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import errors, ops
from .mode import set_grad_enabled
from .value import Value, _exponent, _lift, _make

__all__ = ["apply_op", "record", "replay"]

def apply_op(op: ops.Op, inputs: Sequence, n: float | None = None) -> Value:
    """The node `op` makes from `inputs` (and its constant `n`), exactly as the operators do."""
    if op.arity >= 0 and len(inputs) != op.arity:
        raise ValueError(errors.said("arity", "{op} takes {arity} inputs, got {count}",
                                     op=op.name, arity=op.arity, count=len(inputs)))
    return _make(op, tuple(_lift(v, op.name) for v in inputs), _exponent(n) if op.param else None)


# ("input", k, label) | ("constant", data, label) | ("op", op, input positions, n, label)
Record = tuple


def record(order: Sequence[Value], inputs: Sequence[Value] = (),
           node_inputs: Sequence[Sequence[int]] | None = None) -> list[Record]:
    """The graph in topological `order` as records; `inputs` are the leaves that `replay`
    sets (input k at values[k]), every other leaf keeps its data. `node_inputs`, each node's
    inputs as positions in `order`, where the caller has them already."""
    if node_inputs is None:
        position = {id(node): k for k, node in enumerate(order)}
        node_inputs = [[position[id(c)] for c in node.inputs] for node in order]
    index = {id(node): k for k, node in enumerate(inputs)}
    records: list[Record] = []
    for node, positions in zip(order, node_inputs):
        if positions:
            records.append(("op", node.op_entry, positions, node.exponent, node.label))
        elif id(node) in index:
            records.append(("input", index[id(node)], node.label))
        else:
            records.append(("constant", node.data, node.label))
    return records


def replay(records: Sequence[Record], values: Sequence) -> tuple[Value, list[Value | None]]:
    """The graph rebuilt by the engine at `values`: its root, and the input nodes (None for
    an input the graph does not hold). The graph is recorded even inside `no_grad()`, so
    `root.backward()` works; an op outside its domain raises the engine's error."""
    previous = set_grad_enabled(True)
    try:
        nodes: list[Value] = []
        inputs: list[Value | None] = [None] * len(values)
        for entry in records:
            if entry[0] == "input":
                node = inputs[entry[1]] = Value(values[entry[1]], label=entry[2])
            elif entry[0] == "constant":
                node = Value(entry[1], label=entry[2])
            else:
                _, op, positions, n, label = entry
                node = apply_op(op, [nodes[j] for j in positions], n)
                node.label = label
            nodes.append(node)
    finally:
        set_grad_enabled(previous)
    return nodes[-1], inputs
