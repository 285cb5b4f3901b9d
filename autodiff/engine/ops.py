"""The op table: one row per operation, the single source of truth for every tool.

A row holds, side by side, the op's forward value and the local derivative of its output with
respect to each input, as Python expressions over the inputs `a`, `b` (the constant exponent
`n`, and `out`, the forward value). The same text runs in three namespaces (`NAMESPACES`):

    float   math on Python floats            what the engine runs on the fast path
    array   NumPy on one value per sample    batch mode
    value   `Value` ops                      gradients of gradients: derivatives as new nodes

Drawing, tracing and the graph compiler read the same rows; `reads` and `reads_local` are the
same formulas as a textbook prints them. `print(MUL.source())` shows the function the engine
runs for `a * b`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

__all__ = ["Op", "OPS", "NAMESPACES", "SCALAR_NAMESPACE", "ARRAY_NAMESPACE", "op_by_name"]


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, cheap
class Op:
    """One operation: its name, how it is drawn and read, its forward value, its derivatives."""

    name: str                      # Value.op
    symbol: str                    # what a drawn op node shows
    forward: str                   # the forward value, code over a, b, n
    local: tuple[str, ...]         # d out / d a, d out / d b: code over a, b, n, out
    reads: str = ""                # the forward formula as a reader sees it
    reads_local: tuple[str, ...] = ()  # the local derivatives as a reader sees them
    domain: str = ""               # code that must hold for the inputs (all samples)
    domain_error: type[Exception] = ValueError
    domain_message: str = ""
    param: bool = False            # True: the op carries the constant n (x ** 2)
    _kernels: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def arity(self) -> int:
        """How many inputs the op takes (-1: any number, the linear op)."""
        return len(self.local)

    @cached_property
    def run(self) -> Callable:
        """The float kernel: `run(*inputs[, n]) -> (out, local derivatives)`."""
        return self.kernel()

    def source(self, arity: int | None = None, forward: bool = True) -> str:
        """The function the engine runs for this op: inputs in, (out, local derivatives) out.

        With `forward=False`, the local derivatives alone from the inputs and `out`: what a
        backward pass that builds a graph evaluates on `Value`s.
        """
        args = self.arg_names(arity)
        params = [*args, "n"] if self.param else args
        local = ", ".join(self.local_texts(args, "out")) + ("," if len(args) == 1 else "")
        if forward:
            return f"lambda {', '.join(params)}: ((out := {self.forward_text(args)}), ({local}))"
        return f"lambda {', '.join([*params, 'out'])}: ({local})"

    def kernel(self, arity: int | None = None, array: bool = False,
               namespace: str | None = None) -> Callable:
        """`source()` compiled in a namespace ("float", "array"; "value": derivatives only)."""
        namespace = namespace or ("array" if array else "float")
        key = (namespace, arity if self.arity < 0 else None)
        fn = self._kernels.get(key)
        if fn is None:
            text = self.source(arity, forward=namespace != "value")
            code = compile(text, f"<op {self.name}>", "eval")
            fn = self._kernels[key] = eval(code, dict(NAMESPACES[namespace]))  # our own text
        return fn

    def in_domain(self, values: Sequence, n: float | None = None) -> bool:
        """Whether the inputs satisfy the op's domain (every sample, in batch mode)."""
        if not self.domain:
            return True
        names = dict(zip(self.arg_names(len(values)), values), n=n)
        with np.errstate(all="ignore"):
            return bool(np.all(eval(self.domain, {"np": np}, names)))  # our own text

    # Text with the inputs renamed, for the compiler and the explainer.
    def forward_text(self, args: Sequence[str], n: float | None = None) -> str:
        """The forward expression with the inputs named `args`."""
        return _rename(self.forward, args, n)

    def local_texts(self, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
        """d out / d input for each input, as code over `args` and `out`."""
        return [_rename(t, args, n, out) for t in self.local]

    def arg_names(self, arity: int | None = None) -> list[str]:
        """The inputs' names in the row's text: a, b."""
        return ["a", "b"][: self.arity]


class _Linear(Op):
    """w0·x0 + w1·x1 + … + b in one node, a neuron's `net` as the textbook writes it.

    Its width is the neuron's, so its text is made per width: inputs (w0..wk-1, x0..xk-1, b),
    d/dwi = xi, d/dxi = wi, d/db = 1.
    """

    @property
    def arity(self) -> int:
        return -1

    @cached_property
    def run(self) -> Callable:
        return lambda *args: self.kernel(len(args))(*args)  # one kernel per width

    def arg_names(self, arity: int | None = None) -> list[str]:
        k = (arity - 1) // 2
        return [f"w{i}" for i in range(k)] + [f"x{i}" for i in range(k)] + ["b"]

    def kernel(self, arity: int | None = None, array: bool = False,
               namespace: str | None = None) -> Callable:
        if arity > _WIDE and namespace != "value":
            return _linear_loop  # Python's compiler recurses once per `+` of a long sum
        return super().kernel(arity, array, namespace)

    def forward_text(self, args: Sequence[str], n: float | None = None) -> str:
        k = (len(args) - 1) // 2
        return " + ".join([f"{w} * {x}" for w, x in zip(args[:k], args[k:2 * k])] + [args[-1]])

    def local_texts(self, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
        k = (len(args) - 1) // 2
        return [*args[k:2 * k], *args[:k], "1.0"]


_WIDE = 2 * 100 + 1  # inputs of the widest neuron whose kernel is compiled text


def _linear_loop(*args):
    """The linear op's kernel for a wide neuron: the same sum, in the same order."""
    k = (len(args) - 1) // 2
    out = args[0] * args[k]
    for i in range(1, k):
        out = out + args[i] * args[k + i]
    out = out + args[-1]
    return out, (*args[k:2 * k], *args[:k], 1.0)


# --- the table ---------------------------------------------------------------------------------
#            name     symbol  forward               d out / d a               d out / d b
ADD = Op(    "+",     "+",    "a + b",              ("1.0",                   "1.0"),
             reads="a + b",   reads_local=("1", "1"))
SUB = Op(    "-",     "−",    "a - b",              ("1.0",                   "-1.0"),
             reads="a − b",   reads_local=("1", "−1"))
MUL = Op(    "*",     "×",    "a * b",              ("b",                     "a"),
             reads="a × b",   reads_local=("b", "a"))
DIV = Op(    "/",     "÷",    "a / b",              ("1.0 / b",               "-out / b"),
             reads="a ÷ b",   reads_local=("1 ÷ b", "−out ÷ b"),
             domain="b != 0", domain_error=ZeroDivisionError, domain_message="division by zero")
POW_VALUE = Op("**",  "**",   "power(a, b)",        ("b * power(a, b - 1.0)", "out * log(a)"),
             reads="a^b",     reads_local=("b·a^(b−1)", "out·ln a"), domain="a > 0",
             domain_message="x ** y with a Value exponent needs x > 0 (d/dy = x**y · log x)")
POW = Op(    "**",    "**",   "power(a, n)",        ("n * power(a, n - 1.0)",),
             reads="a^n",     reads_local=("n·a^n1",), param=True,
             domain="(a > 0) | ((a == 0) & (n >= 0)) | ((a < 0) & (np.floor(n) == n))",
             domain_message="a ** n needs a > 0, or a whole exponent for a negative base, "
                            "or n >= 0 for a zero base")
NEG = Op(    "neg",   "−",    "-a",                 ("-1.0",),
             reads="−a",      reads_local=("−1",))
EXP = Op(    "exp",   "exp",  "exp(a)",             ("out",),
             reads="e^a",     reads_local=("out",), domain_error=OverflowError)
LOG = Op(    "log",   "log",  "log(a)",             ("1.0 / a",),
             reads="ln a",    reads_local=("1 ÷ a",),
             domain="a > 0", domain_message="log needs an input > 0")
TANH = Op(   "tanh",  "tanh", "tanh(a)",            ("1.0 - out * out",),
             reads="tanh(a)", reads_local=("1 − out^2",))
SIGMOID = Op("sigmoid", "σ",  "sigmoid(a)",         ("out * (1.0 - out)",),
             reads="σ(a)",    reads_local=("out·(1 − out)",))
RELU = Op(   "relu",  "ReLU", "relu(a)",            ("step(a)",),
             reads="max(0, a)", reads_local=("1 if a > 0 else 0",))
SQRT = Op(   "sqrt",  "√",    "sqrt(a)",            ("0.5 / out",),
             reads="√a",      reads_local=("1 ÷ (2·out)",),
             domain="a >= 0", domain_message="sqrt needs an input >= 0")
ABS = Op(    "abs",   "|·|",  "fabs(a)",            ("sign(a)",),
             reads="|a|",     reads_local=("sign(a)",))
# A reduction's local derivative has the input's shape, so every array node's gradient does.
SUM = Op(    "sum",   "Σ",    "total(a)",           ("ones(a)",),
             reads="Σᵢ aᵢ",   reads_local=("1",))
MEAN = Op(   "mean",  "mean", "total(a) / size(a)", ("ones(a) / size(a)",),
             reads="(1/N) Σᵢ aᵢ", reads_local=("1/N",),
             domain="np.size(a) > 0", domain_message="the mean of an empty batch is undefined")
LINEAR = _Linear("linear", "Σ w·x + b", "", (), reads="w₀·x₀ + w₁·x₁ + … + b")

OPS: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, POW_VALUE, EXP, LOG, TANH, SIGMOID,
                       RELU, SQRT, ABS, SUM, MEAN, LINEAR)


def op_by_name(name: str, arity: int | None = None) -> Op:
    """The table entry for an op name (arity tells the two `**` apart)."""
    for op in OPS:
        if op.name == name and (arity is None or op.arity in (arity, -1)):
            return op
    raise KeyError(f"no op named {name!r} in the op table")


# --- the three namespaces the rows run in ------------------------------------------------------


def _sigmoid(x: float) -> float:
    # exp of a non-positive number only: never overflows, even for |x| near 1e308.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


SCALAR_NAMESPACE: dict[str, object] = {
    "exp": math.exp, "log": math.log, "tanh": math.tanh, "sqrt": math.sqrt,
    "sigmoid": _sigmoid, "relu": lambda x: x if x > 0.0 else 0.0,
    "step": lambda x: 1.0 if x > 0.0 else 0.0,
    "sign": lambda x: 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0),
    "fabs": abs, "power": math.pow,  # math.pow raises where ** would return a complex number
    "total": lambda x: x, "size": lambda x: 1, "ones": lambda x: 1.0,
}
ARRAY_NAMESPACE: dict[str, object] = {
    "exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt,
    "sigmoid": _sigmoid_array, "relu": lambda x: np.maximum(x, 0.0),
    "step": lambda x: (np.asarray(x) > 0.0).astype(float), "sign": np.sign,
    "fabs": np.abs, "power": np.power,
    "total": lambda x: float(np.sum(x)), "size": np.size, "ones": np.ones_like,
}
NAMESPACES: dict[str, dict[str, object]] = {"float": SCALAR_NAMESPACE, "array": ARRAY_NAMESPACE}


# --- text --------------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _rename(template: str, args: Sequence[str], n: float | None, out: str = "out") -> str:
    """The row's code with its inputs a, b, its constant n and `out` named as the caller says."""
    names = dict(zip(("a", "b"), args), out=out)
    if n is not None:
        names["n"] = repr(float(n))
    return _NAME.sub(lambda m: names.get(m.group(0), m.group(0)), template)
