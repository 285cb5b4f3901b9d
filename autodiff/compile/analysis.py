"""Stage 1, analyse: the graph by positions, checked, with the facts every later stage reads.

`analyse(order, inputs, wrt, numpy)` checks the arguments and the ops (a ValueError naming the
node) and returns an `Analysis`: each node's inputs as positions in the topological order,
which nodes hold arrays, need a gradient or take new values at each call, and the steps of
the engine's backward pass into each node, in the engine's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import ops
from ..engine.linear import LINEAR
from ..engine.value import Value
from .optext import check_op_texts
from .text import describe_node

__all__ = ["Analysis", "analyse"]

_TABLE = frozenset(map(id, (*ops.OPS, LINEAR)))  # every row a graph can hold


@dataclass(eq=False)
class Analysis:
    """The graph's facts, node by node (lists indexed by position in the topological order)."""

    order: list[Value]
    inputs: list[Value]
    numpy: bool  # the numpy backend
    input_pos: list[int]  # where each input is in the order
    wrt_pos: list[int]  # where each wrt node is
    input_at: dict[int, int]  # position -> which input it is
    ins: list[list[int]]  # each node's inputs, as positions
    batch: list[bool]  # which nodes hold an array
    uniform: bool  # all arrays of the graph share one shape
    shape: tuple | None  # that shape, where there is one
    needs: list[bool]  # made from a wrt input: needs a gradient
    varies: list[bool]  # made from an input: takes new values at each call
    array_kernel: list[bool]  # the engine runs the node on arrays
    # The engine's backward steps into node c: the nodes made from it, which of their inputs
    # it is. Steps into leaves are listed when first asked for (`uses`).
    users: list[list[int]]
    slots: list[list[int]]
    count: list[int]  # how many nodes are made from each op node
    single_user: list[int | None]  # the one node made from it, where there is one
    constants: list[int] = field(init=False)  # the leaves that are not inputs
    leaves_listed: bool = False

    def __post_init__(self) -> None:
        self.constants = [i for i, node_ins in enumerate(self.ins)
                          if not node_ins and i not in self.input_at]

    @property
    def root_at(self) -> int:
        return len(self.order) - 1

    def constant_arrays(self) -> bool:
        """Whether some constant holds an array (then it fixes every batch's shape)."""
        return any(self.batch[i] for i in self.constants)

    def uses(self, i: int) -> tuple[list[int], list[int]]:
        """`users[i]` and `slots[i]`; for a leaf, once the leaves' steps are listed."""
        if not self.ins[i]:
            self.list_leaf_steps()
        return self.users[i], self.slots[i]

    def list_leaf_steps(self) -> None:
        """The steps into leaves in `users` and `slots`, in the engine's order (once): most
        steps are into leaves (every weight's), and the layers gather most without them."""
        if self.leaves_listed:
            return
        self.leaves_listed = True
        ins, needs, users, slots = self.ins, self.needs, self.users, self.slots
        for p in range(len(ins) - 1, -1, -1):
            if needs[p]:
                for s, c in enumerate(ins[p]):
                    if not ins[c] and needs[c]:
                        users[c].append(p)
                        slots[c].append(s)


def analyse(order: list[Value], inputs: list[Value], wrt: list[Value], numpy: bool) -> Analysis:
    """Check the arguments and the ops (ValueError naming the node); the graph's facts."""
    position = {id(node): k for k, node in enumerate(order)}
    input_pos = [position.get(id(node), -1) for node in inputs]
    wrt_pos = [position.get(id(node), -1) for node in wrt]
    _check_arguments(order, inputs, wrt, input_pos, wrt_pos, numpy)
    ins = [[position[id(c)] for c in node.inputs] if node.inputs else []
           for node in order]  # a leaf's [] without a comprehension: faster
    batch = [type(node.data) is not float for node in order]
    shapes = {node.data.shape for node, b in zip(order, batch) if b}
    needs, varies, array_kernel = _kinds(ins, batch, input_pos, wrt_pos)
    users, slots, count, single_user = _steps(ins, needs)
    analysis = Analysis(
        order=order, inputs=inputs, numpy=numpy, input_pos=input_pos, wrt_pos=wrt_pos,
        input_at={i: k for k, i in enumerate(input_pos)}, ins=ins, batch=batch,
        # One batch shape everywhere (the usual case): no contribution ever needs reshaping.
        uniform=len(shapes) <= 1, shape=next(iter(shapes)) if len(shapes) == 1 else None,
        needs=needs, varies=varies, array_kernel=array_kernel, users=users, slots=slots,
        count=count, single_user=single_user,
    )
    _check_ops(analysis)
    return analysis


def _check_arguments(order: list[Value], inputs: list[Value], wrt: list[Value],
                     input_pos: list[int], wrt_pos: list[int], numpy: bool) -> None:
    """Every input a leaf of this graph, every wrt node an input; arrays only for numpy."""
    for k, (node, i) in enumerate(zip(inputs, input_pos)):
        if i < 0:
            raise ValueError(f"compile_graph: inputs[{k}] ({describe_node(node)}) is not in "
                             "root's graph")
        if node.inputs:
            raise ValueError(
                f"compile_graph: inputs[{k}] ({describe_node(node)}) is computed by op "
                f"{node.op!r}; inputs must be leaves (Values made by Value(...))"
            )
    input_set = set(input_pos)
    for k, (node, i) in enumerate(zip(wrt, wrt_pos)):
        if i not in input_set:
            raise ValueError(f"compile_graph: wrt[{k}] ({describe_node(node)}) is not one of "
                             "the inputs")
    if not numpy:
        for node in order:
            if type(node.data) is not float:
                raise ValueError(
                    f"compile_graph: {describe_node(node)} holds an array (batch mode); "
                    "compile batch-mode graphs with backend='numpy'"
                )


def _kinds(ins: list[list[int]], batch: list[bool], input_pos: list[int], wrt_pos: list[int]
           ) -> tuple[list[bool], list[bool], list[bool]]:
    """Which nodes need a gradient, take new values at each call, run on arrays."""
    n = len(ins)
    needs, varies, array_kernel = [False] * n, [False] * n, [False] * n
    for i in wrt_pos:
        needs[i] = True  # a leaf needs a gradient if it is asked for
    for i in input_pos:
        varies[i] = True  # and takes new values at each call if it is an input
    in_needs, in_varies, in_batch = needs.__getitem__, varies.__getitem__, batch.__getitem__
    for i, node_ins in enumerate(ins):
        if node_ins:
            needs[i] = any(map(in_needs, node_ins))  # made from a wrt input
            # Which nodes take new values at each call (made from an input): only those
            # can leave an op's domain; the engine computed the rest once already.
            varies[i] = any(map(in_varies, node_ins))
            # The engine runs a node on arrays when any input is one, else on floats.
            array_kernel[i] = any(map(in_batch, node_ins))
    return needs, varies, array_kernel


def _steps(ins: list[list[int]], needs: list[bool]) -> tuple[list, list, list, list]:
    """The engine's backward steps between op nodes that need a gradient, and the count of
    nodes made from each op node.

    The engine visits nodes in reverse topological order and, in each, its inputs in argument
    order, adding local * g to the input: `users[c]` and `slots[c]` list those steps for node
    c (the node made from c, which of its inputs c is), the order of each sum in the code.
    """
    n = len(ins)
    users: list[list[int]] = [[] for _ in range(n)]
    slots: list[list[int]] = [[] for _ in range(n)]
    count = [0] * n  # how many nodes are made from each op node, needed or not
    last = [0] * n  # the last one seen (the first made): the only one, where count is 1
    for p in range(n - 1, -1, -1):
        need = needs[p]
        for s, c in enumerate(ins[p]):
            if ins[c]:
                count[c] += 1
                last[c] = p
                if need and needs[c]:
                    users[c].append(p)
                    slots[c].append(s)
    single_user = [last[i] if count[i] == 1 else None for i in range(n)]
    return users, slots, count, single_user


def _check_ops(analysis: Analysis) -> None:
    """Every op node's op from the table, with as many inputs as it takes."""
    seen: set[tuple] = set()  # (op, arity, array) already checked
    order, array_kernel = analysis.order, analysis.array_kernel
    for i, node_ins in enumerate(analysis.ins):
        if node_ins:
            node = order[i]
            key = (id(node.op_entry), len(node_ins), array_kernel[i])
            if key not in seen:
                _check_op(node, node.op_entry, len(node_ins), array_kernel[i])
                seen.add(key)


def _check_op(node: Value, op: ops.Op | None, arity: int, array: bool) -> None:
    """The node's op is in the table, takes this many inputs, and its text is sound."""
    if op is None or id(op) not in _TABLE:
        name = getattr(op, "name", None) or "?"
        raise ValueError(
            f"compile_graph: {describe_node(node)} is made by op {name!r}, which is not in "
            "the op table (OPS in autodiff/engine/ops.py); add it there, with its forward "
            "text and local derivatives, to compile graphs that use it"
        )
    if (op.arity == -1 and arity % 2 == 0) or op.arity not in (-1, arity):
        raise ValueError(f"compile_graph: {describe_node(node)} has {arity} inputs, but op "
                         f"{op.name!r} takes {op.arity}")
    check_op_texts(op, arity, array)
