"""The sheet: every number a learner writes for one step of training, as rows of the graph.

A row is a node's value (its op table row run on its inputs), its gradient (the chain rule: a
sum over its users of local derivative × the user's gradient) or a parameter after one SGD
step. `Sheet.evaluate` works a row from whatever values it is handed, so the same code gives
the true numbers, the numbers that follow from a learner's own, and those a slip would give.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..engine.backward import topological_order
from ..engine.ops import SCALAR_NAMESPACE, Op
from ..engine.rows import slopes_source
from ..engine.value import Value
from ..language import reading, say
from .change import Change

__all__ = ["Step", "Sheet", "MAX_NODES", "local_derivatives"]

MAX_NODES = 2000  # a hand-worked graph has tens of nodes; the search is no tool for big ones

Lookup = Callable[[int], float]


@dataclass(frozen=True, eq=False)
class Step:
    """One row: `kind` "value", "grad" or "new" of `node`; `name` is what a learner writes."""

    index: int
    kind: str
    node: Value
    name: str
    deps: tuple[int, ...]


_SLOPES: dict[tuple[Op, int], Callable] = {}


def local_derivatives(op: Op, arity: int) -> Callable:
    """The op table's local derivatives as a float function of the inputs (and n) and out."""
    key = (op, arity)
    if key not in _SLOPES:
        code = compile(slopes_source(op, arity), op.name, "eval")
        _SLOPES[key] = eval(code, dict(SCALAR_NAMESPACE))  # the op table's own text
    return _SLOPES[key]


class Sheet:
    """The rows of `root`'s graph in the order the computation makes them, and their truth."""

    def __init__(self, root: Value, lr: float | None,
                 names: dict[Value, str] | None = None) -> None:
        order = topological_order(root)
        for node in order:
            if type(node.data) is not float:
                raise ValueError(say("work.batch"))
        if len(order) > MAX_NODES:
            raise ValueError(say("work.too_big", nodes=len(order), limit=MAX_NODES))
        self.root, self.lr, self.order = root, lr, order
        self.position = {node: i for i, node in enumerate(order)}
        self.users: dict[Value, list[tuple[Value, int]]] = {node: [] for node in order}
        for node in reversed(order):  # users listed in the order backward reaches them
            for k, x in enumerate(node.inputs):
                self.users[x].append((node, k))
        # The names slips are written with: the nodes' own (labels, short formulas), or a
        # page's, so that a page's verdict names nodes as the page does.
        self.names = names
        self.root_name = (root.label or "f") if names is None else reading.d_name(names[root])
        self.steps: list[Step] = []
        self.value_step, self.grad_step, self.new_step = {}, {}, {}
        for node in order:
            self._add(self.value_step, "value", node, node.label,
                      [self.value_step[x].index for x in node.inputs])
        for node in self._gradient_order():
            deps = []
            for user, _ in self.users[node]:
                deps += [self.value_step[x].index for x in user.inputs]
                deps += [self.value_step[user].index, self.grad_step[user].index]
            self._add(self.grad_step, "grad", node, self.grad_name(node), deps)
        for node in order:
            if not node.inputs:
                name = f"{node.label}_new" if node.label else ""
                self._add(self.new_step, "new", node, name,
                          [self.value_step[node].index, self.grad_step[node].index])
        self.dependents: list[list[int]] = [[] for _ in self.steps]
        for step in self.steps:
            for d in sorted(set(step.deps)):
                self.dependents[d].append(step.index)
        self.truth: list[float] = []
        for step in self.steps:
            self.truth.append(self.evaluate(step, self.truth.__getitem__))

    def _gradient_order(self) -> list[Value]:
        """Nodes in the order backward completes their gradients: the root, then each node
        as its last user passes the gradient on (a neuron's weights in argument order)."""
        last_user = {}
        for user in reversed(self.order):
            for x in user.inputs:
                last_user[x] = user  # overwritten until the last user backward reaches
        done, result = set(), [self.root]
        for user in reversed(self.order):
            for x in user.inputs:
                if last_user[x] is user and x not in done:
                    done.add(x)
                    result.append(x)
        return result

    def _add(self, table: dict, kind: str, node: Value, name: str, deps: list[int]) -> None:
        step = Step(len(self.steps), kind, node, name if node.label else "", tuple(deps))
        self.steps.append(step)
        table[node] = step

    def grad_name(self, node: Value) -> str:
        """`d{root}/d{label}`, the name of a node's gradient (with a page's names: its name)."""
        name = node.label if self.names is None else reading.d_name(self.names[node])
        return f"d{self.root_name}/d{name}"

    # --- working one row ------------------------------------------------------------------
    def ancestors(self, index: int) -> set[int]:
        """The rows that row `index` is worked from, directly or through others."""
        seen, stack = set(), list(self.steps[index].deps)
        while stack:
            j = stack.pop()
            if j not in seen:
                seen.add(j)
                stack.extend(self.steps[j].deps)
        return seen

    def evaluate(self, step: Step, get: Lookup, change: Change | None = None) -> float:
        """The row's number from the values `get(index)` hands it, with `change` (a slip)."""
        try:
            if step.kind == "value":
                result = self._value(step.node, get, change)
            elif step.kind == "grad":
                result = self._grad(step.node, get, change)
            else:
                result = self._new(step.node, get, change)
        except (ArithmeticError, ValueError, TypeError):
            return math.nan  # a slip may take an op out of its domain: it reproduces nothing
        if change is not None:
            if change.negate and change.edge is None and step.kind != "new":
                result = -result
            if change.round_to is not None:
                result = change.round_to
        return result

    def _new(self, node: Value, get: Lookup, change: Change | None) -> float:
        lr = self.lr if change is None or change.lr is None else change.lr
        if lr is None:
            return math.nan  # no learning rate given: no step to check against
        step = lr * get(self.grad_step[node].index)
        before = get(self.value_step[node].index)
        return before + step if change is not None and change.negate else before - step

    def _value(self, node: Value, get: Lookup, change: Change | None) -> float:
        if not node.inputs:
            return node.data
        values = [get(self.value_step[x].index) for x in node.inputs]
        if change is not None and change.source is not None:
            values[change.position] = get(change.source)
        extra = [node.exponent] if node.op_entry.param else []
        out = node.op_entry.run(*values, *extra)[0]
        return float(out)

    def local(self, user: Value, k: int, get: Lookup, change: Change | None = None) -> float:
        """d user / d its k-th input, from the values handed (and the slip's substitutions)."""
        at = user if change is None or change.slope_at is None else change.slope_at
        values = [get(self.value_step[x].index) for x in at.inputs]
        if change is not None and change.position is not None and change.edge is not None:
            values[change.position] = (change.constant if change.constant is not None
                                       else get(change.source))
        extra = [at.exponent] if at.op_entry.param else []
        slopes = local_derivatives(at.op_entry, len(values))
        return float(slopes(*values, *extra, get(self.value_step[at].index))[k])

    def term(self, node: Value, e: int, get: Lookup, change: Change | None = None,
             ) -> tuple[float, float] | None:
        """The e-th term of node's gradient as (local derivative, upstream gradient), the
        local signed as the slip `change` (on this term) has it; None for a path left out."""
        user, k = self.users[node][e]
        mine = change is not None and change.edge == e
        if mine and change.drop == "path":
            return None
        local = 1.0 if mine and change.drop == "local" else self.local(
            user, k, get, change if mine else None)
        upstream_step = (change.upstream if mine and change.upstream is not None
                         else self.grad_step[user].index)
        upstream = 1.0 if mine and change.drop == "upstream" else get(upstream_step)
        return (-local if mine and change.negate else local), upstream

    def _grad(self, node: Value, get: Lookup, change: Change | None) -> float:
        if node is self.root:
            return 1.0
        total = 0.0
        for e in range(len(self.users[node])):
            term = self.term(node, e, get, change)
            if term is not None:
                total += term[0] * term[1]
        return total
