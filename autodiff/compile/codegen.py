"""Writing a recorded graph as Python source: the statements, their order, their names.

`write_program(root, order, inputs, wrt, backend)` walks the graph once and returns a
`Program`: the source of one function `value_and_grad(*inputs) -> (value, grads)` and the
namespace it runs in. Every expression comes from the op table (`Op.forward_text`,
`Op.local_texts`), the text the engine itself runs, so no derivative is written twice and
the arithmetic is the engine's.

The backward block gathers each node's gradient where the engine scatters it: the engine adds
`local * g` into an input's slot as it visits each node made from it; here the gradient is one
sum of those same products, in the same order, written once every node made from it is done:

    dE_total_dout_h1 = dE_total_dnet_o1 * w5 + dE_total_dnet_o2 * w7

That reads like the textbook and does the same additions in the same order (x * y == y * x
exactly in IEEE arithmetic, so `g * local` is the engine's `local * g`).

Layers (`layers.py`) are written as one step each, forward and backward: a batch layer as
matrix products, a scalar layer run on many samples as sums over tuples, in the engine's order.

Where an op has a domain (the op table's `domain`, e.g. `a > 0` for log), a check before its
statement refuses what the engine refuses, `if not x > 0: out_of_domain(...)`, unless the
domain holds for every value the inputs can take (x ** 2, a division by a constant).

Names and layout are in `text.py`: a label can change what a variable is called, never what
the code does. The writer works on node positions (indices into the topological order), and
each op's text becomes a format template once per op, arity and constant, not once per node.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..engine import errors, ops
from ..engine.backward import unbroadcast
from ..engine.linear import LINEAR
from ..engine.value import Value
from . import layers
from .layers import Layer, Weights
from .text import (
    MAX_TERMS,
    WIDTH,
    Names,
    assignment,
    comment,
    describe_node,
    fill,
    identifier,
    literal,
    name_list,
    operand,
    split_sum,
    tuple_text,
    wrap_list,
)

__all__ = ["Program", "write_program", "Names", "identifier", "literal", "FUNCTION_NAME",
           "VECTOR_NAME",
           "describe_node", "name_list", "operand", "split_sum", "assignment", "WIDTH",
           "MAX_TERMS"]

FUNCTION_NAME = "value_and_grad"
VECTOR_NAME = "value_and_grad_p"  # the same function of the vector p, where there is one

# --- the namespace the function runs in ------------------------------------------------------

_ARRAY_PREFIX = "np_"  # in the numpy backend, array nodes call np_exp(...), scalar ones exp(...)


def _batch_sum(c) -> float:
    """A batch contribution to a scalar node, summed by the engine's own reduction."""
    return unbroadcast(c, 0.0)


_OWN_HELPERS: dict[str, object] = {
    "batch_sum": _batch_sum,
    "reduce_to": unbroadcast,
    "zeros_like": np.zeros_like,
}
_ARRAY_HELPERS = {_ARRAY_PREFIX + k: v for k, v in ops.ARRAY_NAMESPACE.items()}
_LAYER_HELPERS = {f.__name__: f for f in (layers.affine, layers.input_grads, layers.weight_grads,
                                          layers.bias_grads, layers.shared_bias_grad)}
_RESERVED = {FUNCTION_NAME, VECTOR_NAME, "np", "out_of_domain", *ops.SCALAR_NAMESPACE,
             *_ARRAY_HELPERS, *_OWN_HELPERS, *_LAYER_HELPERS}
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


@dataclass
class Program:
    """The written function: its source, the globals it needs, and what its names mean."""

    source: str
    namespace: dict[str, object]
    root_name: str
    input_names: list[str]
    wrt_names: list[str]
    array_inputs: list[bool]  # which inputs were recorded as arrays (numpy backend)
    uniform: bool  # all arrays of the graph share one shape
    fixed_shape: tuple | None  # the shape constant arrays fix for every array input, if any
    node_inputs: list[list[int]]  # each node's inputs, as positions in the topological order


def write_program(root: Value, order: list[Value], inputs: list[Value], wrt: list[Value],
                  backend: str, fuse: bool = True) -> Program:
    """Check the graph (raising ValueError naming the node) and write its function.

    With `fuse`, layers of neurons are written as a textbook's vectorised code does
    (`layers`); without, one statement per node.
    """
    writer = _Writer(root, order, inputs, wrt, backend, fuse)
    writer.check()
    return writer.build()


_TABLE = frozenset(map(id, (*ops.OPS, LINEAR)))  # every row a graph can hold
_P_LINE = "\0p"  # where the body unpacks the vector p: `signature` knows how
_checked_texts: set[tuple] = set()


def _check_op_texts(op: ops.Op, arity: int, array: bool) -> None:
    """Fail now, not when the function runs, if an op's text uses a name no namespace has."""
    if op.arity == -1:
        arity = 3  # the linear op's text has the same names at every width: check one
    key = (op.name, op.arity, op.param, arity, array)
    if key in _checked_texts:
        return
    names = [f"arg{i}" for i in range(arity)]
    n = 2.0 if op.param else None
    namespace = ops.ARRAY_NAMESPACE if array else ops.SCALAR_NAMESPACE
    known = set(names) | {"out_"} | set(namespace)
    for text in {op.forward_text(names, n), *op.local_texts(names, "out_", n)}:
        if text.isidentifier():
            if text not in known:
                raise ValueError(f"op {op.name!r} uses {text}, which the "
                                 f"{'array' if array else 'scalar'} namespace of "
                                 "autodiff/ops.py does not define")
            continue  # one name (a linear op's local derivative is an input itself)
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            raise ValueError(f"op {op.name!r}: its text {text!r} is not a Python expression; "
                             "fix its entry in autodiff/ops.py") from None
        unknown = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - known
        if unknown:
            raise ValueError(
                f"op {op.name!r} uses {', '.join(sorted(unknown))}, which the "
                f"{'array' if array else 'scalar'} namespace of autodiff/ops.py does not define"
            )
    _checked_texts.add(key)


# --- op text as templates ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    """An op's text with its inputs as {0}, {1}, ... and its output as {out}: made once."""

    forward: str  # the terms of the forward expression (a sum is split), joined by _TERM
    local: tuple[str | int, ...]  # d out / d input; an int k where it is input k itself
    atomic: tuple[bool, ...]  # whether each local is one name, number or call (no parens)

    def terms(self, args: Sequence[str]) -> list[str]:
        """The forward expression's terms with the inputs named `args`."""
        return self.forward.format(*args).split(_TERM)

    def local_text(self, s: int, args: Sequence[str], out: str) -> str:
        """d out / d input s with the inputs named `args` and the output `out`."""
        t = self.local[s]
        return args[t] if type(t) is int else t.format(*args, out=out)


_TERM = "\x00"  # joins a template's terms: no op text holds it
_SLOT = re.compile(r"\{(\d+|out)\}")
_templates: dict[tuple, _Template] = {}


def _template(op: ops.Op, arity: int, n: float | None, array: bool) -> _Template:
    key = (id(op), arity, n, array)
    found = _templates.get(key)
    if found is not None:
        return found
    slots = [f"{{{k}}}" for k in range(arity)]
    forward = op.forward_text(slots, n)
    local = op.local_texts(slots, "{out}", n)
    if array:
        forward, local = _array_helpers(forward), [_array_helpers(t) for t in local]
    dummies = {slot: f"arg{k}" for k, slot in enumerate(slots)} | {"{out}": "out_"}
    atomic = []
    for text in local:
        plain = _SLOT.sub(lambda m: dummies[m.group(0)], text)
        atomic.append(operand(plain) == plain)
    found = _templates[key] = _Template(
        forward=_TERM.join(split_sum(forward)),
        local=tuple(int(t[1:-1]) if _SLOT.fullmatch(t) and t != "{out}" else t for t in local),
        atomic=tuple(atomic),
    )
    return found


# --- domains: where the engine refuses, the compiled code refuses too ---------------------------


@dataclass(frozen=True)
class _Domain:
    """An op's `domain` as a condition over its inputs {0}, {1}, with its constant written in."""

    text: str  # e.g. "{0} > 0"; constant parts folded ("2.0 >= 0" is True)
    reads: tuple[int, ...]  # the inputs the condition reads
    points: tuple[float, ...]  # where to try it, for an input that may take any value


_domains: dict[tuple, _Domain | None] = {}


def _domain(op: ops.Op, arity: int, n: float | None) -> _Domain | None:
    """The op's domain with the constant n written in, or None for an op without one."""
    key = (id(op), arity, n)
    if key in _domains:
        return _domains[key]
    found = None
    if op.domain:
        names = op.arg_names(arity)
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
        found = _Domain(
            text=_IDENT.sub(lambda m: slots.get(m.group(0), m.group(0)), text),
            reads=reads, points=tuple(sorted(points | {-c for c in points})),
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
            if isinstance(value, (bool, np.bool_)):
                return ast.copy_location(ast.Constant(bool(value)), node)
        return node

    def reads_input(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.inputs for n in ast.walk(node))


class _Shown:
    """A node as an error message names it: its label and the value it got."""

    __slots__ = ("label", "data", "op")

    def __init__(self, label: str, data) -> None:
        self.label, self.data, self.op = label, data, ""


def _refusal(checks: list[tuple]):
    """The `out_of_domain(k, *inputs)` of one compiled function: raises the engine's error."""

    def out_of_domain(k: int, *values) -> None:
        op, labels, n = checks[k]
        raise errors.op_failed(op, tuple(map(_Shown, labels, values)), n)

    return out_of_domain


def _stem(label: str) -> str:
    """A neuron's name from its node's label: net_h2_1 -> h2_1, out_o1 -> o1."""
    name = identifier(label)
    for prefix in ("net_", "out_"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return name


def _common(names: list[str]) -> str:
    """What a layer's nodes are called together: the prefix their names share (net_h2_1 and
    net_h2_2: net_h2; one node, out_o1: out_o)."""
    if not names or not all(names):
        return ""
    prefix = os.path.commonprefix(names)
    if len(names) == 1:
        prefix = prefix.rstrip("0123456789")
    return prefix.rstrip("_")


class _Writer:
    """One compilation: the graph's facts (kinds, who needs a gradient), then the source."""

    def __init__(self, root: Value, order: list[Value], inputs: list[Value], wrt: list[Value],
                 backend: str, fuse: bool = True) -> None:
        self.root = root
        self.order = order
        self.inputs = inputs
        self.wrt = wrt
        self.numpy = backend == "numpy"
        self.fuse = fuse
        self.names = Names(_RESERVED)
        # The builtins the code calls: float() for a reduction, zip() in a layer's backward.
        self.globals: dict[str, object] = {"__builtins__": {"float": float, "zip": zip}}

    # --- checks -----------------------------------------------------------------------------

    def check(self) -> None:
        """Every input a leaf of this graph, every wrt node an input; arrays only for numpy
        (the ops: `check_ops`, once `facts` is known)."""
        position = {id(node): k for k, node in enumerate(self.order)}
        self.position = position
        # Where each input and each wrt node is in the topological order, found once.
        self.input_pos = [position.get(id(node), -1) for node in self.inputs]
        for k, (node, i) in enumerate(zip(self.inputs, self.input_pos)):
            if i < 0:
                raise ValueError(f"compile_graph: inputs[{k}] ({describe_node(node)}) is not in "
                                 "root's graph")
            if node.inputs:
                raise ValueError(
                    f"compile_graph: inputs[{k}] ({describe_node(node)}) is computed by op "
                    f"{node.op!r}; inputs must be leaves (Values made by Value(...))"
                )
        input_set = set(self.input_pos)
        self.wrt_pos = [position.get(id(node), -1) for node in self.wrt]
        for k, (node, i) in enumerate(zip(self.wrt, self.wrt_pos)):
            if i not in input_set:
                raise ValueError(f"compile_graph: wrt[{k}] ({describe_node(node)}) is not one of "
                                 "the inputs")
        if not self.numpy:
            for node in self.order:
                if type(node.data) is not float:
                    raise ValueError(
                        f"compile_graph: {describe_node(node)} holds an array (batch mode); "
                        "compile batch-mode graphs with backend='numpy'"
                    )

    def check_ops(self) -> None:
        """Every op node's op from the table, with as many inputs as it takes (after `facts`:
        which nodes the engine ran on arrays)."""
        seen: set[tuple] = set()  # (op, arity, array) already checked
        order, array_kernel = self.order, self.array_kernel
        for i, node_ins in enumerate(self.ins):
            if node_ins:
                node = order[i]
                key = (id(node.op_entry), len(node_ins), array_kernel[i])
                if key not in seen:
                    self.check_op(node, node.op_entry, len(node_ins), array_kernel[i])
                    seen.add(key)

    def check_op(self, node: Value, op: ops.Op | None, arity: int, array: bool) -> None:
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
        _check_op_texts(op, arity, array)

    # --- facts ------------------------------------------------------------------------------

    def facts(self) -> None:
        """The graph by positions: each node's inputs, kind, whether it needs a gradient, and
        the steps of the engine's backward pass into it."""
        order, position = self.order, self.position
        n = len(order)
        self.ins = ins = [[position[id(c)] for c in node.inputs] if node.inputs else []
                          for node in order]  # a leaf's [] without a comprehension: faster
        self.batch = batch = [type(node.data) is not float for node in order]
        shapes = {node.data.shape for node, b in zip(order, batch) if b}
        # One batch shape everywhere (the usual case): no contribution ever needs reshaping.
        self.uniform = len(shapes) <= 1
        self.shape = next(iter(shapes)) if len(shapes) == 1 else None
        self.input_at = {i: k for k, i in enumerate(self.input_pos)}
        self.root_at = n - 1
        needs, varies, array_kernel = [False] * n, [False] * n, [False] * n
        for i in self.wrt_pos:
            needs[i] = True  # a leaf needs a gradient if it is asked for
        for i in self.input_pos:
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
        self.needs, self.varies, self.array_kernel = needs, varies, array_kernel
        # The engine visits nodes in reverse topological order and, in each, its inputs in
        # argument order, adding local * g to the input: `users[c]` and `slots[c]` list those
        # steps for node c (the node made from c, which of its inputs c is), the order of
        # each sum here. Only steps between nodes that need a gradient. Those into leaves
        # (most steps: every weight's) are listed when first asked for (`uses`): the layers
        # gather most leaves' gradients without them.
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
        self.users, self.slots, self.count = users, slots, count
        self.leaves_listed = False
        self.single_user = [last[i] if count[i] == 1 else None for i in range(n)]

    def uses(self, i: int) -> tuple[list[int], list[int]]:
        """`users[i]` and `slots[i]` (see `facts`); for a leaf, once the leaves' are listed."""
        if not self.ins[i]:
            self.list_leaf_steps()
        return self.users[i], self.slots[i]

    def list_leaf_steps(self) -> None:
        """The steps into leaves in `users` and `slots`, in the engine's order (once)."""
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

    def plan_layers(self) -> None:
        """The layers written as one step each, and which of their outputs other code reads."""
        found: list[Layer] = []
        if self.fuse:
            found = layers.find_layers(self.order, self.ins, self.batch, self.single_user,
                                       arrays=self.numpy and self.uniform)
            if not all(layer.array for layer in found):
                self.list_leaf_steps()  # a scalar layer's weights and biases are leaves
            found = layers.check_scalar_layers(found, self.needs, self.users, self.slots)
        self.layers = found
        self.layer_of: dict[int, Layer] = {}  # a node a layer computes -> the layer
        self.net_at: dict[int, tuple[Layer, int]] = {}  # a layer's net -> (layer, neuron)
        self.loose: dict[int, tuple[Layer, int]] = {}  # an output read one by one, too
        for layer in found:
            for m in layer.members:
                self.layer_of[m] = layer
            for r, i in enumerate(layer.nets):
                self.net_at[i] = (layer, r)
            read_whole = len(layer.consumer.nets) if layer.consumer is not None else 0
            for r, row in enumerate(layer.rows):
                if self.count[row] > read_whole or row == self.root_at:
                    self.loose[row] = (layer, r)
        kept = {id(layer) for layer in found}
        unique: dict[int, Weights] = {}
        for layer in found:
            unique.setdefault(id(layer.weights), layer.weights)
        self.weights: list[Weights] = list(unique.values())
        for weights in self.weights:
            weights.layers = [layer for layer in weights.layers if id(layer) in kept]
        # The inputs, weights and biases of scalar layers: their steps through the layer are
        # one run, gathered by one sum (kind, layer or weights, neuron, index).
        self.scalar_member: dict[int, tuple] = {}
        for layer in found:
            if not layer.array and layer.source is None and self.needs[layer.nets[0]]:
                for j, x in enumerate(layer.xs):
                    self.scalar_member[x] = ("x", layer, 0, j)
        for weights in self.weights:
            if not weights.layers[0].array and self.needs[weights.layers[0].nets[0]]:
                for r, row in enumerate(weights.rows):
                    for j, w in enumerate(row):
                        self.scalar_member[w] = ("w", weights, r, j)
                for r, b in enumerate(weights.biases):
                    kind = "shared" if weights.shared_bias else "b"
                    self.scalar_member[b] = (kind, weights, r, 0)

    def plan_vector(self) -> None:
        """Numpy backend: the scalar inputs as one vector `p`, where the layers read their
        weights and biases (`W_h1 = p[W_h1_at]`), a wide sum over inputs is one dot product
        (the L2 term Σ p·p), and, where every gradient asked for is an input's and comes from
        those, the gradients are gathered as one vector too, returned as it is: no statement
        per parameter, in the source or at each call."""
        self.p_at: dict[int, int] = {}
        self.vdots: dict[int, tuple[list[int], list[int]]] = {}
        self.assembly = False
        if not (self.numpy and self.fuse and self.layers):
            return
        scalars = [i for i, node in zip(self.input_pos, self.inputs) if type(node.data) is float]
        p_at = {i: k for k, i in enumerate(scalars)}
        for weights in self.weights:
            weights.from_p = weights.layers[0].array and all(
                w in p_at for w in (*[w for row in weights.rows for w in row], *weights.biases))
        for i, node in enumerate(self.order):
            if node.op_entry is LINEAR and not self.batch[i] and i not in self.layer_of:
                ins = self.ins[i]
                k = (len(ins) - 1) // 2
                if k >= layers.WIDE and all(c in p_at for c in ins[:2 * k]):
                    self.vdots[i] = ([p_at[c] for c in ins[:k]], [p_at[c] for c in ins[k:2 * k]])
        if not self.vdots and not any(w.from_p for w in self.weights):
            return
        self.p_at = p_at
        wrt = self.wrt_pos
        self.assembly = bool(wrt) and all(i in p_at for i in wrt) and all(
            w.from_p or not w.layers[0].array or not self.needs[w.layers[0].nets[0]]
            for w in self.weights) and not any(
            not w.layers[0].array and self.needs[w.layers[0].nets[0]] for w in self.weights)

    def absorbed(self, i: int) -> bool:
        """Whether node i has no statement of its own (a layer computes it, nothing else reads
        it one by one)."""
        return i in self.layer_of and i not in self.loose

    # --- order --------------------------------------------------------------------------------

    def forward_order(self) -> list:
        """The op nodes and layers layer by layer, as the textbook computes them: by the
        longest path up from a leaf (every input of a node is lower), then topologically."""
        height = [0] * len(self.order)
        units = []
        layer_of = self.layer_of
        for i, node_ins in enumerate(self.ins):
            layer = layer_of.get(i)
            if layer is not None:
                if i == layer.nets[0]:  # its first node: every input is lower already
                    h = 1 + max([height[x] for x in layer.xs])
                    for m in layer.members:
                        height[m] = h
                    units.append((h, i, layer))
            elif node_ins:
                height[i] = 1 + max([height[c] for c in node_ins])
                units.append((height[i], i, i))
        units.sort(key=lambda unit: (unit[0], unit[1]))
        return [unit for _, _, unit in units]

    def backward_order(self) -> list:
        """The nodes and layers that need a gradient, each after every node made from it: by
        the longest path from the root (a node made from x is always nearer), then forward
        order, as the textbook reads it layer by layer."""
        n = len(self.order)
        ins, layer_of, loose, needs = self.ins, self.layer_of, self.loose, self.needs
        depth = [0] * n
        layer_depth: dict[int, int] = {}
        for p in range(n - 1, -1, -1):
            layer = layer_of.get(p)
            if layer is None:
                d = depth[p] + 1
                for c in ins[p]:
                    if depth[c] < d:
                        depth[c] = d
                continue
            key = id(layer)
            if p in loose:  # read one by one: the layer comes after its reader's steps
                layer_depth[key] = max(layer_depth.get(key, 0), depth[p] + 1)
            if p != layer.nets[0]:
                continue
            # Its first node: every node made from the layer's outputs is done.
            if layer.consumer is not None:
                layer_depth[key] = max(layer_depth.get(key, 0),
                                       layer_depth[id(layer.consumer)] + 1)
            d = layer_depth.setdefault(key, 0) + 1
            for x in layer.xs:
                if x in layer_of and x not in loose:
                    continue  # the source layer's outputs: it takes its depth from here
                if depth[x] < d:
                    depth[x] = d
        self.depth, self.layer_depth = depth, layer_depth
        units = []
        root = self.root_at
        for i in range(n):
            if not needs[i]:
                continue
            layer = layer_of.get(i)
            if layer is not None and i == layer.nets[0]:
                units.append((layer_depth[id(layer)], i, layer))
            if (layer is None or i in loose) and (ins[i] or i == root):
                units.append((depth[i], i, i))
        units.sort(key=lambda unit: (unit[0], unit[1]))
        return [unit for _, _, unit in units]

    # --- names ------------------------------------------------------------------------------

    def name_nodes(self) -> None:
        """Labels first, so the user's names win; then the layers'; then short names.

        Inputs are x1, x2, ..., other nodes t1, t2, ..., constant arrays c1, ...; a number that
        is not an input is written inline unless a word labels it (i1 = 0.05 reads better).
        """
        order, names, ins = self.order, self.names, self.ins
        var: list[str | None] = [None] * len(order)
        layer_of, loose, input_at = self.layer_of, self.loose, self.input_at
        labeled = []
        for i, node in enumerate(order):
            # A label names its node, unless a layer computes the node and no one reads it.
            label = node.label
            if not label or i in layer_of and i not in loose:
                continue
            if ins[i] or i in input_at:
                if identifier(label):
                    labeled.append(i)
            elif label[0].isascii() and label[0].isalpha():
                labeled.append(i)  # a constant: "i1" is a name, "2" or "-3" is not
        for i, name in zip(labeled, names.take_all([order[i].label for i in labeled])):
            var[i] = name
        root = self.root_at
        if var[root] is None and ins[root]:
            var[root] = names.take("out")
        self.name_layers()
        counters = {"x": 0, "t": 0, "c": 0}
        leaves = [i for i, node_ins in enumerate(ins) if not node_ins]
        nodes = [unit for unit in self.forward if type(unit) is int]
        nodes += [row for row in self.loose]
        for i in leaves + nodes:  # t1, t2, ... in the order they are written
            if var[i] is not None:
                continue
            is_input = i in self.input_at
            if not ins[i] and not is_input and not self.batch[i]:
                continue
            prefix = "x" if is_input else ("t" if ins[i] else "c")
            while True:
                counters[prefix] += 1
                candidate = f"{prefix}{counters[prefix]}"
                if candidate not in names:
                    var[i] = names.take(candidate)
                    break
        self.var = var
        atom = [v if v is not None or self.batch[i] or ins[i] else literal(node.data)
                for i, (v, node) in enumerate(zip(var, order))]
        for layer in self.layers:  # what a layer computes: a row of its matrix (or tuple)
            for key, members in (("net", layer.nets), ("out", layer.acts)):
                for r, m in enumerate(members):
                    if atom[m] is None:
                        atom[m] = f"{layer.names[key]}[{r}]"
        self.atom = atom

    def name_layers(self) -> None:
        """W_h2, b_h2 for a layer's weights; net_h2, out_h2, X_h2 (in_h2) for what it computes,
        named after its neurons' labels (net_h2_1, net_h2_2, ...)."""
        names, order = self.names, self.order
        for k, weights in enumerate(self.weights, start=1):
            first = weights.layers[0]
            stem = _common([_stem(order[i].label) for i in first.nets]) or f"layer{k}"
            weights.names["stem"] = stem
            weights.names["W"] = names.take(f"W_{stem}")
            if not (first.array and weights.shared_bias):
                weights.names["b"] = names.take(f"b_{stem}")
        for layer in (unit for unit in self.forward if type(unit) is Layer):
            stem = layer.weights.names["stem"]
            net = _common([identifier(order[i].label) for i in layer.nets])
            layer.names["net"] = names.take(net or f"net_{stem}")
            if layer.act is not None:
                out = _common([identifier(order[i].label) for i in layer.acts])
                layer.names["out"] = names.take(out or f"{layer.act.name}_{stem}")
            layer.names["rows"] = layer.names["out" if layer.act is not None else "net"]
            if layer.source is None:
                layer.names["X"] = names.take(("X_" if layer.array else "in_") + stem)
            else:
                layer.names["X"] = layer.source.names["rows"]

    def name_vector(self) -> None:
        """p, and where each layer's weights are in it (W_h1_at), bound when compiled."""
        if not self.p_at:
            return
        self.p = self.names.take("p")
        for weights in self.weights:
            if weights.from_p:
                for key, nodes in (("W", weights.rows), ("b", weights.biases)):
                    if key in weights.names:
                        name = self.names.take(f"{weights.names[key]}_at")
                        weights.names[key + "_at"] = name
                        self.globals[name] = np.array(
                            [[self.p_at[w] for w in row] for row in nodes] if key == "W"
                            else [self.p_at[b] for b in nodes], dtype=np.intp)
        # A dot product's two sides, as the entries of p they are: `[l2_at]`, or "" where a
        # side is all of p in order (the L2 term Σ p·p: `p @ p`).
        self.vdot_names: dict[int, tuple[str, str]] = {}
        for i, (w_at, x_at) in self.vdots.items():
            stem = self.var[i]
            w = self.entries_of_p(w_at, f"{stem}_at" if w_at == x_at else f"{stem}_w_at")
            x = w if x_at == w_at else self.entries_of_p(x_at, f"{stem}_x_at")
            self.vdot_names[i] = (w, x)

    def entries_of_p(self, at: list[int], name: str) -> str:
        """How code reads these entries of p: `[name]` with `name` bound to their indices when
        compiled, or "" where they are all of p, in order."""
        if at == list(range(len(self.p_at))):
            return ""
        name = self.names.take(name)
        self.globals[name] = np.array(at, dtype=np.intp)
        return f"[{name}]"

    # --- the function ---------------------------------------------------------------------------

    def build(self) -> Program:
        self.facts()
        self.check_ops()
        self.plan_layers()
        self.plan_vector()
        self.forward = self.forward_order()
        self.name_nodes()
        self.name_vector()
        self.globals.update(ops.SCALAR_NAMESPACE)
        if self.numpy:
            self.globals.update(_ARRAY_HELPERS)
            self.globals.update(_OWN_HELPERS)
        if self.layers:
            self.globals["np"] = np
            self.globals.update(_LAYER_HELPERS)
        root_name = self.var[self.root_at] or "out"
        input_names = [self.var[i] for i in self.input_pos]
        wrt_names = [self.var[i] for i in self.wrt_pos]

        doc = f"{root_name}, the value alone (no gradients asked for)."
        for limit in range(6, 1, -1):  # as many names as fit on the line
            if wrt_names:
                doc = f"{root_name} and its gradient with respect to {name_list(wrt_names, limit)}."
            if len(doc) + 10 <= WIDTH:
                break
        body = self.constant_lines()
        weights = self.weight_lines()
        body += weights
        body += self.forward_lines()
        self.direct: dict[int, str] = {}  # a leaf whose gradient is one term, returned as it is
        self.returns_dp = False  # the function returns the whole gradient vector dp
        if wrt_names:
            body += self.backward_lines(root_name)
        body += self.return_lines()
        lines = self.signature(input_names, doc, body)
        source = "\n".join(lines) + "\n"

        return Program(
            source=source, namespace=self.globals, root_name=root_name,
            input_names=input_names, wrt_names=wrt_names,
            array_inputs=[type(node.data) is not float for node in self.inputs],
            uniform=self.uniform, fixed_shape=self.shape if self.constant_arrays() else None,
            node_inputs=self.ins,
        )

    def signature(self, input_names: list[str], doc: str, body: list[str]) -> list[str]:
        """`def value_and_grad(x1, x2, ...):`, the docstring, the body. Where many numbers go
        into the vector p and nothing else reads them by name: `def value_and_grad(*inputs)`,
        `p = np.array(inputs[:K])`, their names in the docstring (a list of hundreds of
        parameters reads no better, and Python's compiler reads it twice)."""
        count = len(self.p_at)
        start = body.index(_P_LINE) if count else len(body)
        rest = body[:start] + body[start + 1:]
        if (count < 32 or sorted(self.p_at.values()) != [self.input_at[i] for i in self.p_at]
                or set(input_names[:count]) & set(_IDENT.findall("\n".join(
                    line for line in rest if not line.startswith("    #"))))):
            p_line = []
            if count:  # p = np.array((x1, x2, ...)), the inputs by name
                scalars = sorted(self.p_at, key=self.p_at.get)
                p_line = tuple_text([self.atom[i] for i in scalars], f"{self.p} = np.array(",
                                    "    ")
                p_line[-1] += ")"
            return [*wrap_list(f"def {FUNCTION_NAME}(", input_names, "):", indent=""),
                    f'    """{doc}"""', *body[:start], *p_line, *body[start + 1:]]
        inputs = self.names.take("inputs")
        unpacked = [f"    {self.p} = np.array({inputs}[:{count}])"]
        others = input_names[count:]
        if others:
            unpacked.append(f"    {', '.join(others)}{',' if len(others) == 1 else ''} = "
                            f"{inputs}[{count}:]")
        listing = fill(f"The {len(input_names)} inputs, in order: {', '.join(input_names)}.",
                       "    ")
        head = [f"def {FUNCTION_NAME}(*{inputs}):", f'    """{doc}', "", *listing, '    """']
        if others or not self.returns_dp:
            return [*head, *body[:start], *unpacked, *body[start + 1:]]
        root, dp = self.atom[self.root_at], self.dp
        # Every input a number in p, every gradient one entry of dp: the work is a function
        # of the vector p (a training loop can keep its parameters as one array), and
        # value_and_grad only packs and unpacks.
        about = fill(f'"""{root} and its gradient d{root}/d{self.p}: {self.p} is the {count} '
                     f"inputs of {FUNCTION_NAME} as one vector, in the order it lists them, and "
                     f'd{root}/d{self.p} one vector too."""', "    ")
        before = body[:start - 1] if start and body[start - 1] == self.p_comment else body[:start]
        return [f"def {VECTOR_NAME}({self.p}):", *about, *before, *body[start + 1:-1],
                f"    return {root}, {dp}", "", "", *head,
                f"    {root}, {dp} = {VECTOR_NAME}(np.array({inputs}))",
                f"    return {root}, {dp}.tolist()"]

    @functools.cached_property
    def constants(self) -> list[int]:
        """The leaves that are not inputs, in topological order."""
        return [i for i, node_ins in enumerate(self.ins) if not node_ins and i not in self.input_at]

    def constant_arrays(self) -> bool:
        return any(self.batch[i] for i in self.constants)

    def constant_lines(self) -> list[str]:
        lines = []
        for i in self.constants:
            name = self.var[i]
            if name is None:
                continue
            data = self.order[i].data
            if type(data) is float:
                lines.append(f"    {name} = {literal(data)}")
            else:
                self.globals[name] = data
                lines.append(f"    # {name}: a constant array of shape {data.shape}, "
                             "bound when compiled")
        return ["    # constants: the leaves that are not inputs", *lines] if lines else []

    def weight_lines(self) -> list[str]:
        """Each layer's weights as one matrix (a row per neuron) and its biases as a vector."""
        lines = []
        atom = self.atom
        if self.p_at:
            scalars = sorted(self.p_at, key=self.p_at.get)
            self.p_comment = (f"    # the {len(scalars)} numbers among the inputs as one vector: "
                              "the layers' weights are in it")
            lines += [self.p_comment, _P_LINE]  # `p = np.array((x1, ...))`: `signature` writes it
        for weights in self.weights:
            first = weights.layers[0]
            count, width = len(weights.rows), len(first.xs)
            if weights.from_p:
                W = weights.names["W"]
                at = [weights.names["W_at"]] + ([weights.names["b_at"]]
                                                if "b" in weights.names else [])
                lines.append(f"    # layer {weights.names['stem']}: weights ({count} x {width}, a "
                             f"row per neuron) and biases; {' and '.join(at)} say where in "
                             f"{self.p}")
                lines.append(f"    {W} = {self.p}[{weights.names['W_at']}]")
                if "b" in weights.names:
                    lines.append(f"    {weights.names['b']} = {self.p}[{weights.names['b_at']}]")
                continue
            what = "matrix" if first.array else "tuple of rows"
            lines.append(f"    # layer {weights.names['stem']}: its weights as a {what}, a row "
                         f"per neuron ({count} x {width}), and its biases")
            rows = [[atom[w] for w in row] for row in weights.rows]
            biases = [atom[b] for b in weights.biases]
            if first.array and not any(self.varies[w] for row in weights.rows for w in row):
                name = weights.names["W"]  # constant weights: one array, made when compiled
                self.globals[name] = np.array([[self.order[w].data for w in row]
                                               for row in weights.rows])
                lines.append(f"    # {name}: a constant matrix of shape ({count}, {width}), "
                             "bound when compiled")
            else:
                lines += _matrix(weights.names["W"], rows, first.array)
            if "b" in weights.names:
                lines += tuple_text(biases, f"{weights.names['b']} = " + (
                    "np.array(" if first.array else ""), indent="    ")
                if first.array:
                    lines[-1] += ")"
        return lines

    def forward_lines(self) -> list[str]:
        """One statement per op node, each after its inputs; the op table's text."""
        lines = []
        if self.ins[self.root_at]:
            lines.append("    # forward pass: each node once, after its inputs")
        order, atom, var, ins = self.order, self.atom, self.var, self.ins
        numpy = self.numpy
        # What each op node's local derivatives are written from, made into text on demand.
        self.local_from: dict[int, tuple[_Template, list[str]]] = {}
        self.local_arrays: dict[int, list[bool]] = {}
        for unit in self.forward:
            if type(unit) is Layer:
                lines += self.layer_forward_lines(unit)
                continue
            i = unit
            node = order[i]
            name = var[i]
            args = [atom[c] for c in ins[i]]
            array = numpy and self.array_kernel[i]
            template = _template(node.op_entry, len(args), node.exponent, array)
            if i in self.vdots:  # a wide sum over inputs: one dot product of entries of p
                w_at, x_at = self.vdot_names[i]
                terms = [f"float({self.p}{w_at} @ {self.p}{x_at})", args[-1]]
            else:
                terms = template.terms(args)
            domain = node.op_entry.domain and _domain(node.op_entry, len(args), node.exponent)
            if domain and self.may_leave(i, domain):
                lines += self.domain_lines(i, domain, args, array)
            if array:
                out, self.local_arrays[i] = _kinds(node)
                if type(out) is not float and type(node.data) is float:
                    terms = [f"float({' + '.join(terms)})"]  # as the engine: a reduction
            if self.needs[i]:
                self.local_from[i] = (template, args)
            lines += assignment(name, terms)
        return lines

    def layer_forward_lines(self, layer: Layer) -> list[str]:
        """`net = W @ X + b` and `out = act(net)` for a batch layer; `affine` and one list for a
        scalar layer; then the outputs other code reads one by one."""
        names, weights, atom = layer.names, layer.weights, self.atom
        count, width = len(layer.nets), len(layer.xs)
        lines = []
        if layer.array:
            reading = (f"the {width} rows of {names['X']}" if layer.source is not None
                       else f"{name_list([atom[x] for x in layer.xs], 4)}")
            lines.append(f"    # layer {weights.names['stem']}: {count} neuron"
                         f"{'s' if count > 1 else ''} reading {reading}, as one matrix product")
        if layer.source is None:
            items = [atom[x] for x in layer.xs]
            if layer.array and not any(self.varies[x] for x in layer.xs):
                # The data are constants: X is one matrix, made now.
                X = self.globals[names["X"]] = np.stack([self.order[x].data for x in layer.xs])
                lines.append(f"    # {names['X']}: a constant matrix of shape {X.shape}, bound "
                             "when compiled")
            elif layer.array:
                lines += tuple_text(items, f"{names['X']} = np.stack(", indent="    ")
                lines[-1] += ")"
            else:
                lines += tuple_text(items, f"{names['X']} = ", indent="    ")
        W = weights.names["W"]
        if layer.array:
            bias = (f" + {atom[weights.biases[0]]}" if weights.shared_bias
                    else f" + {weights.names['b']}[:, None]")
            lines.append(f"    {names['net']} = {W} @ {names['X']}{bias}")
        else:
            lines.append(f"    {names['net']} = affine({W}, {names['X']}, {weights.names['b']})")
        if layer.act is not None:
            template = _template(layer.act, 1, None, layer.array)
            if layer.array:
                text = " + ".join(template.terms([names["net"]]))
            else:
                text = f"[{' + '.join(template.terms(['v']))} for v in {names['net']}]"
            lines.append(f"    {names['out']} = {text}")
        for r, row in enumerate(layer.rows):
            if row in self.loose:
                lines.append(f"    {self.var[row]} = {names['rows']}[{r}]")
        return lines

    def may_leave(self, i: int, domain: _Domain) -> bool:
        """Whether node i's inputs may, at some call, lie outside its op's domain."""
        node, ins = self.order[i], self.ins[i]
        free = [k for k in domain.reads if self.varies[ins[k]]]
        if not free:
            return False  # fixed inputs: the engine made this node, so they are inside
        # The condition is made of comparisons with constants, so it holds for every value if
        # it holds at the points where its truth could change; a batch is tried as one array
        # of those points, and as an empty one (the mean of an empty batch is undefined).
        values = [c.data for c in node.inputs]
        grid = [values]
        # Where constant arrays fix every batch's shape (full-batch data), a batch can only
        # be of that shape: not empty.
        fixed = self.shape if self.uniform and self.constant_arrays() else None
        for k in free:
            if not self.batch[ins[k]]:
                tries = domain.points
            elif fixed is not None:
                tries = [np.full(fixed, point) for point in domain.points]
            else:
                tries = [np.array(domain.points), np.array([])]
            grid = [[*v[:k], p, *v[k + 1:]] for v in grid for p in tries]
        return not all(node.op_entry.in_domain(v, node.exponent) for v in grid)

    def domain_lines(self, i: int, domain: _Domain, args: list[str], array: bool) -> list[str]:
        """`if not <domain>: out_of_domain(k, inputs...)`, the engine's refusal."""
        node = self.order[i]
        if "out_of_domain" not in self.globals:
            self.checks: list[tuple] = []
            self.globals["out_of_domain"] = _refusal(self.checks)
            self.globals["np"] = np
        self.checks.append((node.op_entry, [c.label for c in node.inputs], node.exponent))
        condition = domain.text.format(*args)
        if array:
            condition = f"np.all({condition})"
        return [f"    if not {condition}:",
                f"        out_of_domain({len(self.checks) - 1}, {', '.join(args)})"]

    # --- the backward pass ----------------------------------------------------------------------

    def backward_lines(self, root_name: str) -> list[str]:
        """One statement per gradient: the sum of its chain-rule steps, in the engine's order."""
        order, needs, names, atom = self.order, self.needs, self.names, self.atom
        n = len(order)
        grad: list[str | None] = [None] * n
        layer_of, loose = self.layer_of, self.loose
        gathered = self.p_at if self.assembly else {}  # their gradients are entries of dp
        for i in range(n):  # every node that needs a gradient and has a statement of its own
            if needs[i] and (i not in layer_of or i in loose) and i not in gathered:
                grad[i] = names.take(f"d{root_name}_d{atom[i]}")
        self.grad = grad
        for layer in self.layers:
            if not needs[layer.nets[0]]:
                continue
            for key in ("net", "out", "X"):
                if key in layer.names and not (key == "X" and layer.source is not None):
                    layer.names["d" + key] = names.take(f"d{root_name}_d{layer.names[key]}")
            layer.names["drows"] = layer.names["dout" if layer.act is not None else "dnet"]
            if layer.array:  # each batch layer its own dW, db (a scalar layer's: per weights)
                stem = layer.weights.names["stem"]
                layer.names["dW"] = names.take(f"d{root_name}_dW_{stem}")
                layer.names["db"] = names.take(f"d{root_name}_db_{stem}")
        for layer in self.layers:
            if layer.source is not None and "drows" in layer.source.names:
                layer.names["dX"] = layer.source.names["drows"]
        for weights in self.weights:
            if not weights.layers[0].array and needs[weights.layers[0].nets[0]]:
                stem = weights.names["stem"]
                weights.names["dW"] = names.take(f"d{root_name}_dW_{stem}")
                weights.names["db"] = names.take(f"d{root_name}_db_{stem}")
        lines = [
            "",
            f"    # backward pass: d{root_name}/d(node) for each node, from {root_name} back to "
            "the inputs.",
            "    # Each term is one step of the chain rule, through one node made from that node.",
        ]
        self.grad_array = [False] * n
        self.prefix = f"d{root_name}/d"
        root = self.root_at
        if self.assembly:
            self.gathered = {i for weights in self.weights if weights.from_p
                             for layer in weights.layers for i in layer.nets}
            # The nodes some step into which no layer or dot product gathers (a superset: a
            # dot product's bias may be one of its own inputs); every other input has no rest.
            self.loose_inputs = set()
            for p in range(n):
                if needs[p] and p not in self.gathered:
                    self.loose_inputs.update(self.ins[p][-1:] if p in self.vdots else self.ins[p])
            self.dp = names.take(f"d{root_name}_d{self.p}")
            lines += [f"    # d{root_name}/d{self.p}: every gradient asked for, gathered in one "
                      "vector as the layers give them",
                      f"    {self.dp} = np.zeros({len(self.p_at)})"]
        for unit in self.backward_order():
            if type(unit) is Layer:
                lines += self.layer_backward_lines(unit)
            elif unit == root:
                lines += [f"    # d{root_name}/d{root_name} = 1", f"    {grad[unit]} = 1.0"]
            else:
                lines += self.gradient_lines(unit)
                if self.assembly and unit in self.vdots:
                    lines += self.vdot_backward_lines(unit)
        for weights in self.weights:
            if not weights.layers[0].array and "dW" in weights.names:
                lines += self.weight_grad_lines(weights)
        for i in self.wrt_pos:
            if i == root:
                continue
            if self.assembly:
                if i not in self.loose_inputs:
                    continue  # every step into it gathered into dp: no rest (most inputs)
                steps = self.rest_of(i)
                if steps:  # what the layers and dot products do not gather
                    lines += comment(f"{self.prefix}{self.atom[i]}, the rest",
                                     [step[1] for step in steps[:2]], len(steps))
                    lines += assignment(f"{self.dp}[{self.p_at[i]}]",
                                        [f"{self.dp}[{self.p_at[i]}]", *(t for t, *_ in steps)])
            else:
                lines += self.gradient_lines(i, leaf=True)
        return lines

    def rest_of(self, i: int) -> list:
        """An input's steps that no layer or dot product gathers into dp (most have none)."""
        vdots, ins = self.vdots, self.ins
        if all(p in self.gathered or p in vdots and s < len(ins[p]) - 1
               for p, s in zip(*self.uses(i))):
            return []
        return self.steps_of(i)

    def vdot_backward_lines(self, i: int) -> list[str]:
        """A dot product of entries of p, backward: each side gets d(node) * the other side."""
        w_at, x_at = self.vdot_names[i]
        g, p, dp = self.grad[i], self.p, self.dp
        return [f"    {dp}{w_at} += {g} * {p}{x_at}", f"    {dp}{x_at} += {g} * {p}{w_at}"]

    def scatter(self, at: str, value: str) -> str:
        """`dp[at] += value`; np.add.at where an index repeats (a += would add it once)."""
        indices = self.globals[at].ravel().tolist()
        if len(set(indices)) < len(indices):
            return f"    np.add.at({self.dp}, {at}, {value})"
        return f"    {self.dp}[{at}] += {value}"

    def term(self, p: int, s: int, i: int) -> tuple[str, bool]:
        """The chain-rule step from node p down to its input i (slot s): its text, and whether
        it is an array (numpy backend)."""
        template, args = self.local_from[p]
        local = template.local_text(s, args, self.var[p])
        g = self.grad[p]
        if local == "1.0":
            term = g
        elif local == "-1.0":
            term = f"-{g}"
        elif template.atomic[s]:
            term = f"{g} * {local}"
        else:
            term = f"{g} * ({local})"
        if self.numpy and (self.grad_array[p] or (p in self.local_arrays
                                                  and self.local_arrays[p][s])):
            if not self.batch[i]:
                return f"batch_sum({term})", False  # as the engine: summed to a scalar
            if not self.uniform:
                return f"reduce_to({term}, {self.atom[i]})", True  # broadcast: back to i's shape
            return term, True
        return term, False

    def steps_of(self, i: int) -> list[tuple[str, str, bool, bool]]:
        """The chain-rule steps into node i, in the engine's order: (term, how it reads, array,
        made by a layer).

        A layer's steps into one node come as one term: a row of its input gradient for an
        input, an entry of its weight gradient for a weight. A scalar layer's terms keep the
        engine's order: its steps are one run (checked), and a weight's steps before the run
        are the start of the layer's sum (`weight_grad_lines`).
        """
        (users, slots), net_at, var, prefix = self.uses(i), self.net_at, self.var, self.prefix
        x = self.atom[i]
        if not net_at and not self.vdots:  # no layers: every step is one node's
            steps = []
            for p, s in zip(users, slots):
                term, array = self.term(p, s, i)
                steps.append((term, f"{prefix}{var[p]} * d{var[p]}/d{x}", array, False))
            return steps
        steps, begin = [], 0
        member = self.scalar_member.get(i)
        if member is not None:
            kind, owner, r, j = member
            if kind == "x":
                term, net, begin = f"{owner.names['dX']}[{j}]", owner.names["net"], len(owner.nets)
            else:
                run = owner.runs[r] if kind != "shared" else owner.runs[-1]
                begin = users.index(run[0]) + len(run)
                net = owner.layers[0].names["net"]
                dW, db = owner.names["dW"], owner.names["db"]
                term = {"w": f"{dW}[{r}][{j}]", "b": f"{db}[{r}]", "shared": db}[kind]
            steps.append((term, f"{prefix}{net} * d{net}/d{x}", False, True))
        seen: set[tuple] = set()
        gathered = self.assembly and i in self.p_at
        for p, s in zip(users[begin:], slots[begin:]):
            hit = net_at.get(p)
            if gathered and (hit is not None and hit[0].weights.from_p or
                             p in self.vdots and s < len(self.ins[p]) - 1):
                continue  # gathered into dp by the layer or the dot product
            if hit is None:
                term, array = self.term(p, s, i)
                steps.append((term, f"{prefix}{var[p]} * d{var[p]}/d{x}", array, False))
                continue
            layer, r = hit
            k = len(layer.xs)
            if k <= s < 2 * k:
                if layer.source is not None:
                    continue  # an output of the layer before: that layer gathers this step
                key, term, array = (id(layer), "X", s), f"{layer.names['dX']}[{s - k}]", True
            elif s < k:
                key, term, array = (id(layer), r, s), f"{layer.names['dW']}[{r}][{s}]", False
            elif layer.weights.shared_bias:
                key, term, array = (id(layer), "b"), layer.names["db"], False
            else:
                key, term, array = (id(layer), r, s), f"{layer.names['db']}[{r}]", False
            if key not in seen:
                seen.add(key)
                net = layer.names["net"]
                steps.append((term, f"{prefix}{net} * d{net}/d{x}", array, True))
        return steps

    def gradient_lines(self, i: int, leaf: bool = False) -> list[str]:
        """`d root / d node i = the sum of its steps`, with its comment. A leaf whose gradient
        is one term a layer made is returned as it is, without a statement of its own."""
        steps = self.steps_of(i)
        if leaf and len(steps) == 1 and steps[0][3]:
            self.direct[i] = steps[0][0]
            return []
        self.grad_array[i] = any(step[2] for step in steps)
        shown = steps if len(steps) <= 4 else steps[:2]
        return (comment(f"{self.prefix}{self.atom[i]}", [step[1] for step in shown], len(steps))
                + assignment(self.grad[i], [step[0] for step in steps]))

    def layer_backward_lines(self, layer: Layer) -> list[str]:
        """A layer's backward pass in one step: the gradient of its outputs (from the next
        layer, or gathered one by one), through the activation, then into W, b and X."""
        names, weights = layer.names, layer.weights
        W, drows = weights.names["W"], names["drows"]
        consumer = layer.consumer
        parts = []
        if consumer is not None:
            dnext = consumer.names["dnet"]
            parts.append(f"{consumer.weights.names['W']}.T @ {dnext}" if layer.array
                         else f"input_grads({dnext}, {consumer.weights.names['W']})")
        loose = [row for row in layer.rows if row in self.loose]
        if loose:
            entries = []
            for r, row in enumerate(layer.rows):
                g = self.grad[row] if row in self.loose else None
                if not layer.array:
                    entries.append(g)
                elif g is None:
                    entries.append(f"zeros_like({names['rows']}[{r}])")
                else:
                    entries.append(g if self.grad_array[row] else
                                   f"zeros_like({names['rows']}[{r}]) + {g}")
            rows = tuple_text(entries)
            parts.append(f"np.array({rows[0].strip()})" if layer.array else rows[0].strip())
        lines = [f"    # layer {weights.names['stem']}, backward"
                 + (": a row per neuron, a column per sample" if layer.array else "")]
        lines += assignment(drows, parts)
        if layer.act is not None:
            lines += self.activation_backward(layer)
        if layer.array and self.assembly and weights.from_p:
            X, dnet = names["X"], names["dnet"]
            lines.append(self.scatter(weights.names["W_at"], f"{dnet} @ {X}.T"))
            if weights.shared_bias:
                k = self.p_at[weights.biases[0]]
                lines.append(f"    {self.dp}[{k}] += float(np.sum({dnet}))")
            else:
                lines.append(self.scatter(weights.names["b_at"], f"np.sum({dnet}, axis=1)"))
            if layer.source is None and any(self.needs[x] for x in layer.xs):
                lines.append(f"    {names['dX']} = {W}.T @ {dnet}")
        elif layer.array:
            X = names["X"]
            ks = len(layer.xs)
            if any(self.needs[w] for row in weights.rows for w in row):
                lines.append(f"    {names['dW']} = ({names['dnet']} @ {X}.T).tolist()")
            if any(self.needs[b] for b in weights.biases):
                # np.sum, not the array's method: that one imports NumPy's helpers lazily,
                # from this function's (bare) builtins.
                lines.append(f"    {names['db']} = float(np.sum({names['dnet']}))"
                             if weights.shared_bias else
                             f"    {names['db']} = np.sum({names['dnet']}, axis=1).tolist()")
            if layer.source is None and any(self.needs[x] for x in layer.xs) and ks:
                lines.append(f"    {names['dX']} = {W}.T @ {names['dnet']}")
        elif layer.source is None and all(self.needs[x] for x in layer.xs):
            lines.append(f"    {names['dX']} = input_grads({names['dnet']}, {W})")
        return lines

    def activation_backward(self, layer: Layer) -> list[str]:
        """d(net) = d(out) * the activation's local derivative, for every neuron at once."""
        names = layer.names
        template = _template(layer.act, 1, None, layer.array)
        dnet, drows, net, out = names["dnet"], names["drows"], names["net"], names["out"]
        if layer.array:
            local = template.local_text(0, [net], out)
            atomic = template.atomic[0]
            text = (drows if local == "1.0" else f"-{drows}" if local == "-1.0"
                    else f"{drows} * {local}" if atomic else f"{drows} * ({local})")
            return [f"    {dnet} = {text}"]
        local = template.local_text(0, ["v"], "o")
        if local == "1.0":
            return [f"    {dnet} = {drows}"]
        if local == "-1.0":
            return [f"    {dnet} = [-g for g in {drows}]"]
        used = set(_IDENT.findall(local))
        pairs = [("g", drows)] + [(v, m) for v, m in (("v", net), ("o", out)) if v in used]
        product = f"g * {local}" if template.atomic[0] else f"g * ({local})"
        loop = ", ".join(v for v, _ in pairs)
        over = ", ".join(m for _, m in pairs)
        return [f"    {dnet} = [{product} for {loop} in zip({over})]"]

    def weight_grad_lines(self, weights: Weights) -> list[str]:
        """The weights and biases of a scalar layer run on many samples: one sum of scaled rows
        each, over every sample, in the engine's order; what a weight adds first (an L2 term)
        is the start of its sum."""
        names = weights.names
        order = weights.order
        dnets = [layer.names["dnet"] for layer in order]
        xs = [layer.names["X"] for layer in order]
        count = len(order)
        lines = [f"    # layer {names['stem']}'s weights and biases: through its {count} samples, "
                 "the last one first"]
        starts = [[self.start_of(w, weights.runs[r]) for w in row]
                  for r, row in enumerate(weights.rows)]
        args = [_tuple(dnets), _tuple(xs)]
        if any(s != "None" for row in starts for s in row):
            args.append(_tuple([_tuple(row) for row in starts]))
        lines += _call(names["dW"], "weight_grads", args)
        if weights.shared_bias:
            start = self.start_of(weights.biases[0], weights.runs[-1])
            args = [_tuple(dnets)] + ([start] if start != "None" else [])
            lines += _call(names["db"], "shared_bias_grad", args)
        else:
            b_starts = [self.start_of(b, weights.runs[r]) for r, b in enumerate(weights.biases)]
            args = [_tuple(dnets)]
            if any(s != "None" for s in b_starts):
                args.append(_tuple(b_starts))
            lines += _call(names["db"], "bias_grads", args)
        return lines

    def start_of(self, i: int, run: list[int]) -> str:
        """What node i adds before the run of a layer's steps, as one sum ("None": nothing)."""
        users, slots = self.uses(i)
        first = users.index(run[0])
        if not first:
            return "None"
        return " + ".join(self.term(p, s, i)[0] for p, s in zip(users[:first], slots[:first]))

    def return_lines(self) -> list[str]:
        if self.assembly:
            wrt = [self.p_at[i] for i in self.wrt_pos]
            if wrt == list(range(len(self.p_at))):
                self.returns_dp = True  # all of dp, in order: see `signature`
                return [f"    return {self.atom[self.root_at]}, {self.dp}.tolist()"]
            name = self.names.take("wrt_at")  # where the gradients asked for are in dp
            self.globals[name] = np.array(wrt, dtype=np.intp)
            return [f"    return {self.atom[self.root_at]}, {self.dp}[{name}].tolist()"]
        grads = []
        for i in self.wrt_pos:
            if i in self.direct:
                g = self.direct[i]
                array = self.batch[i] and self.numpy
            else:
                g = self.grad[i]
                array = self.grad_array[i] if i != self.root_at else False
            if self.batch[i] and not (array and self.uniform):
                g = f"zeros_like({self.var[i]}) + {g}"  # the input's shape, as the engine
            grads.append(g)
        return wrap_list(f"return {self.atom[self.root_at]}, [", grads, "]", indent="    ")


def _matrix(name: str, rows: list[list[str]], array: bool) -> list[str]:
    """`name = ((a, b), (c, d))` (np.array of it for a batch layer), a row per line or more."""
    opening = f"    {name} = np.array((" if array else f"    {name} = ("
    one_line = opening + ", ".join(f"({', '.join(row)},)" if len(row) == 1 else
                                   f"({', '.join(row)})" for row in rows)
    one_line += ",))" if array and len(rows) == 1 else ("))" if array else
                                                        (",)" if len(rows) == 1 else ")"))
    if len(one_line) <= WIDTH:
        return [one_line]
    lines = [opening]
    for row in rows:
        lines += tuple_text(row, indent="        ")
        lines[-1] += ","
    lines.append("    ))" if array else "    )")
    return lines


def _tuple(items: list[str]) -> str:
    """A tuple's text on one line: (a, b), (a,)."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _call(target: str, function: str, args: list[str]) -> list[str]:
    """`target = function(args...)`, wrapped: each argument a tuple (of names, or of tuples)."""
    one_line = f"    {target} = {function}({', '.join(args)})"
    if len(one_line) <= WIDTH:
        return [one_line]
    lines = [f"    {target} = {function}("]
    for arg in args:
        lines += _nested(arg, "        ")
        lines[-1] += ","
    lines.append("    )")
    return lines


def _nested(text: str, indent: str) -> list[str]:
    """A tuple's text as lines: on one line where it fits, else one item (or line of items)
    at a time, and a tuple of tuples one inner tuple at a time."""
    if len(indent) + len(text) <= WIDTH or not text.startswith("("):
        return [indent + text]
    items = _top_level_items(text[1:-1].rstrip(","))
    if not any(item.startswith("(") for item in items):
        return tuple_text(items, indent=indent)
    lines = [indent + "("]
    for item in items:
        lines += _nested(item, indent + "    ")
        lines[-1] += ","
    return [*lines, indent + ")"]


def _top_level_items(text: str) -> list[str]:
    """The comma-separated items of `text` at bracket depth 0."""
    items, depth, start = [], 0, 0
    for k, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:k].strip())
            start = k + 1
    last = text[start:].strip()
    if last:
        items.append(last)
    return items


def _array_helpers(text: str) -> str:
    """Point the helper calls of an op's text at the array versions: exp( -> np_exp(."""
    return _IDENT.sub(
        lambda m: _ARRAY_PREFIX + m.group(0) if m.group(0) in ops.ARRAY_NAMESPACE else m.group(0),
        text,
    )


def _kinds(node: Value) -> tuple[object, list[bool]]:
    """The engine's array kernel at the recorded values: its output, and which locals are arrays."""
    args = [c.data for c in node.inputs]
    if node.op_entry.param:
        args.append(node.exponent)
    with np.errstate(all="ignore"):
        out, local = node.op_entry.kernel(len(node.inputs), True)(*args)
    return out, [type(d) is not float for d in local]


