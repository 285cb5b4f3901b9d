"""How an MLP's graph is drawn: what belongs together, and a summary of a model too big to draw.

`groups(model, order)` tells `autodiff.see` which nodes belong together: a box per layer and,
inside it, a box per neuron (its weights, its bias, its `linear` node and its activation, for
every sample); when the model was called on several samples one by one, a box per sample for
that sample's inputs and loss terms. `summary` draws one box per neuron with the size of its
weights' gradient. Importing `nn` registers both for `MLP`, so `draw_graph(loss, model=model)`
and `trace(loss).page(model=model)` know them; the drawing code never imports `nn`.
"""

from __future__ import annotations

import graphviz

from autodiff import Value, topological_order
from autodiff.engine.numpy_on_demand import np
from autodiff.language import say
from autodiff.language.numbers import short_number
from autodiff.see.draw import FONT, Drawing, escape, gradient_fill, register_layout, text_lines

from .modules import MLP

__all__ = ["groups", "summary", "MAX_NEURONS"]

MAX_NEURONS = 24  # neurons drawn per layer in the summary; the rest are counted

_ACTIVATION_OPS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid"}


def _layers(model) -> list:
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            f"nn.drawing needs an MLP-like object with .layers (each with .neurons, each with "
            f".w and .b), got {type(model).__name__}"
        )
    return list(layers)


def _layer_title(li: int, count: int) -> str:
    return say("draw.output_layer" if li == count - 1 else "draw.layer", number=li + 1)


def groups(model, order: list[Value]) -> dict:
    """{layer title: {neuron name: its nodes}}, and {"sample k": its nodes} for several samples.

    `order` is the graph's nodes (`topological_order(root)`). A bias shared by a layer's
    neurons sits in the layer's box, beside the neurons' boxes. The titles are in the current
    language ("layer 1", in Chinese "第 1 层"); a neuron's own name stays as it is.
    """
    layers = _layers(model)
    roles = _Roles(layers)
    in_neuron, sample_of, samples = _trace_neurons(order, roles)
    members: dict[tuple[int, int], list[Value]] = {}
    for param, key in roles.neuron_of.items():
        members.setdefault(key, []).append(param)
    placed = set(roles.neuron_of)
    for node in order:
        key = in_neuron.get(node)
        if key is not None and node not in placed:
            members.setdefault(key, []).append(node)
            placed.add(node)
    result = _layer_boxes(layers, roles, members)
    if samples > 1:  # one call per sample: each sample's own nodes in a box of its own
        for sample in range(samples):
            nodes = [n for n in order if sample_of.get(n) == sample and n not in placed
                     and (n.inputs or n.label)]
            if nodes:
                result[say("draw.sample", number=sample)] = nodes
    return result


class _Roles:
    """What each parameter is in the model: whose weight or own bias (layer, neuron), which
    layer's shared bias; each neuron's name and each layer's activation op."""

    def __init__(self, layers: list) -> None:
        self.neuron_of: dict[Value, tuple[int, int]] = {}
        self.shared: dict[Value, int] = {}
        self.names: dict[tuple[int, int], str] = {}
        self.activation: dict[int, str | None] = {}
        for li, layer in enumerate(layers):
            neurons = list(getattr(layer, "neurons", ()))
            self.activation[li] = _ACTIVATION_OPS.get(getattr(layer, "activation", None))
            biases = [getattr(n, "b", None) for n in neurons]
            for nj, neuron in enumerate(neurons):
                name = getattr(neuron, "name", None)
                self.names[(li, nj)] = name if isinstance(name, str) else _neuron_name(nj)
                for w in getattr(neuron, "w", ()):
                    self.neuron_of[w] = (li, nj)
                b = biases[nj]
                if isinstance(b, Value):
                    if sum(other is b for other in biases) > 1:
                        self.shared[b] = li
                    else:
                        self.neuron_of[b] = (li, nj)


def _trace_neurons(order: list[Value], roles: _Roles) -> tuple[dict, dict, int]:
    """Which neuron each net and activation node belongs to, which sample each node belongs
    to (-1: it mixes samples), and how many samples the first layer was called on."""
    in_neuron: dict[Value, tuple[int, int]] = {}
    sample_of: dict[Value, int] = {}
    calls: dict[tuple[int, ...], int] = {}  # the first layer's inputs -> the sample's number
    for node in order:
        if node.op == "linear":
            key = next((roles.neuron_of[x] for x in node.inputs if x in roles.neuron_of), None)
            if key is not None:
                in_neuron[node] = key
                if key[0] == 0:
                    k = (len(node.inputs) - 1) // 2
                    sample = calls.setdefault(tuple(id(x) for x in node.inputs[k:2 * k]),
                                              len(calls))
                    for x in node.inputs[k:2 * k]:
                        if not x.inputs:
                            sample_of.setdefault(x, sample)
        elif len(node.inputs) == 1 and node.inputs[0] in in_neuron:
            key = in_neuron[node.inputs[0]]
            if node.op == roles.activation.get(key[0]) and node.inputs[0].op == "linear":
                in_neuron[node] = key
        # A node belongs to one sample when all its inputs that belong to one agree; -1
        # marks a node that mixes samples (a total loss), and so everything made from it.
        samples = {sample_of[x] for x in node.inputs if x in sample_of}
        if samples and node.inputs and node not in sample_of:
            sample_of[node] = samples.pop() if len(samples) == 1 else -1
    return in_neuron, sample_of, len(calls)


def _layer_boxes(layers: list, roles: _Roles, members: dict) -> dict:
    """{layer title: {neuron name: its nodes, and the shared bias}} for the layers drawn."""
    result: dict = {}
    for li, layer in enumerate(layers):
        box: dict = {}
        for nj in range(len(getattr(layer, "neurons", ()))):
            if members.get((li, nj)):
                box[roles.names[(li, nj)]] = members[(li, nj)]
        bias = [b for b, owner in roles.shared.items() if owner == li]
        if bias:
            box[say("draw.shared", name=bias[0].label or say("draw.bias"))] = bias
        if box:
            result[_layer_title(li, len(layers))] = box
    return result


# --- a big model, summed up -----------------------------------------------------------------


def summary(root: Value, model, *, rankdir: str = "LR", digits: int = 4,
            title: str | None = None) -> graphviz.Digraph:
    """One box per neuron, a cluster per layer: a model too big to draw node by node.

    Each neuron shows the size of its weights' gradient, ‖∇w‖ (the square root of the sum of
    squares), which is what an optimizer step moves it by; its fill scales with that size.
    """
    layers = _layers(model)
    if not layers:
        raise TypeError(f"nn.drawing needs an MLP-like object with .layers, got "
                        f"{type(model).__name__}")
    count = len(topological_order(root))
    norms = {id(n): _norm([w.grad for w in getattr(n, "w", ())])
             for layer in layers for n in getattr(layer, "neurons", ())}
    scale = max(norms.values(), default=0.0)
    dot = Drawing(name="autodiff", format="svg")
    dot.attr(rankdir=rankdir, bgcolor="white", fontname=FONT, nodesep="0.18", ranksep="0.3",
             compound="true")
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.6", color="#6b6b6b")
    if title:
        dot.attr(label=f"<{escape(title)}>", labelloc="t", fontsize="14")
    dot.node("caption", say("draw.summary_caption", count=count) + "\\l"
             + say("draw.summary_hint") + "\\l", shape="plaintext", fontsize="9",
             fontcolor="#666666")
    first = getattr(layers[0], "neurons", [None])[0]
    nin = len(getattr(first, "w", ()))
    dot.node("inputs", f"{say('draw.inputs')}\n{nin}", shape="box", style="rounded",
             color="#888888")
    previous, previous_cluster = "inputs", None
    for li in range(len(layers)):
        cluster = f"cluster_layer{li}"
        anchor = _layer_cluster(dot, cluster, li, layers, norms, scale, digits)
        if anchor is None:
            continue
        attrs = {"lhead": cluster}
        if previous_cluster:
            attrs["ltail"] = previous_cluster
        dot.edge(previous, anchor, **attrs)
        previous, previous_cluster = anchor, cluster
    rows = [f"<B>{escape(root.label or say('draw.output'))}</B>",
            *(escape(t) for t in text_lines(say("draw.data"), root.data, digits)),
            *(escape(t) for t in text_lines(say("draw.grad"), root.grad, digits))]
    dot.node("root", _table(rows), shape="box", style="rounded,filled,bold",
             fillcolor="#fff3c4")
    dot.edge(previous, "root", ltail=previous_cluster or "",
             label=f"  {say('draw.loss_and_rest')}  ", fontcolor="#888888")
    return dot


def _layer_cluster(dot: graphviz.Digraph, cluster: str, li: int, layers: list, norms: dict,
                   scale: float, digits: int) -> str | None:
    """One layer's box of neuron boxes (the middle ones left out past MAX_NEURONS); returns
    the neuron that edges join (the middle one), None for a layer with no neurons."""
    layer = layers[li]
    neurons = list(getattr(layer, "neurons", ()))
    drawn = list(enumerate(neurons))
    if len(neurons) > MAX_NEURONS:
        drawn = drawn[: MAX_NEURONS - 4] + [(None, None)] + drawn[-4:]
    bias = getattr(layer, "b", None)
    heading = _layer_title(li, len(layers)) + " · " + say(
        "draw.neuron_count_one" if len(neurons) == 1 else "draw.neuron_count", count=len(neurons))
    if isinstance(bias, Value):
        heading += " · " + say("draw.shared_bias_grad",
                               grad=short_number(_norm([bias.grad]), digits))
    with dot.subgraph(name=cluster) as box:
        box.attr(label=f"<{escape(heading)}>", style="rounded,dashed", color="#bdbdbd",
                 fontcolor="#555555", fontsize="11", labeljust="l")
        for nj, neuron in drawn:
            if neuron is None:
                box.node(f"n{li}_more", say("draw.more_neurons",
                                            count=len(neurons) - MAX_NEURONS + 1),
                         shape="plaintext", fontcolor="#888888")
                continue
            name = getattr(neuron, "name", None)
            name = name if isinstance(name, str) else _neuron_name(nj)
            norm = norms[id(neuron)]
            rows = [f"<B>{escape(name)}</B>",
                    escape(say("draw.weight_count", count=len(getattr(neuron, "w", ())))),
                    f"‖∇w‖ {short_number(norm, digits)}"]
            box.node(f"n{li}_{nj}", _table([f'<FONT POINT-SIZE="10">{r}</FONT>' for r in rows]),
                     shape="box", style="rounded,filled", fillcolor=gradient_fill(norm, scale),
                     color="#444444")
    real = [nj for nj, neuron in drawn if neuron is not None]
    return f"n{li}_{real[len(real) // 2]}" if real else None


def _neuron_name(nj: int) -> str:
    """A neuron without a name of its own: "neuron 1", in the current language."""
    return say("draw.neuron", number=nj + 1)


def _table(rows: list[str]) -> str:
    """An HTML-like Graphviz label: one row per line."""
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(f"<TR><TD>{r}</TD></TR>" for r in rows) + "</TABLE>>")


def _norm(grads: list) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


register_layout(MLP, groups, summary, parameters=lambda model: model.parameters())
