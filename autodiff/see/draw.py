"""Drawing a graph with Graphviz: value nodes (name, data, grad), small op nodes between them.

Left to right, leaves to root, so the forward pass reads left to right and the gradients flow
back right to left. A value node's fill shows its gradient (warm: positive, cool: negative,
stronger: larger); `highlight=` outlines nodes or the paths of an `explain` and the edges
joining them. Every node is named as `reading.node_names` names it, the same name the trace
and the page use.

`groups=` says what belongs together ({title: Values, or {sub-title: Values}}); each group is
a box around its nodes, or, collapsed, one box standing for all of them. A model's own package
tells which groups it has (`register_layout`; nn does it for its MLP), so `model=` works without
this module knowing any model. A graph bigger than `max_nodes` collapses the groups that do not
hold the focus, then cuts what is left down to the nodes nearest the focus, with a stub on
every cut edge and a caption saying what is hidden, so Graphviz never gets a hairball.
"""

from __future__ import annotations

import html
import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import graphviz

from ..engine.backward import topological_order
from ..engine.numpy_on_demand import is_array, np
from ..engine.value import Value
from ..language import reading, say
from ..language.numbers import short_number
from .layout import GraphTooBig, LayoutTimeout, run_dot

__all__ = ["draw_graph", "Drawing", "GRAPHVIZ_HINT", "MAX_NODES", "Scene", "register_layout",
           "gradient_fill", "text_lines", "escape"]

MAX_NODES = 150  # value nodes drawn before the graph is cut down around its focus

FONT = "Helvetica"
_POSITIVE = (214, 96, 77)  # fill for a positive gradient, at full strength
_NEGATIVE = (67, 147, 195)  # and for a negative one
_HIGHLIGHT = "#7b2cbf"
_EDGE = "#6b6b6b"
_FADED = "#c4c4c4"

# --- what a model's package tells us -------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    kind: type
    groups: Callable  # groups(model, order) -> {title: Values or {title: Values}}
    summary: Callable | None  # summary(root, model, rankdir=, digits=, title=) -> Digraph
    parameters: Callable | None  # parameters(model) -> the Values an optimizer steps


_LAYOUTS: list[_Layout] = []


def register_layout(kind: type, groups: Callable, summary: Callable | None = None,
                    parameters: Callable | None = None) -> None:
    """Teach `draw_graph(model=...)` and the page a kind of model.

    `groups(model, order)` returns what belongs together, as `groups=` takes it;
    `summary(root, model, rankdir=, digits=, title=)`, if given, draws a model too big for
    its nodes (no highlight, no focus); `parameters(model)` the Values an optimizer steps (the
    page's SGD panel). The model's package calls this; the drawing never imports it.
    """
    _LAYOUTS[:] = [entry for entry in _LAYOUTS if entry.kind is not kind]
    _LAYOUTS.append(_Layout(kind, groups, summary, parameters))


def model_layout(model) -> _Layout:
    """The registered layout of `model`'s kind, or a TypeError saying how to get one."""
    for entry in _LAYOUTS:
        if isinstance(model, entry.kind):
            return entry
    raise TypeError(
        f"model= needs a model whose package registered how to draw it (nn's MLP does, "
        f"through nn.drawing: an MLP with .layers, each with .neurons); got "
        f"{type(model).__name__}. Pass groups= instead"
    )


# --- the public function -------------------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight=(),
    show_local: bool = False,
    model=None,
    groups: Mapping | None = None,
    collapse=None,
    focus=None,
    max_nodes: int | None = MAX_NODES,
    digits: int = 4,
    title: str | None = None,
) -> graphviz.Digraph:
    """Draw root's graph; see the module docstring for what each option shows.

    highlight   Values, labels, or an `Explanation` (its paths), outlined with their edges
    show_local  label each input edge with d node / d input
    model       a model whose package registered its layout (nn's MLP): boxes by layer/neuron
    groups      {title: Values, or {sub-title: Values}}, drawn as boxes around their nodes
    collapse    True (every innermost group as one box), or group titles to draw as one box
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
    if model is not None:
        layout = model_layout(model)
        big = max_nodes is not None and len(order) > max_nodes
        if layout.summary is not None and big and focus is None and collapse is None \
                and not _resolve(highlight, order, "highlight"):
            return layout.summary(root, model, rankdir=rankdir, digits=digits, title=title)
        groups = {**layout.groups(model, order), **(groups or {})}
    scene = Scene(order, groups)
    lit = scene.resolve(highlight, "highlight")
    centre = scene.resolve(focus, "focus") or lit or {root}
    opened = scene.opened(collapse, centre, max_nodes)
    shown, caption = scene.cut(opened, centre, max_nodes)
    return scene.digraph(opened, shown, lit=lit, show_grad=show_grad, show_local=show_local,
                         digits=digits, rankdir=rankdir, title=title, caption=caption)


def escape(text: str) -> str:
    """Text for a Graphviz HTML label: printable (no control character) and escaped."""
    # Graphviz's label parser fails on a "]" right after a tag: as a character reference, no.
    return html.escape(reading.printable(text)).replace("]", "&#93;")


# --- the scene: nodes, names, groups ------------------------------------------------------------


def _boxes(units: dict[Value, str]) -> dict[int, list[Value]]:
    """The nodes each closed group's box stands for (a unit "g<k>"), by group."""
    boxes: dict[int, list[Value]] = {}
    for node, unit in units.items():
        if unit[0] == "g":
            boxes.setdefault(int(unit[1:]), []).append(node)
    return boxes


class Scene:
    """A graph ready to draw: its nodes in order, their names, and the groups they sit in.

    Groups are numbered in the order given (outer before inner); `chain[node]` lists the groups
    holding a node, outermost first. Which groups are open (drawn node by node) and which are
    collapsed into one box is chosen per drawing, so the page can draw many views of one scene.
    """

    def __init__(self, order: list[Value], groups: Mapping | None = None,
                 names: dict[Value, str] | None = None) -> None:
        self.order = order
        self.root = order[-1]
        self.index = {node: i for i, node in enumerate(order)}
        self.names = names if names is not None else reading.node_names(order)
        self.titles: list[str] = []  # group k's title
        self.parent: list[int | None] = []
        self.chain: dict[Value, tuple[int, ...]] = {}
        self._users: dict[Value, list[Value]] | None = None
        if groups is not None:
            self._read_groups(groups)
            # A constant used only inside one group belongs to it (a sample's target, ½).
            for node in order:
                if node.inputs or node.label or node in self.chain:
                    continue
                chains = {self.chain.get(u, ()) for u in self.users.get(node, ())}
                if len(chains) == 1 and () not in chains:
                    self.chain[node] = chains.pop()
        self.members: list[list[Value]] = [[] for _ in self.titles]  # every node inside
        for node in order:
            for k in self.chain.get(node, ()):
                self.members[k].append(node)

    def _read_groups(self, groups: Mapping) -> None:
        if not isinstance(groups, Mapping):
            raise TypeError(f"groups must be a mapping of title to Values, got "
                            f"{type(groups).__name__}")
        in_graph = set(self.index)
        stack: list[tuple[tuple[int, ...], Mapping]] = [((), groups)]
        while stack:  # no recursion: however deep the nesting, and in the order given
            prefix, mapping = stack.pop(0)
            for title, content in mapping.items():
                k = len(self.titles)
                self.titles.append(str(title))
                self.parent.append(prefix[-1] if prefix else None)
                path = (*prefix, k)
                if isinstance(content, Mapping):
                    stack.append((path, content))
                    continue
                for node in ([content] if isinstance(content, Value) else content):
                    if not isinstance(node, Value):
                        raise TypeError(f"groups[{title!r}] holds a {type(node).__name__}, "
                                        "not a Value")
                    if node in in_graph:
                        self.chain[node] = path

    # --- which nodes ----------------------------------------------------------------------------

    @property
    def users(self) -> dict[Value, list[Value]]:
        """node -> the nodes made from it."""
        if self._users is None:
            users: dict[Value, list[Value]] = {}
            for node in self.order:
                for child in node.inputs:
                    users.setdefault(child, []).append(node)
            self._users = users
        return self._users

    def resolve(self, items, what: str) -> set[Value]:
        """Values, labels, names and explanations (anything with `.nodes`) as a set of nodes."""
        return _resolve(items, self.order, what, self.names)

    def opened(self, collapse, centre: set[Value], max_nodes: int | None) -> set[int]:
        """The groups drawn node by node: all unless told, or the graph is too big."""
        everything = set(range(len(self.titles)))
        if collapse is True:
            inner = {p for p in self.parent if p is not None}
            return inner  # every group that holds another stays open: the innermost collapse
        if collapse:
            names = {collapse} if isinstance(collapse, str) else set(map(str, collapse))
            unknown = names - set(self.titles)
            if unknown:
                raise ValueError(f"collapse: no group titled {sorted(unknown)[0]!r}; the "
                                 f"groups: {', '.join(self.titles[:12]) or 'none'}")
            return {k for k in everything if self.titles[k] not in names}
        if max_nodes is None or len(self.order) <= max_nodes or not self.titles:
            return everything
        # Too big: open only the groups that hold the focus.
        return {k for node in centre for k in self.chain.get(node, ())}

    def unit(self, node: Value, opened: set[int]) -> str:
        """The id a node is drawn as: its own 'v<i>', or 'g<k>', the box that holds it."""
        for k in self.chain.get(node, ()):
            if k not in opened:
                return f"g{k}"
        return f"v{self.index[node]}"

    def cut(self, opened: set[int], centre: set[Value], max_nodes: int | None,
            left_out: set[Value] = frozenset()) -> tuple[set[Value], str]:
        """The nodes drawn one by one: all outside collapsed boxes (and outside `left_out`),
        or the `max_nodes` of them nearest the centre, and a caption saying which."""
        single = [n for n in self.order
                  if self.unit(n, opened)[0] == "v" and n not in left_out]
        if max_nodes is None or len(single) <= max_nodes:
            return set(single), ""
        allowed = set(single)
        start = [n for n in centre if n in allowed] or [n for n in single if n.inputs][-1:]
        # Breadth first over inputs and users alike: the nearest nodes in either direction.
        # A leaf reached on the way is drawn but not walked through: `x` in x+x+...+x is
        # near every step, and its users would scatter the cut over the whole graph.
        shown: set[Value] = set()
        queue = deque(sorted(start, key=self.index.__getitem__, reverse=True))
        starts = set(start)
        while queue and len(shown) < max_nodes:
            node = queue.popleft()
            if node in shown:
                continue
            shown.add(node)
            users = self.users.get(node, ()) if node.inputs or node in starts else ()
            queue.extend(n for n in (*node.inputs, *users) if n in allowed and n not in shown)
        names = ", ".join(sorted(self.names[n] for n in centre)[:5])
        caption = say("draw.showing", shown=len(shown), total=len(self.order), names=names)
        return shown, caption

    # --- the drawing ----------------------------------------------------------------------------

    def digraph(self, opened: set[int], shown: set[Value], *, lit: set[Value] = frozenset(),
                show_grad: bool = True, show_local: bool = False, digits: int = 4,
                rankdir: str = "LR", title: str | None = None, caption: str = "",
                labels: Callable | None = None, notes: bool = True,
                box_edges: bool = True, hidden: set[int] = frozenset(),
                left_out: set[Value] = frozenset(), hints: bool = True,
                leaf_order: bool = True) -> graphviz.Digraph:
        """The Graphviz drawing with these groups open and these nodes drawn one by one.

        `labels(node) -> rows` may replace the lines of a value node (the page sizes its boxes
        with the numbers it will show); `notes=False` leaves out the title and the caption;
        `box_edges=False` keeps the edges between two boxes for the layout only, unseen;
        `hidden` groups' boxes are left out (with the edges between them and other boxes);
        `left_out` nodes are drawn nowhere, without the stubs of a cut (another view has them);
        `hints=False` leaves out the edges that keep a group right of the one it reads from;
        `leaf_order=False` leaves the order of a group's leaves to Graphviz as it was, without
        the edges that stand them in their op's order (for a caller that places them itself:
        the page's wrapped rows).
        """
        dot = _digraph(rankdir)
        if notes:
            _emit_notes(dot, title, caption, show_grad, bool(lit))
        scale = _grad_scale([n for n in shown if n is not self.root])
        units = {node: self.unit(node, opened) for node in self.order}
        boxes = _boxes(units)
        # Each drawn thing goes into the innermost open group holding it.
        content: dict[int | None, list[Callable]] = {}

        def place(group: int | None, emit: Callable) -> None:
            content.setdefault(group, []).append(emit)

        def home(chain: tuple[int, ...]) -> int | None:
            inside = [k for k in chain if k in opened]
            return inside[-1] if inside else None

        for node in self.order:
            if node in shown:
                place(home(self.chain.get(node, ())), lambda g, n=node: _emit_node(
                    self, g, n, show_grad, digits, scale, lit, labels))
        # Boxes in the order the groups were given (layers before samples): Graphviz breaks
        # the loops between boxes (a sample's inputs feed layer 1, its loss reads the output)
        # where it meets them first, so the layers keep reading left to right.
        for k, nodes in sorted(boxes.items()):
            if k in hidden:
                continue
            chain = self._path(k)
            place(home(chain[:-1]), lambda g, k=k, nodes=nodes: _emit_box(self, g, k, nodes))
        if leaf_order and content.keys() - {None}:
            # Graphviz orders each box's nodes, then reorders the whole graph once more, box
            # by box ("remincross"). That pass ignores the order kept inside a box and shuffles
            # nodes it finds equal, a neuron's weights all read by one op: h2.w3, w4, b, w1, w2.
            # Its crossings are the ones the boxes' own pass already had.
            dot.attr(remincross="false")
        self._emit_groups(dot, content, opened)
        gone = {f"g{k}" for k in hidden}
        _emit_edges(self, dot, units, shown, lit, show_local, digits, box_edges, gone, left_out)
        self._emit_hints(dot, units, shown, opened, rankdir, gone, hints, leaf_order)
        return dot

    def _emit_hints(self, dot, units: dict, shown: set[Value], opened: set[int], rankdir: str,
                    gone: set[str], hints: bool, leaf_order: bool) -> None:
        """The invisible edges that order the layout: groups left to right, leaves in order."""
        for tail, head in self._order_hints(units, shown) if hints else ():
            if tail not in gone and head not in gone:
                dot.edge(tail, head, style="invis")
        for tail, head in self._leaf_rows(shown, opened, rankdir) if leaf_order else ():
            dot.edge(tail, head, style="invis", minlen="0")

    def _leaf_rows(self, shown: set[Value], opened: set[int], rankdir: str) -> list:
        """Invisible edges that stand the leaves a boxed op reads in the order it reads them.

        A neuron's weights and bias, all inputs of its `linear` node, are equal to Graphviz:
        any order has as few crossings. An edge between two nodes of one rank keeps its tail
        before its head, which is left to right, and, drawn left to right (Graphviz turns the
        ranks), bottom to top: so there the edges run from the last leaf to the first, and
        w1 stands on top. Only the leaves in the op's own box, each once (the first op reading
        it places it: a weight read for every sample).
        """
        placed: set[Value] = set()
        edges = []
        for node in self.order:
            box = self._innermost(node, opened)
            if node not in shown or box is None:
                continue
            leaves = [x for x in dict.fromkeys(node.inputs)
                      if not x.inputs and x in shown and x not in placed
                      and self._innermost(x, opened) == box]
            placed.update(leaves)
            names = [f"v{self.index[x]}" for x in leaves]
            if rankdir in ("LR", "RL"):
                names.reverse()
            edges.extend(zip(names, names[1:]))
        return edges

    def _innermost(self, node: Value, opened: set[int]) -> int | None:
        """The innermost open group holding node, None for a node in none."""
        inside = [k for k in self.chain.get(node, ()) if k in opened]
        return inside[-1] if inside else None

    def _order_hints(self, units: dict[Value, str], shown: set[Value]) -> list:
        """Invisible edges that keep a group right of the group it reads from.

        For top-level groups A then B (in the order given) where B uses A's nodes: each leaf
        of B used only inside B (a layer's weights, not the inputs every layer shares) goes
        right of A's last node, so layers line up left to right instead of stacking.
        """
        top = [k for k, parent in enumerate(self.parent) if parent is None]
        outermost = {node: chain[0] for node, chain in self.chain.items()}
        hints, seen = [], set()
        for a, b in zip(top, top[1:]):
            last = next((n for n in reversed(self.members[a])), None)
            if last is None or not any(outermost.get(x) == a for n in self.members[b]
                                       for x in n.inputs):
                continue
            tail = units[last] if units[last][0] == "g" or last in shown else None
            if tail is None:
                continue
            for leaf in self.members[b]:
                if leaf.inputs or not all(outermost.get(u) == b for u in self.users.get(leaf, ())):
                    continue
                head = units[leaf] if units[leaf][0] == "g" or leaf in shown else None
                if head is not None and head != tail and (tail, head) not in seen:
                    seen.add((tail, head))
                    hints.append((tail, head))
        return hints

    def _path(self, k: int) -> tuple[int, ...]:
        path = [k]
        while self.parent[path[0]] is not None:
            path.insert(0, self.parent[path[0]])
        return tuple(path)

    def _emit_groups(self, dot, content: dict, opened: set[int]) -> None:
        # Nested `cluster_` subgraphs for the open groups that hold something, outer first.
        children: dict[int | None, list[int]] = {}
        for k in range(len(self.titles)):
            children.setdefault(self.parent[k], []).append(k)

        def holds(k: int) -> bool:
            return bool(content.get(k)) or any(holds(c) for c in children.get(k, ())
                                               if c in opened)

        # Graphviz's subgraph contexts nest, so this walk recurses over the group tree, whose
        # depth is the user's nesting (a handful), never the graph's.
        def fill(graph, group: int | None, depth: int) -> None:
            for emit in content.get(group, []):
                emit(graph)
            for k in children.get(group, []):
                if k not in opened or not holds(k):
                    continue
                with graph.subgraph(name=f"cluster_{k}") as inner:
                    style = "rounded,dashed" if depth == 0 else "rounded,filled"
                    inner.attr(label=f"<{escape(self.titles[k])}>", style=style,
                               color="#bdbdbd", fillcolor="#f6f6f6", fontcolor="#555555",
                               fontsize="11", labeljust="l", id=f"cluster{k}")
                    fill(inner, k, depth + 1)

        fill(dot, None, 0)


def _emit_notes(dot, title: str | None, caption: str, show_grad: bool, lit: bool) -> None:
    """The title, and a caption with the legend under it."""
    lines = [caption] if caption else []
    if show_grad:
        lines.append(say("draw.legend_fill"))
    if lit:
        lines.append(say("draw.legend_highlighted"))
    if title:
        dot.attr(label=f"<{escape(title)}>", labelloc="t", fontsize="14")
    if lines:
        # A node rather than the graph label, so a title and a caption can both show.
        dot.node("caption", "<" + "<BR ALIGN=\"LEFT\"/>".join(map(escape, lines))
                 + "<BR ALIGN=\"LEFT\"/>>", shape="plaintext", fontsize="9",
                 fontcolor="#666666")


def _emit_box(scene: Scene, graph, k: int, nodes: list[Value]) -> None:
    count = say("draw.box_node" if len(nodes) == 1 else "draw.box_nodes", count=len(nodes))
    rows = [f"<B>{escape(scene.titles[k])}</B>",
            f'<FONT POINT-SIZE="10">{escape(count)}</FONT>']
    graph.node(f"g{k}", _table(rows), id=f"g{k}", shape="box", style="rounded,filled,bold",
               fillcolor="#eeeeee", color="#8a8a8a", margin="0.1,0.05")

def _emit_node(scene: Scene, graph, node: Value, show_grad: bool, digits: int, scale: float,
               lit: set[Value], labels: Callable | None) -> None:
    i = scene.index[node]
    border = {"color": _HIGHLIGHT, "penwidth": "2.6"} if node in lit else \
             {"color": "#444444", "penwidth": "1"}
    if not node.inputs and not node.label:
        # An unlabeled leaf is a constant of the formula: just its value, small and grey.
        if labels is not None:
            text = " ".join(labels(node))
        elif type(node.data) is float:
            text = scene.names[node]
        else:
            text = " ".join([scene.names[node], *text_lines("", node.data, digits)[1:]])
        graph.node(f"v{i}", f"<{escape(text)}>", id=f"v{i}", shape="box", style="rounded",
                   fontsize="10", fontcolor="#555555", height="0.2", margin="0.05,0.02",
                   **({"color": "#aaaaaa"} if node not in lit else border))
    else:
        if labels is not None:
            lines = labels(node)
        else:
            lines = text_lines(say("draw.data"), node.data, digits)
            if show_grad:
                lines = lines + text_lines(say("draw.grad"), node.grad, digits)
        rows = [f"<B>{escape(scene.names[node])}</B>"]
        rows += [f'<FONT POINT-SIZE="10">{escape(t)}</FONT>' for t in lines]
        fill = gradient_fill(node.grad, scale) if show_grad and node is not scene.root \
            else ("#fff3c4" if node is scene.root else "#ffffff")
        style = "rounded,filled,bold" if node is scene.root else "rounded,filled"
        graph.node(f"v{i}", _table(rows), id=f"v{i}", shape="box", style=style,
                   fillcolor=fill, margin="0.08,0.03", **border)
    op = node.op_entry
    if op is not None and node.inputs:
        symbol = reading.symbol(op, node.exponent)
        shape = "circle" if len(symbol) <= 3 else "box"
        graph.node(f"o{i}", f"<{escape(symbol)}>", id=f"o{i}", shape=shape,
                   style="filled,rounded", fillcolor="#eef0f3",
                   color=_HIGHLIGHT if node in lit else "#8a93a0",
                   penwidth="2" if node in lit else "1", fontsize="10", width="0.3",
                   height="0.3", margin="0.03,0.01",
                   tooltip=_tooltip(reading.reads(op, n=node.exponent)))

def _emit_edges(scene: Scene, dot, units: dict[Value, str], shown: set[Value], lit: set[Value],
                show_local: bool, digits: int, box_edges: bool = True,
                hidden_boxes: set[str] = frozenset(),
                left_out: set[Value] = frozenset()) -> None:
    index = scene.index
    joined: dict[tuple[str, str], int] = {}  # edges into or out of boxes, counted
    for node in scene.order:
        if not node.inputs:
            continue
        mine = units[node]
        i = index[node]
        if node in shown:
            on = node in lit
            dot.edge(f"o{i}", f"v{i}", id=f"f{i}", **_edge_style(on, lit))
            hidden = 0
            for k, (child, local) in enumerate(zip(node.inputs, node.local_grads)):
                unit = units[child]
                if unit[0] == "g":
                    joined[(unit, f"o{i}")] = joined.get((unit, f"o{i}"), 0) + 1
                    continue
                if child not in shown:
                    hidden += 1
                    continue
                attrs = _edge_style(on and child in lit, lit)
                if show_local and isinstance(local, float):  # not an array, not undefined
                    attrs["label"] = f"∂ {short_number(local, digits)}"
                    attrs["fontcolor"] = "#555555"
                dot.edge(f"v{index[child]}", f"o{i}", id=f"e{i}_{k}", **attrs)
            if hidden:
                dot.node(f"h{i}", say("draw.more_input" if hidden == 1 else "draw.more_inputs",
                                      count=hidden),
                         shape="plaintext", fontsize="9", fontcolor="#888888")
                dot.edge(f"h{i}", f"o{i}", style="dashed", color=_FADED)
        elif mine[0] == "g":
            for child in node.inputs:
                unit = units[child]
                if unit != mine and (unit[0] == "g" or child in shown):
                    joined[(unit, mine)] = joined.get((unit, mine), 0) + 1
    _emit_box_edges(dot, joined, box_edges, hidden_boxes)
    stubbed: set[Value] = set()
    for node in scene.order:
        if node in shown or units[node][0] == "g" or node in left_out:
            continue
        # A drawn node used by hidden ones: one stub says so.
        for child in node.inputs:
            if child in shown and child not in stubbed:
                stubbed.add(child)
                j = index[child]
                dot.node(f"u{j}", say("draw.used_further_on"), shape="plaintext", fontsize="9",
                         fontcolor="#888888")
                dot.edge(f"v{j}", f"u{j}", style="dashed", color=_FADED)


def _emit_box_edges(dot, joined: dict, box_edges: bool, hidden_boxes: set[str]) -> None:
    """The edges into and out of boxes, one per pair, wider for more edges inside it."""
    for n, ((tail, head), count) in enumerate(joined.items()):
        if tail in hidden_boxes or head in hidden_boxes:
            continue
        if not box_edges and tail[0] == "g" and head[0] == "g":
            # Keeps the boxes in their ranks; one into a group given earlier (a sample's
            # inputs into layer 1, while the sample's loss reads the output) closes a loop
            # and would set the layers right to left: it ranks nothing.
            back = {"constraint": "false"} if int(head[1:]) < int(tail[1:]) else {}
            dot.edge(tail, head, style="invis", **back)
            continue
        width = f"{1 + math.log2(count) * 0.6:.2f}"
        dot.edge(tail, head, id=f"a{n}", penwidth=width, color="#9a9a9a",
                 tooltip=say("draw.edge" if count == 1 else "draw.edges", count=count))


# The hint in English, for the command line's own note; a picture or a page says
# say("draw.graphviz_hint"), in the reader's language.
GRAPHVIZ_HINT = (
    "Graphviz's `dot` program was not found; install it for pictures "
    "(apt install graphviz, brew install graphviz, conda install graphviz, "
    "or https://graphviz.org/download/)"
)


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` that a notebook shows shrunk to its column, or, where Graphviz's
    `dot` program is missing, as its DOT source with a hint.

    `.pipe()` (and so the notebook's picture) runs `dot` through `layout.run_dot`: with a
    time limit, a cheaper layout for a big graph, and a one-line refusal for a huge one.
    """

    def pipe(self, format: str | None = None, renderer: str | None = None,  # noqa: A002
             formatter: str | None = None, neato_no_op=None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None) -> bytes | str:
        """The drawing laid out by Graphviz, as bytes (or text, given `encoding`)."""
        if renderer or formatter or neato_no_op:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        out = run_dot(self.source, format or self.format, engine=engine or self.engine)
        return out if encoding is None else out.decode(encoding)

    def _repr_image_svg_xml(self) -> str:
        svg = super()._repr_image_svg_xml()
        # Width and height stay (the picture's natural size); max-width lets it shrink.
        return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            hint = say("draw.graphviz_hint") + say("draw.dot_source")
            return {"text/html": f"<p><b>{html.escape(hint)}</b></p>"
                                 f"<pre>{html.escape(self.source)}</pre>",
                    "text/plain": f"{hint}\n{self.source}"}
        except (GraphTooBig, LayoutTimeout) as error:  # said in one line, not a traceback
            return {"text/html": f"<p><b>{html.escape(str(error))}</b></p>",
                    "text/plain": str(error)}


def _digraph(rankdir: str) -> graphviz.Digraph:
    dot = Drawing(name="autodiff", format="svg")
    dot.attr(rankdir=rankdir, bgcolor="white", fontname=FONT, nodesep="0.18", ranksep="0.3")
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.6", color=_EDGE)
    return dot


def _table(rows: list[str]) -> str:
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(f"<TR><TD>{r}</TD></TR>" for r in rows) + "</TABLE>>")


def _tooltip(text: str) -> str:
    # A tooltip is an escString: backslashes would be escapes, so they are doubled.
    return reading.printable(text).replace("\\", "\\\\")


# --- which nodes to draw -------------------------------------------------------------------------


def _resolve(items, order: list[Value], what: str, names: dict | None = None) -> set[Value]:
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
            if not matches and names is not None:
                matches = [n for n in order if names.get(n) == item]
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


# --- nodes and edges -----------------------------------------------------------------------------


def _grad_scale(nodes: Iterable[Value]) -> float:
    """The largest |grad| among the drawn nodes (the root's 1 left out), to scale colours."""
    largest = 0.0
    for node in nodes:
        g = node.grad
        size = float(np.mean(np.abs(g))) if is_array(g) else abs(g)
        largest = max(largest, size)
    return largest


def gradient_fill(grad, scale: float) -> str:
    """The fill colour of a gradient, `scale` being the largest |gradient| drawn beside it."""
    g = float(np.mean(grad)) if is_array(grad) else grad
    if g == 0.0 or scale == 0.0:
        return "#ffffff"
    # Square root: small gradients stay visible next to big ones.
    strength = min(1.0, (abs(g) / scale) ** 0.5) * 0.75
    rgb = _POSITIVE if g > 0 else _NEGATIVE
    mixed = [round(255 + (c - 255) * strength) for c in rgb]
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def text_lines(prefix: str, x, digits: int) -> list[str]:
    """'data 0.4000', or for a batch node its shape, mean and range, one line each (the words
    in the current language; `prefix` is the caller's, say("draw.data") or say("draw.grad"))."""
    if is_array(x) and x.ndim > 0:
        mean = short_number(float(x.mean()), digits)
        low, high = short_number(float(x.min()), digits), short_number(float(x.max()), digits)
        return [f"{prefix} {say('draw.shape', shape=x.shape)}", say("draw.mean", mean=mean),
                f"[{low}, {high}]"]
    return [f"{prefix} {short_number(x, digits)}"]


def _edge_style(on_path: bool, lit: set[Value]) -> dict[str, str]:
    if on_path:
        return {"color": _HIGHLIGHT, "penwidth": "2.4"}
    if lit:
        return {"color": _FADED}
    return {}
