"""`Value`: one node of a recorded computation graph, with its forward value and gradient.

Each operator names its row of the op table (`ops.py`), where the forward value and the local
derivatives sit side by side; `_make` is the one place a node is made. A node keeps its inputs
as a tuple and its local derivatives as numbers, never a closure: a graph has no reference
cycles and is freed as soon as its root goes out of scope. `backward()` is in `backward.py`.

Scalars are Python floats; in batch mode a node holds a NumPy array, one value per sample, and
the same rows run on whole arrays.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from . import errors, ops
from .backward import backward
from .ops import Op

__all__ = ["Value", "linear", "apply_op", "no_grad", "set_grad_enabled"]


class Value:
    """A scalar (or, in batch mode, one value per sample) that remembers how it was computed."""

    __slots__ = ("data", "grad", "label", "inputs", "local_grads", "op_entry", "exponent", "_g")

    def __init__(self, data: float | np.ndarray, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = _as_data(data, "Value data")
        self.grad = 0.0 if type(self.data) is float else np.zeros_like(self.data)
        self.label = label
        self.inputs: tuple[Value, ...] = ()    # the nodes it was computed from
        self.local_grads: tuple = ()           # d self / d each input, from the forward pass
        self.op_entry: Op | None = None        # its row of the op table (None for a leaf)
        self.exponent: float | None = None     # the constant n of x ** n
        self._g = None                         # backward()'s scratch, None at rest

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return self.op_entry.name if self.op_entry is not None else ""

    @property
    def shape(self) -> tuple[int, ...]:
        """() for a scalar; the array's shape in batch mode."""
        return np.shape(self.data)

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        made = f", op={self.op!r}" if self.op_entry is not None else ""
        return f"Value(data={errors.show(self.data)}, grad={errors.show(self.grad)}{name}{made})"

    def __float__(self) -> float:
        if type(self.data) is not float:
            raise TypeError("float() of a batch-mode Value: reduce it with sum() or mean() first")
        return self.data

    # --- each operator names its op; the op table holds the math ---------------------------
    def __add__(self, other):      return _make(ops.ADD, (self, _lift(other, "+")))  # noqa: E704
    def __radd__(self, other):     return _make(ops.ADD, (_lift(other, "+"), self))  # noqa: E704
    def __sub__(self, other):      return _make(ops.SUB, (self, _lift(other, "-")))  # noqa: E704
    def __rsub__(self, other):     return _make(ops.SUB, (_lift(other, "-"), self))  # noqa: E704
    def __mul__(self, other):      return _make(ops.MUL, (self, _lift(other, "*")))  # noqa: E704
    def __rmul__(self, other):     return _make(ops.MUL, (_lift(other, "*"), self))  # noqa: E704
    def __truediv__(self, other):  return _make(ops.DIV, (self, _lift(other, "/")))  # noqa: E704
    def __rtruediv__(self, other): return _make(ops.DIV, (_lift(other, "/"), self))  # noqa: E704
    def __rpow__(self, other):     return _make(ops.POW_VALUE, (_lift(other, "**"), self))  # noqa: E704,E501
    def __neg__(self):             return _make(ops.NEG, (self,))  # noqa: E704
    def __pos__(self):             return self  # noqa: E704
    def __abs__(self):             return _make(ops.ABS, (self,))  # noqa: E704

    def __pow__(self, other: Value | float) -> Value:
        """x ** 2 (a constant exponent) or x ** y (a Value exponent, x > 0)."""
        if type(other) is Value:
            return _make(ops.POW_VALUE, (self, other))
        return _make(ops.POW, (self,), _exponent(other))

    def exp(self) -> Value:     return _make(ops.EXP, (self,))      # noqa: E704
    def log(self) -> Value:     return _make(ops.LOG, (self,))      # noqa: E704
    def tanh(self) -> Value:    return _make(ops.TANH, (self,))     # noqa: E704
    def sigmoid(self) -> Value: return _make(ops.SIGMOID, (self,))  # noqa: E704
    def relu(self) -> Value:    return _make(ops.RELU, (self,))     # noqa: E704
    def sqrt(self) -> Value:    return _make(ops.SQRT, (self,))     # noqa: E704
    def abs(self) -> Value:     return _make(ops.ABS, (self,))      # noqa: E704
    def sum(self) -> Value:     return _make(ops.SUM, (self,))      # noqa: E704
    def mean(self) -> Value:    return _make(ops.MEAN, (self,))     # noqa: E704

    def backward(self) -> None:
        """Add d(self)/d(node) to the `grad` of every node in self's graph, once each."""
        backward(self)


def linear(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value) -> Value:
    """w0·x0 + w1·x1 + … + b as one node (a neuron's `net`); inputs are (w…, x…, b)."""
    if len(weights) != len(inputs):
        raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
    return _make(ops.LINEAR, tuple(_lift(v, "linear") for v in (*weights, *inputs, bias)))


def apply_op(op: Op, inputs: Sequence, n: float | None = None) -> Value:
    """The node `op` makes from `inputs` (and its constant `n`), exactly as the operators do."""
    if op.arity >= 0 and len(inputs) != op.arity:
        raise ValueError(f"{op.name} takes {op.arity} inputs, got {len(inputs)}")
    return _make(op, tuple(_lift(v, op.name) for v in inputs), _exponent(n) if op.param else None)


# --- the one place a node is made --------------------------------------------------------------

class _GradMode(threading.local):
    enabled = True  # per thread: no_grad() in one thread leaves the others recording


_mode = _GradMode()


def _make(op: Op, inputs: tuple, n: float | None = None) -> Value:
    # The inputs' data, unrolled for one and two inputs (the common cases, and the hot path).
    count = len(inputs)
    if count == 2:
        values = (inputs[0].data, inputs[1].data)
        floats = type(values[0]) is float and type(values[1]) is float
    else:
        values = (inputs[0].data,) if n is None else (inputs[0].data, n)
        if count > 1:
            values = tuple([v.data for v in inputs])
        floats = all(type(x) is float for x in values) if count > 1 else type(values[0]) is float
    try:
        if not floats:
            raise TypeError  # batch mode (or an int set by hand): NumPy, with every check
        out, local = op.run(*values)  # the row's `source()`, compiled for floats
        if out - out != 0.0:
            raise ArithmeticError  # inf or nan from finite inputs
    except (ArithmeticError, ValueError, TypeError):
        out, local = _make_checked(op, inputs, n)
    node = object.__new__(Value)  # every slot set here: the hot path skips __init__'s checks
    node.data = out
    node.grad = 0.0 if type(out) is float else np.zeros_like(out)
    node.label = ""
    node.op_entry = op
    node.exponent = n
    node._g = None
    if _mode.enabled:
        node.inputs = inputs
        node.local_grads = local
    else:
        node.inputs = node.local_grads = ()
    return node


def _make_checked(op: Op, inputs: tuple, n: float | None) -> tuple:
    """Batch mode, or a float kernel that failed: the row on NumPy, then what went wrong."""
    for v in inputs:
        # `data` is a plain attribute (optimizers assign to it): check what was put there.
        if type(v.data) is not float and not isinstance(v.data, np.ndarray):
            if not errors.is_number(v.data):
                raise TypeError(f"{op.name}: {errors.describe(v, False)} holds data of type "
                                f"{type(v.data).__name__}; a Value's data must be a float "
                                "or a NumPy float array")
            v.data = _as_data(v.data, "data")  # an int put there by hand is a number all the same
    values = [v.data for v in inputs] + ([] if n is None else [n])
    with np.errstate(all="ignore"):
        try:
            out, local = op.kernel(len(inputs), array=True)(*values)
        except ValueError:  # shapes that do not broadcast
            raise errors.batch_shapes(op, inputs) from None
        except ArithmeticError:  # a Python float division by zero inside the row
            raise errors.op_failed(op, inputs, n) from None
    if not np.all(np.isfinite(out)):
        raise errors.op_failed(op, inputs, n)
    if not all(np.all(np.isfinite(d)) for d in local):
        if not op.in_domain(values[:len(inputs)], n):
            raise errors.op_failed(op, inputs, n)
        local = errors.undefined_locals(op, inputs)  # sqrt(0) = 0, but its slope is infinite
    elif type(values[0]) is float and not isinstance(out, np.ndarray):
        local = tuple(float(d) for d in local)
    return (out.astype(float, copy=False) if isinstance(out, np.ndarray) else float(out)), local


# --- what users hand us -------------------------------------------------------------------------

def _lift(x, op: str) -> Value:
    """An operand as a node: a Value as it is, a number or an array as a constant leaf."""
    if type(x) is Value:
        return x
    node = object.__new__(Value)
    node.data = x if type(x) is float and x - x == 0.0 else _as_data(x, f"{op}: the operand")
    node.grad = 0.0 if type(node.data) is float else np.zeros_like(node.data)
    node.label, node.inputs, node.local_grads, node.op_entry, node.exponent = "", (), (), None, None
    node._g = None
    return node


def _as_data(data, where: str) -> float | np.ndarray:
    if type(data) is float and data - data == 0.0:  # the common case first: a finite float
        return data
    if errors.is_number(data):
        try:
            value = float(data)
        except OverflowError:
            raise errors.bad_data(where, data) from None
    elif isinstance(data, np.ndarray) and data.dtype.kind in "fiu":
        if data.ndim == 0:
            return _as_data(data.item(), where)
        value = np.array(data, dtype=float)  # a copy: the graph must not change under us
    else:
        raise errors.bad_data(where, data)
    if not (value - value == 0.0 if type(value) is float else np.isfinite(value).all()):
        raise ValueError(f"{where} must be finite, got {errors.show(value)}")
    return value


def _exponent(n) -> float:
    if isinstance(n, Value) or not errors.is_number(n):
        raise TypeError(f"**: the exponent must be a number or a Value, got {type(n).__name__}")
    return _as_data(n, "**: the exponent")


def set_grad_enabled(enabled: bool) -> bool:
    """Record inputs (True) or not, in this thread; returns the previous setting."""
    previous, _mode.enabled = _mode.enabled, bool(enabled)
    return previous


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block (in this thread), results record no inputs: nothing to differentiate."""
    previous = set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)
