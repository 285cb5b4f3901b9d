"""The linear op: w0·x0 + w1·x1 + … + b as one node, a neuron's `net` as the textbook writes it.

One row of the op table, whose text depends on the neuron's width: clearer to draw than a
chain of `*` and `+` nodes, and far cheaper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from . import errors, rows
from .ops import Op
from .replay import apply_op
from .value import Value

__all__ = ["LINEAR", "linear"]


class LinearOp(Op):
    """Inputs (w0..wk-1, x0..xk-1, b); d/dwi = xi, d/dxi = wi, d/db = 1. Its code is made per
    width, and a wide neuron's is a loop: Python's compiler recurses once per `+` of a sum.
    """

    arity = -1  # type: ignore[assignment]

    @cached_property
    def run(self) -> Callable:
        return lambda *args: self.kernel(len(args))(*args)

    def kernel(self, arity=None, array=False) -> Callable:
        return _linear_loop if arity > 201 else super().kernel(arity, array)

    def run_safely(self, values: Sequence[float], n: float | None = None) -> tuple:
        return self.run(*values)  # sums and products never raise: an overflow is an inf here

    def source(self, arity: int | None = None) -> str:
        args = rows.arg_names(self, arity)
        params, local = ", ".join(args), ", ".join(rows.local_texts(self, args, "out"))
        return f"lambda {params}: ((out := {rows.forward_text(self, args)}), ({local}))"


def _linear_loop(*args) -> tuple:
    k = (len(args) - 1) // 2
    out = args[0] * args[k]
    for i in range(1, k):
        out = out + args[i] * args[k + i]  # the same sum as the compiled code, term by term
    return out + args[-1], (*args[k:2 * k], *args[:k], 1.0)


LINEAR = LinearOp("linear", "Σ w·x + b", "", (), ("w₀·x₀ + w₁·x₁ + … + b",))


def linear(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value) -> Value:
    """w0·x0 + w1·x1 + … + b as one node (a neuron's `net`); inputs are (w…, x…, b)."""
    if len(weights) != len(inputs):
        raise ValueError(errors.said("linear count", "linear: {weights} weights but {inputs} "
                                     "inputs", weights=len(weights), inputs=len(inputs)))
    return apply_op(LINEAR, (*weights, *inputs, bias))
