"""This project's engine, used through its public API: `autodiff.Value` and `nn`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import same_code
from workloads import Chain, Mazur, Moons, Outcome, moons_lr

from autodiff import Value, gc_paused, topological_order
from nn import MLP, SGD, examples, losses

NAME = "ours"


def mazur(spec: Mazur) -> Outcome:
    """nn.examples.mazur(): its own loss graph, SGD on the Values labeled w1..w8."""
    ex = examples.mazur()
    weights = [p for p in ex.model.parameters() if p.label.startswith("w")]
    if len(weights) != 8:
        raise RuntimeError(f"examples.mazur() has {len(weights)} weights labeled w*, expected 8")
    opt = SGD(weights, lr=spec.lr)
    for _ in range(spec.steps):
        E = ex.loss()
        opt.zero_grad()
        E.backward()
        opt.step()
    return Outcome(ex.loss().data, E, spec.steps)


def moons_model(spec: Moons) -> MLP:
    """The moons MLP with the workload's starting weights."""
    model = MLP(2, [16, 16, 1], activation="relu", out_activation="linear")
    for layer, (W, b) in zip(model.layers, spec.weights):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for wi, v in zip(neuron.w, row):
                wi.data = float(v)
            neuron.b.data = float(bias)
    return model


def scalar_loss(model: MLP, spec: Moons) -> Callable[[], Value]:
    """The loss in scalar mode, like micrograd's demo: one list of numbers per sample."""
    X, y = spec.X.tolist(), spec.y.tolist()

    def loss() -> Value:
        data_loss = sum(losses.hinge(model(x), yi) for x, yi in zip(X, y)) / len(y)
        return data_loss + spec.alpha * losses.l2(model.parameters())

    return loss


def batch_loss(model: MLP, spec: Moons) -> Callable[[], Value]:
    """The loss in batch mode: one NumPy array per input feature, one graph for all samples."""
    X, y = spec.X, spec.y

    def loss() -> Value:
        data_loss = losses.hinge(model([X[:, 0], X[:, 1]]), y)  # averaged over the batch
        return data_loss + spec.alpha * losses.l2(model.parameters())

    return loss


def _train(
    model: MLP,
    loss: Callable[[], Value],
    steps: int,
    each_step: Callable[[], AbstractContextManager] = contextlib.nullcontext,
) -> Value:
    for k in range(steps):
        with each_step():  # forward, backward and update: one training step
            total = loss()
            model.zero_grad()
            total.backward()
            for p in model.parameters():
                p.data -= moons_lr(k) * p.grad
    return total


def moons_scalar(spec: Moons) -> Outcome:
    """Scalar mode, like micrograd's demo: one list of numbers per sample."""
    model = moons_model(spec)
    loss = scalar_loss(model, spec)
    last = _train(model, loss, spec.steps)
    return Outcome(loss().data, last, spec.steps)


def moons_gc_paused(spec: Moons) -> Outcome:
    """Scalar mode with the collector paused for each training step, as the project advises."""
    model = moons_model(spec)
    loss = scalar_loss(model, spec)
    last = _train(model, loss, spec.steps, each_step=gc_paused)
    return Outcome(loss().data, last, spec.steps)


def moons_batch(spec: Moons) -> Outcome:
    """Batch mode: one NumPy array per input feature, so one graph serves all samples."""
    model = moons_model(spec)
    loss = batch_loss(model, spec)
    last = _train(model, loss, spec.steps)
    return Outcome(float(loss().data), last, spec.steps)


def chain(spec: Chain) -> Outcome:
    """x * c + d repeated; backward is iterative, so the depth does not matter."""
    return same_code.chain(spec, Value)


def count_nodes(root: Value) -> int:
    """Nodes in our graph, by the engine's own walk."""
    return len(topological_order(root))


def mazur_same(spec: Mazur) -> Outcome:
    """The shared 2-2-2 code (benchmarks/same_code.py) on this engine's Value."""
    return same_code.mazur(spec, Value, Value.exp)


def moons_same(spec: Moons) -> Outcome:
    """The shared moons code (benchmarks/same_code.py) on this engine's Value."""
    return same_code.moons(spec, Value)


RUNS = {
    NAME: {"mazur": mazur, "moons": moons_scalar, "chain": chain},
    "ours-same": {"mazur": mazur_same, "moons": moons_same},
    "ours+gc_paused": {"moons": moons_gc_paused},
    "ours-batch": {"moons": moons_batch},
}
