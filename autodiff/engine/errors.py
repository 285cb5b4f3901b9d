"""What the engine says when something is wrong: which op, which node, and what to do."""

from __future__ import annotations

import numpy as np

__all__ = ["is_number", "describe", "show", "op_failed", "undefined_locals",
           "not_finite_gradient", "not_scalar", "bad_data", "batch_shapes"]


def is_number(x: object) -> bool:
    """An int, float or NumPy real scalar; never a bool (True is not a number a user means)."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_))


def show(x) -> str:
    """A node's value in a message: the float itself, a small array whole, a big one summed up."""
    if type(x) is float or np.ndim(x) == 0:
        return repr(float(x)) if is_number(x) else repr(x)
    x = np.asarray(x)
    if x.size <= 6:
        return np.array2string(x, precision=6, separator=", ")
    return f"array(shape={x.shape}, mean={x.mean():.6g}, min={x.min():.6g}, max={x.max():.6g})"


def describe(v, value: bool = True) -> str:
    """A node as messages name it: by its label, else by its value (or by its op)."""
    if v.label:
        return f"node {v.label!r}" + (f" = {show(v.data)}" if value else "")
    if value:
        return f"an unlabeled node of value {show(v.data)}"
    return f"an unlabeled {v.op} node" if v.op else "an unlabeled node"


def op_failed(op, inputs: tuple, n: float | None) -> Exception:
    """The exception for an op whose forward value fails, naming the op and the nodes."""
    where = ", ".join(describe(v) for v in inputs)
    exponent = f" with exponent {n!r}" if n is not None else ""
    for v in inputs:
        if not np.all(np.isfinite(v.data)):
            return ValueError(f"{op.name}: {describe(v, False)} holds a value that is not "
                              f"finite ({show(v.data)}); was its data set directly?")
    if not op.in_domain([v.data for v in inputs], n):
        return op.domain_error(f"{op.name}: {op.domain_message}; got {where}{exponent}")
    # Inside the domain, a non-finite result from finite inputs can only be an overflow.
    return OverflowError(f"{op.name}: the result is not finite (it overflows the float range) "
                         f"for {where}{exponent}; scale the inputs down")


class UndefinedDerivative:
    """Stands in for a local derivative that is infinite; using it in backward() raises."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __mul__(self, other):
        raise ValueError(self.message)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "undefined"


def undefined_locals(op, inputs: tuple) -> tuple:
    """sqrt(0) is 0 but its slope is infinite: the value stands, a gradient through it raises."""
    message = (f"{op.name}: the derivative is not finite at "
               f"{', '.join(describe(v) for v in inputs)}; the gradient cannot flow through it")
    return tuple(UndefinedDerivative(message) for _ in inputs)


def not_finite_gradient(node, g) -> OverflowError:
    """A gradient that overflowed on its way down the graph."""
    shown = g if type(g) is float else "in some samples"
    return OverflowError(
        f"backward: the gradient reaching {describe(node, False)} is not finite ({shown}); a "
        "local derivative or a product of them overflowed the float range (dividing by a "
        "number near zero does this). No grad was changed; rescale the computation.")


def not_scalar(who: str, shape: tuple) -> ValueError:
    """A batch-mode node where one number is needed."""
    return ValueError(f"{who} needs a scalar, but this node holds an array of shape {shape} "
                      "(batch mode); reduce it first with .sum() or .mean()")


def bad_data(where: str, data) -> Exception:
    """Data that is not a number: what was given, and what a Value holds."""
    kind = type(data).__name__
    if isinstance(data, np.ndarray):
        return TypeError(f"{where} must be a float array in batch mode, got an array of "
                         f"{data.dtype}")
    if isinstance(data, int) and not isinstance(data, bool):
        return ValueError(f"{where} must be finite, but the int of {len(str(abs(data)))} digits "
                          "is beyond the float range (about 1.8e308)")
    return TypeError(f"{where} must be an int, a float, a NumPy scalar or a NumPy float array, "
                     f"got {kind}")


def batch_shapes(op, inputs: tuple) -> ValueError:
    """Batch arrays that do not broadcast together."""
    shapes = ", ".join(f"{describe(v, False)} of shape {np.shape(v.data)}" for v in inputs)
    return ValueError(f"{op.name}: batch shapes do not match ({shapes}); every batch array must "
                      "have one value per sample, the same number of samples")
