"""The op table: one row per op, side by side its forward value and the local derivative of
its output with respect to each input, as code over the inputs `a`, `b` (the constant `n` of
`x ** n`, and the output `out`); `reads` is the same row as a textbook prints it. The code runs
on floats, on arrays (batch mode) and on `Value`s (gradients of gradients, higher.py); drawing,
tracing and the compiler read the rows too. `print(MUL.source())`: what the engine runs for *.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

from .numpy_on_demand import np


@dataclass(frozen=True, eq=False)  # eq=False: an op is hashed by identity, cheaply
class Op:
    """One operation: its name, its drawn symbol, its forward value and local derivatives."""

    name: str                    # Value.op
    symbol: str                  # what a drawn op node shows
    forward: str                 # the forward value: code over a, b, n
    local: tuple[str, ...]       # d out / d a, d out / d b: code over a, b, n, out
    reads: tuple[str, ...] = ()  # the forward value and each local derivative, as printed
    domain: str = ""             # code that must hold for the inputs (every sample)
    domain_message: str = ""     # what to say where it does not
    domain_error: type[Exception] = ValueError
    param: bool = False          # the op carries the constant n (x ** 2)

    @property
    def arity(self) -> int:
        """How many inputs the op takes (-1: any number, the linear op)."""
        return len(self.local)

    @cached_property
    def run(self) -> Callable:
        """The float kernel: `run(*inputs[, n]) -> (out, local derivatives)`."""
        return self.kernel()

    def source(self, arity: int | None = None) -> str:
        """The function the engine runs: inputs in, (out, local derivatives) out."""
        params = ", ".join(["a", "b"][: self.arity] + ["n"] * self.param)
        local = ", ".join(self.local) + ("," if self.arity == 1 else "")
        return f"lambda {params}: ((out := {self.forward}), ({local}))"

    @cache  # noqa: B019 (compiled once per op, width and mode: the ops live as long as the program)
    def kernel(self, arity: int | None = None, array: bool = False) -> Callable:
        """`source()` compiled on floats, or on arrays (batch mode)."""
        namespace = ARRAY_NAMESPACE if array else SCALAR_NAMESPACE
        return eval(compile(self.source(arity), self.name, "eval"), dict(namespace))  # our text

    def run_safely(self, values: Sequence[float], n: float | None = None) -> tuple:
        """The float row where its kernel raised: nan for a value that fails, inf for a slope."""
        names, out = dict(zip("ab", values), n=n), math.nan  # each text compiled once (`_code`)
        try:
            out = eval(_code(self.forward), dict(SCALAR_NAMESPACE), names)
            return out, eval(_code(f"({', '.join(self.local)},)"), dict(SCALAR_NAMESPACE),
                             {**names, "out": out})
        except (ArithmeticError, ValueError):
            return out, (math.inf,) * len(values)

    def in_domain(self, values: Sequence, n: float | None = None) -> bool:
        """Whether the inputs satisfy the op's domain (every sample, in batch mode)."""
        names = dict(zip("ab", values), n=n)
        if not self.domain or all(type(x) is float for x in values):  # no NumPy for floats
            return not self.domain or bool(eval(_code(self.domain), {"np": np}, names))
        with np.errstate(all="ignore"):  # the condition compiled once (`_code`), not per call
            return bool(np.all(eval(_code(self.domain), {"np": np}, names)))


# --- the table: forward value and local derivatives side by side; then as a textbook reads them
#              name       symbol  forward              d out / d a                 d out / d b            reads as: forward, d/da, d/db
ADD       = Op("+",       "+",    "a + b",             ("1.0",                     "1.0"),                ("a + b", "1", "1"))
SUB       = Op("-",       "−",    "a - b",             ("1.0",                     "-1.0"),               ("a − b", "1", "−1"))
MUL       = Op("*",       "×",    "a * b",             ("b",                       "a"),                  ("a × b", "b", "a"))
DIV       = Op("/",       "÷",    "a / b",             ("1.0 / b",                 "-out / b"),           ("a ÷ b", "1 ÷ b", "−out ÷ b"), "b != 0", "division by zero", ZeroDivisionError)
POW_VALUE = Op("**",      "**",   "power(a, b)",       ("b * power(a, b - 1.0)",   "out * log(a)"),       ("a^b", "b·a^(b−1)", "out·ln a"), "a > 0", "x ** y with a Value exponent needs x > 0 (d/dy = x**y · log x)")
POW       = Op("**",      "**",   "power(a, n)",       ("n * power(a, n - 1.0) if n else 0.0",),          ("a^n", "n·a^n1"), "(a > 0) | ((a == 0) & (n >= 0)) | ((a < 0) & (round(n) == n))", "a ** n needs a > 0, or a whole exponent for a negative base, or n >= 0 for a zero base", param=True)
NEG       = Op("neg",     "−",    "-a",                ("-1.0",),                                         ("−a", "−1"))
EXP       = Op("exp",     "exp",  "exp(a)",            ("out",),                                          ("e^a", "out"), domain_error=OverflowError)
LOG       = Op("log",     "log",  "log(a)",            ("1.0 / a",),                                      ("ln a", "1 ÷ a"), "a > 0", "log needs an input > 0")
TANH      = Op("tanh",    "tanh", "tanh(a)",           ("1.0 - out * out",),                              ("tanh(a)", "1 − out^2"))
SIGMOID   = Op("sigmoid", "σ",    "sigmoid(a)",        ("out * (1.0 - out)",),                            ("σ(a)", "out·(1 − out)"))
RELU      = Op("relu",    "ReLU", "relu(a)",           ("step(a)",),                                      ("max(0, a)", "1 if a > 0 else 0"))
SQRT      = Op("sqrt",    "√",    "sqrt(a)",           ("0.5 / out",),                                    ("√a", "1 ÷ (2·out)"), "a >= 0", "sqrt needs an input >= 0")
ABS       = Op("abs",     "|·|",  "fabs(a)",           ("sign(a)",),                                      ("|a|", "sign(a)"))
SUM       = Op("sum",     "Σ",    "total(a)",          ("ones(a)",),                                      ("Σᵢ aᵢ", "1"))  # ones(a): a gradient has its node's shape
MEAN      = Op("mean",    "mean", "total(a) / size(a)", ("ones(a) / size(a)",),                           ("(1/N) Σᵢ aᵢ", "1/N"), "np.size(a) > 0", "the mean of an empty batch is undefined")

OPS: tuple[Op, ...] = (ADD, SUB, MUL, DIV, NEG, POW, POW_VALUE, EXP, LOG, TANH, SIGMOID,
                       RELU, SQRT, ABS, SUM, MEAN)  # and linear.LINEAR, a neuron's net


# --- the helpers the rows call, on floats and on arrays (NumPy loaded at the first array op) -----
def _sigmoid_array(x):
    e = np.exp(-np.abs(x))  # exp of a non-positive number only: no overflow
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


#              on floats                                     on arrays (batch mode)
_HELPERS = {
    "exp":     (math.exp,                                      lambda x: np.exp(x)),
    "log":     (math.log,                                      lambda x: np.log(x)),
    "tanh":    (math.tanh,                                     lambda x: np.tanh(x)),
    "sqrt":    (math.sqrt,                                     lambda x: np.sqrt(x)),
    "fabs":    (abs,                                           lambda x: np.abs(x)),
    "sigmoid": (lambda x: 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x)), _sigmoid_array),  # no overflow
    "relu":    (lambda x: x if x > 0.0 else 0.0,               lambda x: np.maximum(x, 0.0)),
    "step":    (lambda x: 1.0 if x > 0.0 else 0.0,             lambda x: (x > 0.0) * 1.0),
    "sign":    (lambda x: (x > 0.0) - (x < 0.0) + 0.0,         lambda x: np.sign(x)),
    "power":   (math.pow,                                      lambda x, n: np.power(x, n)),  # math.pow raises where ** would give a complex number
    "total":   (lambda x: x,                                   lambda x: float(np.sum(x))),
    "size":    (lambda x: 1,                                   lambda x: np.size(x)),
    "ones":    (lambda x: 1.0,                                 lambda x: np.ones_like(x)),
}
SCALAR_NAMESPACE: dict[str, object] = {name: f for name, (f, _) in _HELPERS.items()}
ARRAY_NAMESPACE: dict[str, object] = {name: g for name, (_, g) in _HELPERS.items()}
_code = cache(lambda text: compile(text, "<domain>", "eval"))  # our own text

