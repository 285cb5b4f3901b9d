"""Writing a recorded graph as Python source: the names, the statements, their layout.

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

Everything a user wrote (a node's label) reaches the source only through `Names.take`, which
keeps ASCII letters, digits and underscores and nothing else, so a label can change what a
variable is called but never what the code does.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..engine import ops
from ..engine.backward import unbroadcast
from ..engine.linear import LINEAR
from ..engine.value import Value

__all__ = ["Program", "write_program", "Names", "identifier", "literal", "FUNCTION_NAME",
           "describe_node", "name_list"]

FUNCTION_NAME = "value_and_grad"
WIDTH = 99  # the longest line we write, indentation included
MAX_TERMS = 100  # terms per statement: Python's compiler recurses once per `+` in a chain
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")
_MAX_NAME = 40
_BRACKETS = re.compile(r"[()\[\]{}]")


def identifier(label: str) -> str:
    """A label as an ASCII identifier: other characters become `_`, "" if nothing is left."""
    text = _NOT_NAME.sub("_", label).strip("_")[:_MAX_NAME].rstrip("_")
    if text and text[0].isdigit():
        text = "v" + text
    return text


class Names:
    """Hands out distinct identifiers, never a keyword, a builtin or a name we reserve."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._reserved = set(reserved) | set(keyword.kwlist) | set(dir(builtins))
        self._reserved |= set(getattr(keyword, "softkwlist", ()))
        self._used: set[str] = set()

    def take(self, wanted: str) -> str:
        """`wanted` (sanitised) or, when taken, `wanted_2`, `wanted_3`, ..."""
        base = identifier(wanted) or "t"
        if base in self._reserved or base.startswith("__"):
            base += "_"
        name, k = base, 2
        joint = "" if base.endswith("_") else "_"
        while name in self._used or name in self._reserved:
            name = f"{base}{joint}{k}"
            k += 1
        self._used.add(name)
        return name

    def __contains__(self, name: str) -> bool:
        return name in self._used


def literal(x: float) -> str:
    """A float constant as source text; negative numbers in parentheses, so `a * (-0.5)`."""
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


_CALL_START = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\(")


def _is_one_call(text: str) -> bool:
    """Whether `text` is one call such as `step(t5)`: the first "(" closes at the very end.

    A fast path for `operand` (most local derivatives are calls or names); our generated text
    holds no string literals, so counting brackets is exact.
    """
    start = _CALL_START.match(text)
    if start is None or not text.endswith(")"):
        return False
    depth = 0
    for k in range(start.end() - 1, len(text)):
        char = text[k]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return k == len(text) - 1
    return False


def operand(text: str) -> str:
    """`text` as the right operand of `*`: parenthesised unless it is one name, number or call."""
    if text.isidentifier() or _is_one_call(text):
        return text
    node = ast.parse(text, mode="eval").body
    if isinstance(node, (ast.Name, ast.Call)):
        return text
    if isinstance(node, ast.Constant) and not text.startswith("-"):
        return text
    return f"({text})"


def split_sum(text: str) -> list[str]:
    """The terms of a left-to-right chain of `+` at the top level ("a * b + c" -> [a * b, c]).

    A term may hold `-` (a - b + c splits into "a - b" and "c"): joining the pieces back with
    `+` in order gives the same chain, so the same additions in the same order.
    """
    if not _BRACKETS.search(text):
        return text.split(" + ")
    terms, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(" + ", i):
            terms.append(text[start:i])
            start = i + 3
            i += 3
            continue
        i += 1
    terms.append(text[start:])
    return terms


def assignment(target: str, terms: Sequence[str], indent: str = "    ") -> list[str]:
    """`target = t0 + t1 + ...` as source lines: wrapped to WIDTH, split into statements of
    at most MAX_TERMS terms (`target = (target + t100 + ...)` continues the same chain)."""
    lines: list[str] = []
    for start in range(0, len(terms), MAX_TERMS):
        chunk = list(terms[start : start + MAX_TERMS])
        if start:
            chunk.insert(0, target)
        lines.extend(_wrapped(target, chunk, indent))
    return lines


def _wrapped(target: str, terms: Sequence[str], indent: str) -> list[str]:
    joined = [terms[0]] + [_joiner(term) for term in terms[1:]]
    one_line = f"{indent}{target} = {terms[0]}" + "".join(f" {op} {t}" for op, t in joined[1:])
    if len(one_line) <= WIDTH or len(terms) == 1:
        return [one_line]
    inner = indent + "    "
    lines = [f"{indent}{target} = ("]
    line = inner + terms[0]
    for op, term in joined[1:]:
        if len(line) + len(op) + len(term) + 2 <= WIDTH:
            line += f" {op} {term}"
        else:
            lines.append(line)
            line = f"{inner}{op} {term}"
    lines.append(line)
    lines.append(f"{indent})")
    return lines


def _joiner(term: str) -> tuple[str, str]:
    # A term "-g" (a bare negated name) joins as "- g": a - g is a + (-g), bit for bit.
    if term.startswith("-") and term[1:].isidentifier():
        return "-", term[1:]
    return "+", term


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
_RESERVED = {FUNCTION_NAME, "np", *ops.SCALAR_NAMESPACE, *_ARRAY_HELPERS, *_OWN_HELPERS}
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


def write_program(root: Value, order: list[Value], inputs: list[Value], wrt: list[Value],
                  backend: str) -> Program:
    """Check the graph (raising ValueError naming the node) and write its function."""
    writer = _Writer(root, order, inputs, wrt, backend)
    writer.check()
    return writer.build()


_TABLE = (*ops.OPS, LINEAR)  # every row a graph can hold
_checked_texts: set[tuple] = set()


def _check_op_texts(op: ops.Op, arity: int, array: bool) -> None:
    """Fail now, not when the function runs, if an op's text uses a name no namespace has."""
    key = (op.name, op.arity, op.param, arity, array)
    if key in _checked_texts:
        return
    names = [f"arg{i}" for i in range(arity)]
    n = 2.0 if op.param else None
    namespace = ops.ARRAY_NAMESPACE if array else ops.SCALAR_NAMESPACE
    known = set(names) | {"out_"} | set(namespace)
    for text in [op.forward_text(names, n), *op.local_texts(names, "out_", n)]:
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


class _Writer:
    """One compilation: the graph's facts (kinds, who needs a gradient), then the source."""

    def __init__(self, root: Value, order: list[Value], inputs: list[Value], wrt: list[Value],
                 backend: str) -> None:
        self.root = root
        self.order = order
        self.inputs = inputs
        self.wrt = wrt
        self.numpy = backend == "numpy"
        self.position = {id(node): k for k, node in enumerate(order)}
        self.input_index = {id(node): k for k, node in enumerate(inputs)}
        shapes = {node.data.shape for node in order if type(node.data) is not float}
        # One batch shape everywhere (the usual case): no contribution ever needs reshaping.
        self.uniform = len(shapes) <= 1
        self.shape = next(iter(shapes)) if len(shapes) == 1 else None
        self.names = Names(_RESERVED)
        self.var: dict[int, str] = {}  # node -> its variable
        self.atom: dict[int, str] = {}  # node -> how the source refers to its value
        self.grad: dict[int, str] = {}  # node -> the variable of d root / d node
        self.grad_array: dict[int, bool] = {}  # node -> whether that gradient is an array
        self.local_texts: dict[int, list[str]] = {}
        self.local_arrays: dict[int, list[bool]] = {}
        self.globals: dict[str, object] = {"__builtins__": {"float": float}}

    def is_input(self, node: Value) -> bool:
        return id(node) in self.input_index

    def array_kernel(self, node: Value) -> bool:
        """Whether the engine ran this node on arrays (any input an array) or on floats."""
        return any(type(c.data) is not float for c in node.inputs)

    # --- facts ----------------------------------------------------------------------------------

    def check(self) -> None:
        """Every input a leaf of this graph; every op from the table; arrays only for numpy."""
        for k, node in enumerate(self.inputs):
            if id(node) not in self.position:
                raise ValueError(f"compile_graph: inputs[{k}] ({describe_node(node)}) is not in "
                                 "root's graph")
            if node.inputs:
                raise ValueError(
                    f"compile_graph: inputs[{k}] ({describe_node(node)}) is computed by op "
                    f"{node.op!r}; inputs must be leaves (Values made by Value(...))"
                )
        for k, node in enumerate(self.wrt):
            if not self.is_input(node):
                raise ValueError(f"compile_graph: wrt[{k}] ({describe_node(node)}) is not one of "
                                 "the inputs")
        for node in self.order:
            if type(node.data) is not float and not self.numpy:
                raise ValueError(
                    f"compile_graph: {describe_node(node)} holds an array (batch mode); compile "
                    "batch-mode graphs with backend='numpy'"
                )
            if not node.inputs:
                continue
            op = node.op_entry
            if op is None or op not in _TABLE:
                name = getattr(op, "name", None) or "?"
                raise ValueError(
                    f"compile_graph: {describe_node(node)} is made by op {name!r}, which is not in "
                    "the op table (OPS in autodiff/engine/ops.py); add it there, with its forward "
                    "text and local derivatives, to compile graphs that use it"
                )
            arity = len(node.inputs)
            if (op.arity == -1 and arity % 2 == 0) or op.arity not in (-1, arity):
                raise ValueError(f"compile_graph: {describe_node(node)} has {arity} inputs, but op "
                                 f"{op.name!r} takes {op.arity}")
            _check_op_texts(op, arity, self.numpy and self.array_kernel(node))

    def forward_order(self) -> list[Value]:
        """The op nodes layer by layer, as the textbook computes them: by the longest path up
        from a leaf (every input of a node is lower), then in topological order."""
        height: dict[int, int] = {}
        for node in self.order:
            height[id(node)] = 1 + max((height[id(c)] for c in node.inputs), default=-1)
        return sorted((node for node in self.order if node.inputs),
                      key=lambda node: (height[id(node)], self.position[id(node)]))

    def needs_gradient(self) -> dict[int, bool]:
        """The wrt inputs and every node made from one, directly or not."""
        wrt_ids = {id(node) for node in self.wrt}
        needs: dict[int, bool] = {}
        for node in self.order:
            needs[id(node)] = id(node) in wrt_ids or any(needs[id(c)] for c in node.inputs)
        return needs

    # --- names ----------------------------------------------------------------------------------

    def name_nodes(self) -> None:
        """Labels first, so the user's names win; then short names for the rest.

        Inputs are x1, x2, ..., other nodes t1, t2, ..., constant arrays c1, ...; a number that
        is not an input is written inline unless a word labels it (i1 = 0.05 reads better).
        """
        for node in self.order:
            if node.label and self.named_by_label(node):
                self.var[id(node)] = self.names.take(node.label)
        if id(self.root) not in self.var and self.root.inputs:
            self.var[id(self.root)] = self.names.take("out")
        counters = {"x": 0, "t": 0, "c": 0}
        leaves = [node for node in self.order if not node.inputs]
        for node in leaves + self.forward_order():  # t1, t2, ... in the order they are written
            if id(node) in self.var:
                continue
            if not node.inputs and not self.is_input(node) and type(node.data) is float:
                continue
            prefix = "x" if self.is_input(node) else ("t" if node.inputs else "c")
            while True:
                counters[prefix] += 1
                candidate = f"{prefix}{counters[prefix]}"
                if candidate not in self.names:
                    self.var[id(node)] = self.names.take(candidate)
                    break
        for node in self.order:
            self.atom[id(node)] = self.var.get(id(node)) or literal(node.data)

    def named_by_label(self, node: Value) -> bool:
        if self.is_input(node) or node.inputs:
            return bool(identifier(node.label))
        # A constant: a label that starts with a letter is a name ("i1"); "2" or "-3" is not.
        return node.label[0].isascii() and node.label[0].isalpha()

    # --- the function ---------------------------------------------------------------------------

    def build(self) -> Program:
        self.name_nodes()
        self.globals.update(ops.SCALAR_NAMESPACE)
        if self.numpy:
            self.globals.update(_ARRAY_HELPERS)
            self.globals.update(_OWN_HELPERS)
        root_name = self.var.get(id(self.root)) or "out"
        input_names = [self.var[id(node)] for node in self.inputs]
        wrt_names = [self.var[id(node)] for node in self.wrt]

        doc = f"{root_name} and its gradient with respect to {name_list(wrt_names)}."
        if not wrt_names:
            doc = f"{root_name}, the value alone (no gradients asked for)."
        lines = _wrap_list(f"def {FUNCTION_NAME}(", input_names, "):", indent="")
        lines.append(f'    """{doc}"""')
        lines += self.constant_lines()
        lines += self.forward_lines()
        if wrt_names:
            lines += self.backward_lines(root_name)
        lines += self.return_lines()
        source = "\n".join(lines) + "\n"

        return Program(
            source=source, namespace=self.globals, root_name=root_name,
            input_names=input_names, wrt_names=wrt_names,
            array_inputs=[type(node.data) is not float for node in self.inputs],
            uniform=self.uniform, fixed_shape=self.shape if self.constant_arrays() else None,
        )

    def constant_arrays(self) -> bool:
        return any(type(node.data) is not float and not node.inputs and not self.is_input(node)
                   for node in self.order)

    def constant_lines(self) -> list[str]:
        lines = []
        for node in self.order:
            if node.inputs or self.is_input(node) or id(node) not in self.var:
                continue
            name = self.var[id(node)]
            if type(node.data) is float:
                lines.append(f"    {name} = {literal(node.data)}")
            else:
                self.globals[name] = node.data
                lines.append(f"    # {name}: a constant array of shape {node.data.shape}, "
                             "bound when compiled")
        return ["    # constants: the leaves that are not inputs", *lines] if lines else []

    def forward_lines(self) -> list[str]:
        """One statement per op node, each after its inputs; the op table's text."""
        lines = []
        if self.root.inputs:
            lines.append("    # forward pass: each node once, after its inputs")
        for node in self.forward_order():
            op, name = node.op_entry, self.var[id(node)]
            args = [self.atom[id(c)] for c in node.inputs]
            text = op.forward_text(args, node.exponent)
            local = op.local_texts(args, name, node.exponent)
            local_arrays = [False] * len(args)
            if self.numpy and self.array_kernel(node):
                text = _array_helpers(text)
                local = [_array_helpers(t) for t in local]
                out, local_arrays = _kinds(node)
                if type(out) is not float and type(node.data) is float:
                    text = f"float({text})"  # as the engine does: a reduction leaves the batch
            self.local_texts[id(node)] = local
            self.local_arrays[id(node)] = local_arrays
            lines += assignment(name, split_sum(text))
        return lines

    def backward_lines(self, root_name: str) -> list[str]:
        """One statement per gradient: the sum of its chain-rule steps, in the engine's order."""
        needs = self.needs_gradient()
        for node in self.order:
            if needs[id(node)]:
                self.grad[id(node)] = self.names.take(f"d{root_name}_d{self.atom[id(node)]}")
        # The engine visits nodes in reverse topological order and, in each, its inputs in
        # argument order, adding local * g to the input: that is the order of each sum here.
        uses: dict[int, list[tuple[Value, int]]] = {id(node): [] for node in self.order}
        for node in reversed(self.order):
            if needs[id(node)]:
                for i, child in enumerate(node.inputs):
                    if needs[id(child)]:
                        uses[id(child)].append((node, i))
        lines = [
            "",
            f"    # backward pass: d{root_name}/d(node) for each node, from {root_name} back to "
            "the inputs.",
            "    # Each term is one step of the chain rule, through one node made from that node.",
        ]
        # Any order with every node after the nodes made from it gives the same sums. This one
        # reads layer by layer, as the textbook does: by the longest path from the root (a node
        # made from x is always nearer), then forward order; the inputs last, as returned.
        depth = {id(self.root): 0}
        for node in reversed(self.order):
            for child in node.inputs:
                depth[id(child)] = max(depth.get(id(child), 0), depth[id(node)] + 1)
        inner = sorted((node for node in self.order
                        if needs[id(node)] and (node.inputs or node is self.root)),
                       key=lambda node: (depth[id(node)], self.position[id(node)]))
        leaves = [node for node in self.wrt if node is not self.root]
        for node in [*inner, *leaves]:
            g, x = self.grad[id(node)], self.atom[id(node)]
            if node is self.root:
                lines += [f"    # d{root_name}/d{root_name} = 1", f"    {g} = 1.0"]
                self.grad_array[id(node)] = False
                continue
            terms, steps = [], []
            is_batch = type(node.data) is not float
            self.grad_array[id(node)] = False
            for parent, i in uses[id(node)]:
                y = self.var[id(parent)]
                term = _product(self.grad[id(parent)], self.local_texts[id(parent)][i])
                array = self.numpy and (self.grad_array[id(parent)]
                                        or self.local_arrays[id(parent)][i])
                if array and not is_batch:
                    term, array = f"batch_sum({term})", False  # as the engine: summed to a scalar
                elif array and not self.uniform:
                    term = f"reduce_to({term}, {x})"  # broadcast: summed back to x's shape
                self.grad_array[id(node)] |= array
                terms.append(term)
                steps.append(f"d{root_name}/d{y} * d{y}/d{x}")
            lines += _comment(f"d{root_name}/d{x}", steps)
            lines += assignment(g, terms)
        return lines

    def return_lines(self) -> list[str]:
        grads = []
        for node in self.wrt:
            g = self.grad[id(node)]
            if type(node.data) is not float and not (self.grad_array[id(node)] and self.uniform):
                g = f"zeros_like({self.var[id(node)]}) + {g}"  # the input's shape, as the engine
            grads.append(g)
        return _wrap_list(f"return {self.atom[id(self.root)]}, [", grads, "]", indent="    ")


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


def _product(upstream: str, local: str) -> str:
    """upstream × local as text; × 1 and × -1 written out, since they change nothing."""
    if local == "1.0":
        return upstream
    if local == "-1.0":
        return f"-{upstream}"
    return f"{upstream} * {operand(local)}"


def _wrap_list(opening: str, items: list[str], closing: str, indent: str) -> list[str]:
    """`opening item, item, ...closing` on one line, or one item per ... filled line."""
    line = f"{indent}{opening}{', '.join(items)}{closing}"
    if len(line) <= WIDTH:
        return [line]
    lines, line = [indent + opening], indent + "   "
    for item in items:
        if len(line) + len(item) + 2 > WIDTH:
            lines.append(line)
            line = indent + "   "
        line += f" {item},"
    return [*lines, line, indent + closing]


def _comment(target: str, steps: list[str]) -> list[str]:
    if len(steps) <= 4:
        text = f"# {target} = " + " + ".join(steps)
    else:
        text = (f"# {target} = sum of {len(steps)} steps, one per use: "
                + " + ".join(steps[:2]) + " + ...")
    if len(text) + 4 <= WIDTH:
        return ["    " + text]
    lines, line = [], "    # " + target + " ="
    for k, step in enumerate(text[len(f"# {target} = "):].split(" + ")):
        piece = (" " if k == 0 else " + ") + step
        if len(line) + len(piece) > WIDTH:
            lines.append(line)
            line = "    #    " + piece.lstrip()
        else:
            line += piece
    lines.append(line)
    return lines


def describe_node(node: Value) -> str:
    """A node for an error message: its label, or its value where it has none."""
    return f"node {node.label!r}" if node.label else f"an unlabeled node of value {node.data!r}"


def name_list(names: list[str], limit: int = 6) -> str:
    """Names for a docstring or a message, shortened with ... past `limit`."""
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[: limit - 1]) + f", ..., {names[-1]}"
