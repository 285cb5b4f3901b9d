"""Drawing a graph with Graphviz: value nodes (label, data, grad), small op nodes between them.

Left to right, leaves to root, so the forward pass reads left to right and the gradients flow
back right to left. A value node's fill shows its gradient (warm: positive, cool: negative,
stronger: larger); `highlight=` outlines nodes or the paths of an `explain` and the edges
joining them. A model's nodes can be grouped by layer and neuron. A graph bigger than
`max_nodes` is cut down to the nodes nearest a focus (the root unless told), with a stub on
every cut edge and a caption saying what is hidden, so Graphviz never gets a hairball.

The drawing is a `DrawnGraph`, a `graphviz.Digraph` that shows itself in Jupyter as a picture
where Graphviz's `dot` program is installed, and as its DOT source with a hint where it is not.
"""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import graphviz
import numpy as np

from ..engine.backward import topological_order
from ..engine.numbers import short_number
from ..engine.value import Value
from . import reading

__all__ = ["draw_graph", "DrawnGraph", "MAX_NODES", "GRAPHVIZ_HINT"]

MAX_NODES = 150  # value nodes drawn before the graph is cut down around its focus

_FONT = "Helvetica"
_POSITIVE = (214, 96, 77)  # fill for a positive gradient, at full strength
_NEGATIVE = (67, 147, 195)  # and for a negative one
_HIGHLIGHT = "#7b2cbf"
_EDGE = "#6b6b6b"
_FADED = "#c4c4c4"

GRAPHVIZ_HINT = (
    "Graphviz's `dot` program was not found; install it for pictures "
    "(apt install graphviz, brew install graphviz, conda install graphviz, "
    "or https://graphviz.org/download/)"
)


class DrawnGraph(graphviz.Digraph):
    """A `graphviz.Digraph` that Jupyter shows as its DOT source and a hint without `dot`."""

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {
                "text/html": (
                    f"<p><b>{html.escape(GRAPHVIZ_HINT)}</b>; meanwhile, the graph's DOT "
                    f"source:</p><pre>{html.escape(self.source)}</pre>"
                ),
                "text/plain": f"{GRAPHVIZ_HINT}; meanwhile, the graph's DOT source:\n"
                              f"{self.source}",
            }


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight=(),
    show_local: bool = False,
    model=None,
    groups: Mapping | None = None,
    focus=None,
    max_nodes: int | None = MAX_NODES,
    digits: int = 4,
    title: str | None = None,
) -> DrawnGraph:
    """Draw root's graph; see the module docstring for what each option shows.

    highlight   Values, labels, or an `Explanation` (its paths), outlined with their edges
    show_local  label each input edge with d node / d input
    model       an MLP-like object (`.layers`, `.neurons`, `.w`, `.b`): cluster by layer/neuron
    groups      {cluster title: Values, or {sub-cluster title: Values}}, drawn as boxes
    focus       Values or labels to centre on when the graph is bigger than `max_nodes`
    max_nodes   value nodes to draw at most (None: draw all, however many)
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    lit = _resolve(highlight, order, "highlight")
    if model is not None and focus is None and not lit and max_nodes is not None \
            and len(order) > max_nodes:
        return _model_summary(root, order, model, rankdir, digits, title)
    shown, caption = _choose(root, order, index, lit, focus, max_nodes)
    scale = _grad_scale([n for n in order if n in shown and n is not root])

    dot = _digraph(rankdir)
    notes = [caption] if caption else []
    if show_grad:
        notes.append("fill: gradient (red +, blue −; stronger = larger |grad|)")
    if lit:
        notes.append("purple: highlighted")
    if title:
        dot.attr(label=html.escape(title), labelloc="t", fontsize="14")
    if notes:
        # A node rather than the graph label, so a title and a caption can both be shown.
        dot.node("caption", "\\l".join(notes) + "\\l", shape="plaintext", fontsize="9",
                 fontcolor="#666666")

    members, hints = _cluster_members(order, model, groups)
    clusters: dict[tuple[str, ...], list[Value]] = {}
    for node in order:
        if node in shown:
            clusters.setdefault(members.get(node, ()), []).append(node)
    _emit_clusters(dot, clusters, lambda g, n: _emit_node(g, n, index[n], root, show_grad,
                                                           digits, scale, lit))
    _emit_edges(dot, order, index, shown, lit, show_local, digits)
    for before, after in hints:
        if before in shown and after in shown:
            dot.edge(f"v{index[before]}", f"v{index[after]}", style="invis")
    return dot


def _digraph(rankdir: str) -> DrawnGraph:
    dot = DrawnGraph(name="autodiff", format="svg")
    dot.attr(rankdir=rankdir, bgcolor="white", fontname=_FONT, nodesep="0.18", ranksep="0.3")
    dot.attr("node", fontname=_FONT, fontsize="11")
    dot.attr("edge", fontname=_FONT, fontsize="9", arrowsize="0.6", color=_EDGE)
    return dot


# --- which nodes to draw -------------------------------------------------------------------------


def _resolve(items, order: list[Value], what: str) -> set[Value]:
    """Values, labels and explanations (anything with a `.nodes` set) as one set of nodes."""
    if items is None:
        return set()
    if isinstance(items, (Value, str)) or hasattr(items, "paths"):
        items = [items]
    found: set[Value] = set()
    in_graph = set(order)
    for item in items:
        if isinstance(item, Value):
            if item not in in_graph:
                raise ValueError(f"{what}: {item!r} is not a node of this graph")
            found.add(item)
        elif isinstance(item, str):
            matches = [n for n in order if n.label == item]
            if not matches:
                raise ValueError(f"{what}: no node labeled {item!r} in this graph")
            found.update(matches)
        elif hasattr(item, "nodes") and hasattr(item, "paths"):
            found.update(n for n in item.nodes if n in in_graph)
        else:
            raise TypeError(
                f"{what} takes Values, labels or an explanation, got {type(item).__name__}"
            )
    return found


def _choose(root, order, index, lit, focus, max_nodes) -> tuple[set[Value], str]:
    """All nodes, or the `max_nodes` nearest the focus, and a caption saying which."""
    if max_nodes is None or len(order) <= max_nodes:
        return set(order), ""
    centre = _resolve(focus, order, "focus") or lit or {root}
    users: dict[Value, list[Value]] = {}
    for node in order:
        for child in node.inputs:
            users.setdefault(child, []).append(node)
    # Breadth first over inputs and users alike: the nearest nodes in either direction.
    shown: set[Value] = set()
    queue = deque(sorted(centre, key=index.__getitem__, reverse=True))
    while queue and len(shown) < max_nodes:
        node = queue.popleft()
        if node in shown:
            continue
        shown.add(node)
        queue.extend(n for n in (*node.inputs, *users.get(node, ())) if n not in shown)
    names = ", ".join(sorted(n.label or "an unlabeled node" for n in centre)[:5])
    caption = (
        f"showing {len(shown):,} of {len(order):,} value nodes, those nearest {names}; "
        "pass focus= to look elsewhere, max_nodes= to show more"
    )
    return shown, caption


# --- grouping a model's nodes -----------------------------------------------------------------


def _cluster_members(order, model, groups) -> tuple[dict[Value, tuple[str, ...]], list]:
    """node -> the titles of the clusters it sits in (outermost first), and layout hints."""
    members: dict[Value, tuple[str, ...]] = {}
    hints: list[tuple[Value, Value]] = []
    if model is not None:
        members, hints = _model_members(order, model)
    if groups is not None:
        if not isinstance(groups, Mapping):
            raise TypeError(f"groups must be a mapping of title to Values, got "
                            f"{type(groups).__name__}")
        stack = [((), groups)]
        while stack:
            prefix, mapping = stack.pop()
            for title, content in mapping.items():
                path = (*prefix, str(title))
                if isinstance(content, Mapping):
                    stack.append((path, content))
                    continue
                for node in ([content] if isinstance(content, Value) else content):
                    if not isinstance(node, Value):
                        raise TypeError(f"groups[{title!r}] holds a {type(node).__name__}, "
                                        "not a Value")
                    members[node] = path
    return members, hints


def _model_members(order: list[Value], model) -> tuple[dict[Value, tuple[str, ...]], list]:
    """Clusters for an MLP-like model: a box per layer, inside it a box per neuron.

    A neuron's box holds its weights, its `linear` node and the activation made from it; a
    bias shared by a layer's neurons sits in the layer's box. The hints are pairs (a, b) that
    keep b right of a: each layer's parameters right of the previous layer's outputs, so the
    layers line up left to right instead of stacking.
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            f"model= needs an MLP-like object with .layers (each with .neurons, each with .w "
            f"and .b), got {type(model).__name__}"
        )
    neuron_of: dict[Value, tuple[int, int]] = {}  # weight (or own bias) -> (layer, neuron)
    layer_params: list[list[Value]] = []
    shared: dict[Value, int] = {}  # a bias shared by the neurons of a layer -> the layer
    names: dict[tuple[int, int], str] = {}  # a neuron's own name ("h1"), where it has one
    for li, layer in enumerate(layers):
        neurons = list(getattr(layer, "neurons", ()))
        biases = [getattr(n, "b", None) for n in neurons]
        params: list[Value] = []
        for nj, neuron in enumerate(neurons):
            if isinstance(getattr(neuron, "name", None), str):
                names[(li, nj)] = neuron.name
            for w in getattr(neuron, "w", ()):
                neuron_of[w] = (li, nj)
                params.append(w)
            b = biases[nj]
            if isinstance(b, Value):
                if sum(other is b for other in biases) > 1:
                    shared[b] = li
                else:
                    neuron_of[b] = (li, nj)
                params.append(b)
        layer_params.append(params)

    def layer_title(li: int) -> str:
        return f"layer {li + 1}" + (" (output)" if li == len(layers) - 1 else "")

    members: dict[Value, tuple[str, ...]] = {}
    titles: dict[tuple[int, int], tuple[str, str]] = {}
    outputs: dict[int, list[Value]] = {}
    for node in order:
        if node.op != "linear":
            if len(node.inputs) == 1 and node.inputs[0].op == "linear" \
                    and node.inputs[0] in members:
                members[node] = members[node.inputs[0]]  # the neuron's activation
                outputs[members[node][-1][0]].append(node)
            continue
        key = next((neuron_of[x] for x in node.inputs if x in neuron_of), None)
        if key is None:
            continue
        if key not in titles:
            name = names.get(key) or f"neuron {key[1] + 1}"
            titles[key] = (layer_title(key[0]), (key[0], name))
        members[node] = titles[key]
        outputs.setdefault(key[0], [])
    for param, key in neuron_of.items():
        if key in titles:
            members[param] = titles[key]
    for bias, li in shared.items():
        members[bias] = (layer_title(li),)
    hints = [
        (outputs[li - 1][0], param)
        for li in range(1, len(layer_params))
        if outputs.get(li - 1)
        for param in layer_params[li]
    ]
    # Cluster titles are plain strings; the (layer, name) pair only kept neurons apart.
    return {node: (path[0], path[1][1]) if len(path) == 2 else path
            for node, path in members.items()}, hints


def _emit_clusters(dot, clusters: dict[tuple[str, ...], list[Value]], emit) -> None:
    """Nested `cluster_` subgraphs, one per title path, each with its nodes."""
    tree: dict = {}
    for path, nodes in clusters.items():
        branch = tree
        for title in path:
            branch = branch.setdefault(title, {})
        branch.setdefault(None, []).extend(nodes)

    counter = [0]

    def fill(graph, branch: dict, depth: int) -> None:
        for node in branch.get(None, []):
            emit(graph, node)
        for title, sub in branch.items():
            if title is None:
                continue
            counter[0] += 1
            with graph.subgraph(name=f"cluster_{counter[0]}") as inner:
                style = "rounded,dashed" if depth == 0 else "rounded,filled"
                inner.attr(label=html.escape(title), style=style, color="#bdbdbd",
                           fillcolor="#f6f6f6", fontcolor="#555555", fontsize="11",
                           labeljust="l")
                fill(inner, sub, depth + 1)

    fill(dot, tree, 0)


# --- a big model, collapsed -----------------------------------------------------------------


_MAX_NEURONS = 24  # neurons drawn per layer in the collapsed view; the rest are counted


def _model_summary(root: Value, order: list[Value], model, rankdir: str, digits: int,
                   title: str | None) -> DrawnGraph:
    """One box per neuron, a cluster per layer: a model too big to draw node by node.

    Each neuron shows the size of its weights' gradient, ‖∇w‖ (the square root of the sum of
    squares), which is what an optimizer step moves it by; its fill scales with that size.
    """
    layers = list(getattr(model, "layers", None) or ())
    if not layers:
        raise TypeError(f"model= needs an MLP-like object with .layers, got {type(model).__name__}")
    norms = {id(n): _norm([w.grad for w in getattr(n, "w", ())])
             for layer in layers for n in getattr(layer, "neurons", ())}
    scale = max(norms.values(), default=0.0)
    dot = _digraph(rankdir)
    dot.attr(compound="true")
    if title:
        dot.attr(label=html.escape(title), labelloc="t", fontsize="14")
    dot.node("caption", (
        f"{len(order):,} value nodes, drawn as one box per neuron; fill: ‖∇w‖ of its weights\\l"
        "pass focus= (a Value or label) to see the nodes near it, max_nodes=None to draw all\\l"),
        shape="plaintext", fontsize="9", fontcolor="#666666")
    first = getattr(layers[0], "neurons", [None])[0]
    nin = len(getattr(first, "w", ()))
    dot.node("inputs", f"inputs\n{nin}", shape="box", style="rounded", color="#888888")
    previous, previous_cluster = "inputs", None
    for li, layer in enumerate(layers):
        neurons = list(getattr(layer, "neurons", ()))
        drawn = list(enumerate(neurons))
        if len(neurons) > _MAX_NEURONS:
            drawn = drawn[: _MAX_NEURONS - 4] + [(None, None)] + drawn[-4:]
        cluster = f"cluster_layer{li}"
        bias = getattr(layer, "b", None)
        heading = f"layer {li + 1}" + (" (output)" if li == len(layers) - 1 else "")
        heading += f" · {len(neurons)} neuron{'s' if len(neurons) != 1 else ''}"
        if isinstance(bias, Value):
            heading += f" · shared bias grad {short_number(_norm([bias.grad]), digits)}"
        with dot.subgraph(name=cluster) as box:
            box.attr(label=html.escape(heading), style="rounded,dashed", color="#bdbdbd",
                     fontcolor="#555555", fontsize="11", labeljust="l")
            for nj, neuron in drawn:
                if neuron is None:
                    box.node(f"n{li}_more", f"… {len(neurons) - _MAX_NEURONS + 1} more",
                             shape="plaintext", fontcolor="#888888")
                    continue
                name = getattr(neuron, "name", None)
                name = name if isinstance(name, str) else f"neuron {nj + 1}"
                norm = norms[id(neuron)]
                rows = [f"<B>{html.escape(name)}</B>",
                        f"{len(getattr(neuron, 'w', ()))} weights",
                        f"‖∇w‖ {short_number(norm, digits)}"]
                label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
                         + "".join(f'<TR><TD><FONT POINT-SIZE="10">{r}</FONT></TD></TR>'
                                   for r in rows) + "</TABLE>>")
                box.node(f"n{li}_{nj}", label, shape="box", style="rounded,filled",
                         fillcolor=_fill(norm, scale), color="#444444")
        real = [nj for nj, neuron in drawn if neuron is not None]
        if not real:
            continue
        anchor = f"n{li}_{real[len(real) // 2]}"  # edges join the middles of the layers
        attrs = {"lhead": cluster}
        if previous_cluster:
            attrs["ltail"] = previous_cluster
        dot.edge(previous, anchor, **attrs)
        previous, previous_cluster = anchor, cluster
    rows = [f"<B>{html.escape(root.label or 'output')}</B>",
            *(html.escape(t) for t in _lines("data", root.data, digits)),
            *(html.escape(t) for t in _lines("grad", root.grad, digits))]
    label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
             + "".join(f"<TR><TD>{r}</TD></TR>" for r in rows) + "</TABLE>>")
    dot.node("root", label, shape="box", style="rounded,filled,bold", fillcolor="#fff3c4")
    dot.edge(previous, "root", ltail=previous_cluster or "", label="  loss and the rest  ",
             fontcolor="#888888")
    return dot


def _norm(grads: list) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


# --- nodes and edges -----------------------------------------------------------------------------


def _grad_scale(nodes: Iterable[Value]) -> float:
    """The largest |grad| among the drawn nodes (the root's 1 left out), to scale colours."""
    largest = 0.0
    for node in nodes:
        g = node.grad
        size = float(np.mean(np.abs(g))) if isinstance(g, np.ndarray) else abs(g)
        largest = max(largest, size)
    return largest


def _fill(grad, scale: float) -> str:
    g = float(np.mean(grad)) if isinstance(grad, np.ndarray) else grad
    if g == 0.0 or scale == 0.0:
        return "#ffffff"
    # Square root: small gradients stay visible next to big ones.
    strength = min(1.0, (abs(g) / scale) ** 0.5) * 0.75
    rgb = _POSITIVE if g > 0 else _NEGATIVE
    mixed = [round(255 + (c - 255) * strength) for c in rgb]
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def _lines(prefix: str, x, digits: int) -> list[str]:
    if isinstance(x, np.ndarray) and x.ndim > 0:
        mean = short_number(float(x.mean()), digits)
        low, high = short_number(float(x.min()), digits), short_number(float(x.max()), digits)
        return [f"{prefix} shape {x.shape}", f"mean {mean}", f"[{low}, {high}]"]
    return [f"{prefix} {short_number(x, digits)}"]


def _emit_node(graph, node: Value, i: int, root: Value, show_grad: bool, digits: int,
               scale: float, lit: set[Value]) -> None:
    border = {"color": _HIGHLIGHT, "penwidth": "2.6"} if node in lit else \
             {"color": "#444444", "penwidth": "1"}
    if not node.inputs and not node.label:
        # An unlabeled leaf is a constant of the formula: just its value, small and grey.
        text = "\\n".join(_lines("", node.data, digits)).strip()
        graph.node(f"v{i}", text, id=f"v{i}", shape="box", style="rounded", fontsize="10",
                   fontcolor="#555555", height="0.2", margin="0.05,0.02",
                   **({"color": "#aaaaaa"} if node not in lit else border))
    else:
        rows = [f'<TR><TD><B>{html.escape(node.label or "·")}</B></TD></TR>']
        rows += [f'<TR><TD><FONT POINT-SIZE="10">{html.escape(t)}</FONT></TD></TR>'
                 for t in _lines("data", node.data, digits)]
        if show_grad:
            rows += [f'<TR><TD><FONT POINT-SIZE="10">{html.escape(t)}</FONT></TD></TR>'
                     for t in _lines("grad", node.grad, digits)]
        label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
                 + "".join(rows) + "</TABLE>>")
        fill = _fill(node.grad, scale) if show_grad and node is not root else (
            "#fff3c4" if node is root else "#ffffff")
        style = "rounded,filled,bold" if node is root else "rounded,filled"
        graph.node(f"v{i}", label, id=f"v{i}", shape="box", style=style, fillcolor=fill,
                   margin="0.08,0.03", **border)
    op = node.op_entry
    if op is not None and node.inputs:
        symbol = reading.symbol(op, node.exponent)
        shape = "circle" if len(symbol) <= 3 else "box"
        graph.node(f"o{i}", html.escape(symbol), id=f"o{i}", shape=shape,
                   style="filled,rounded", fillcolor="#eef0f3",
                   color=_HIGHLIGHT if node in lit else "#8a93a0",
                   penwidth="2" if node in lit else "1", fontsize="10", width="0.3",
                   height="0.3", margin="0.03,0.01", tooltip=html.escape(reading.reads(
                       op, n=node.exponent)))


def _emit_edges(dot, order, index, shown, lit, show_local, digits) -> None:
    for node in order:
        if node not in shown or not node.inputs:
            continue
        i = index[node]
        on = node in lit
        dot.edge(f"o{i}", f"v{i}", id=f"f{i}", **_edge_style(on, lit))
        hidden = 0
        for k, (child, local) in enumerate(zip(node.inputs, node.local_grads)):
            if child not in shown:
                hidden += 1
                continue
            attrs = _edge_style(on and child in lit, lit)
            if show_local and isinstance(local, float):  # not an array, not undefined
                attrs["label"] = f"∂ {short_number(local, digits)}"
                attrs["fontcolor"] = "#555555"
            dot.edge(f"v{index[child]}", f"o{i}", id=f"e{i}_{k}", **attrs)
        if hidden:
            dot.node(f"h{i}", f"{hidden} more input{'s' if hidden > 1 else ''}",
                     shape="plaintext", fontsize="9", fontcolor="#888888")
            dot.edge(f"h{i}", f"o{i}", style="dashed", color=_FADED)
    stubbed: set[Value] = set()
    for node in order:
        if node in shown:
            continue
        # A drawn node used by hidden ones: one stub says so.
        for child in node.inputs:
            if child in shown and child not in stubbed:
                stubbed.add(child)
                dot.node(f"u{index[child]}", "used further on", shape="plaintext",
                         fontsize="9", fontcolor="#888888")
                dot.edge(f"v{index[child]}", f"u{index[child]}", style="dashed", color=_FADED)


def _edge_style(on_path: bool, lit: set[Value]) -> dict[str, str]:
    if on_path:
        return {"color": _HIGHLIGHT, "penwidth": "2.4"}
    if lit:
        return {"color": _FADED}
    return {}
