"""The op table: one entry per operation, the single source of truth for every tool.

Each `Op` declares, side by side, what the engine computes and what a reader sees:

    name      the value of `Value.op` ("*", "exp", ...)
    symbol    what a drawn op node shows ("×", "exp", ...)
    formula   the forward formula as text ("a × b"), for explanations
    forward   the forward value, a Python expression over the inputs a, b (and n, a constant)
    local     d out / d input for each input, expressions that may also use `out`
    domain    where the op is defined, an expression over the inputs, and what to say otherwise

The engine compiles `forward` and `local` into one small function per op (and per backend:
plain floats with `math`, or NumPy arrays); the graph compiler pastes the same text into the
code it writes; drawing and tracing read `symbol` and `formula`. No derivative is written twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Op", "OPS", "SCALAR_NAMESPACE", "ARRAY_NAMESPACE", "op_by_name"]


# --- helpers the expressions may call, one definition per backend -------------------------


def _sigmoid(x: float) -> float:
    # exp of a non-positive number only: never overflows, even for |x| near 1e308.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _pow(x: float, n: float) -> float:
    # math.pow raises where ** would quietly return a complex number, e.g. (-8) ** (1/3).
    return math.pow(x, n)


def _step(x):
    """d relu / dx, with relu'(0) = 0."""
    return 1.0 if x > 0.0 else 0.0


def _sign(x):
    """d |x| / dx, with abs'(0) = 0."""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _relu(x):
    return x if x > 0.0 else 0.0


SCALAR_NAMESPACE: dict[str, object] = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sqrt": math.sqrt,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "step": _step,
    "sign": _sign,
    "fabs": abs,
    "power": _pow,
    "total": lambda x: x,
    "size": lambda x: 1,
    "ones": lambda x: 1.0,
}

ARRAY_NAMESPACE: dict[str, object] = {
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sqrt": np.sqrt,
    "sigmoid": _sigmoid_array,
    "relu": lambda x: np.maximum(x, 0.0),
    "step": lambda x: (np.asarray(x) > 0.0).astype(float),
    "sign": np.sign,
    "fabs": np.abs,
    "power": np.power,
    "total": lambda x: float(np.sum(x)),
    "size": np.size,
    "ones": np.ones_like,
}


# --- the table -------------------------------------------------------------------------------

_ARG_NAMES = ("a", "b")


@dataclass(frozen=True)
class Op:
    """One operation: name, drawing and text, forward value and local derivatives."""

    name: str
    symbol: str
    formula: str
    forward: str
    local: tuple[str, ...]
    arity: int = 1
    param: bool = False  # True: the op carries a constant `n` (the exponent of x ** 2)
    domain: str = ""  # expression over the inputs that must hold, e.g. "a > 0"
    domain_error: type[Exception] = ValueError
    domain_message: str = ""
    _kernels: dict = field(default_factory=dict, compare=False, repr=False)

    # Text: what the compiler pastes and the explainer prints. `args` are the input names.
    def forward_text(self, args: Sequence[str], n: float | None = None) -> str:
        """The forward expression with the inputs named `args`."""
        return _substitute(self.forward, args, n)

    def local_texts(self, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
        """d out / d input for each input, as expressions over `args` and `out`."""
        return [_substitute(t, args, n, out) for t in self.local]

    def describe(self, n: float | None = None) -> str:
        """The formula for a reader, e.g. 'a ** 2'."""
        return self.formula.replace("n", _number_text(n)) if self.param else self.formula

    def draw_symbol(self, n: float | None = None) -> str:
        """What a drawn op node shows, e.g. '**2'."""
        return self.symbol + _number_text(n) if self.param else self.symbol

    def kernel(self, arity: int, array: bool) -> Callable:
        """A compiled `f(*inputs[, n]) -> (out, locals)` for floats or for NumPy arrays."""
        return self._compiled("both", arity, array)

    def forward_kernel(self, arity: int, array: bool) -> Callable:
        """A compiled `f(*inputs[, n]) -> out`, to check where the forward value alone fails."""
        return self._compiled("forward", arity, array)

    def _compiled(self, what: str, arity: int, array: bool) -> Callable:
        key = (what, arity, array)
        fn = self._kernels.get(key)
        if fn is None:
            args = self._arg_names(arity)
            params = ", ".join(list(args) + (["n"] if self.param else []))
            body = self.forward_text(args, None)
            if what == "both":
                body = f"((out := {body}), ({', '.join(self.local_texts(args, 'out', None))},))"
            namespace = ARRAY_NAMESPACE if array else SCALAR_NAMESPACE
            source = f"lambda {params}: {body}"
            fn = eval(compile(source, f"<op {self.name}>", "eval"), dict(namespace))  # our text
            self._kernels[key] = fn
        return fn

    def in_domain(self, values: Sequence, n: float | None = None) -> bool:
        """Whether the inputs satisfy the op's domain (all samples, in batch mode)."""
        if not self.domain:
            return True
        ns = dict(zip(self._arg_names(len(values)), values))
        ns["n"] = n
        with np.errstate(all="ignore"):
            return bool(np.all(eval(self.domain, {"np": np}, ns)))  # our own text

    def _arg_names(self, arity: int) -> list[str]:
        if self.arity == -1:  # variadic: the linear op, w0..wk-1, x0..xk-1, b
            k = (arity - 1) // 2
            return [f"w{i}" for i in range(k)] + [f"x{i}" for i in range(k)] + ["b"]
        return list(_ARG_NAMES[: self.arity])


def _number_text(n: float | None) -> str:
    if n is None:
        return "n"
    return str(int(n)) if float(n).is_integer() and abs(n) < 1e15 else repr(float(n))


def _substitute(template: str, args: Sequence[str], n: float | None, out: str = "out") -> str:
    """Rename the template's inputs a, b, its constant n and `out` to the caller's names."""
    names = dict(zip(_ARG_NAMES, args))
    names["out"] = out
    if n is not None:
        names["n"] = repr(float(n))
    return re.sub(r"\b[a-z_][a-z_0-9]*\b", lambda m: names.get(m.group(0), m.group(0)), template)


class _LinearOp(Op):
    """w0·x0 + w1·x1 + … + b in one node: a neuron's `net`, as the textbook writes it.

    It has as many inputs as the neuron has weights, so its text is generated: inputs are
    (w0..wk-1, x0..xk-1, b); d/dwi = xi, d/dxi = wi, d/db = 1.
    """

    def forward_text(self, args: Sequence[str], n: float | None = None) -> str:
        k = (len(args) - 1) // 2
        return " + ".join([f"{w} * {x}" for w, x in zip(args[:k], args[k : 2 * k])] + [args[-1]])

    def local_texts(self, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
        k = (len(args) - 1) // 2
        return list(args[k : 2 * k]) + list(args[:k]) + ["1.0"]


LINEAR = _LinearOp(
    name="linear",
    symbol="Σ w·x + b",
    formula="w₀·x₀ + w₁·x₁ + … + b",
    forward="",
    local=(),
    arity=-1,
)

ADD = Op("+", "+", "a + b", "a + b", ("1.0", "1.0"), arity=2)
SUB = Op("-", "−", "a − b", "a - b", ("1.0", "-1.0"), arity=2)
MUL = Op("*", "×", "a × b", "a * b", ("b", "a"), arity=2)
DIV = Op(
    "/", "÷", "a ÷ b", "a / b", ("1.0 / b", "-out / b"), arity=2,
    domain="b != 0", domain_error=ZeroDivisionError, domain_message="division by zero",
)
NEG = Op("neg", "−", "−a", "-a", ("-1.0",))
POW = Op(
    "**", "**", "a ** n", "power(a, n)", ("n * power(a, n - 1.0)",), param=True,
    domain="(a > 0) | ((a == 0) & (n >= 0)) | ((a < 0) & (np.floor(n) == n))",
    domain_message="a ** n needs a > 0, or a whole exponent for a negative base, "
    "or n >= 0 for a zero base",
)
POW_VALUE = Op(
    "**", "**", "a ** b", "power(a, b)", ("b * power(a, b - 1.0)", "out * log(a)"), arity=2,
    domain="a > 0",
    domain_message="x ** y with a Value exponent needs x > 0 (d/dy = x**y · log x)",
)
EXP = Op("exp", "exp", "eᵃ", "exp(a)", ("out",), domain_error=OverflowError)
LOG = Op(
    "log", "log", "ln a", "log(a)", ("1.0 / a",),
    domain="a > 0", domain_message="log needs an input > 0",
)
TANH = Op("tanh", "tanh", "tanh a", "tanh(a)", ("1.0 - out * out",))
SIGMOID = Op("sigmoid", "σ", "1 / (1 + e⁻ᵃ)", "sigmoid(a)", ("out * (1.0 - out)",))
RELU = Op("relu", "ReLU", "max(0, a)", "relu(a)", ("step(a)",))
SQRT = Op(
    "sqrt", "√", "√a", "sqrt(a)", ("0.5 / out",),
    domain="a >= 0", domain_message="sqrt needs an input >= 0",
)
ABS = Op("abs", "|·|", "|a|", "fabs(a)", ("sign(a)",))
# A reduction's local derivative has the input's shape, so every array node's gradient does.
SUM = Op("sum", "Σ", "Σᵢ aᵢ", "total(a)", ("ones(a)",))
MEAN = Op("mean", "mean", "(1/N) Σᵢ aᵢ", "total(a) / size(a)", ("ones(a) / size(a)",))

OPS: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, POW_VALUE, EXP, LOG, TANH, SIGMOID,
                       RELU, SQRT, ABS, SUM, MEAN, LINEAR)


def op_by_name(name: str, arity: int | None = None) -> Op:
    """The table entry for an op name (arity tells the two `**` apart)."""
    for op in OPS:
        if op.name == name and (arity is None or op.arity in (arity, -1)):
            return op
    raise KeyError(f"no op named {name!r} in the op table")
