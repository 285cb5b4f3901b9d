"""Stage 2, fuse (optional): which nodes a layer computes, and which inputs form the vector p.

`fuse(analysis, enabled)` returns a `Fusion`: the layers written as one step each (`layers`
finds them), what other code still reads of them one by one, which weights and biases run
through a scalar layer, and, in the numpy backend, the inputs as one vector `p` where layers
and wide dot products read them. Without `enabled`, a `Fusion` with no layers: one statement
per node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.linear import LINEAR
from . import layers
from .analysis import Analysis
from .layers import Layer, Weights

__all__ = ["Fusion", "fuse"]


@dataclass(eq=False)
class Fusion:
    """The layers, and how the rest of the code meets them."""

    layers: list[Layer] = field(default_factory=list)
    weights: list[Weights] = field(default_factory=list)  # each layer's, once
    layer_of: dict[int, Layer] = field(default_factory=dict)  # a node a layer computes
    net_at: dict[int, tuple[Layer, int]] = field(default_factory=dict)  # a net: (layer, neuron)
    loose: dict[int, tuple[Layer, int]] = field(default_factory=dict)  # an output read alone
    # The inputs, weights and biases of scalar layers: their steps through the layer are one
    # run, gathered by one sum (kind, layer or weights, neuron, index).
    scalar_member: dict[int, tuple] = field(default_factory=dict)
    # numpy backend: the numbers among the inputs as one vector p (position -> index in p),
    p_at: dict[int, int] = field(default_factory=dict)
    # the wide sums over them written as one dot product (node -> the two sides' indices),
    vdots: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)
    # and whether every gradient asked for is gathered into one vector dp.
    assembly: bool = False

    def absorbed(self, i: int) -> bool:
        """Whether node i has no statement of its own (a layer computes it, nothing else
        reads it one by one)."""
        return i in self.layer_of and i not in self.loose


def fuse(analysis: Analysis, enabled: bool) -> Fusion:
    """The layers of the graph (none unless `enabled`), and the vector p where it helps."""
    if not enabled:
        return Fusion()
    a = analysis
    found = layers.find_layers(a.order, a.ins, a.batch, a.single_user,
                               arrays=a.numpy and a.uniform)
    if not all(layer.array for layer in found):
        a.list_leaf_steps()  # a scalar layer's weights and biases are leaves
    found = layers.check_scalar_layers(found, a.needs, a.users, a.slots)
    fusion = Fusion(layers=found)
    _place_layers(fusion, a)
    _plan_vector(fusion, a)
    return fusion


def _place_layers(fusion: Fusion, a: Analysis) -> None:
    """Each layer's nodes, its outputs read one by one, its weights, its scalar members."""
    found = fusion.layers
    for layer in found:
        for m in layer.members:
            fusion.layer_of[m] = layer
        for r, i in enumerate(layer.nets):
            fusion.net_at[i] = (layer, r)
        read_whole = len(layer.consumer.nets) if layer.consumer is not None else 0
        for r, row in enumerate(layer.rows):
            if a.count[row] > read_whole or row == a.root_at:
                fusion.loose[row] = (layer, r)
    kept = {id(layer) for layer in found}
    unique: dict[int, Weights] = {}
    for layer in found:
        unique.setdefault(id(layer.weights), layer.weights)
    fusion.weights = list(unique.values())
    for weights in fusion.weights:
        weights.layers = [layer for layer in weights.layers if id(layer) in kept]
    member = fusion.scalar_member
    for layer in found:
        if not layer.array and layer.source is None and a.needs[layer.nets[0]]:
            for j, x in enumerate(layer.xs):
                member[x] = ("x", layer, 0, j)
    for weights in fusion.weights:
        if not weights.layers[0].array and a.needs[weights.layers[0].nets[0]]:
            for r, row in enumerate(weights.rows):
                for j, w in enumerate(row):
                    member[w] = ("w", weights, r, j)
            for r, b in enumerate(weights.biases):
                kind = "shared" if weights.shared_bias else "b"
                member[b] = (kind, weights, r, 0)


def _plan_vector(fusion: Fusion, a: Analysis) -> None:
    """Numpy backend: the scalar inputs as one vector `p`, where the layers read their
    weights and biases (`W_h1 = p[W_h1_at]`), a wide sum over inputs is one dot product
    (the L2 term Σ p·p), and, where every gradient asked for is an input's and comes from
    those, the gradients are gathered as one vector too, returned as it is: no statement
    per parameter, in the source or at each call."""
    if not (a.numpy and fusion.layers):
        return
    scalars = [i for i, node in zip(a.input_pos, a.inputs) if type(node.data) is float]
    p_at = {i: k for k, i in enumerate(scalars)}
    for weights in fusion.weights:
        weights.from_p = weights.layers[0].array and all(
            w in p_at for w in (*[w for row in weights.rows for w in row], *weights.biases))
    for i, node in enumerate(a.order):
        if node.op_entry is LINEAR and not a.batch[i] and i not in fusion.layer_of:
            ins = a.ins[i]
            k = (len(ins) - 1) // 2
            if k >= layers.WIDE and all(c in p_at for c in ins[:2 * k]):
                fusion.vdots[i] = ([p_at[c] for c in ins[:k]],
                                   [p_at[c] for c in ins[k:2 * k]])
    if not fusion.vdots and not any(w.from_p for w in fusion.weights):
        return
    fusion.p_at = p_at
    wrt, needs = a.wrt_pos, a.needs
    fusion.assembly = bool(wrt) and all(i in p_at for i in wrt) and all(
        w.from_p or not w.layers[0].array or not needs[w.layers[0].nets[0]]
        for w in fusion.weights) and not any(
        not w.layers[0].array and needs[w.layers[0].nets[0]] for w in fusion.weights)
