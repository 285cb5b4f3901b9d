"""micrograd (PyPI 0.1.0): the pure-Python peer, used as its own demo uses it."""

from __future__ import annotations

import math

import same_code
from micrograd.engine import Value
from micrograd.nn import MLP
from workloads import Chain, Mazur, Moons, Outcome, moons_lr

NAME = "micrograd"


def _exp(x: Value) -> Value:
    """micrograd 0.1.0 has no exp; this adds one written the way its own ops are."""
    out = Value(math.exp(x.data), (x,), "exp")

    def _backward():
        x.grad += out.data * out.grad

    out._backward = _backward
    return out


def _sigmoid(x: Value) -> Value:
    return 1 / (1 + _exp(-x))


def mazur(spec: Mazur) -> Outcome:
    """The 2-2-2 network from micrograd Values; SGD on w1..w8."""
    w = [Value(v) for v in spec.w]
    b1, b2 = Value(spec.b[0]), Value(spec.b[1])
    i1, i2 = spec.x
    t1, t2 = spec.target

    def loss() -> Value:
        h1 = _sigmoid(w[0] * i1 + w[1] * i2 + b1)
        h2 = _sigmoid(w[2] * i1 + w[3] * i2 + b1)
        o1 = _sigmoid(w[4] * h1 + w[5] * h2 + b2)
        o2 = _sigmoid(w[6] * h1 + w[7] * h2 + b2)
        return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    for _ in range(spec.steps):
        E = loss()
        for p in w:
            p.grad = 0.0
        E.backward()
        for p in w:
            p.data -= spec.lr * p.grad
    return Outcome(loss().data, E, spec.steps)


def moons(spec: Moons) -> Outcome:
    """The demo's loop: a list of Values per sample, hinge loss, L2, decaying lr."""
    model = MLP(2, [16, 16, 1])
    for layer, (W, b) in zip(model.layers, spec.weights):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for wi, v in zip(neuron.w, row):
                wi.data = float(v)
            neuron.b.data = float(bias)
    X, y = spec.X.tolist(), spec.y.tolist()

    def loss() -> Value:
        scores = [model(x) for x in X]
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(y))
        return data_loss + spec.alpha * sum(p * p for p in model.parameters())

    for k in range(spec.steps):
        total = loss()
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= moons_lr(k) * p.grad
    return Outcome(loss().data, total, spec.steps)


def chain(spec: Chain) -> Outcome:
    """x * c + d repeated; micrograd's recursive topological sort meets the recursion limit."""
    return same_code.chain(spec, Value)


def count_nodes(root: Value) -> int:
    """Nodes in micrograd's graph, walked without recursion."""
    seen, stack = {id(root)}, [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def mazur_same(spec: Mazur) -> Outcome:
    """The shared 2-2-2 code (benchmarks/same_code.py) on micrograd's Value, with `_exp`."""
    return same_code.mazur(spec, Value, _exp)


def moons_same(spec: Moons) -> Outcome:
    """The shared moons code (benchmarks/same_code.py) on micrograd's Value."""
    return same_code.moons(spec, Value)


RUNS = {
    NAME: {"mazur": mazur, "moons": moons, "chain": chain},
    "micrograd-same": {"mazur": mazur_same, "moons": moons_same},
}
