"""A learner working a dense network by hand, by the textbook's formulas, with slips to plant.

Independent of autodiff.work: plain floats and the formulas a backprop homework asks for, so
the checker is tested against work done another way. `Net` names its nodes as the caller says:
nothing here is keyed to one example's labels or numbers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from autodiff import Value, linear


@dataclass
class Net:
    """A dense net: `weights[L][j][i]` into neuron j of layer L, one shared bias per layer."""

    x: list[float]
    target: list[float]
    weights: list[list[list[float]]]
    biases: list[float]
    activation: str = "sigmoid"
    half: bool = True  # E = ½ (t − y)² per output, else (y − t)²
    names: dict = field(default_factory=dict)

    def name(self, what: str, *index) -> str:
        return self.names[what](*index)

    def graph(self) -> Value:
        """The same net as an engine graph, labeled with `names`."""
        inputs = [Value(v, self.name("x", i)) for i, v in enumerate(self.x)]
        for L, (rows, b) in enumerate(zip(self.weights, self.biases)):
            bias = Value(b, self.name("b", L))
            outs = []
            for j, row in enumerate(rows):
                ws = [Value(w, self.name("w", L, j, i)) for i, w in enumerate(row)]
                net = linear(ws, inputs, bias)
                net.label = self.name("net", L, j)
                out = net.sigmoid() if self.activation == "sigmoid" else net.tanh()
                out.label = self.name("out", L, j)
                outs.append(out)
            inputs = outs
        errors = []
        for j, (y, t) in enumerate(zip(inputs, self.target)):
            e = 0.5 * (t - y) ** 2 if self.half else (y - t) ** 2
            e.label = self.name("E", j)
            errors.append(e)
        total = errors[0]
        for e in errors[1:]:
            total = total + e
        if len(errors) > 1:
            total.label = self.name("total")
        return total


def squash(net: Net, v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if net.activation == "sigmoid" else math.tanh(v)


def slope(net: Net, out: float) -> float:
    return out * (1.0 - out) if net.activation == "sigmoid" else 1.0 - out * out


def work(net: Net, lr: float, slip: str = "", at: tuple = (),
         override: dict | None = None) -> dict[str, float]:
    """Every number of one step, as a learner writes it: forward, gradients, new weights.

    `slip` plants one mistake at `at` (a layer and neuron, ...): "wrong input" (the bias of a
    neuron replaced by the previous layer's first output, or the first input), "wrong slope"
    (a hidden delta with another neuron's slope), "missing factor" (an output delta without
    the activation's slope), "missing path" (a hidden gradient without its last output's
    term), "sign" (dE/dy of output `at[0]` as t − y), "updated weight" (a hidden gradient
    with the first output weight after its step), "rounding" (a hidden output rounded to
    2 significant digits and worked on),
    "wrong lr" (every step at lr 0.1). `override` puts the learner's own number in place of
    a neuron's output, the rest worked on from it.
    """
    sheet: dict[str, float] = {}
    override = override or {}
    inputs, layers = list(net.x), []
    for L, (rows, b) in enumerate(zip(net.weights, net.biases)):
        nets, outs = [], []
        for j, row in enumerate(rows):
            bias = inputs[0] if (slip, at) == ("wrong input", (L, j)) else b
            nets.append(sum(w * v for w, v in zip(row, inputs)) + bias)
            out = override.get(net.name("out", L, j), squash(net, nets[-1]))
            if (slip, at) == ("rounding", (L, j)):
                out = float(f"{out:.2g}")  # written down rounded, and worked on
            sheet[net.name("net", L, j)], sheet[net.name("out", L, j)] = nets[-1], out
            outs.append(out)
        layers.append((list(inputs), outs))
        inputs = outs
    ys, total = inputs, 0.0
    for j, (y, t) in enumerate(zip(ys, net.target)):
        e = 0.5 * (t - y) ** 2 if net.half else (y - t) ** 2
        sheet[net.name("E", j)] = e
        total += e
    if len(ys) > 1:
        sheet[net.name("total")] = total
    root = net.name("total") if len(ys) > 1 else net.name("E", 0)
    d = lambda name: f"d{root}/d{name}"  # noqa: E731
    top = len(net.weights) - 1
    grads_out = [(y - t) * (1.0 if net.half else 2.0) for y, t in zip(ys, net.target)]
    if slip == "sign":
        grads_out[at[0]] = -grads_out[at[0]]
    new, later = {}, None  # later: the layer above's deltas, once worked
    for L in range(top, -1, -1):
        layer_in, outs = layers[L]
        deltas = []
        for j, out in enumerate(outs):
            if L == top:
                g = grads_out[j]
            else:
                g = hidden_gradient(net, L, j, later, lr, slip, at)
            s = slope(net, out)
            if (slip, at) == ("wrong slope", (L, j)):
                s = slope(net, outs[(j + 1) % len(outs)])
            if (slip, at) == ("missing factor", (L, j)):
                s = 1.0
            sheet[d(net.name("out", L, j))] = g
            deltas.append(g * s)
            sheet[d(net.name("net", L, j))] = deltas[-1]
            for i, v in enumerate(layer_in):
                gw = deltas[-1] * v
                sheet[d(net.name("w", L, j, i))] = gw
                step_lr = 0.1 if slip == "wrong lr" else lr
                new[net.name("w", L, j, i)] = net.weights[L][j][i] - step_lr * gw
        sheet[d(net.name("b", L))] = sum(deltas)
        later = (L, deltas, new)
    for name, value in new.items():
        sheet[f"{name}_new"] = value
    return sheet


def hidden_gradient(net: Net, L: int, i: int, later, lr: float, slip: str, at: tuple) -> float:
    """dE/d out_i of hidden layer L: the sum over the next layer's neurons j of w_ji · δ_j."""
    _, deltas, new = later
    terms = []
    for j, delta in enumerate(deltas):
        w = net.weights[L + 1][j][i]
        if (slip, at) == ("updated weight", (L, i)) and j == 0:
            w = new[net.name("w", L + 1, j, i)]
        terms.append(w * delta)
    if (slip, at) == ("missing path", (L, i)):
        terms = terms[:-1]
    return sum(terms)


def random_net(rng: random.Random, shape: list[int], names: dict, **options) -> Net:
    """A net of the given shape with weights, inputs and targets drawn by `rng`."""
    weights = [[[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
               for nin, nout in zip(shape, shape[1:])]
    return Net(x=[rng.uniform(-1, 1) for _ in range(shape[0])],
               target=[rng.uniform(0.05, 0.95) for _ in range(shape[-1])],
               weights=weights, biases=[rng.uniform(-0.5, 0.5) for _ in shape[1:]],
               names=names, **options)


TEXTBOOK_NAMES = {  # the 2-2-2 textbook's labels
    "x": lambda i: f"i{i + 1}",
    "b": lambda L: f"b{L + 1}",
    "w": lambda L, j, i: f"w{4 * L + 2 * j + i + 1}",
    "net": lambda L, j: f"net_{'ho'[L]}{j + 1}",
    "out": lambda L, j: f"out_{'ho'[L]}{j + 1}",
    "E": lambda j: f"E_o{j + 1}",
    "total": lambda: "E_total",
}

OTHER_NAMES = {  # another naming, for nets of other shapes
    "x": lambda i: f"x{i + 1}",
    "b": lambda L: f"c{L + 1}",
    "w": lambda L, j, i: f"W{L + 1}_{j + 1}{i + 1}",
    "net": lambda L, j: f"z{L + 1}{j + 1}",
    "out": lambda L, j: f"a{L + 1}{j + 1}",
    "E": lambda j: f"err{j + 1}",
    "total": lambda: "loss",
}


def textbook() -> Net:
    """The 2-2-2 network with its published numbers."""
    return Net(x=[0.05, 0.10], target=[0.01, 0.99],
               weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
               biases=[0.35, 0.60], names=TEXTBOOK_NAMES)
