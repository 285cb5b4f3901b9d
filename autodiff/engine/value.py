"""`Value`: one node of a recorded graph. Each operator names its op table row; `_make`, the
one place a node is made, runs the row: a node keeps its inputs and its local derivatives as
numbers, never a closure (no reference cycles). In batch mode a node holds one value per sample.
"""

from __future__ import annotations

import threading

from . import errors, ops
from .backward import backward
from .numpy_on_demand import is_array, np


class Value:
    """A scalar (or, in batch mode, one value per sample) that remembers how it was computed."""

    __slots__ = ("data", "grad", "label", "inputs", "local_grads", "op_entry", "exponent")

    def __init__(self, data: float | np.ndarray, label: str = "") -> None:
        if not isinstance(label, str):
            raise errors.error("label", kind=type(label).__name__)
        if type(data) is not float or data - data != 0.0:  # a finite float needs no checks
            data = _as_data(data, errors.said("value data", "Value data"))
        self.data = data
        self.grad = 0.0 if type(data) is float else np.zeros_like(data)
        self.label = label
        self.inputs: tuple[Value, ...] = ()    # the nodes it was computed from
        self.local_grads: tuple = ()           # d self / d each input, from the forward pass
        self.op_entry: ops.Op | None = None    # its row of the op table (None for a leaf)
        self.exponent: float | None = None     # the constant n of x ** n

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return self.op_entry.name if self.op_entry is not None else ""

    def __repr__(self) -> str:
        more = f", label={self.label!r}" * bool(self.label) + f", op={self.op!r}" * bool(self.op)
        return f"Value(data={errors.show(self.data)}, grad={errors.show(self.grad)}{more})"

    def __float__(self) -> float:
        if type(self.data) is not float:
            raise errors.error("float batch")
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

    def backward(self, gradient: float | np.ndarray | None = None) -> None:
        """Add d(self)/d(node) to the `grad` of every node in self's graph, once each; with
        `gradient` (d L/d self: a number, or an array of self's shape), add d L/d node."""
        if gradient is not None:  # checked as data is (a copy, finite), then its shape
            node, shape = errors.describe(self, False), getattr(self.data, "shape", ())
            gradient = _as_data(gradient, errors.said("upstream", "backward(gradient): {node} has "
                                "shape {shape}; its upstream gradient", node=node, shape=shape))
            got = getattr(gradient, "shape", ())
            if got != shape:
                raise errors.error("upstream shape", node=node, shape=shape, got=got)
        backward(self, gradient=gradient)


# --- the one place a node is made --------------------------------------------------------------
class _GradMode(threading.local):
    enabled = True  # per thread: no_grad() (mode.py) in one thread leaves the others recording


_mode = _GradMode()
threads_not_recording = 0  # kept by mode.py: while it is 0, _make need not ask its own thread


def _make(op: ops.Op, inputs: tuple, n: float | None = None) -> Value:
    out = None
    try:  # the hot path, floats in: no check but a finite result (one or two: no list built)
        if len(inputs) == 2:
            a, b = inputs[0].data, inputs[1].data
            if type(a) is float and type(b) is float:
                out, local = op.run(a, b)
        elif len(inputs) == 1:
            if type(a := inputs[0].data) is float:
                out, local = op.run(a) if n is None else op.run(a, n)
        elif all(type(v.data) is float for v in inputs):  # linear: a neuron's many inputs
            out, local = op.run(*[v.data for v in inputs])
    except (ArithmeticError, ValueError, TypeError):
        out = None  # the checked path below says why
    if out is None or out - out != 0.0:  # batch mode, an int set by hand, inf or nan
        out, local = _make_checked(op, inputs, n)
    node = object.__new__(Value)  # every slot set here: the hot path skips __init__'s checks
    node.data, node.grad, node.label, node.op_entry, node.exponent = (
        out, 0.0 if type(out) is float else np.zeros(out.shape), "", op, n)
    node.inputs, node.local_grads = (inputs, local) if not threads_not_recording or (
        _mode.enabled) else ((), ())
    return node


def _make_checked(op: ops.Op, inputs: tuple, n: float | None) -> tuple:
    """The row run with every value checked, and a clear error where something is wrong."""
    for v in inputs:  # `data` is a plain attribute (optimizers set it): an int set by hand
        if type(v.data) is not float and not is_array(v.data):
            v.data = _as_data(v.data, errors.said(
                "held data", "{op}: {node} holds data of type {kind}, but a Value's data",
                op=op.name, kind=type(v.data).__name__, node=errors.describe(v, False)))
    values = tuple(v.data for v in inputs)
    if all(type(x) is float for x in values):  # a float kernel raised, or gave inf or nan
        out, local = op.run_safely(values, n)
    else:
        with np.errstate(all="ignore"):
            try:
                kernel = op.kernel(len(inputs), array=True)
                out, local = kernel(*values) if n is None else kernel(*values, n)
            except ValueError:  # shapes that do not broadcast
                shapes = ", ".join(errors.said("of shape", "{node} of shape {shape}",
                                               node=errors.describe(v, False),
                                               shape=np.shape(v.data)) for v in inputs)
                raise errors.error("shapes", op=op.name, shapes=shapes) from None
            except ArithmeticError:  # a Python float division by zero inside the row
                raise errors.op_failed(op, inputs, n) from None
    if not errors.finite(out):
        raise errors.op_failed(op, inputs, n)
    own = {id(x) for x in values}  # an input's own data (the locals of * and linear): finite
    if not all(type(d) is float and d - d == 0.0 or id(d) in own or errors.finite(d)
               for d in local):
        if not op.in_domain(values, n):
            raise errors.op_failed(op, inputs, n)
        local = (errors.UndefinedDerivative(op, inputs),) * len(inputs)  # sqrt's slope at 0
    return (out.astype(float, copy=False) if is_array(out) else float(out)), local


# --- what users hand us -------------------------------------------------------------------------
def _lift(x, op: str) -> Value:
    """An operand as a node: a Value as it is, a number or an array as a constant leaf."""
    if type(x) is Value:
        return x
    if type(x) is int and -1e300 < x < 1e300:  # an int constant (1 / (1 + e)): a float at once
        x = float(x)
    try:
        return Value(x)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{op}{errors.said('operand', ': the other operand: ')}{error}") from None


def _as_data(data, where: str) -> float | np.ndarray:
    if type(data) is float and data - data == 0.0:  # the common case first: a finite float
        return data
    if errors.is_number(data):
        try:
            value = float(data)
        except OverflowError:  # an int beyond the float range
            raise errors.error("data too big", where=where, digits=len(str(abs(data)))) from None
    elif is_array(data) and data.dtype.kind in "fiu":
        if data.ndim == 0:
            return _as_data(data.item(), where)
        value = np.array(data, dtype=float)  # a copy: the graph must not change under us
    else:
        kind = errors.said("array of", "an array of {dtype}", dtype=data.dtype) if is_array(
            data) else type(data).__name__
        raise errors.error("data type", where=where, kind=kind)
    if not errors.finite(value):
        raise errors.error("data infinite", where=where, value=errors.show(value))
    return value


def _exponent(n) -> float:
    if type(n) is int and -1e300 < n < 1e300:  # x ** 2, the common case
        return float(n)
    if isinstance(n, Value) or not errors.is_number(n):
        raise errors.error("exponent", kind=type(n).__name__)
    return _as_data(n, errors.said("exponent of", "**: the exponent"))
