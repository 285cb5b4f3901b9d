"""The 2-2-2 network and the moons demo written once, for any engine's `Value` class.

Each function takes the engine's `Value` (a constructor from a float) and an `exp` for the
sigmoid, and runs the whole training with nothing but `*`, `+`, `-`, `**`, `relu()` and
`backward()`: the same expression code, node for node, on every engine. Each engine builds its
own graph from it, so the time ratios compare the engines and nothing else. No `linear` node:
a neuron is micrograd's `sum((wi * xi for ...), b)`, the sigmoid `1 / (1 + exp(-x))`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workloads import Chain, Mazur, Moons, Outcome, moons_lr

__all__ = ["mazur", "moons", "chain", "zero_to_float"]


def zero_to_float(p: Any) -> None:
    """Reset a parameter's gradient as micrograd and this project do: to 0.0."""
    p.grad = 0.0


def _sgd(loss: Callable, params: list, steps: int, lr: Callable[[int], float],
         zero_grad: Callable[[Any], None]) -> Any:
    """`steps` plain SGD steps; the loss of the last one."""
    for k in range(steps):
        total = loss()
        for p in params:
            zero_grad(p)
        total.backward()
        for p in params:
            p.data -= lr(k) * p.grad
    return total


def _sigmoid(x: Any, exp: Callable) -> Any:
    return 1 / (1 + exp(-x))


def mazur(spec: Mazur, Value: Callable, exp: Callable,
          zero_grad: Callable[[Any], None] = zero_to_float) -> Outcome:
    """The textbook 2-2-2 sigmoid network, 10,000 SGD steps on w1..w8."""
    w = [Value(v) for v in spec.w]
    b1, b2 = Value(spec.b[0]), Value(spec.b[1])
    i1, i2 = spec.x
    t1, t2 = spec.target

    def loss() -> Any:
        h1 = _sigmoid(w[0] * i1 + w[1] * i2 + b1, exp)
        h2 = _sigmoid(w[2] * i1 + w[3] * i2 + b1, exp)
        o1 = _sigmoid(w[4] * h1 + w[5] * h2 + b2, exp)
        o2 = _sigmoid(w[6] * h1 + w[7] * h2 + b2, exp)
        return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    E = _sgd(loss, w, spec.steps, lambda k: spec.lr, zero_grad)
    return Outcome(float(loss().data), E, spec.steps)


def moons(spec: Moons, Value: Callable, exp: Callable | None = None,
          zero_grad: Callable[[Any], None] = zero_to_float) -> Outcome:
    """micrograd's demo: MLP 2-16-16-1 (relu), hinge loss + L2, 20 full-batch SGD steps."""
    layers = [([[Value(float(v)) for v in row] for row in W], [Value(float(v)) for v in b])
              for W, b in spec.weights]
    params = [p for W, b in layers for row, bias in zip(W, b) for p in (*row, bias)]
    X, y = spec.X.tolist(), spec.y.tolist()
    last = len(layers) - 1

    def model(x: list) -> Any:
        for k, (W, b) in enumerate(layers):
            x = [sum((wi * xi for wi, xi in zip(row, x)), bias) for row, bias in zip(W, b)]
            if k < last:
                x = [v.relu() for v in x]
        return x[0]

    def loss() -> Any:
        data_loss = sum((1 + -yi * model(x)).relu() for x, yi in zip(X, y)) * (1.0 / len(y))
        return data_loss + spec.alpha * sum(p * p for p in params)

    total = _sgd(loss, params, spec.steps, moons_lr, zero_grad)
    return Outcome(float(loss().data), total, spec.steps)


def chain(spec: Chain, Value: Callable) -> Outcome:
    """x * c + d repeated `spec.length` times, then one backward pass."""
    x0, c, d = Value(spec.x0), Value(spec.c), Value(spec.d)
    x = x0
    for _ in range(spec.length):
        x = x * c + d
    x.backward()
    return Outcome(x0.grad, x)
