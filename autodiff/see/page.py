"""The step-through page: one self-contained HTML file that plays a traced graph node by node.

The page holds the trace as JSON, the picture's layouts and a small script, and needs no
network. It steps through the forward pass, then the backward pass, one node at a time: each
node's formula with its numbers, its upstream gradient, each local derivative (the number and
the op table's reader text), the contribution it adds, and every gradient as it grows. A click
on a node shows its chain rule (`Trace.explain`: every path, its factors, the sum) with the
paths lit. Panels put each leaf's gradient beside a central difference, show what one SGD
step would do, and run forward mode beside the backward pass.

Every number is computed here, in Python, by the same arithmetic as the backward pass, and
printed with 8 decimals; the script only shows. In batch mode the reader picks a sample and
every equation shows that sample's numbers; where a gradient is a sum over the batch, the page
says so and shows the sum.

A big graph is drawn in views: what the reader is not looking at is collapsed into one box per
group (a neuron, a layer, a sample: `groups=`, or a model's own `model=`), the group holding the
current step is open, and the picture follows the step. A neuron over many samples is opened
two samples at a time, its weights drawn in each of its views, so a step's inputs fit on one
screen. Graphviz lays each view out; the script draws it, so the page stays small however many
views there are.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from ..check import numerical_grad
from ..engine import rows
from ..engine.mode import no_grad
from ..engine.numpy_on_demand import is_array, np
from ..engine.replay import record as record_graph
from ..engine.replay import replay
from ..engine.value import Value
from ..language import get_language, reading, say
from ..language import texts as table_texts
from ..language.numbers import format_number, short_number, sum_terms
from .draw import GRAPHVIZ_HINT, Scene, gradient_fill, model_layout
from .layout import run_dot
from .questions import PRACTISE_NODES, Questions, questions

# A see.trace.Trace. Not imported: the trace imports its page, and imports run one way.
Trace = Any

__all__ = ["TracePage", "page_html", "page_data", "GRAPHVIZ_HINT", "MAX_PAGE_NODES",
           "PICTURE_NODES", "MAX_SAMPLES"]


_DIGITS = 4  # decimals inside the picture; the panels show 8, as the textbook does
MAX_PAGE_NODES = 5000  # a page steps through one node at a time: beyond this, nobody would
PICTURE_NODES = 80  # value nodes drawn one by one in one view of the picture
MAX_SAMPLES = 8  # samples of a batch the reader can pick (sums are over the whole batch)
PAGE_PATHS = 8  # paths listed when a node is clicked (the count and the sum: always)
TOP_BARS = 6  # a node with more paths shows its largest as bars, the rest as one
MAX_CHECKED = 400  # leaves checked against central differences
FORWARD_LEAVES = 8  # leaves offered as forward-mode directions
_SURROGATE = re.compile("[\ud800-\udfff]")
WRAP_ROW = 6  # an op with more given inputs than this stands them in rows of this many
WRAP_NODESEP = "0.12"  # inches between the nodes of a view with wrapped inputs (else 0.18)
VIEW_USES = 2  # ops sharing a group's leaves (a neuron's samples) drawn in one view at most
FRAME_HEIGHT = 960  # the page's frame in a notebook, in px: it scrolls inside
_OPTIONS = {"title", "model", "groups", "highlight", "params", "lr", "rankdir"}

# The page's one schema: every record's fields, in the order the page ships them. `page_data`
# builds records with exactly these keys, `_pack` writes each as a list in this order, and the
# script reads the names from the page itself, so a field is declared here and nowhere else.
FIELDS = {
    "nodes": ("name", "dname", "labeled", "constant", "batch", "op", "symbol", "describe",
              "data", "short", "grad", "inputs", "finalAt"),
    "forward": ("node", "text", "numbers", "value"),
    # changes: [node, its gradient now (8 decimals), (4 digits), its fill], one per input
    # that received a share; an edge's id in the picture is e<node>_<input's position>.
    "steps": ("node", "seed", "upstream", "edges", "changes"),
    # guess: practise mode's question on this edge (None: not asked), [local derivative, its
    # slips, contribution, its slips]; a slip as the gradient's (questions.Questions.step);
    # on a batch page one such question per shown sample.
    "edges": ("input", "local", "localText", "contribution", "term", "constant", "sign",
              "size", "guess"),
    # bars: a node with many paths (not batch mode): its largest paths as bars, and the rest
    "explain": ("line", "count", "total", "paths", "bars"),
    "paths": ("n", "eq", "sum"),
}
_NESTED = {("steps", "edges"): "edges", ("explain", "paths"): "paths"}


# --- numbers ------------------------------------------------------------------------------------


class _Numbers:
    """Numbers as the page shows them: 8 decimals; in batch mode one string per shown sample."""

    def __init__(self, samples: int) -> None:
        self.samples = samples  # how many samples the reader can pick (0: not batch mode)

    def per_sample(self, x) -> list[float] | None:
        if is_array(x) and x.ndim > 0:
            flat = x.reshape(-1)
            return [float(v) for v in flat[: self.samples]]
        return None

    def long(self, x):
        values = self.per_sample(x)
        return format_number(x) if values is None else [format_number(v) for v in values]

    def short(self, x):
        values = self.per_sample(x)
        return short_number(x, _DIGITS) if values is None else [
            short_number(v, _DIGITS) for v in values]

    def at(self, x, s: int) -> float:
        """Sample s of x (a scalar is the same for every sample)."""
        values = self.per_sample(x)
        return float(x) if values is None else values[s]


def _any(x) -> bool:
    """Whether a number, or any entry of an array, is not zero."""
    return bool(np.any(x)) if is_array(x) else x != 0.0


def _mean(x) -> float:
    return float(np.mean(x)) if is_array(x) else float(x)


# --- the data -----------------------------------------------------------------------------------


def page_data(tr: Trace, *, groups=None, model=None, params=None, lr: float = 0.1,
              highlight=()) -> dict:
    """The trace as plain data for the page: nodes, the forward and backward steps, every
    running gradient, the chain rule of each node, and the check and SGD panels. Each record
    has the fields of `FIELDS`."""
    layout = model_layout(model) if model is not None else None
    scene = Scene(_checked(tr).nodes, _groups(tr, groups, model, layout), names=tr.names)
    return _page_data(tr, scene, model=model, layout=layout, params=params, lr=lr,
                      highlight=highlight)


def _checked(tr: Trace) -> Trace:
    if not all(hasattr(tr, a) for a in ("forward", "backward", "explain")):
        raise TypeError(f"page_data needs a Trace, got {type(tr).__name__}")
    if len(tr.forward) > MAX_PAGE_NODES:
        raise ValueError(
            f"this graph has {len(tr.forward):,} nodes; a step-through page is for up to "
            f"{MAX_PAGE_NODES:,}. Trace a smaller piece (one sample, a small model), or use "
            "draw_graph(..., focus=...) and Trace.explain for the big one"
        )
    return tr


def _groups(tr: Trace, groups, model, layout):
    """The picture's groups: a model's own (`model=`), with the caller's `groups=` added."""
    if layout is None:
        return groups
    return {**layout.groups(model, tr.nodes), **(groups or {})}


def _page_data(tr: Trace, scene: Scene, *, model, layout, params, lr, highlight) -> dict:
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not math.isfinite(lr):
        raise TypeError(f"lr must be a number, got {lr!r}")
    order = tr.nodes
    index = {node: i for i, node in enumerate(order)}
    batch = max((np.size(n.data) for n in order if is_array(n.data)), default=0)
    num = _Numbers(min(batch, MAX_SAMPLES))
    fixed = _fixed(tr)
    chosen = _parameters(tr, params, layout, model)
    nodes = [_node_record(tr, step, index, num, fixed) for step in tr.forward]
    forward = [_forward_record(tr, step, index, num) for step in tr.forward if step.node.inputs]
    asked = questions(tr, index, num.samples)
    steps, final_at, scale, guesses = _backward_steps(tr, index, num, fixed, asked)
    for i, node in enumerate(nodes):
        node["finalAt"] = final_at.get(i, 0 if not node["inputs"] else len(steps) - 1)
    return {
        "root": index[tr.root],
        "rootName": tr.name(tr.root),
        "batch": {"size": int(batch), "shown": num.samples} if batch else None,
        "scale": scale,  # the largest |gradient| but the root's: full strength of a fill
        "nodes": nodes,
        "forward": forward,
        "steps": steps,
        # practise mode's question at each backward step (None: no practise; on a batch page,
        # one per shown sample; a step not asked has none)
        "guesses": guesses,
        "slipTexts": None if asked is None else asked.texts,  # the slips' kinds and sentences
        "explain": _explanations(tr, index, num, fixed),
        "explainBy": _granularity(tr),
        "check": _check(tr, index),
        "sgd": _sgd(tr, index, num, chosen, lr),
        "program": _program(tr, index, chosen),
        "forwardMode": _forward_mode(tr, index, num),
        "groups": {"titles": scene.titles, "parent": scene.parent,
                   "chain": {str(index[n]): list(c) for n, c in scene.chain.items()}},
        "highlight": _highlighted(tr, highlight, index),
    }


def is_variable(node) -> bool:
    """A leaf the reader can vary: labeled, and not by its own number (a formula's `1` is
    labeled "1", its text: a constant, with no gradient, no SGD step, no check)."""
    if node.inputs or not node.label:
        return False
    if not reading.is_numeral(node.label):
        return True
    return not (type(node.data) is float and float(node.label) == node.data)


def _fixed(tr: Trace) -> set:
    """The nodes no gradient is asked of: constants, and nodes made from constants only (a
    target's 1 − t). They pass nothing back that anyone needs, so they get no backward step."""
    fixed: set = set()
    for node in tr.nodes:
        if node is tr.root:
            continue
        if (not node.inputs and not is_variable(node)) or (
                node.inputs and all(x in fixed for x in node.inputs)):
            fixed.add(node)
    return fixed


def _node_record(tr: Trace, step, index: dict, num: _Numbers, fixed: set) -> dict:
    node = step.node
    op = node.op_entry
    name = tr.name(node)
    return {
        "name": name,
        "dname": reading.d_name(name),  # as it follows a d: dE/d(0.99 − out_o1)
        "labeled": bool(node.label),
        "constant": node in fixed,
        "batch": is_array(step.value) and step.value.ndim > 0,
        "op": node.op,
        "symbol": reading.symbol(op, node.exponent) if op is not None else "",
        "describe": reading.reads(op, n=node.exponent) if op is not None else "",
        "data": num.long(step.value),
        "short": num.short(step.value),
        "grad": num.long(tr.grad(node)),
        "inputs": [index[x] for x in step.inputs],
        "finalAt": 0,  # set once the backward steps are known
    }


def _forward_record(tr: Trace, step, index: dict, num: _Numbers) -> dict:
    node = step.node
    op = node.op_entry
    text = _equation(tr.name(node), reading.reads(op, [tr.name(x) for x in node.inputs],
                                                  node.exponent))
    if num.samples:
        numbers = [reading.reads(op, [format_number(num.at(x.data, s)) for x in node.inputs],
                                 node.exponent) for s in range(num.samples)]
    else:
        numbers = reading.reads(op, [format_number(x.data) for x in node.inputs], node.exponent)
    return {"node": index[node], "text": text, "numbers": numbers,
            "value": num.long(step.value)}


def _equation(name: str, formula: str) -> str:
    """'net_h1 = w1·i1 + w2·i2 + b1'; a node named by its formula is just the formula."""
    return formula if name == formula else f"{name} = {formula}"


def _backward_steps(tr: Trace, index: dict, num: _Numbers, fixed: set,
                    asked: Questions | None) -> tuple[list, dict, float, dict | None]:
    """The seed, then one step per node as the backward pass ran (but the fixed nodes'); when
    each node's gradient was complete; the largest |gradient| (the fills' full strength); and
    practise mode's question at each step, by its number (None where the graph is not asked)."""
    root = index[tr.root]
    finals = [tr.grad(n) for n in tr.nodes if n is not tr.root]
    scale = max((abs(_mean(g)) for g in finals), default=0.0)
    biggest = max((abs(_mean(e.contribution)) for s in tr.backward for e in s.edges),
                  default=0.0)
    running: dict[int, object] = {root: 1.0}
    final_at = {root: 0}
    guesses: dict[str, list] = {}
    steps = [{"node": root, "seed": True, "upstream": format_number(1.0), "edges": [],
              "changes": [[root, format_number(1.0), short_number(1.0, _DIGITS), "#fff3c4"]]}]
    for step in tr.backward:
        if step.node in fixed:
            continue
        k = len(steps)
        node = step.node
        i = index[node]
        inputs = [tr.name(x) for x in node.inputs]
        texts = reading.reads_local(node.op_entry, inputs, tr.name(node), node.exponent)
        edges, changes = [], []
        for position, (edge, text) in enumerate(zip(step.edges, texts)):
            j = index[edge.input]
            running[j] = running.get(j, 0.0) + edge.contribution
            after = running[j]
            constant = edge.input in fixed
            if not constant:
                final_at[j] = k
                changes.append([j, num.long(after), num.short(after),
                                gradient_fill(after, scale)])
            term = edge.local * step.upstream
            summed = getattr(term, "shape", ()) != getattr(edge.contribution, "shape", ())
            size = abs(_mean(edge.contribution))
            edges.append({
                "input": j, "local": num.long(edge.local), "localText": text,
                "contribution": num.long(edge.contribution),
                "term": num.long(term) if summed else None, "constant": constant,
                "sign": (size > 0) * (1 if _mean(edge.contribution) > 0 else -1),
                "size": round(math.sqrt(size / biggest), 3) if biggest > 0 else 0,
                "guess": None if constant or asked is None else asked.edge(node, position),
            })
        steps.append({"node": i, "seed": False, "upstream": num.long(step.upstream),
                      "edges": edges, "changes": changes})
        question = None if asked is None else asked.step(node)
        if question is not None:  # what practise mode asks at this step, by the step's number
            guesses[str(len(steps) - 1)] = question
    return steps, final_at, scale, (guesses if asked is not None else None)


def _explanations(tr: Trace, index: dict, num: _Numbers, fixed: set) -> dict:
    """For each node but the fixed ones: the chain rule of its gradient, as the page shows it.
    Where no node between the leaves and the root is labeled (a formula), the paths run through
    every op, so the line shows each local derivative rather than one factor d root / d leaf."""
    found = {}
    limit = PAGE_PATHS if len(tr.nodes) <= 400 else 3
    if num.samples:
        limit = 3 if len(tr.nodes) <= 200 else 2  # each path's equation once per sample
    by = _granularity(tr)
    for node in tr.nodes:
        if node in fixed:
            continue
        # One number per path (not batch mode): the few largest, ranked without listing all.
        top = None if num.samples else tr.top_paths(node, TOP_BARS, by=by)
        count = top[1] if top is not None else tr.count_paths(node, by=by)
        grad = tr.grad(node)
        entry: dict = {"line": "", "count": count, "paths": [], "total": num.long(grad),
                       "bars": _bars(top[0], count, grad, index)
                       if top is not None and count > PAGE_PATHS else None}
        if count <= 64:
            ex = tr.explain(node, max_paths=64, by=by)
            entry["line"] = _explain_line(ex, num, count)
            for path in ([] if entry["bars"] else ex.paths[:limit]):  # bars stand for them
                entry["paths"].append(_path_entry(path, index, num))
        else:
            name = reading.derivative_name(tr.name(tr.root), tr.name(node))
            entry["line"] = say("page.sum_of_paths", name=name, count=f"{count:,}") + (
                "" if is_array(grad) else f" = {format_number(grad)}")
        found[str(index[node])] = entry
    return found


def _bars(paths: list, count: int, grad: float, index: dict) -> dict:
    """The largest paths' products as bars that add up to the gradient: each path's nodes (root
    first) and its product, and the rest, the sum of every other path (the gradient less the
    shown ones). Numbers in 8 decimals, as the page prints them: the script sizes the bars
    from them (to a pixel, 8 decimals are exact)."""
    top = [[[index[p.factors[0].upper]] + [index[f.lower] for f in p.factors],
            format_number(p.product)] for p in paths if p.factors]
    return {"top": top, "others": count - len(top),
            "rest": format_number(grad - sum(p.product for p in paths))}


def _granularity(tr: Trace) -> str:
    """'labels' where some node between the leaves and the root is labeled, else 'ops'."""
    return "labels" if any(n.label for n in tr.nodes if n.inputs and n is not tr.root) \
        else "ops"


def _explain_line(ex, num: _Numbers, count: int) -> str:
    """The chain rule in one line: the textbook's, or the sum of the path products."""
    if not num.samples and count <= 8:
        return ex.lines()[0]
    products = [p.product for p in ex.paths]
    if any(is_array(v) for v in products):
        # One number per sample: the panel below shows each path's, and the total's.
        return (say("page.one_path", name=ex.name) if count == 1 else
                say("page.sum_of_its_paths", name=ex.name, count=count))
    if count > 8:
        return say("page.sum_of_its_paths_is", name=ex.name, count=count,
                   total=format_number(ex.total))
    return f"{ex.name} = {sum_terms(products)} = {format_number(ex.total)}" if count > 1 \
        else f"{ex.name} = {format_number(ex.total)}"


def _path_entry(path, index: dict, num: _Numbers) -> dict:
    """One path: its nodes (root first) and its product as an equation that holds."""
    chain = [index[path.factors[0].upper]] + [index[f.lower] for f in path.factors] \
        if path.factors else []
    shown = [f for f in path.factors if not (type(f.local) is float and f.local == 1.0)] \
        or list(path.factors[:1])
    entry: dict = {"n": chain, "eq": "", "sum": None}
    if not num.samples or not any(is_array(f.local) for f in path.factors):
        entry["eq"] = " × ".join(format_number(f.local) for f in shown) + \
            f" = {format_number(path.product)}" if shown else format_number(path.product)
        return entry
    eqs = []
    for s in range(num.samples):
        product = 1.0
        for f in path.factors:
            product *= num.at(f.local, s)
        eqs.append(" × ".join(format_number(num.at(f.local, s)) for f in shown)
                   + f" = {format_number(product)}")
    entry["eq"] = eqs
    if not is_array(path.product):
        entry["sum"] = format_number(path.product)  # summed over the whole batch
    return entry


def _highlighted(tr: Trace, highlight, index: dict) -> int | None:
    """The node whose paths are lit when the page opens (an explanation's, or a label's)."""
    if highlight is None or highlight == ():
        return None
    if hasattr(highlight, "paths") and hasattr(highlight, "node"):
        return index.get(highlight.node)
    if isinstance(highlight, str):
        return index[tr.node(highlight)]
    if highlight in index:
        return index[highlight]
    return None


# --- checks: central differences, one SGD step, forward mode -----------------------------------


def _reached(order: list, index: dict, moved: list) -> list:
    """The records `engine.replay` needs to run the graph again with the `moved` leaves set
    (its inputs, in that order): the nodes they reach, rebuilt; every other input of those,
    a constant at its recorded data (moving a leaf changes nothing else)."""
    reached = {index[leaf] for leaf in moved}
    for node in order:
        if node.inputs and any(index[x] in reached for x in node.inputs):
            reached.add(index[node])
    needed = reached | {index[x] for i in reached for x in order[i].inputs}
    kept = [order[i] for i in sorted(needed)]
    position = {index[node]: k for k, node in enumerate(kept)}
    node_inputs = [[position[index[x]] for x in node.inputs] if index[node] in reached else []
                   for node in kept]
    return record_graph(kept, moved, node_inputs)


def _root_at(records: list, values: list) -> object:
    """The root's value, the graph of `records` rebuilt by the engine at `values`."""
    root, _ = replay(records, values)
    return root.data


def _check(tr: Trace, index: dict) -> dict:
    """Each leaf's gradient beside its central-difference estimate (`check.numerical_grad` of
    the recorded graph run again, the leaf moved by t; a batch leaf along all its samples)."""
    order = tr.nodes
    rows = []
    leaves = [n for n in order if is_variable(n)][:MAX_CHECKED]
    for leaf in leaves:
        x = leaf.data
        h = 1e-6 * max(1.0, float(np.max(np.abs(x))) if is_array(x) else abs(x))
        analytic = tr.grad(leaf)
        if is_array(x):
            analytic = float(np.sum(analytic))  # along the direction of all ones
        records = _reached(order, index, [leaf])
        def moved(t: Value, records=records, x=x) -> Value:
            return Value(float(_root_at(records, [x + t.data])))
        try:
            with no_grad():
                numeric = numerical_grad(moved, [0.0], eps=h)[0]
        except (ArithmeticError, ValueError, TypeError, FloatingPointError):
            rows.append([index[leaf], format_number(analytic), None, False,
                         is_array(x)])
            continue
        close = abs(numeric - analytic) <= 1e-5 + 1e-3 * abs(analytic)
        rows.append([index[leaf], format_number(analytic), format_number(numeric), close,
                     is_array(x)])
    return {"eps": "1e-6 × max(1, |x|)", "rows": rows,
            "more": max(0, sum(1 for n in order if is_variable(n)) - MAX_CHECKED)}


def _parameters(tr: Trace, params, layout, model) -> list:
    if params is not None:
        found = []
        for p in ([params] if isinstance(params, str) or hasattr(params, "inputs") else params):
            found.append(tr.node(p) if isinstance(p, str) else p)
        return [p for p in found if p in set(tr.nodes)]
    if layout is not None and layout.parameters is not None:
        mine = set(tr.nodes)
        return [p for p in layout.parameters(model) if p in mine]
    return [n for n in tr.nodes if is_variable(n) and type(n.data) is float]


def _sgd(tr: Trace, index: dict, num: _Numbers, params: list, lr: float) -> dict:
    """The parameters after one step p − lr·grad, and the root's value there."""
    rows, values = [], []
    for p in params:
        g = tr.grad(p)
        after = p.data - lr * g
        values.append(after)
        rows.append([index[p], num.long(p.data), num.long(g), num.long(after)])
    try:
        root_after = num.long(_root_at(record_graph(tr.nodes, params), values))
    except (ArithmeticError, ValueError, FloatingPointError):
        root_after = None
    return {"lr": format_number(lr).rstrip("0").rstrip("."), "rows": rows,
            "before": num.long(tr.root.data), "after": root_after}


def _program(tr: Trace, index: dict, params: list) -> dict | None:
    """The graph as code the page's script can run again, for "take the step": each node's
    op-table row (its forward value and local derivatives, as code over its inputs v[0], v[1],
    …), each node's exact number, and the parameters. Only for a scalar graph small enough to
    practise on, with parameters; the script runs it forward and backward at new weights."""
    if not params or len(tr.nodes) > PRACTISE_NODES or any(
            type(n.data) is not float for n in tr.nodes):
        return None
    kernels: list = []
    known: dict = {}
    kernel_of = []
    for node in tr.nodes:
        if not node.inputs:
            kernel_of.append(-1)
            continue
        op = node.op_entry
        args = [f"v[{k}]" for k in range(len(node.inputs))]
        n = node.exponent if op.param else None
        code = (rows.forward_text(op, args, n), tuple(rows.local_texts(op, args, "out", n)))
        if code not in known:
            known[code] = len(kernels)
            kernels.append([code[0], list(code[1])])
        kernel_of.append(known[code])
    return {"kernels": kernels, "kernel": kernel_of, "start": [n.data for n in tr.nodes],
            "params": [index[p] for p in params]}


def _forward_mode(tr: Trace, index: dict, num: _Numbers) -> dict:
    """Tangents along a few leaves, left to right, each node's a sum of local × tangent."""
    leaves = [n for n in tr.nodes if is_variable(n)][:FORWARD_LEAVES]
    if len(tr.nodes) > 1000:
        leaves = leaves[:2]
    sweeps = {}
    for leaf in leaves:
        seed = 1.0 if type(leaf.data) is float else np.ones_like(leaf.data)
        rows = []
        for step in tr.forward_mode({leaf: seed}):
            if not _any(step.tangent) and step.node is not tr.root:
                continue
            terms = [[index[x], num.long(d), num.long(t)] for x, d, t in step.terms
                     if _any(t)]
            rows.append([index[step.node], num.long(step.tangent), terms])
        sweeps[str(index[leaf])] = rows
    return {"leaves": [index[n] for n in leaves], "sweeps": sweeps}


# --- the picture --------------------------------------------------------------------------------


def _json_graphs(laid: bytes) -> list[dict]:
    """The graphs of Graphviz's json0 output for several graphs: one JSON value after another."""
    decoder, text, at, graphs = json.JSONDecoder(), laid.decode("utf-8"), 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return graphs
        graph, at = decoder.raw_decode(text, at)
        graphs.append(graph)


def _views(tr: Trace, data: dict, scene: Scene, rankdir: str) -> dict:
    """Layouts of the picture: one view, or for a big graph one per group that holds a step."""
    order = tr.nodes
    num = _Numbers(data["batch"]["shown"] if data["batch"] else 0)
    finals = {n: tr.grad(n) for n in order}

    def labels(node) -> list[str]:
        first = num.short(node.data)
        if not node.inputs and not is_variable(node):  # a constant: its name, its number
            value = first[0] if isinstance(first, list) else None
            return [tr.names[node]] if value is None else [f"{tr.names[node]} = {value}"]
        grad = num.short(finals[node])
        return [say("page.data_line", value=first[0] if isinstance(first, list) else first),
                say("page.grad_line", value=grad[0] if isinstance(grad, list) else grad)]

    plans, view_of = _plans(tr, scene)
    big = len(order) > PICTURE_NODES
    sources = [_view_source(scene, plan, labels, rankdir, big) for plan in plans]
    laid = run_dot("\n".join(sources), "json0", what="the page's picture")
    views = [_compact(graph, sorted(plans[k][0])) for k, graph in enumerate(_json_graphs(laid))]
    group_view = [-1] * len(scene.titles)
    for v, (opened, _, _) in enumerate(plans):
        for k in opened:
            if group_view[k] < 0:
                group_view[k] = v
    return {"views": views, "viewOf": view_of, "groupView": group_view}


def _view_source(scene: Scene, plan: tuple[set[int], set, set], labels, rankdir: str,
                 big: bool) -> str:
    """The DOT source of one view: its groups opened, its nodes drawn, its idle boxes left out."""
    opened, shown, others = plan
    # A view with a wide op (a neuron's weights) is laid out top to bottom, its inputs
    # wrapped in rows: a screen is wider than tall.
    wrapped = _wrapped_inputs(scene, shown, ordered=big)
    # In a big graph's views the rows keep their order, the boxes are not held above them
    # (their edges would cross every row), and the nodes stand closer: the edges from the upper
    # rows pass between the nodes below, each taking room in the row it passes. A graph drawn
    # in one view keeps the layout it always had.
    tight = bool(wrapped) and big
    dot = scene.digraph(opened, shown, notes=False, labels=labels,
                        rankdir="TB" if wrapped else rankdir, box_edges=False,
                        hidden=_idle_siblings(scene, opened, shown), left_out=others,
                        hints=not tight, leaf_order=not wrapped)
    for tail, head, ranks in wrapped:
        dot.edge(tail, head, style="invis", minlen=str(ranks))
    if tight:
        dot.attr(nodesep=WRAP_NODESEP)
    return dot.source


def _plans(tr: Trace, scene: Scene) -> tuple[list[tuple[set[int], set, set]], list[int]]:
    """What each view draws, (groups opened, nodes drawn, nodes left out), and each node's view:
    one view of everything, or for a big graph one per group (per part of a group) that holds
    a step."""
    order = tr.nodes
    if len(order) <= PICTURE_NODES:
        return [(set(range(len(scene.titles))), set(order), set())], [0] * len(order)
    plans: list[tuple[set[int], set, set]] = []
    view_of = [-1] * len(order)
    windows: dict[tuple, list[int]] = {}  # a group's views (several when it is big)
    parts: dict[tuple, tuple[dict, set]] = {}  # a group's ops in parts, and what is far from it
    for node in order:
        if not node.inputs and node is not tr.root:
            continue  # a leaf has no step of its own
        key = scene.chain.get(node, ())
        i = scene.index[node]
        for v in windows.get(key, []):
            if node in plans[v][1]:
                view_of[i] = v
                break
        else:
            if key not in parts:
                parts[key] = (_parts(scene, key[-1]), _far(scene, key[-1])) if key else ({}, set())
            part, far = parts[key]
            # The group's ops of its other parts: drawn in their own views, not here.
            others = far | {n for n, p in part.items() if p != part.get(node, 0)}
            shown, _ = scene.cut(set(key), {node}, PICTURE_NODES, others)
            windows.setdefault(key, []).append(len(plans))
            view_of[i] = len(plans)
            plans.append((set(key), shown, others))
    return plans, view_of


def _parts(scene: Scene, k: int) -> dict:
    """Group k's ops cut into parts of at most `VIEW_USES` that share its leaves, each with
    what is made from them: {op: its part}, or {} when they fit in one view.

    A weight serves every sample: a neuron over eighteen samples has eighteen Σ w·x + b ops
    under its seventeen weights, one row wider than any window. Drawn a few samples at a time,
    the weights repeated in each view, a step's inputs and its op fit on one screen.
    """
    inside = set(scene.members[k])
    uses = Counter(x for n in scene.members[k] for x in set(n.inputs)
                   if x in inside and not x.inputs)
    heads = [n for n in scene.members[k]
             if any(uses[x] > 1 for x in n.inputs if x in inside and not x.inputs)]
    if len(heads) <= VIEW_USES:
        return {}
    count = math.ceil(len(heads) / VIEW_USES)
    part = {op: j * count // len(heads) for j, op in enumerate(heads)}
    for node in scene.members[k]:  # in order: an activation follows its sum into its part
        if node.inputs and node not in part:
            found = next((part[x] for x in node.inputs if x in part), None)
            if found is not None:
                part[node] = found
    return part


def _far(scene: Scene, k: int) -> set:
    """The nodes in no group that neither feed group k nor read it: in its view they would
    only stand beside it (eighteen samples' losses summed up, beside a neuron)."""
    inside = set(scene.members[k])
    return {n for n in scene.order if n not in scene.chain and n not in inside
            and not any(x in inside for x in n.inputs)
            and not any(u in inside for u in scene.users.get(n, ()))}


def _idle_siblings(scene: Scene, opened: set[int], shown: set) -> set[int]:
    """The closed groups that touch nothing drawn node by node, inside an open one (a neuron's
    fifteen sibling neurons beside it) or at the top holding no group (the samples a neuron's
    view does not draw). Left out of its view, they would stand in a column taller than the
    window, or a row wider; the groups they sit in, the layers, and every box the open group
    reads from or feeds, stay."""
    idle = set()
    holders = set(scene.parent)
    for k, parent in enumerate(scene.parent):
        if k in opened or (parent is None and k in holders) or (
                parent is not None and parent not in opened):
            continue
        members = scene.members[k]
        if not any(x in shown for n in members for x in n.inputs) and not any(
                u in shown for n in members for u in scene.users.get(n, ())):
            idle.add(k)
    return idle


def _wrapped_inputs(scene: Scene, shown: set, ordered: bool = False,
                    ) -> list[tuple[str, str, int]]:
    """Invisible edges that stand a node's many given inputs in rows, not in one long line.

    A neuron's weights all feed its Σ w·x + b: side by side, 17 boxes make a line longer than a
    window is wide or tall. Input k of such an op is held `rows - k // WRAP_ROW` ranks before
    it, so they stand in rows of `WRAP_ROW` in their order (w1 … w6 / w7 … w12 / …), and the
    op with its inputs fits on a screen. Every op using them (a weight serves every sample)
    keeps the same distance, so the ops stand in one row below them. Where more than two rows'
    worth of ops share them, that row would be wider than any window: none, and the view stays
    left to right (a big graph's views draw a neuron two samples at a time, `_parts`, so its
    ops are few). `ordered`: each row also keeps its order (w1 left of w2), not the order
    fewest crossings put it in.
    """
    edges = []
    for node in scene.order:
        if node not in shown or not node.inputs:
            continue
        leaves = [x for x in dict.fromkeys(node.inputs) if x in shown and not x.inputs]
        if len(leaves) <= WRAP_ROW:
            continue
        rows = math.ceil(len(leaves) / WRAP_ROW)
        i = scene.index[node]
        for k, leaf in enumerate(leaves):
            edges.append((f"v{scene.index[leaf]}", f"o{i}", rows - k // WRAP_ROW))
            if ordered and k % WRAP_ROW:
                edges.append((f"v{scene.index[leaves[k - 1]]}", f"v{scene.index[leaf]}", 0))
    ops = {head for _, head, ranks in edges if ranks}
    return list(dict.fromkeys(edges)) if len(ops) <= 2 * WRAP_ROW else []


def _compact(graph: dict, opened: list[int]) -> dict:
    """A Graphviz json0 layout as the few numbers the script draws from (y pointing down)."""
    x0, y0, x1, y1 = (float(v) for v in graph["bb"].split(","))
    height = y1

    def point(text: str) -> tuple[int, int]:
        x, y = text.split(",")
        return round(float(x)), round(height - float(y))

    nodes, clusters, ids = [], [], {}
    for obj in graph.get("objects", []):
        if "nodes" in obj or obj.get("name", "").startswith("cluster_"):
            if "bb" not in obj:
                continue
            bx0, by0, bx1, by1 = (float(v) for v in obj["bb"].split(","))
            k = int(obj["name"].split("_")[1])
            lx, ly = point(obj["lp"]) if "lp" in obj else (round(bx0) + 6, round(height - by1) + 12)
            clusters.append([k, round(bx0), round(height - by1), round(bx1 - bx0),
                             round(by1 - by0), lx, ly])
            continue
        if "pos" not in obj:
            continue
        name = obj["name"]
        x, y = point(obj["pos"])
        w = round(float(obj.get("width", 0)) * 72)
        h = round(float(obj.get("height", 0)) * 72)
        ids[obj["_gvid"]] = name
        entry = [name, x, y, w, h]
        if name[0] in "hu":  # the stubs of a cut: their words
            entry.append(html.unescape(re.sub(r"<[^>]*>", "", obj.get("label", ""))))
        nodes.append(entry)
    edges = []
    for obj in graph.get("edges", []):
        pos = obj.get("pos", "")
        tip = None
        points = []
        for part in pos.split():
            if part.startswith("e,"):
                tip = point(part[2:])
            elif part.startswith("s,"):
                continue
            else:
                points.append(point(part))
        if not points or obj.get("style") == "invis":
            continue
        # Relative coordinates: shorter numbers, the same curve.
        d = f"M{points[0][0]} {points[0][1]}"
        for k in range(1, len(points) - 2, 3):
            px, py = points[k - 1]
            d += "c" + " ".join(f"{x - px} {y - py}" for x, y in points[k:k + 3])
        entry = [obj.get("id", ""), d, *(tip or points[-1]), *points[-1]]
        if "style" in obj and "dashed" in obj["style"]:
            entry.append("dashed")
        edges.append(entry)
    return {"w": round(x1 - x0), "h": round(y1 - y0), "open": opened, "nodes": nodes,
            "clusters": clusters, "edges": edges}


# --- the page ----------------------------------------------------------------------------------


def _pack(data: dict) -> dict:
    """The page data with each record of `FIELDS` written as a list in the schema's order, and
    the schema itself, from which the script reads every record back into its named fields.
    A record with a field the schema lacks, or lacking one, is an error here, not a field
    silently lost on the way."""
    def table(kind: str, records: list) -> list:
        fields = FIELDS[kind]
        packed = []
        for record in records:
            if set(record) != set(fields):
                raise KeyError(f"page schema: a {kind} record has {sorted(record)}; the schema "
                               f"says {list(fields)}")
            packed.append([table(_NESTED[kind, f], record[f]) if (kind, f) in _NESTED
                           else record[f] for f in fields])
        return packed

    explain = data["explain"]
    return {**data, "schema": FIELDS,
            **{kind: table(kind, data[kind]) for kind in ("nodes", "forward", "steps")},
            "explain": dict(zip(explain, table("explain", list(explain.values()))))}


# The template's slots: %%TITLE%%, %%DATA%%, …, and %%t:KEY%%, the text "page.KEY" of the
# language tables for the page's own words (buttons, headings, hints).
_SLOT = re.compile(r"%%(TITLE|DATA|PRACTISE|LANG)%%|%%t:(\w+)%%")


def _no_practise() -> str:
    """What stands in for practise mode's code (templates/practise.js) on a page with nothing
    to practise on or step: the button, disabled, says why."""
    return ("  const practise = () => false, stepper = () => {}, paintSlip = () => {},\n"
            "    askEdge = () => [];\n"
            '  $("predict").disabled = true;\n'
            '  $("predict").title = T.no_practise.replace("{count}", String('
            f"{PRACTISE_NODES}));\n")


def _script_json(value) -> str:
    """JSON inside <script>: "</script" or "<!--" would end or bend the script, so every "<"
    is written as its JSON escape; JSON.parse reads it back as "<". A lone surrogate (names show
    one as its code; this is the last guard) is escaped too: UTF-8 cannot hold it, the file would
    not save."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def page_html(tr: Trace, *, title: str | None = None, **options) -> str:
    """The whole page as one HTML string. Options: `model=` or `groups=` (what the picture
    collapses into boxes), `highlight=` (an explanation or a node to light at the start),
    `params=` and `lr=` (the SGD panel), `rankdir=`."""
    unknown = set(options) - _OPTIONS
    if unknown:
        raise TypeError(f"page: unknown option {sorted(unknown)[0]!r}; the options: "
                        f"{', '.join(sorted(_OPTIONS))}")
    rankdir = options.pop("rankdir", "LR")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    model = options.pop("model", None)
    layout = model_layout(model) if model is not None else None
    # The groups and the scene, once: the page's data and the picture's views share them.
    scene = Scene(_checked(tr).nodes, _groups(tr, options.pop("groups", None), model, layout),
                  names=tr.names)
    data = _page_data(tr, scene, model=model, layout=layout,
                      params=options.get("params"), lr=options.get("lr", 0.1),
                      highlight=options.get("highlight", ()))
    try:
        data["picture"] = _views(tr, data, scene, rankdir)
        data["note"] = ""
    except Exception as error:  # noqa: BLE001 (any failure to draw: the page says so)
        import graphviz

        data["picture"] = None
        data["note"] = (say("draw.graphviz_hint") + say("page.no_picture")
                        if isinstance(error, graphviz.ExecutableNotFound) else
                        say("page.picture_failed", error=f"{type(error).__name__}: {error}"))
    title = reading.printable(title or say("page.title", root=data["rootName"]))
    data["title"] = title
    template = resources.files(__package__).joinpath("templates/trace_page.html").read_text(
        encoding="utf-8")
    practise = _no_practise() if data["guesses"] is None else resources.files(
        __package__).joinpath("templates/practise.js").read_text(encoding="utf-8")
    # Every word the page writes, in the current language: the markup's through %%t:KEY%%,
    # the script's from one object of texts in the data (`T`), each {field} filled by the script.
    words = table_texts("page.")
    data["texts"] = words
    slots = {"TITLE": html.escape(title), "DATA": _script_json(_pack(data)),
             "PRACTISE": practise, "LANG": get_language()}
    # One pass: what a slot is filled with is never searched for slots again.
    return _SLOT.sub(lambda m: slots[m.group(1)] if m.group(1) else _markup(words[m.group(2)]),
                     template)


def _markup(text: str) -> str:
    """A text for the template's markup, in an element or a double-quoted attribute (an
    apostrophe stays as it is: "the node's", not "the node&#x27;s")."""
    return html.escape(text, quote=False).replace('"', "&quot;")


class TracePage:
    """The step-through page of a trace: `.html`, `.save(path)`, and it shows in Jupyter."""

    def __init__(self, tr: Trace, **options) -> None:
        self.html = page_html(tr, **options)
        self.frame_title = say("page.frame_title")  # in the page's language, as it is built

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` (one file, no network needed to view it)."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and styles apart from the notebook's. It keeps one
        # height: the page scrolls inside it, its controls always at the top.
        # In a single-quoted attribute only "&" and "'" need escaping: the page's many double
        # quotes stay as they are, and the notebook stays small.
        srcdoc = self.html.replace("&", "&amp;").replace("'", "&#39;")
        return (f"<iframe srcdoc='{srcdoc}' "
                f'style="width:100%;height:{FRAME_HEIGHT}px;border:1px solid #ddd" '
                f'title="{html.escape(self.frame_title)}"></iframe>')
