"""Finding the layers in a recorded graph, to write them as a textbook's vectorised code does.

A neuron's `net = w·x + b` is one `linear` node. The neurons of a layer are the `linear`
nodes that read the same inputs, with numbers for weights and biases (leaves: the model's
parameters); where every neuron has the same activation and nothing else reads its net,
the activation belongs to the layer too. A layer is written as one step over all its
neurons, named after it (`net_h2`, `W_h2`), and so is its backward pass:

- batch arrays (numpy backend): `net_h2 = W_h2 @ out_h1 + b_h2[:, None]`,
  `out_h2 = np_relu(net_h2)`; backward `dout_dW_h2 = dnet @ X.T`, `W_h2.T @ dnet`. NumPy's
  matrix product adds in its own order, so the numbers equal the unfused code's to about
  1e-15, not bit for bit.
- scalars, where one layer runs on many samples (one graph per sample, as micrograd builds
  it): tuples, one per sample: `net_h2_7 = affine(W_h2, out_h1_7, b_h2)`,
  `out_h2_7 = [relu(v) for v in net_h2_7]`, and for the backward pass sums of scaled rows
  (`input_grads`, `weight_grads`, `bias_grads`) that add the engine's products in the
  engine's order: the numbers are the engine's, to the last bit. That is checked here for
  every sum (`check_scalar_layers`); a layer that does not fit stays one statement per node.
  The compiled code calls these sums written out for each small shape (`layer_kernels`):
  the same products in the same order, without the loops.

A scalar layer that runs once (the textbook 2-2-2 network) stays one statement per node, as
the textbook writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..engine import ops
from ..engine.linear import LINEAR

__all__ = ["WIDE", "Layer", "Weights", "find_layers", "check_scalar_layers", "ACTIVATIONS", "dot",
           "scaled_sum", "affine", "input_grads", "weight_grads", "bias_grads",
           "shared_bias_grad"]

WIDE = 8  # numpy backend: a sum over this many inputs or more is written as one dot product

# The activations a layer applies as one step: elementwise, no domain, no constant.
ACTIVATIONS = frozenset(op for op in ops.OPS
                        if op.arity == 1 and not op.param and not op.domain
                        and op not in (ops.SUM, ops.MEAN))


@dataclass(eq=False)
class Weights:
    """The weights and biases of a layer's neurons; shared by the layers that apply the same
    neurons to other inputs (one per sample, in scalar mode)."""

    rows: tuple[tuple[int, ...], ...]  # per neuron, its weight nodes (positions)
    biases: tuple[int, ...]  # per neuron, its bias node
    layers: list[Layer] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # "W", "b" -> variables
    # Scalar layers: the layers in the order the engine visits them (the last one first), and
    # per neuron the run of its nets, the steps into each of its weights (the last entry: all
    # nets, a shared bias's run).
    order: list[Layer] = field(default_factory=list)
    runs: list[list[int]] = field(default_factory=list)
    from_p: bool = False  # numpy backend: all of them are inputs, read from the vector p

    @property
    def shared_bias(self) -> bool:
        """One bias node for every neuron (the textbook 2-2-2 network's)."""
        return len(self.biases) > 1 and len(set(self.biases)) == 1


@dataclass(eq=False)
class Layer:
    """Linear nodes reading the same inputs, their activation, and where their outputs go."""

    nets: list[int]  # the linear nodes (its neurons), in topological order
    xs: tuple[int, ...]  # the inputs every neuron reads, in order
    weights: Weights
    array: bool  # batch arrays (matrices) or floats (tuples)
    act: ops.Op | None = None  # the activation every neuron applies, if one
    acts: list[int] = field(default_factory=list)  # per neuron, its activation node
    source: Layer | None = None  # the layer whose outputs are xs, in order
    consumer: Layer | None = None  # the layer that reads this one's outputs as its xs
    names: dict[str, str] = field(default_factory=dict)  # net, out, X, ... -> variables

    @property
    def rows(self) -> list[int]:
        """The nodes holding the layer's outputs, one per neuron: activations, else nets."""
        return self.acts if self.act is not None else self.nets

    @property
    def members(self) -> list[int]:
        """Every node the layer computes."""
        return [*self.nets, *self.acts]


def find_layers(order: Sequence, ins: list[list[int]], batch: list[bool],
                single_user: list[int | None], arrays: bool) -> list[Layer]:
    """The layers of a graph: batch layers (if `arrays`, for the numpy backend) and scalar
    layers that run on more than one sample. `single_user[i]` is the one node made from
    node i, or None where there are none or several."""
    groups: dict[tuple, list[int]] = {}
    for i, node in enumerate(order):
        if node.op_entry is not LINEAR:
            continue
        inputs = ins[i]
        k = (len(inputs) - 1) // 2
        weights, xs, bias = inputs[:k], tuple(inputs[k:2 * k]), inputs[-1]
        if any(ins[p] or batch[p] for p in (*weights, bias)):
            continue  # weights and biases must be numbers fixed per call: the parameters
        if batch[i]:
            # X is a matrix of one-dimensional batches of one size.
            if not arrays or not all(batch[x] for x in xs):
                continue
            shapes = {getattr(order[x].data, "shape", ()) for x in xs}  # () for a number
            if len(shapes) > 1 or len(next(iter(shapes))) != 1:
                continue
        if len(set(xs)) < k or set(xs) & {*weights, bias}:
            continue  # an input used twice, or also as a weight (l2's Σ p·p): not a layer
        groups.setdefault((batch[i], xs), []).append(i)
    by_weights: dict[tuple, Weights] = {}
    layers = []
    for (array, xs), nets in groups.items():
        k = len(xs)
        rows = tuple(tuple(ins[i][:k]) for i in nets)
        biases = tuple(ins[i][-1] for i in nets)
        weights = by_weights.setdefault((rows, biases), Weights(rows, biases))
        layer = Layer(nets=nets, xs=xs, weights=weights, array=array)
        acts = [single_user[i] for i in nets]
        kinds = {order[a].op_entry if a is not None else None for a in acts}
        if len(kinds) == 1 and None not in kinds and next(iter(kinds)) in ACTIVATIONS:
            layer.act, layer.acts = next(iter(kinds)), acts
        weights.layers.append(layer)
        layers.append(layer)
    # Batch layers (one step per layer is the point of the numpy backend), but not a lone
    # neuron unless it reads a layer's outputs; scalar ones where the same neurons run on
    # several samples.
    keep = [layer for layer in layers if layer.array or len(layer.weights.layers) > 1]
    while True:
        link(keep)
        kept = [layer for layer in keep
                if not layer.array or len(layer.nets) > 1 or layer.source is not None]
        if len(kept) == len(keep):
            return kept
        keep = kept


def link(layers: list[Layer]) -> None:
    """Each layer's source: the layer whose outputs it reads as its inputs, in order."""
    by_rows = {(layer.array, tuple(layer.rows)): layer for layer in layers}
    for layer in layers:
        layer.source = layer.consumer = None
    for layer in layers:
        source = by_rows.get((layer.array, layer.xs))
        if source is not None and source is not layer:
            layer.source, source.consumer = layer.source or source, layer


def check_scalar_layers(layers: list[Layer], needs: list[bool], users: list[list[int]],
                        slots: list[list[int]]) -> list[Layer]:
    """The scalar layers whose backward sums can be written as sums of scaled rows and still
    add the engine's products in the engine's order; the others are dropped (unfused).

    The engine adds, into each node's gradient, one product per node made from it, visiting
    those nodes from the last made to the first (`users`, `slots`: in that order, only nodes
    that need a gradient). A layer's sum must be one unbroken run of that sequence.
    """
    weights_ok: dict[int, bool] = {}
    while True:
        link(layers)
        nets = {i for layer in layers for i in layer.nets}
        # A node is a member of one scalar layer's sums at most: a weight tied to two layers,
        # or a weight that is also an input, would be gathered twice.
        owners: dict[int, set[int]] = {}
        for layer in layers:
            if not layer.array:
                members = [*layer.xs] if layer.source is None else []
                members += [w for row in layer.weights.rows for w in row]
                members += layer.weights.biases
                for m in set(members):
                    owners.setdefault(m, set()).add(id(layer.weights))
        tangled = {weights for owner in owners.values() if len(owner) > 1 for weights in owner}
        bad = None
        for layer in layers:
            if layer.array:
                continue
            weights = layer.weights
            if id(weights) not in weights_ok:
                weights_ok[id(weights)] = (id(weights) not in tangled
                                           and _weights_fit(weights, needs, users, slots, nets))
            if not weights_ok[id(weights)] or not _layer_fits(layer, needs, users, slots):
                bad = weights  # its sums span all the layers sharing these weights
                break
        if bad is None:
            return layers
        layers = [layer for layer in layers if layer.weights is not bad]
        weights_ok.clear()  # the nets of the layers left, and who owns what, have changed


def _layer_fits(layer: Layer, needs, users, slots) -> bool:
    """A layer's outputs and inputs: each one's steps through the next layer, or through
    this one, are one run at the start of its steps."""
    if len({needs[i] for i in layer.nets}) > 1:
        return False
    if not needs[layer.nets[0]]:
        return True  # no gradient at all: only the forward step
    consumer = layer.consumer
    if consumer is not None:  # the outputs: all read by the next layer, one run each
        readers, width = consumer.nets[::-1], len(consumer.xs)
        for i, row in enumerate(layer.rows):
            if users[row] != readers or slots[row] != [width + i] * len(readers):
                return False
    if layer.source is not None:
        return True  # the inputs are the layer before's outputs: checked there
    wanted = [needs[x] for x in layer.xs]
    if not any(wanted):
        return True
    if not all(wanted):
        return False
    # The inputs: each one's steps through the layer's neurons come first, in one run; what
    # it adds after them is added after the run.
    run, k = layer.nets[::-1], len(layer.xs)  # the engine visits the last neuron first
    n = len(run)
    for j, x in enumerate(layer.xs):
        if users[x][:n] != run or slots[x][:n] != [k + j] * n or users[x][n:n + 1] == [run[-1]]:
            return False
    return True


def _weights_fit(weights: Weights, needs, users, slots, nets: set[int]) -> bool:
    """The weights and biases: one run over every neuron of every layer sharing them, the
    samples in one order for every neuron; what each adds before the run (the L2 term) is its
    start, what comes after follows."""
    first = weights.layers[0]
    if not needs[first.nets[0]]:
        return True
    k = len(first.xs)
    weights.order = sorted(weights.layers, key=lambda layer: layer.nets[0], reverse=True)
    runs = [[layer.nets[r] for layer in weights.order] for r in range(len(weights.rows))]
    if any(run != sorted(run, reverse=True) for run in runs):
        return False
    every = [i for layer in weights.order for i in reversed(layer.nets)]
    if every != sorted(every, reverse=True):
        return False
    weights.runs = [*runs, every]
    members = [(w, run, j) for run, row in zip(runs, weights.rows) for j, w in enumerate(row)]
    if weights.shared_bias:
        members.append((weights.biases[0], every, 2 * k))
    else:
        members += [(b, run, 2 * k) for run, b in zip(runs, weights.biases)]
    for m, run, slot in members:
        if not _one_run(users[m], slots[m], run, slot):
            return False
        if nets.intersection(users[m][:users[m].index(run[0])]):
            return False  # what it adds first goes through another layer: not a start
    return True


def _one_run(users: list[int], slots: list[int], run: list[int], slot: int) -> bool:
    """Whether `run` (with this slot) is one unbroken stretch of the steps `users`."""
    if not run:
        return False
    try:
        k = users.index(run[0])
    except ValueError:
        return False
    end = k + len(run)
    if users[k:end] != run or slots[k:end] != [slot] * len(run):
        return False
    return end == len(users) or users[end] != run[-1]  # not used once more by the last one


# --- the helpers scalar layers run -----------------------------------------------------------


def dot(w: Sequence[float], x: Sequence[float], start: float | None = None) -> float:
    """w[0]·x[0] + w[1]·x[1] + …, added left to right (after `start`): the linear op's sum."""
    total = w[0] * x[0] if start is None else start + w[0] * x[0]
    for k in range(1, len(w)):
        total = total + w[k] * x[k]
    return total


def scaled_sum(scales: Sequence[float], rows: Sequence[Sequence[float]],
               start: Sequence[float | None] | None = None) -> list[float]:
    """Σ_t scales[t] · rows[t], one sum per element, each added left to right (after `start`)."""
    if start is None:
        return [dot(scales, column) for column in zip(*rows)]
    return [dot(scales, column, s) for column, s in zip(zip(*rows), start)]


def affine(W: Sequence[Sequence[float]], x: Sequence[float], b: Sequence[float]) -> list[float]:
    """Each neuron's net: its weights · x + its bias, the linear op's sum for each row of W."""
    return [dot(row, x) + bias for row, bias in zip(W, b)]


def input_grads(dnet: Sequence[float], W: Sequence[Sequence[float]]) -> list[float]:
    """d/dx of a layer: Σ_i dnet[i] · W[i], from the last neuron to the first (the engine
    visits the nodes made later first)."""
    return scaled_sum(dnet[::-1], W[::-1])


def weight_grads(dnets: Sequence[Sequence[float]], xs: Sequence[Sequence[float]],
                 start: Sequence[Sequence[float | None]] | None = None) -> list[list[float]]:
    """d/dW of a layer run on several samples: per neuron i, Σ_s dnets[s][i] · xs[s], the
    samples in the order given (the engine's: the last one first), after `start`."""
    return [scaled_sum([d[i] for d in dnets], xs, None if start is None else start[i])
            for i in range(len(dnets[0]))]


def bias_grads(dnets: Sequence[Sequence[float]],
               start: Sequence[float | None] | None = None) -> list[float]:
    """d/db of a layer run on several samples: per neuron, Σ_s dnets[s][i] in the given order."""
    ones = [1.0] * len(dnets)  # g · 1.0 is g, bit for bit: the bias's local derivative is 1
    return [dot([d[i] for d in dnets], ones, None if start is None else start[i])
            for i in range(len(dnets[0]))]


def shared_bias_grad(dnets: Sequence[Sequence[float]], start: float | None = None) -> float:
    """d/db of one bias shared by every neuron: each sample's neurons from the last to the
    first, the samples in the order given."""
    steps = [g for d in dnets for g in reversed(d)]
    return dot(steps, [1.0] * len(steps), start)
