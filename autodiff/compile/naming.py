"""Stage 3, name: what each node, layer and gradient is called in the code.

Labels first, so the user's names win; then the layers' (W_h2, net_h2, out_h2); then short
names: inputs x1, x2, ..., other nodes t1, t2, ..., constant arrays c1, ...; a number that is
not an input is written inline unless a word labels it (i1 = 0.05 reads better). A label can
change what a variable is called, never what the code does (`text.Names`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..engine.numpy_on_demand import np
from .analysis import Analysis
from .fusion import Fusion
from .layers import Layer
from .namespace import RESERVED
from .text import Names, identifier, literal

__all__ = ["Naming", "Gradients", "name_nodes", "name_gradients"]


@dataclass(eq=False)
class Naming:
    """The names of the forward pass (layers' names are in each `Layer.names`)."""

    names: Names  # hands out every further name (gradients, helpers) without a clash
    var: list[str | None]  # each node's variable, None where it has none
    atom: list[str]  # how code reads each node: its variable, a number, or a layer's row
    p: str = ""  # the vector of inputs, where there is one
    vdot_names: dict[int, tuple[str, str]] = field(default_factory=dict)  # a dot product's sides
    bindings: dict[str, object] = field(default_factory=dict)  # index arrays, bound when compiled

    def root_name(self, root: int) -> str:
        return self.var[root] or "out"


@dataclass(eq=False)
class Gradients:
    """The names of the backward pass: d root / d node per node, the vector dp if any."""

    grad: list[str | None]
    prefix: str  # "dE_total/d": how a comment names a gradient
    dp: str = ""


def name_nodes(a: Analysis, fusion: Fusion, forward: list) -> Naming:
    """Every node's and layer's name, and p's (`forward`: the units in written order)."""
    names = Names(RESERVED)
    var = _labels(a, fusion, names)
    root = a.root_at
    if var[root] is None and a.ins[root]:
        var[root] = names.take("out")
    _name_layers(a, fusion, forward, names)
    _short_names(a, fusion, forward, names, var)
    atom = [v if v is not None or a.batch[i] or a.ins[i] else literal(node.data)
            for i, (v, node) in enumerate(zip(var, a.order))]
    for layer in fusion.layers:  # what a layer computes: a row of its matrix (or tuple)
        for key, members in (("net", layer.nets), ("out", layer.acts)):
            for r, m in enumerate(members):
                if atom[m] is None:
                    atom[m] = f"{layer.names[key]}[{r}]"
    naming = Naming(names=names, var=var, atom=atom)
    if fusion.p_at:
        _name_vector(fusion, naming)
    return naming


def _labels(a: Analysis, fusion: Fusion, names: Names) -> list[str | None]:
    """The nodes a label names, named after it."""
    order, ins = a.order, a.ins
    var: list[str | None] = [None] * len(order)
    labeled = []
    for i, node in enumerate(order):
        # A label names its node, unless a layer computes the node and no one reads it.
        label = node.label
        if not label or fusion.absorbed(i):
            continue
        if ins[i] or i in a.input_at:
            if identifier(label):
                labeled.append(i)
        elif label[0].isascii() and label[0].isalpha():
            labeled.append(i)  # a constant: "i1" is a name, "2" or "-3" is not
    for i, name in zip(labeled, names.take_all([order[i].label for i in labeled])):
        var[i] = name
    return var


def _short_names(a: Analysis, fusion: Fusion, forward: list, names: Names,
                 var: list[str | None]) -> None:
    """x1, t1, c1, ... for the nodes no label names, in the order they are written."""
    counters = {"x": 0, "t": 0, "c": 0}
    ins = a.ins
    leaves = [i for i, node_ins in enumerate(ins) if not node_ins]
    nodes = [unit for unit in forward if type(unit) is int]
    nodes += [row for row in fusion.loose]
    for i in leaves + nodes:
        if var[i] is not None:
            continue
        is_input = i in a.input_at
        if not ins[i] and not is_input and not a.batch[i]:
            continue
        prefix = "x" if is_input else ("t" if ins[i] else "c")
        while True:
            counters[prefix] += 1
            candidate = f"{prefix}{counters[prefix]}"
            if candidate not in names:
                var[i] = names.take(candidate)
                break


def _name_layers(a: Analysis, fusion: Fusion, forward: list, names: Names) -> None:
    """W_h2, b_h2 for a layer's weights; net_h2, out_h2, X_h2 (in_h2) for what it computes,
    named after its neurons' labels (net_h2_1, net_h2_2, ...)."""
    order = a.order
    for k, weights in enumerate(fusion.weights, start=1):
        first = weights.layers[0]
        stem = _common([_stem(order[i].label) for i in first.nets]) or f"layer{k}"
        weights.names["stem"] = stem
        weights.names["W"] = names.take(f"W_{stem}")
        if not (first.array and weights.shared_bias):
            weights.names["b"] = names.take(f"b_{stem}")
    for layer in (unit for unit in forward if type(unit) is Layer):
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


def _name_vector(fusion: Fusion, naming: Naming) -> None:
    """p, and where each layer's weights are in it (W_h1_at), bound when compiled."""
    names = naming.names
    naming.p = names.take("p")
    for weights in fusion.weights:
        if weights.from_p:
            for key, nodes in (("W", weights.rows), ("b", weights.biases)):
                if key in weights.names:
                    name = names.take(f"{weights.names[key]}_at")
                    weights.names[key + "_at"] = name
                    naming.bindings[name] = np.array(
                        [[fusion.p_at[w] for w in row] for row in nodes] if key == "W"
                        else [fusion.p_at[b] for b in nodes], dtype=np.intp)
    # A dot product's two sides, as the entries of p they are: `[l2_at]`, or "" where a
    # side is all of p in order (the L2 term Σ p·p: `p @ p`).
    for i, (w_at, x_at) in fusion.vdots.items():
        stem = naming.var[i]
        w = _entries_of_p(fusion, naming, w_at,
                          f"{stem}_at" if w_at == x_at else f"{stem}_w_at")
        x = w if x_at == w_at else _entries_of_p(fusion, naming, x_at, f"{stem}_x_at")
        naming.vdot_names[i] = (w, x)


def _entries_of_p(fusion: Fusion, naming: Naming, at: list[int], name: str) -> str:
    """How code reads these entries of p: `[name]` with `name` bound to their indices when
    compiled, or "" where they are all of p, in order."""
    if at == list(range(len(fusion.p_at))):
        return ""
    name = naming.names.take(name)
    naming.bindings[name] = np.array(at, dtype=np.intp)
    return f"[{name}]"


def name_gradients(a: Analysis, fusion: Fusion, naming: Naming) -> Gradients:
    """d{root}_d{node} for each node with a statement of its own, each layer's and weights'
    gradients (in their `names`), and dp where the gradients are gathered as one vector."""
    names, atom, needs = naming.names, naming.atom, a.needs
    root_name = naming.root_name(a.root_at)
    gathered = fusion.p_at if fusion.assembly else {}  # their gradients are entries of dp
    grad: list[str | None] = [None] * len(a.order)
    for i in range(len(a.order)):  # every node that needs a gradient, with a statement
        if needs[i] and not fusion.absorbed(i) and i not in gathered:
            grad[i] = names.take(f"d{root_name}_d{atom[i]}")
    for layer in fusion.layers:
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
    for layer in fusion.layers:
        if layer.source is not None and "drows" in layer.source.names:
            layer.names["dX"] = layer.source.names["drows"]
    for weights in fusion.weights:
        if not weights.layers[0].array and needs[weights.layers[0].nets[0]]:
            stem = weights.names["stem"]
            weights.names["dW"] = names.take(f"d{root_name}_dW_{stem}")
            weights.names["db"] = names.take(f"d{root_name}_db_{stem}")
    dp = names.take(f"d{root_name}_d{naming.p}") if fusion.assembly else ""
    return Gradients(grad=grad, prefix=f"d{root_name}/d", dp=dp)


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

