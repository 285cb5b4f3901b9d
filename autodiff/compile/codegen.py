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

Where an op has a domain (the op table's `domain`, e.g. `a > 0` for log), a check before its
statement refuses what the engine refuses, `if not x > 0: out_of_domain(...)`, unless the
domain holds for every value the inputs can take (x ** 2, a division by a constant).

Everything a user wrote (a node's label) reaches the source only through `Names.take`, which
keeps ASCII letters, digits and underscores and nothing else, so a label can change what a
variable is called but never what the code does.

The writer works on node positions (indices into the topological order), and each op's text
is turned into a format template once per op, arity and constant, not once per node: a graph
of thousands of nodes is written in a few milliseconds, and most of compiling it is Python's
own compiler reading the text.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..engine import errors, ops
from ..engine.backward import unbroadcast
from ..engine.value import Value

__all__ = ["Program", "write_program", "Names", "identifier", "literal", "FUNCTION_NAME",
           "describe_node", "name_list", "operand", "split_sum", "assignment"]

FUNCTION_NAME = "value_and_grad"
WIDTH = 99  # the longest line we write, indentation included
MAX_TERMS = 100  # terms per statement: Python's compiler recurses once per `+` in a chain
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")
_MAX_NAME = 40
_BRACKETS = re.compile(r"[()\[\]{}]")


def identifier(label: str) -> str:
    """A label as an ASCII identifier: other characters become `_`, "" if nothing is left."""
    if (label.isidentifier() and label.isascii() and len(label) <= _MAX_NAME
            and label[0] != "_" and label[-1] != "_"):
        return label  # already one (our own names, most labels): nothing to change
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
        # The last suffix handed out per base: a label shared by a hundred nodes (one per
        # sample) gets x_2 ... x_100 in one step each, not by trying every suffix again.
        self._next: dict[str, int] = {}
        self._bases: dict[str, str] = {}  # label -> its sanitised base, labels repeat

    def take(self, wanted: str) -> str:
        """`wanted` (sanitised) or, when taken, `wanted_2`, `wanted_3`, ..."""
        base = self._bases.get(wanted)
        if base is None:
            base = identifier(wanted) or "t"
            if base in self._reserved or base.startswith("__"):
                base += "_"
            self._bases[wanted] = base
        used = self._used
        if base not in used and base not in self._reserved:
            used.add(base)
            return base
        # Names are never given back, so every suffix below the last one handed out for
        # this base is still taken: start after it. The result is the first free suffix.
        k = self._next.get(base, 2)
        joint = "" if base.endswith("_") else "_"
        name = f"{base}{joint}{k}"
        while name in used or name in self._reserved:
            k += 1
            name = f"{base}{joint}{k}"
        self._next[base] = k + 1
        used.add(name)
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

    Our generated text holds no string literals, so counting brackets is exact.
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
    if text.startswith("(") and text.endswith(")") and _is_grouped(text):
        return text  # already one group: a negative literal, (-0.5)
    node = ast.parse(text, mode="eval").body
    if isinstance(node, (ast.Name, ast.Call)):
        return text
    if isinstance(node, ast.Constant) and not text.startswith("-"):
        return text
    return f"({text})"


def _is_grouped(text: str) -> bool:
    """Whether the "(" that opens `text` closes at its very end."""
    depth = 0
    for k, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return k == len(text) - 1
    return False


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
    if len(terms) == 1:
        return [f"{indent}{target} = {terms[0]}"]
    lines: list[str] = []
    for start in range(0, len(terms), MAX_TERMS):
        chunk = list(terms[start : start + MAX_TERMS])
        if start:
            chunk.insert(0, target)
        lines.extend(_wrapped(target, chunk, indent))
    return lines


def _wrapped(target: str, terms: Sequence[str], indent: str) -> list[str]:
    joined = [_joiner(term) for term in terms[1:]]
    head = f"{indent}{target} = {terms[0]}"
    width = len(head) + sum(len(op) + len(t) + 2 for op, t in joined)
    if width <= WIDTH:
        return [head + "".join(f" {op} {t}" for op, t in joined)]
    inner = indent + "    "
    lines = [f"{indent}{target} = ("]
    line = inner + terms[0]
    for op, term in joined:
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
    if term[0] == "-" and term[1:].isidentifier():
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
_RESERVED = {FUNCTION_NAME, "np", "out_of_domain", *ops.SCALAR_NAMESPACE, *_ARRAY_HELPERS,
             *_OWN_HELPERS}
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
                  backend: str) -> Program:
    """Check the graph (raising ValueError naming the node) and write its function."""
    writer = _Writer(root, order, inputs, wrt, backend)
    writer.check()
    return writer.build()


_TABLE = frozenset(map(id, ops.OPS))
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

    def locals(self, args: Sequence[str], out: str) -> list[str]:
        """The local derivatives with the inputs named `args` and the output `out`."""
        return [args[t] if type(t) is int else t.format(*args, out=out) for t in self.local]


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


class _Writer:
    """One compilation: the graph's facts (kinds, who needs a gradient), then the source."""

    def __init__(self, root: Value, order: list[Value], inputs: list[Value], wrt: list[Value],
                 backend: str) -> None:
        self.root = root
        self.order = order
        self.inputs = inputs
        self.wrt = wrt
        self.numpy = backend == "numpy"
        self.names = Names(_RESERVED)
        self.globals: dict[str, object] = {"__builtins__": {"float": float}}

    # --- facts ----------------------------------------------------------------------------------

    def check(self) -> None:
        """Every input a leaf of this graph; every op from the table; arrays only for numpy."""
        position = {id(node): k for k, node in enumerate(self.order)}
        self.position = position
        for k, node in enumerate(self.inputs):
            if id(node) not in position:
                raise ValueError(f"compile_graph: inputs[{k}] ({describe_node(node)}) is not in "
                                 "root's graph")
            if node.inputs:
                raise ValueError(
                    f"compile_graph: inputs[{k}] ({describe_node(node)}) is computed by op "
                    f"{node.op!r}; inputs must be leaves (Values made by Value(...))"
                )
        input_ids = {id(node) for node in self.inputs}
        for k, node in enumerate(self.wrt):
            if id(node) not in input_ids:
                raise ValueError(f"compile_graph: wrt[{k}] ({describe_node(node)}) is not one of "
                                 "the inputs")
        numpy = self.numpy
        seen: set[tuple] = set()  # (op, arity, array) already checked
        for node in self.order:
            if not node.inputs:
                if numpy or type(node.data) is float:
                    continue
                raise ValueError(
                    f"compile_graph: {describe_node(node)} holds an array (batch mode); compile "
                    "batch-mode graphs with backend='numpy'"
                )
            op = node.op_entry
            arity = len(node.inputs)
            array = numpy and not all(type(c.data) is float for c in node.inputs)
            key = (id(op), arity, array)
            if key not in seen:
                self.check_op(node, op, arity, array)
                seen.add(key)
            if not numpy and type(node.data) is not float:
                raise ValueError(
                    f"compile_graph: {describe_node(node)} holds an array (batch mode); compile "
                    "batch-mode graphs with backend='numpy'"
                )

    def check_op(self, node: Value, op: ops.Op | None, arity: int, array: bool) -> None:
        """The node's op is in the table, takes this many inputs, and its text is sound."""
        if op is None or id(op) not in _TABLE:
            name = getattr(op, "name", None) or "?"
            raise ValueError(
                f"compile_graph: {describe_node(node)} is made by op {name!r}, which is not in "
                "the op table (OPS in autodiff/ops.py); add it there, with its forward "
                "text and local derivatives, to compile graphs that use it"
            )
        if (op.arity == -1 and arity % 2 == 0) or op.arity not in (-1, arity):
            raise ValueError(f"compile_graph: {describe_node(node)} has {arity} inputs, but op "
                             f"{op.name!r} takes {op.arity}")
        _check_op_texts(op, arity, array)

    def facts(self) -> None:
        """The graph by positions: each node's inputs, kind, and whether it needs a gradient."""
        order, position = self.order, self.position
        n = len(order)
        self.ins = [[position[id(c)] for c in node.inputs] for node in order]
        self.batch = [type(node.data) is not float for node in order]
        shapes = {node.data.shape for node, b in zip(order, self.batch) if b}
        # One batch shape everywhere (the usual case): no contribution ever needs reshaping.
        self.uniform = len(shapes) <= 1
        self.shape = next(iter(shapes)) if len(shapes) == 1 else None
        self.input_at = {position[id(node)]: k for k, node in enumerate(self.inputs)}
        self.root_at = n - 1
        # The engine runs a node on arrays when any input is one (batch mode), else on floats.
        batch = self.batch
        self.array_kernel = [any(batch[c] for c in ins) for ins in self.ins]
        wrt_at = {position[id(node)] for node in self.wrt}
        needs = [False] * n
        for i, ins in enumerate(self.ins):
            needs[i] = i in wrt_at or any(needs[c] for c in ins)
        self.needs = needs
        # Which nodes take new values at each call (made from an input): only those can leave
        # an op's domain; the rest the engine computed once already, when the graph was built.
        input_at = self.input_at
        varies = [False] * n
        for i, ins in enumerate(self.ins):
            varies[i] = i in input_at or any(varies[c] for c in ins)
        self.varies = varies

    def forward_order(self) -> list[int]:
        """The op nodes layer by layer, as the textbook computes them: by the longest path up
        from a leaf (every input of a node is lower), then in topological order."""
        height = [0] * len(self.order)
        ops_at = []
        for i, ins in enumerate(self.ins):
            if ins:
                height[i] = 1 + max([height[c] for c in ins])
                ops_at.append(i)
        return sorted(ops_at, key=lambda i: (height[i], i))

    # --- names ----------------------------------------------------------------------------------

    def name_nodes(self) -> None:
        """Labels first, so the user's names win; then short names for the rest.

        Inputs are x1, x2, ..., other nodes t1, t2, ..., constant arrays c1, ...; a number that
        is not an input is written inline unless a word labels it (i1 = 0.05 reads better).
        """
        order, names = self.order, self.names
        var: list[str | None] = [None] * len(order)
        for i, node in enumerate(order):
            if node.label and self.named_by_label(i):
                var[i] = names.take(node.label)
        root = self.root_at
        if var[root] is None and self.ins[root]:
            var[root] = names.take("out")
        counters = {"x": 0, "t": 0, "c": 0}
        leaves = [i for i, ins in enumerate(self.ins) if not ins]
        for i in leaves + self.forward:  # t1, t2, ... in the order they are written
            if var[i] is not None:
                continue
            is_input = i in self.input_at
            if not self.ins[i] and not is_input and not self.batch[i]:
                continue
            prefix = "x" if is_input else ("t" if self.ins[i] else "c")
            while True:
                counters[prefix] += 1
                candidate = f"{prefix}{counters[prefix]}"
                if candidate not in names:
                    var[i] = names.take(candidate)
                    break
        self.var = var
        self.atom = [v if v is not None else literal(node.data) for v, node in zip(var, order)]

    def named_by_label(self, i: int) -> bool:
        label = self.order[i].label
        if i in self.input_at or self.ins[i]:
            return bool(identifier(label))
        # A constant: a label that starts with a letter is a name ("i1"); "2" or "-3" is not.
        return label[0].isascii() and label[0].isalpha()

    # --- the function ---------------------------------------------------------------------------

    def build(self) -> Program:
        self.facts()
        self.forward = self.forward_order()
        self.name_nodes()
        self.globals.update(ops.SCALAR_NAMESPACE)
        if self.numpy:
            self.globals.update(_ARRAY_HELPERS)
            self.globals.update(_OWN_HELPERS)
        root_name = self.var[self.root_at] or "out"
        input_names = [self.var[self.position[id(node)]] for node in self.inputs]
        wrt_names = [self.var[self.position[id(node)]] for node in self.wrt]

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
            node_inputs=self.ins,
        )

    def constants(self) -> list[int]:
        """The leaves that are not inputs, in topological order."""
        return [i for i, ins in enumerate(self.ins) if not ins and i not in self.input_at]

    def constant_arrays(self) -> bool:
        return any(self.batch[i] for i in self.constants())

    def constant_lines(self) -> list[str]:
        lines = []
        for i in self.constants():
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

    def forward_lines(self) -> list[str]:
        """One statement per op node, each after its inputs; the op table's text."""
        lines = []
        if self.ins[self.root_at]:
            lines.append("    # forward pass: each node once, after its inputs")
        order, atom, var, ins = self.order, self.atom, self.var, self.ins
        numpy = self.numpy
        self.local_texts: dict[int, list[str]] = {}
        self.local_atomic: dict[int, tuple[bool, ...]] = {}
        self.local_arrays: dict[int, list[bool]] = {}
        for i in self.forward:
            node = order[i]
            name = var[i]
            args = [atom[c] for c in ins[i]]
            array = numpy and self.array_kernel[i]
            template = _template(node.op_entry, len(args), node.exponent, array)
            terms = template.terms(args)
            domain = node.op_entry.domain and _domain(node.op_entry, len(args), node.exponent)
            if domain and self.may_leave(i, domain):
                lines += self.domain_lines(i, domain, args, array)
            if array:
                out, self.local_arrays[i] = _kinds(node)
                if type(out) is not float and type(node.data) is float:
                    terms = [f"float({' + '.join(terms)})"]  # as the engine: a reduction
            if self.needs[i]:
                self.local_texts[i] = template.locals(args, name)
                self.local_atomic[i] = template.atomic
            lines += assignment(name, terms)
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
        for k in free:
            tries = ([np.array(domain.points), np.array([])] if self.batch[ins[k]]
                     else domain.points)
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

    def backward_lines(self, root_name: str) -> list[str]:
        """One statement per gradient: the sum of its chain-rule steps, in the engine's order."""
        order, ins, needs, names, atom, var = (self.order, self.ins, self.needs, self.names,
                                               self.atom, self.var)
        n = len(order)
        grad: list[str | None] = [None] * n
        for i in range(n):
            if needs[i]:
                grad[i] = names.take(f"d{root_name}_d{atom[i]}")
        self.grad = grad
        # The engine visits nodes in reverse topological order and, in each, its inputs in
        # argument order, adding local * g to the input: that is the order of each sum here.
        uses: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        depth = [0] * n
        for p in range(n - 1, -1, -1):
            d = depth[p] + 1
            p_needs = needs[p]
            for s, c in enumerate(ins[p]):
                if depth[c] < d:
                    depth[c] = d
                if p_needs and needs[c]:
                    uses[c].append((p, s))
        lines = [
            "",
            f"    # backward pass: d{root_name}/d(node) for each node, from {root_name} back to "
            "the inputs.",
            "    # Each term is one step of the chain rule, through one node made from that node.",
        ]
        # Any order with every node after the nodes made from it gives the same sums. This one
        # reads layer by layer, as the textbook does: by the longest path from the root (a node
        # made from x is always nearer), then forward order; the inputs last, as returned.
        root = self.root_at
        inner = sorted((i for i in range(n) if needs[i] and (ins[i] or i == root)),
                       key=lambda i: (depth[i], i))
        leaves = [self.position[id(node)] for node in self.wrt if node is not self.root]
        grad_array = [False] * n
        self.grad_array = grad_array
        numpy, uniform = self.numpy, self.uniform
        local_texts, local_atomic, local_arrays = (self.local_texts, self.local_atomic,
                                                   self.local_arrays)
        batch = self.batch
        prefix = f"d{root_name}/d"
        for i in [*inner, *leaves]:
            g, x = grad[i], atom[i]
            if i == root:
                lines += [f"    # d{root_name}/d{root_name} = 1", f"    {g} = 1.0"]
                continue
            terms = []
            is_batch = batch[i]
            any_array = False
            for p, s in uses[i]:
                local = local_texts[p][s]
                if local == "1.0":
                    term = grad[p]
                elif local == "-1.0":
                    term = f"-{grad[p]}"
                elif local_atomic[p][s]:
                    term = f"{grad[p]} * {local}"
                else:
                    term = f"{grad[p]} * ({local})"
                if numpy and (grad_array[p] or (p in local_arrays and local_arrays[p][s])):
                    if not is_batch:
                        term = f"batch_sum({term})"  # as the engine: summed to a scalar
                    else:
                        any_array = True
                        if not uniform:
                            term = f"reduce_to({term}, {x})"  # broadcast: back to x's shape
                terms.append(term)
            grad_array[i] = any_array
            steps = uses[i] if len(uses[i]) <= 4 else uses[i][:2]
            lines += _comment(f"{prefix}{x}", [f"{prefix}{var[p]} * d{var[p]}/d{x}"
                                               for p, _ in steps], len(uses[i]))
            lines += assignment(g, terms)
        return lines

    def return_lines(self) -> list[str]:
        grads = []
        for node in self.wrt:
            i = self.position[id(node)]
            g = self.grad[i]
            if self.batch[i] and not (self.grad_array[i] and self.uniform):
                g = f"zeros_like({self.var[i]}) + {g}"  # the input's shape, as the engine
            grads.append(g)
        return _wrap_list(f"return {self.atom[self.root_at]}, [", grads, "]", indent="    ")


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


def _comment(target: str, steps: list[str], count: int) -> list[str]:
    """`# target = step + step ...`: all the steps up to four, else the first two and a count."""
    if count <= 4:
        text = f"# {target} = " + " + ".join(steps)
    else:
        text = (f"# {target} = sum of {count} steps, one per use: "
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
