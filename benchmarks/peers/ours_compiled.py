"""This project's engine, compiled: each graph recorded once, then trained as one plain function.

`autodiff.compile_graph` writes a recorded graph out as `value_and_grad(*inputs)`; a training
step is then one call of it and an update of a list of floats, with no graph built at all.
Each run pays for recording and compiling its graph once, inside the timed run, and says how
long that took (`Outcome.setup`) and how much of it was compile_graph (`Outcome.compiling`).
The loops call the raw `.function`, which does not check each answer; the benchmark checks
the final one, as for every implementation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from workloads import Mazur, Moons, Outcome, moons_lr

from autodiff import Value, compile_graph
from nn import MLP, examples

from .ours import batch_loss, count_nodes, moons_model, scalar_loss

__all__ = ["MEMORY", "RUNS", "count_nodes", "mazur", "moons_scalar", "moons_batch"]


def _compiled(root: Value, inputs: list[Value], backend: str = "python",
              vector: bool = False) -> tuple[Callable, float]:
    """The compiled function of root's graph (with `vector`, the function of one parameter
    vector, CompiledGraph.vector_function), and the seconds compile_graph took."""
    start = time.perf_counter()
    compiled = compile_graph(root, inputs, backend=backend)
    function = compiled.vector_function if vector else compiled.function
    if function is None:
        raise RuntimeError("compile_graph wrote no vector function for this graph")
    return function, time.perf_counter() - start


def mazur(spec: Mazur) -> Outcome:
    """nn.examples.mazur()'s graph compiled with w1..w8 as inputs; SGD on a list of 8 floats."""
    start = time.perf_counter()
    ex = examples.mazur()
    weights = ex.weights()
    E_total = ex.loss()
    value_and_grad, compiling = _compiled(E_total, weights)  # i1, i2, b1, b2: constants
    setup = time.perf_counter() - start
    w, lr = [p.data for p in weights], spec.lr
    for _ in range(spec.steps):
        _, grads = value_and_grad(*w)
        w = [wi - lr * g for wi, g in zip(w, grads)]
    return Outcome(value_and_grad(*w)[0], E_total, spec.steps, setup, compiling)


def _compile_moons(
    spec: Moons, loss_for: Callable[[MLP, Moons], Callable[[], Value]], backend: str
) -> tuple[Callable, list[float], Value, float]:
    # Full batch and fixed data: the samples are constants of the graph, the parameters
    # (all of them, L2 term included) its inputs.
    model = moons_model(spec)
    params = model.parameters()
    total = loss_for(model, spec)()
    value_and_grad, compiling = _compiled(total, params, backend)
    return value_and_grad, [p.data for p in params], total, compiling


def _moons(
    spec: Moons, loss_for: Callable[[MLP, Moons], Callable[[], Value]], backend: str
) -> Outcome:
    start = time.perf_counter()
    value_and_grad, values, total, compiling = _compile_moons(spec, loss_for, backend)
    setup = time.perf_counter() - start
    for k in range(spec.steps):
        _, grads = value_and_grad(*values)
        lr = moons_lr(k)
        values = [v - lr * g for v, g in zip(values, grads)]
    return Outcome(float(value_and_grad(*values)[0]), total, spec.steps, setup, compiling)


def moons_scalar(spec: Moons) -> Outcome:
    """The scalar-mode graph (one node per sample and op) compiled for numbers."""
    return _moons(spec, scalar_loss, backend="python")


def moons_batch(spec: Moons) -> Outcome:
    """The batch-mode graph (one NumPy array per input feature) compiled for NumPy; the
    parameters as one vector p, each step `p -= lr * dp` (CompiledGraph.vector_function)."""
    start = time.perf_counter()
    model = moons_model(spec)
    params = model.parameters()
    total = batch_loss(model, spec)()
    value_and_grad, compiling = _compiled(total, params, "numpy", vector=True)
    p = np.array([param.data for param in params])
    setup = time.perf_counter() - start
    for k in range(spec.steps):
        _, dp = value_and_grad(p)
        p -= moons_lr(k) * dp
    return Outcome(float(value_and_grad(p)[0]), total, spec.steps, setup, compiling)


def moons_scalar_setup(spec: Moons) -> Outcome:
    """Only record and compile the scalar-mode graph: what its memory run measures."""
    _, _, total, _ = _compile_moons(spec, scalar_loss, backend="python")
    return Outcome(float("nan"), total, spec.steps)


RUNS = {
    "ours-compiled": {"mazur": mazur, "moons": moons_scalar},
    "ours-batch-compiled": {"moons": moons_batch},
}
# The memory run of a row calls this function instead of the row's own. tracemalloc finds the
# line of every allocation by scanning the function's line table from its top, so a function
# of thousands of lines runs a thousand times slower under it (an 8,000-line function: 0.4 ms
# a call, 850 ms traced; the scalar moons function has about 4,000). That row's peak is
# therefore recording plus compiling, which is most of it anyway (the compiler's own peak);
# the table marks it.
MEMORY = {"ours-compiled": {"moons": moons_scalar_setup}}
