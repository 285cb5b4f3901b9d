"""Recording the chain rule: `trace(root)` keeps the forward and backward passes step by step.

`trace` runs the one backward pass of `graph.backward` with a hook, so what it records is
exactly what `backward()` computes. `Trace.explain` turns a gradient into the textbook line:
every path from the root down to a node, its factors joining the labeled nodes along it.
"""

from __future__ import annotations

import heapq
import html
import unicodedata
from dataclasses import dataclass

from ..engine.backward import backward, topological_order, unbroadcast
from ..engine.higher import forward_sweep, tangent
from ..engine.numpy_on_demand import is_array, np
from ..engine.value import Value
from ..language import get_language, language, reading, say
from ..language.numbers import format_number, sum_terms
from .page import TracePage

__all__ = [
    "trace",
    "Trace",
    "ForwardStep",
    "BackwardStep",
    "TangentStep",
    "Edge",
    "Explanation",
    "Path",
    "Factor",
    "format_number",
]

MAX_PATHS = 1000  # explain() refuses graphs with more root-to-node paths than this


def _snapshot(x):
    """A copy of an array (the graph's arrays may change later), a float as it is."""
    return x.copy() if is_array(x) else x


# --- the record --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ForwardStep:
    """One node of the forward pass: what it computed from which inputs."""

    node: Value
    op: str
    inputs: tuple[Value, ...]
    value: float | np.ndarray


@dataclass(frozen=True, eq=False)
class Edge:
    """One input of a backward step: d node / d input, and what it added to the input's grad."""

    input: Value
    local: float | np.ndarray
    contribution: float | np.ndarray


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node's turn in the backward pass: its gradient, passed on to each input."""

    node: Value
    upstream: float | np.ndarray
    edges: tuple[Edge, ...]


@dataclass(frozen=True, eq=False)
class TangentStep:
    """One node of a forward-mode sweep: its tangent, the sum of local derivative × tangent."""

    node: Value
    tangent: float | np.ndarray
    terms: tuple[tuple[Value, float | np.ndarray, float | np.ndarray], ...]  # (input, local, term)


def trace(root: Value) -> Trace:
    """Zero the gradients of root's graph, run the backward pass while recording it."""
    if not isinstance(root, Value):
        raise TypeError(say("trace.needs_value", kind=type(root).__name__))
    edges: dict[Value, list[Edge]] = {}  # node -> its edges, in the order backward ran
    upstream: dict[Value, object] = {}

    def record(node: Value, g, child: Value, local, contribution) -> None:
        if node not in edges:
            edges[node], upstream[node] = [], _snapshot(g)
        edges[node].append(Edge(child, _snapshot(local), _snapshot(contribution)))

    # The order must be known before backward() to zero the grads; backward walks it again,
    # which costs one more linear pass and keeps the backward loop in one place.
    for node in topological_order(root):
        node.grad = 0.0 if type(node.data) is float else np.zeros_like(node.data)
    order = backward(root, on_step=record)
    forward = [ForwardStep(n, n.op, n.inputs, _snapshot(n.data)) for n in order]
    steps = [BackwardStep(n, upstream[n], tuple(e)) for n, e in edges.items()]
    return Trace(root, forward, steps)


class Trace:
    """The recorded forward and backward passes of one graph; `explain` reads gradients."""

    def __init__(self, root: Value, forward: list[ForwardStep], backward: list[BackwardStep]):
        self.root = root
        self.forward = forward
        self.backward = backward
        self._index = {step.node: i for i, step in enumerate(forward)}
        self._grads = {step.node: _snapshot(step.node.grad) for step in forward}
        self._names = reading.node_names(self.nodes)  # the one name each node goes by

    def forward_mode(self, direction: dict) -> list[TangentStep]:
        """Forward mode on this graph: every node's tangent along `direction`, a dict from
        leaves (or their labels) to numbers, in evaluation order; the root's is the
        directional derivative, the gradient dotted with the direction."""
        seeds = {}
        for key, v in direction.items():
            node = self.node(key) if isinstance(key, str) else key
            self.index(node)  # a node of this graph, or a clear error
            if node.inputs:
                raise ValueError(say("trace.direction_not_leaf", node=self.name(node)))
            seeds[node] = tangent(v, say("trace.tangent_of", node=self.name(node)))
        steps = {}

        def record(node, tangent, terms):
            steps[node] = TangentStep(node, _snapshot(tangent), tuple(
                (x, _snapshot(d), _snapshot(t))
                for x, d, t in zip(node.inputs, node.local_grads, terms)))
        tangents = forward_sweep(self.nodes, seeds, on_step=record)
        return [steps.get(n) or TangentStep(n, _snapshot(tangents[n]), ()) for n in self.nodes]

    # --- finding nodes -------------------------------------------------------------------------

    @property
    def nodes(self) -> list[Value]:
        """Every node of the graph, in evaluation order (root last)."""
        return [step.node for step in self.forward]

    def node(self, label: str) -> Value:
        """The node with this label, or else this name (`out_h1[2]`, `x·y`); an error if there
        is none or more than one."""
        if not isinstance(label, str):
            raise TypeError(say("trace.node_needs_label", kind=type(label).__name__))
        found = [step.node for step in self.forward if step.node.label == label]
        if not found:
            found = [n for n, name in self._names.items() if name == label and
                     (n.inputs or n.label)][:1]
        if len(found) == 1:
            return found[0]
        if not found:
            labels = sorted({s.node.label for s in self.forward if s.node.label})
            shown = ", ".join(labels[:30]) + (", ..." if len(labels) > 30 else "")
            raise KeyError(say("trace.no_such_label", label=label,
                               labels=shown or say("trace.no_labels")))
        raise KeyError(say("trace.label_shared", count=len(found), label=label))

    def index(self, node: Value) -> int:
        """The node's position in the forward pass (0 = first evaluated)."""
        try:
            return self._index[node]
        except KeyError:
            raise ValueError(say("trace.not_in_graph", node=self.name(node))) from None

    def name(self, node: Value) -> str:
        """The node's one name, as the picture, the page and every table show it: its label
        (`out_h1[2]` where samples share it), a constant's value, or the formula that made it
        (`reading.node_names`)."""
        name = self._names.get(node)
        if name is not None:
            return name
        return reading.printable(node.label) if node.label else say("trace.unlabeled_node")

    @property
    def names(self) -> dict[Value, str]:
        """Every node's name (a copy)."""
        return dict(self._names)

    def grad(self, node: Value | str):
        """The node's gradient as the traced pass left it."""
        node = self._resolve(node)
        return self._grads[node]

    def _resolve(self, node: Value | str) -> Value:
        if isinstance(node, str):
            return self.node(node)
        if not isinstance(node, Value):
            raise TypeError(say("trace.needs_value_or_label", kind=type(node).__name__))
        self.index(node)
        return node

    # --- explaining one gradient ---------------------------------------------------------------

    def explain(self, node: Value | str, max_paths: int = MAX_PATHS, *,
                by: str = "labels") -> Explanation:
        """The chain rule for d root / d node: every path, its factors joining the labeled
        nodes along it (`by="labels"`), or every node, one factor per op (`by="ops"`)."""
        target = self._resolve(node)
        return _explain(self, target, max_paths, _check_by(by))

    def count_paths(self, node: Value | str, *, by: str = "labels") -> int:
        """How many paths `explain(node, by=by)` would list, without listing them."""
        target = self._resolve(node)
        return _stretches(self, target, _check_by(by))[2][self.root]

    def top_paths(self, node: Value | str, k: int = 6, *,
                  by: str = "labels") -> tuple[list[Path], int] | None:
        """The `k` paths with the largest |product| for d root / d node, largest first, and
        how many paths there are in all, found without listing them all (a big graph's node
        may have millions). None where a factor is not a number (batch mode)."""
        target = self._resolve(node)
        reaches, below, count = _stretches(self, target, _check_by(by))
        if self.root not in reaches:
            return [], 0
        paths = _top_paths(self, target, below, k)
        return None if paths is None else (paths, count[self.root])

    # --- showing it ----------------------------------------------------------------------------

    def rows(self) -> tuple[list[list[str]], list[list[str]]]:
        """The forward and backward tables as rows of text cells (with header rows)."""
        forward = [say("trace.forward_columns").split("|")]
        for i, step in enumerate(self.forward, start=1):
            inputs = ", ".join(self.name(x) for x in step.inputs)
            forward.append([str(i), self.name(step.node), _op_text(step.node), inputs,
                            format_number(step.value)])
        backward = [say("trace.backward_columns").split("|")]
        for k, step in enumerate(self.backward, start=1):
            for j, edge in enumerate(step.edges):
                first = j == 0
                backward.append([
                    str(k) if first else "",
                    self.name(step.node) if first else "",
                    format_number(step.upstream) if first else "",
                    self.name(edge.input),
                    format_number(edge.local),
                    format_number(edge.contribution),
                ])
        return forward, backward

    def __str__(self) -> str:
        forward, backward = self.rows()
        return "\n".join([
            say("trace.forward_pass"),
            _text_table(forward, numeric={0, 4}),
            "",
            say("trace.backward_pass_from", root=self.name(self.root)),
            _text_table(backward, numeric={0, 2, 4, 5}),
        ])

    def __repr__(self) -> str:
        return (f"<Trace of {self.name(self.root)}: {len(self.forward)} nodes, "
                f"{len(self.backward)} backward steps>")

    def _repr_html_(self) -> str:
        forward, backward = self.rows()
        return (
            f"<div><b>{html.escape(say('trace.forward_pass'))}</b>"
            + _html_table(forward, numeric={0, 4})
            + f"<b>{html.escape(say('trace.backward_pass'))}</b> "
            + html.escape(say("trace.from_root", root=self.name(self.root)))
            + _html_table(backward, numeric={0, 2, 4, 5}) + "</div>"
        )

    def page(self, *, title: str | None = None, model=None, groups=None, highlight=(),
             params=None, lr: float = 0.1, rankdir: str = "LR",
             lang: str | None = None) -> TracePage:
        """The step-through page (`page.TracePage`): shows in Jupyter, `.save(path)` writes it.
        `model=` or `groups=`: what the picture collapses into boxes; `highlight=`: a node or
        an explanation lit at the start; `params=`, `lr=`: the SGD panel; `rankdir=`: LR, TB;
        `lang=`: "en" or "zh" for this page (None: the current language, `set_language`)."""
        with language(lang or get_language()):
            return TracePage(self, title=title, model=model, groups=groups,
                             highlight=highlight, params=params, lr=lr, rankdir=rankdir)


def _op_text(node: Value) -> str:
    """The op's name; with its constant for `x ** n` ('**2')."""
    op = node.op_entry
    if op is None:
        return ""
    return reading.symbol(op, node.exponent) if op.param else op.name


def _width(text: str) -> int:
    """Columns the text takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_table(rows: list[list[str]], numeric: set[int]) -> str:
    widths = [max(_width(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = []
    for r, row in enumerate(rows):
        # Padded by display width, so that a column of Chinese headings lines up too.
        cells = [
            " " * (w - _width(cell)) + cell if c in numeric and r > 0
            else cell + " " * (w - _width(cell))
            for c, (cell, w) in enumerate(zip(row, widths))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _html_table(rows: list[list[str]], numeric: set[int]) -> str:
    def cell(tag: str, c: int, text: str) -> str:
        align = ' style="text-align:right;font-family:monospace"' if c in numeric else ""
        return f"<{tag}{align}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", -1, text) for text in rows[0])
    body = "".join(
        "<tr>" + "".join(cell("td", c, text) for c, text in enumerate(row)) + "</tr>"
        for row in rows[1:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- explain -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Factor:
    """d upper / d lower between two labeled nodes: the local derivatives between them."""

    upper: Value
    lower: Value
    local: float | np.ndarray
    upper_name: str
    lower_name: str

    @property
    def name(self) -> str:
        """'dupper/dlower', as the textbook writes it."""
        return reading.derivative_name(self.upper_name, self.lower_name)


@dataclass(frozen=True, eq=False)
class Path:
    """One path from the root down to the node, as factors between labeled nodes."""

    factors: tuple[Factor, ...]
    product: float | np.ndarray

    @property
    def names(self) -> list[str]:
        """The labeled nodes along the path, root first."""
        if not self.factors:
            return []
        return [self.factors[0].upper_name] + [f.lower_name for f in self.factors]

    def numbers(self, digits: int = 8) -> str:
        """'a × b × c' without factors of exactly 1 (unless every factor is 1)."""
        shown = [f for f in self.factors if not _is_one(f.local)] or list(self.factors[:1])
        return " × ".join(format_number(f.local, digits) for f in shown)


def _is_one(x) -> bool:
    return type(x) is float and x == 1.0


@dataclass(frozen=True, eq=False)
class Explanation:
    """d root / d node as a sum over paths; `str()` is the textbook line."""

    root: Value
    node: Value
    root_name: str
    node_name: str
    paths: tuple[Path, ...]
    total: float | np.ndarray
    nodes: frozenset  # every graph node on some path (labeled or not), for highlighting

    @property
    def name(self) -> str:
        """'dE_total/dw5'; a formula's name in brackets, 'dE_total/d(0.99 − out_o2)'."""
        return reading.derivative_name(self.root_name, self.node_name)

    def lines(self, digits: int = 8) -> list[str]:
        """The chain rule as text: one line for one path, else the sum and a line per path."""
        total = format_number(self.total, digits)
        if not self.paths:
            return [say("explain.no_path", name=self.name, total=total, root=self.root_name)]
        if len(self.paths) == 1:
            path = self.paths[0]
            shown = [f for f in path.factors if not _is_one(f.local)]
            if len(shown) <= 1:
                return [f"{self.name} = {total}"]
            return [f"{self.name} = {path.numbers(digits)} = {total}"]
        terms = sum_terms([p.product for p in self.paths], digits)
        lines = [f"{self.name} = {terms} = {total}"]
        for path in self.paths:
            lines.append("  " + " → ".join(path.names) + ":")
            lines.append(f"      {path.numbers(digits)} = {format_number(path.product, digits)}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"<Explanation {self.name}: {len(self.paths)} path(s), total {self.total!r}>"


def _check_by(by: str) -> str:
    if by not in ("labels", "ops"):
        raise ValueError(f"explain: by must be 'labels' or 'ops', got {by!r}")
    return by


def _stretches(tr: Trace, target: Value, by: str = "labels") -> tuple[set, dict, dict]:
    """The nodes that reach the target, the summed local derivatives between labeled nodes
    (`below`; between any two nodes with `by="ops"`), and the number of paths from each node
    down to the target."""
    order = tr.nodes
    root = tr.root
    # Only nodes from which the target can be reached lie on a root-to-target path.
    reaches: set[Value] = {target}
    for node in order:
        if node is not target and any(child in reaches for child in node.inputs):
            reaches.add(node)

    def stop(node: Value) -> bool:
        return by == "ops" or bool(node.label) or node is target or node is root

    # below[n]: for each stop reached from n through non-stop nodes only, the summed
    # products of local derivatives along those stretches (inputs come first in `order`).
    below: dict[Value, dict[Value, object]] = {}
    for node in order:
        if node not in reaches or node is target:
            continue
        sums: dict[Value, object] = {}
        for child, local in zip(node.inputs, node.local_grads):
            if child not in reaches:
                continue
            if stop(child):
                sums[child] = sums.get(child, 0.0) + local
            else:
                for s, value in below[child].items():
                    sums[s] = sums.get(s, 0.0) + local * value
        below[node] = sums

    # Count the paths first, so a huge graph is refused before it is enumerated.
    count: dict[Value, int] = {target: 1}
    for node in order:
        if node in below:
            count[node] = sum(count[s] for s in below[node])
    if root not in reaches:
        count[root] = 0
    return reaches, below, count


def _explain(tr: Trace, target: Value, max_paths: int, by: str) -> Explanation:
    root = tr.root
    reaches, below, count = _stretches(tr, target, by)
    if count[root] > max_paths:
        raise ValueError(say("explain.too_many_paths",
                             name=reading.derivative_name(tr.name(root), tr.name(target)),
                             count=count[root], limit=max_paths))

    paths: list[Path] = []
    if root in reaches:
        # Depth-first, inputs in argument order, with an explicit stack (no recursion).
        stack: list[tuple[Value, tuple[Factor, ...]]] = [(root, ())]
        while stack:
            node, factors = stack.pop()
            if node is target:
                paths.append(Path(factors, _product(tr, below, factors)))
                continue
            for s, local in reversed(list(below[node].items())):
                factor = Factor(node, s, local, tr.name(node), tr.name(s))
                stack.append((s, (*factors, factor)))
    total = _sum([p.product for p in paths]) if paths else 0.0
    return Explanation(root, target, tr.name(root), tr.name(target), tuple(paths), total,
                       frozenset(reaches))


def _top_paths(tr: Trace, target: Value, below: dict, k: int) -> list[Path] | None:
    """The k best paths down to the target by |product|: each node keeps its k best ways
    down (a product, and which way it takes at the next stop), built from its stops' best."""
    best: dict[Value, list[tuple[float, object, int]]] = {target: [(1.0, None, -1)]}
    for node in tr.nodes:  # inputs come first: a node's stops are done before it
        if node not in below:
            continue
        ways = []
        for s, local in below[node].items():
            if type(local) is not float:
                return None  # an array (batch mode) or an undefined slope: no ranking
            ways.extend((local * product, s, j) for j, (product, _, _) in enumerate(best[s]))
        best[node] = heapq.nlargest(k, ways, key=lambda way: abs(way[0]))
    paths = []
    for product, s, j in best.get(tr.root, []):
        factors, upper = [], tr.root
        while s is not None:
            factors.append(Factor(upper, s, below[upper][s], tr.name(upper), tr.name(s)))
            upper, (_, s, j) = s, best[s][j]
        paths.append(Path(tuple(factors), product))
    return paths


def _product(tr: Trace, below: dict, factors: tuple[Factor, ...]):
    """The path's share of the gradient. On numbers, the product of its factors. In batch mode
    the factors are per-sample arrays, and a reduction (sum, mean) on the way mixes the samples:
    then the share is carried down the path as backward carries it, summed to each node's shape
    (an elementwise product of the factors would be wrong there)."""
    if all(type(f.local) is float for f in factors):
        result = 1.0
        for f in factors:
            result = result * f.local
        return result
    result = 1.0
    for f in factors:
        result = _pull(tr, below, f.upper, f.lower, result)
    return result


def _pull(tr: Trace, below: dict, upper: Value, lower: Value, g):
    """d root/d upper (`g`) carried down to `lower` through the stretch of unlabeled nodes
    between them, edge by edge, as the backward pass does."""
    found = {upper: g}
    for node in reversed(tr.nodes[tr.index(lower) + 1: tr.index(upper) + 1]):
        if node not in found:
            continue
        for child, local in zip(node.inputs, node.local_grads):
            if child is lower or (child is not upper and lower in below.get(child, ())
                                  and not child.label and child is not tr.root):
                c = unbroadcast(local * found[node], child.data)
                found[child] = c if child not in found else found[child] + c
    return found[lower]


def _sum(values: list):
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total
