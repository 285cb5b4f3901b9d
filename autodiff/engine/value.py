"""`Value`: one node of a recorded computation graph, with its forward value and gradient.

Each operator below is one short method naming its entry in the op table (`ops.py`), where the
forward formula and the local derivatives sit side by side. A node stores its inputs as a tuple
and its local derivatives as numbers (computed with the forward value, so `backward()` is
plain multiply-and-add), never a closure: a graph has no reference cycles and is freed as soon
as its root goes out of scope.

Scalars stay Python floats on a fast path; a node may instead hold a NumPy array with one value
per sample (batch mode), and then the same ops run on whole arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import ops
from .ops import Op

__all__ = ["Value", "linear", "apply_op"]

_new = object.__new__
_grad_enabled = [True]  # a one-element list so `no_grad` can flip it without `global`


def _set_grad_enabled(enabled: bool) -> bool:
    previous = _grad_enabled[0]
    _grad_enabled[0] = enabled
    return previous


class Value:
    """A scalar (or, in batch mode, one value per sample) that remembers how it was computed."""

    __slots__ = ("data", "grad", "label", "inputs", "_op", "_local", "_n", "_g")

    def __init__(self, data: float | np.ndarray, label: str = "") -> None:
        self.data = _check_data(data)
        self.grad = 0.0 if type(self.data) is float else np.zeros_like(self.data)
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label
        self.inputs: tuple[Value, ...] = ()
        self._op: Op | None = None
        self._local: tuple = ()
        self._n: float | None = None
        self._g = 0.0  # scratch for backward(); 0.0 whenever no backward pass is running

    # --- what a reader asks of a node ---------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def local_grads(self) -> tuple:
        """d self / d input for each input, as recorded in the forward pass."""
        return self._local

    @property
    def exponent(self) -> float | None:
        """The constant exponent of an `x ** n` node (None for every other node)."""
        return self._n

    @property
    def shape(self) -> tuple[int, ...]:
        """() for a scalar; the array's shape in batch mode."""
        return () if type(self.data) is float else self.data.shape

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        made = f", op={self.op!r}" if self._op is not None else ""
        return f"Value(data={_short(self.data)}, grad={_short(self.grad)}{name}{made})"

    def __float__(self) -> float:
        if type(self.data) is not float:
            raise TypeError("float() of a batch-mode Value: reduce it with sum() or mean() first")
        return self.data

    # --- arithmetic: each line names its op; the op table holds the math ----------------------

    def __add__(self, other: Value | float) -> Value:
        return _binary(ops.ADD, _ADD, self, other if type(other) is Value else _lift(other))

    def __radd__(self, other: float) -> Value:
        return _binary(ops.ADD, _ADD, _lift(other), self)

    def __sub__(self, other: Value | float) -> Value:
        return _binary(ops.SUB, _SUB, self, other if type(other) is Value else _lift(other))

    def __rsub__(self, other: float) -> Value:
        return _binary(ops.SUB, _SUB, _lift(other), self)

    def __mul__(self, other: Value | float) -> Value:
        return _binary(ops.MUL, _MUL, self, other if type(other) is Value else _lift(other))

    def __rmul__(self, other: float) -> Value:
        return _binary(ops.MUL, _MUL, _lift(other), self)

    def __truediv__(self, other: Value | float) -> Value:
        return _binary(ops.DIV, _DIV, self, other if type(other) is Value else _lift(other))

    def __rtruediv__(self, other: float) -> Value:
        return _binary(ops.DIV, _DIV, _lift(other), self)

    def __pow__(self, other: Value | float) -> Value:
        if type(other) is Value:
            return _binary(ops.POW_VALUE, _POW_VALUE, self, other)
        return _unary(ops.POW, _POW, self, _exponent(other))

    def __rpow__(self, other: float) -> Value:
        return _binary(ops.POW_VALUE, _POW_VALUE, _lift(other), self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, _NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ops.ABS, _ABS, self)

    def exp(self) -> Value:
        """e ** self."""
        return _unary(ops.EXP, _EXP, self)

    def log(self) -> Value:
        """Natural logarithm; the input must be > 0."""
        return _unary(ops.LOG, _LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, stable for any finite input."""
        return _unary(ops.TANH, _TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), stable for any finite input."""
        return _unary(ops.SIGMOID, _SIGMOID, self)

    def relu(self) -> Value:
        """max(0, self), with relu'(0) = 0."""
        return _unary(ops.RELU, _RELU, self)

    def sqrt(self) -> Value:
        """Square root; the input must be >= 0."""
        return _unary(ops.SQRT, _SQRT, self)

    def abs(self) -> Value:
        """|self|, with abs'(0) = 0."""
        return _unary(ops.ABS, _ABS, self)

    def sum(self) -> Value:
        """The sum over the batch, a scalar node (the node itself's value for a scalar)."""
        return _unary(ops.SUM, _SUM, self)

    def mean(self) -> Value:
        """The mean over the batch, a scalar node."""
        return _unary(ops.MEAN, _MEAN, self)

    # --- the backward pass -------------------------------------------------------------------

    def backward(self) -> None:
        """Add d(self)/d(node) to the `grad` of every node in self's graph, once each."""
        from .backward import backward

        backward(self)


# The compiled float kernels, looked up once so each op costs one call.
_ADD = ops.ADD.kernel(2, False)
_SUB = ops.SUB.kernel(2, False)
_MUL = ops.MUL.kernel(2, False)
_DIV = ops.DIV.kernel(2, False)
_POW_VALUE = ops.POW_VALUE.kernel(2, False)
_POW = ops.POW.kernel(1, False)
_NEG = ops.NEG.kernel(1, False)
_EXP = ops.EXP.kernel(1, False)
_LOG = ops.LOG.kernel(1, False)
_TANH = ops.TANH.kernel(1, False)
_SIGMOID = ops.SIGMOID.kernel(1, False)
_RELU = ops.RELU.kernel(1, False)
_SQRT = ops.SQRT.kernel(1, False)
_ABS = ops.ABS.kernel(1, False)
_SUM = ops.SUM.kernel(1, False)
_MEAN = ops.MEAN.kernel(1, False)


def linear(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value) -> Value:
    """w0·x0 + w1·x1 + … + b as one node (a neuron's `net`); inputs are (w…, x…, b)."""
    k = len(weights)
    if k != len(inputs):
        raise ValueError(f"linear: {k} weights but {len(inputs)} inputs")
    nodes = tuple([v if type(v) is Value else _lift(v) for v in (*weights, *inputs, bias)])
    values = [v.data for v in nodes]
    # Batch mode shows in the inputs x (one array per feature); weights are scalars.
    if type(values[k]) is float and type(values[-1]) is float:
        kernel = _LINEAR_KERNELS.get(len(nodes))
        if kernel is None:
            kernel = _LINEAR_KERNELS[len(nodes)] = ops.LINEAR.kernel(len(nodes), False)
        out, local = kernel(*values)
        if type(out) is float:
            if out - out != 0.0:  # inf or nan: the sum overflowed
                raise _error(ops.LINEAR, nodes, None)
            return _node(ops.LINEAR, nodes, out, local)
    return _array_result(ops.LINEAR, nodes, None)


_LINEAR_KERNELS: dict[int, object] = {}  # one compiled kernel per neuron width


def apply_op(op: Op, inputs: Sequence[Value], n: float | None = None) -> Value:
    """The node `op` makes from `inputs` (and its constant `n`), as the operators make it.

    For tools that hold an op table entry rather than an operator, e.g. the compiler when it
    rebuilds a graph: the same checks, kernels and errors as `a * b` or `a.exp()`.
    """
    inputs = tuple(v if type(v) is Value else _lift(v) for v in inputs)
    if op is ops.LINEAR:
        k = (len(inputs) - 1) // 2
        return linear(inputs[:k], inputs[k : 2 * k], inputs[-1])
    if len(inputs) != op.arity:
        raise ValueError(f"{op.name} takes {op.arity} inputs, got {len(inputs)}")
    kernel = op.kernel(op.arity, False)
    if op.arity == 2:
        return _binary(op, kernel, *inputs)
    return _unary(op, kernel, inputs[0], _exponent(n) if op.param else None)


# --- making nodes ------------------------------------------------------------------------------


def _node(op: Op, inputs: tuple, out, local, n: float | None = None) -> Value:
    node = _new(Value)
    node.data = out
    node.grad = 0.0 if type(out) is float else np.zeros_like(out)
    node.label = ""
    node._op = op
    node._n = n
    node._g = 0.0
    if _grad_enabled[0]:
        node.inputs = inputs
        node._local = local
    else:
        node.inputs = ()
        node._local = ()
    return node


def _binary(op: Op, kernel, a: Value, b: Value) -> Value:
    x = a.data
    y = b.data
    if type(x) is float and type(y) is float:
        try:
            out, local = kernel(x, y)
        except (ArithmeticError, ValueError):
            out, local = _rescue(op, (a, b), None)
        if out - out != 0.0:  # inf or nan from finite inputs
            out, local = _rescue(op, (a, b), None)
        # _node(), written out: this is the hottest line of the engine.
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._op = op
        node._n = None
        node._g = 0.0
        if _grad_enabled[0]:
            node.inputs = (a, b)
            node._local = local
        else:
            node.inputs = node._local = ()
        return node
    return _array_result(op, (a, b), None)


def _unary(op: Op, kernel, a: Value, n: float | None = None) -> Value:
    x = a.data
    if type(x) is float:
        try:
            out, local = kernel(x) if n is None else kernel(x, n)
        except (ArithmeticError, ValueError, TypeError):
            out, local = _rescue(op, (a,), n)
        if out - out != 0.0:
            out, local = _rescue(op, (a,), n)
        return _node(op, (a,), out, local, n)
    return _array_result(op, (a,), n)


def _array_result(op: Op, inputs: tuple, n: float | None) -> Value:
    """The batch-mode path: the same op text, run on NumPy arrays, checked for non-finite values."""
    values = [v.data for v in inputs]
    args = values if n is None else [*values, n]
    for v in inputs:
        # `data` is a plain attribute (optimizers assign to it): check what was put there.
        if not isinstance(v.data, (float, np.ndarray, np.floating)):
            raise TypeError(
                f"{op.name}: {_describe_kind(v)} holds data of type {type(v.data).__name__}; "
                "a Value's data must be a float or a NumPy float array"
            )
    with np.errstate(all="ignore"):
        try:
            out, local = op.kernel(len(inputs), True)(*args)
        except ValueError:  # NumPy: shapes that do not broadcast
            shapes = ", ".join(f"{_describe_kind(v)} of shape {np.shape(v.data)}" for v in inputs)
            raise ValueError(
                f"{op.name}: batch shapes do not match ({shapes}); every batch array must "
                "have one value per sample, the same number of samples"
            ) from None
        if not np.all(np.isfinite(out)):
            raise _error(op, inputs, n)
        # Only ops with a restricted domain (/, log, sqrt, **) can have an infinite derivative.
        if op.domain and not all(np.all(np.isfinite(d)) for d in local):
            if not op.in_domain(values, n):
                raise _error(op, inputs, n)
            local = _undefined_locals(op, inputs, n)
    if isinstance(out, np.ndarray):
        out = out.astype(float, copy=False)
    else:
        out = float(out)  # a reduction (sum, mean) leaves batch mode
    return _node(op, inputs, out, local, n)


def _rescue(op: Op, inputs: tuple, n: float | None) -> tuple:
    """After a float kernel failed: raise the right error, or keep the value without a derivative.

    sqrt(0) is 0, but its derivative is infinite: the forward value stands, and the backward
    pass raises only if a gradient has to flow through that node.
    """
    values = [v.data for v in inputs]
    if not op.in_domain(values, n):
        raise _error(op, inputs, n)
    try:
        out = op.forward_kernel(len(inputs), False)(*values, *([] if n is None else [n]))
    except (ArithmeticError, ValueError, TypeError):
        raise _error(op, inputs, n) from None
    if not isinstance(out, float) or out - out != 0.0:
        raise _error(op, inputs, n)
    return out, _undefined_locals(op, inputs, n)


def _error(op: Op, inputs: tuple, n: float | None) -> Exception:
    """The exception for an op whose forward value fails, naming the op and the nodes."""
    values = [v.data for v in inputs]
    where = ", ".join(_describe(v) for v in inputs)
    exponent = f" with exponent {n!r}" if n is not None else ""
    for v in inputs:
        if not np.all(np.isfinite(v.data)):
            return ValueError(
                f"{op.name}: {_describe_kind(v)} holds a value that is not finite "
                f"({_short(v.data)}); was its data set directly?"
            )
    if not op.in_domain(values, n):
        message = f"{op.name}: {op.domain_message}; got {where}{exponent}"
        return op.domain_error(message)
    # Inside the domain, a non-finite result from finite inputs can only be an overflow.
    return OverflowError(
        f"{op.name}: the result is not finite (it overflows the float range) for "
        f"{where}{exponent}; scale the inputs down"
    )


class _UndefinedDerivative:
    """Stands in for a local derivative that is infinite; using it in backward() raises."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __mul__(self, other):
        raise ValueError(self.message)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "undefined"


def _undefined_locals(op: Op, inputs: tuple, n: float | None) -> tuple:
    where = ", ".join(_describe(v) for v in inputs)
    message = (
        f"{op.name}: the derivative is not finite at {where}; "
        "the gradient cannot flow through this node"
    )
    return tuple(_UndefinedDerivative(message) for _ in inputs)


def _describe(v: Value) -> str:
    value = _short(v.data)
    return f"node {v.label!r} = {value}" if v.label else f"an unlabeled node of value {value}"


def _describe_kind(v: Value) -> str:
    return f"node {v.label!r}" if v.label else "an unlabeled node"


def _short(x) -> str:
    if type(x) is float:
        return repr(x)
    x = np.asarray(x)
    if x.size <= 6:
        return np.array2string(x, precision=6, separator=", ")
    return f"array(shape={x.shape}, mean={x.mean():.6g}, min={x.min():.6g}, max={x.max():.6g})"


# --- checking what users hand us -----------------------------------------------------------------


def _lift(x) -> Value:
    """A constant operand as a leaf node (a number, or an array in batch mode)."""
    if type(x) is float and x - x == 0.0:  # the common case, without Value()'s checks
        node = _new(Value)
        node.data = x
        node.grad = 0.0
        node.label = ""
        node.inputs = node._local = ()
        node._op = node._n = None
        node._g = 0.0
        return node
    return Value(x)


def _exponent(n) -> float:
    if isinstance(n, bool) or not isinstance(n, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"**: the exponent must be a number or a Value, got {type(n).__name__}"
        )
    n = float(n)
    if not math.isfinite(n):
        raise ValueError(f"**: the exponent must be finite, got {n!r}")
    return n


def _check_data(data) -> float | np.ndarray:
    kind = type(data)
    if kind is float:
        value = data
    elif kind is int or isinstance(data, (np.floating, np.integer)) and not isinstance(data, bool):
        value = float(data)
    elif isinstance(data, np.ndarray):
        if data.dtype.kind not in "fiu":
            raise TypeError(
                f"Value data must be a float array in batch mode, got an array of {data.dtype}"
            )
        if data.ndim == 0:
            value = float(data)
        else:
            array = np.array(data, dtype=float)  # a copy: the graph must not change under us
            if not np.all(np.isfinite(array)):
                raise ValueError("Value data must be finite; the array holds nan or inf")
            return array
    else:
        raise TypeError(
            f"Value data must be an int, a float, a NumPy scalar or a NumPy float array, "
            f"got {kind.__name__}"
        )
    if value - value != 0.0:
        raise ValueError(f"Value data must be finite, got {value!r}")
    return value
