"""The limit: each workload's forward and backward pass written out by hand, no graph at all."""

from __future__ import annotations

import math

import numpy as np
from workloads import Chain, Mazur, Moons, Outcome, moons_lr

NAME = "handwritten"


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def mazur(spec: Mazur) -> Outcome:
    """Plain floats: the textbook's delta rule, 8 weight updates per step."""
    i1, i2 = spec.x
    t1, t2 = spec.target
    b1, b2 = spec.b
    w1, w2, w3, w4, w5, w6, w7, w8 = spec.w
    lr = spec.lr

    def forward():
        h1 = _sigmoid(w1 * i1 + w2 * i2 + b1)
        h2 = _sigmoid(w3 * i1 + w4 * i2 + b1)
        o1 = _sigmoid(w5 * h1 + w6 * h2 + b2)
        o2 = _sigmoid(w7 * h1 + w8 * h2 + b2)
        return h1, h2, o1, o2, 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    for _ in range(spec.steps):
        h1, h2, o1, o2, _ = forward()
        d1 = (o1 - t1) * o1 * (1.0 - o1)  # dE/dnet_o1
        d2 = (o2 - t2) * o2 * (1.0 - o2)
        e1 = (d1 * w5 + d2 * w7) * h1 * (1.0 - h1)  # dE/dnet_h1
        e2 = (d1 * w6 + d2 * w8) * h2 * (1.0 - h2)
        w1, w2, w3, w4 = w1 - lr * e1 * i1, w2 - lr * e1 * i2, w3 - lr * e2 * i1, w4 - lr * e2 * i2
        w5, w6, w7, w8 = w5 - lr * d1 * h1, w6 - lr * d1 * h2, w7 - lr * d2 * h1, w8 - lr * d2 * h2
    return Outcome(forward()[-1], graphs=spec.steps)


def moons(spec: Moons) -> Outcome:
    """NumPy: batched matrix products forward, their transposes backward."""
    (W1, b1), (W2, b2), (W3, b3) = (tuple(a.copy() for a in layer) for layer in spec.weights)
    X, y, n = spec.X, spec.y, len(spec.y)

    def loss_and_grads():
        a1 = X @ W1.T + b1
        h1 = np.maximum(a1, 0.0)
        a2 = h1 @ W2.T + b2
        h2 = np.maximum(a2, 0.0)
        score = (h2 @ W3.T + b3)[:, 0]
        margin = 1.0 - y * score
        params = (W1, b1, W2, b2, W3, b3)
        loss = np.maximum(margin, 0.0).mean() + spec.alpha * sum((p * p).sum() for p in params)
        dscore = np.where(margin > 0.0, -y / n, 0.0)[:, None]  # relu'(0) = 0
        dW3, db3 = dscore.T @ h2, dscore.sum(0)
        da2 = (dscore @ W3) * (a2 > 0.0)
        dW2, db2 = da2.T @ h1, da2.sum(0)
        da1 = (da2 @ W2) * (a1 > 0.0)
        dW1, db1 = da1.T @ X, da1.sum(0)
        grads = (dW1, db1, dW2, db2, dW3, db3)
        return loss, [g + 2.0 * spec.alpha * p for g, p in zip(grads, params)]

    for k in range(spec.steps):
        _, grads = loss_and_grads()
        for p, g in zip((W1, b1, W2, b2, W3, b3), grads):
            p -= moons_lr(k) * g
    return Outcome(float(loss_and_grads()[0]), graphs=spec.steps)


def chain(spec: Chain) -> Outcome:
    """Plain floats with a tape of the x's, as reverse mode needs them for d/dc."""
    c, d = spec.c, spec.d
    xs = [spec.x0]
    for _ in range(spec.length):
        xs.append(xs[-1] * c + d)
    grad_x, grad_c, grad_d = 1.0, 0.0, 0.0
    for x in reversed(xs[:-1]):
        grad_c += x * grad_x
        grad_d += grad_x
        grad_x *= c
    return Outcome(grad_x)


def count_nodes(root: object) -> int | None:
    """No graph: nothing to count."""
    return None


RUNS = {NAME: {"mazur": mazur, "moons": moons, "chain": chain}}
