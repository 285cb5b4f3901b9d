"""Exercises: the learner writes a derivative (or a backward pass) as a Python function; `grade`
checks it against the engine and against finite differences, and names the first wrong number.

`EXERCISES` holds a small set drawn from the seed posts: sigmoid' and tanh' (checked at points,
and edge by edge through a graph that uses the op), a sigmoid neuron's backward, the gradient
of softmax cross-entropy with respect to the logits, of the L2 term 0.5·reg·ΣW², a naive
convolution's backward and one Adam step. `EXERCISES[name].prompt` says what to write;
`grade(name, function)` returns an `ExerciseReport`. Where the answer matches a known wrong
formula (x·(1 − x) for σ', the softmax without its −1, 2·reg·W, ...) the report says which.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autodiff import Value, grad, linear, numerical_grad, trace
from autodiff.engine.numpy_on_demand import np
from autodiff.engine.ops import SIGMOID, TANH, Op
from autodiff.language import say

from . import losses
from .conv import Conv2d
from .examples import mazur
from .modules import MLP
from .optim import Adam

__all__ = ["Exercise", "ExerciseReport", "Check", "EXERCISES", "grade"]


@dataclass
class Check:
    """One number: where it is, the learner's, the engine's and (for a derivative) the
    finite-difference estimate."""

    where: str
    given: float
    expected: float
    numeric: float | None = None
    right: bool = True
    edge: bool = False  # an edge of a graph through the op (not a point, not a weight)

    def text(self) -> str:
        """`where: expected E, given G` (and the finite differences where there are some)."""
        numeric = "" if self.numeric is None else say("exercise.numeric", numeric=self.numeric)
        return say("exercise.check", where=self.where, expected=self.expected, numeric=numeric,
                   given=self.given)


@dataclass
class ExerciseReport:
    """The verdict on one exercise: every number checked, the first wrong one, the slip."""

    name: str
    formula: str
    checks: list[Check] = field(default_factory=list)
    slip: str | None = None   # a known wrong formula the answers match
    error: str | None = None  # the function raised, or returned the wrong shape

    @property
    def ok(self) -> bool:
        """True when the function ran and every number is right."""
        return self.error is None and all(c.right for c in self.checks)

    @property
    def first_wrong(self) -> Check | None:
        """The first wrong number (points first, then the graph's edges), or None."""
        return next((c for c in self.checks if not c.right), None)

    @property
    def first_wrong_edge(self) -> Check | None:
        """The first wrong edge of the graph (op exercises), or None."""
        return next((c for c in self.checks if not c.right and c.edge), None)

    def __str__(self) -> str:
        expected = say("exercise.expected", formula=self.formula)
        if self.error:
            return f"{self.name}: {self.error}\n{expected}"
        if self.ok:
            return say("exercise.all_right", name=self.name, count=len(self.checks),
                       formula=self.formula)
        wrong = sum(not c.right for c in self.checks)
        lines = [say("exercise.some_wrong", name=self.name, wrong=wrong,
                     count=len(self.checks)), f"  {self.first_wrong.text()}"]
        edge = self.first_wrong_edge
        if edge is not None and edge is not self.first_wrong:
            lines += [say("exercise.first_wrong_edge"), f"  {edge.text()}"]
        lines.append(expected)
        if self.slip:
            lines.append(say("exercise.slip", slip=self.slip))
        return "\n".join(lines)


@dataclass(frozen=True)
class Exercise:
    """What to write, the formula expected, and how the engine answers each case.

    Its words (`prompt`, a formula that holds words, the known wrong formulas' sentences) are
    in the language tables under `exercise.{name}.…`, said in the language set when read."""

    name: str
    cases: Callable[[], list[tuple]]            # the arguments of each call
    parts: tuple[str, ...]                      # the names of the answer's parts
    engine: Callable[..., tuple]                # the engine's answer, part by part
    numeric: Callable[..., tuple] | None = None  # finite differences, part by part
    wrong: dict[str, Callable[..., Any]] = field(default_factory=dict)  # by their table key
    graph: Callable[[Callable], list[Check]] | None = None  # edges of a graph using the op
    math: str = ""  # the formula, where it holds no words (the same in every language)

    @property
    def prompt(self) -> str:
        """What to write, in the language set now."""
        return say(f"exercise.{self.name}.prompt")

    @property
    def formula(self) -> str:
        """The formula expected, in the language set now."""
        return self.math or say(f"exercise.{self.name}.formula")

    @property
    def slips(self) -> dict[str, Callable[..., Any]]:
        """The known wrong formulas, each by the sentence that names it (language set now)."""
        return {say(f"exercise.{self.name}.slip.{key}"): f for key, f in self.wrong.items()}


def grade(name: str, function: Callable, rtol: float = 1e-5, atol: float = 1e-7) -> ExerciseReport:
    """Check the learner's `function` for exercise `name`; see `EXERCISES[name].prompt`."""
    if name not in EXERCISES:
        raise KeyError(say("exercise.unknown", name=name, names=", ".join(EXERCISES)))
    exercise = EXERCISES[name]
    report = ExerciseReport(name, exercise.formula)
    answers = []
    for number, args in enumerate(exercise.cases(), start=1):
        given = _call(function, args, exercise, report)
        if given is None:
            return report
        answers.append((args, given))
        expected = exercise.engine(*args)
        numeric = exercise.numeric(*args) if exercise.numeric else (None,) * len(expected)
        label = (f"x = {args[0]:g}" if isinstance(args[0], float)
                 else say("exercise.case", number=number))
        for part, g, e, n in zip(exercise.parts, given, expected, numeric):
            if np.shape(g) != np.shape(e):
                report.error = say("exercise.wrong_shape", part=part or say("exercise.answer"),
                                   given=np.shape(g), label=label, expected=np.shape(e))
                return report
            report.checks += _entries(part, label, g, e, n, rtol, atol)
    if exercise.graph:
        try:
            report.checks += exercise.graph(function)
        except Exception as error:  # the learner's code: any error is reported, not raised
            report.error = say("exercise.raised_in_graph", kind=type(error).__name__,
                               error=error)
    if not report.ok:
        report.slip = _slip(exercise, answers, rtol, atol)
    return report


def _call(function: Callable, args: tuple, exercise: Exercise, report: ExerciseReport):
    """The learner's answer as a tuple of float arrays, one per part; None (and an error
    in the report) where the function raised or returned something else."""
    try:
        with np.errstate(all="ignore"):  # a nan or inf answer is reported as wrong
            answer = function(*_copies(args))
    except Exception as error:  # the learner's code: any error is reported, not raised
        report.error = say("exercise.raised", kind=type(error).__name__, error=error)
        return None
    return _unpack(answer, exercise, report)


def _unpack(answer: Any, exercise: Exercise, report: ExerciseReport):
    parts = exercise.parts
    if exercise.name == "adam" and isinstance(answer, tuple) and len(answer) == 2:
        x, config = answer  # (next_x, config) as the seed returns them
        if not isinstance(config, dict) or not {"m", "v", "t"} <= set(config):
            report.error = say("exercise.adam_returns")
            return None
        answer = (x, config["m"], config["v"], config["t"])
    items = answer if len(parts) > 1 else (answer,)
    if len(parts) > 1 and (not isinstance(answer, (tuple, list)) or len(answer) != len(parts)):
        report.error = say("exercise.returns", count=len(parts), parts=", ".join(parts))
        return None
    try:
        return tuple(np.asarray(item, dtype=float) for item in items)
    except (TypeError, ValueError) as error:
        report.error = say("exercise.not_numbers", error=error)
        return None


def _copies(args: tuple) -> tuple:
    """Fresh copies, so a function that changes its inputs in place spoils no later check."""
    return copy.deepcopy(args)


def _entries(part, label, given, expected, numeric, rtol, atol) -> list[Check]:
    given, expected = np.atleast_1d(given), np.atleast_1d(expected)
    numeric = None if numeric is None else np.atleast_1d(numeric)
    checks = []
    scalar = expected.size == 1 and not part
    for index in np.ndindex(expected.shape):
        where = label if scalar else f"{part}[{', '.join(map(str, index))}] ({label})"
        e, g = float(expected[index]), float(given[index])
        checks.append(Check(where, g, e, None if numeric is None else float(numeric[index]),
                            bool(np.isclose(g, e, rtol=rtol, atol=atol))))
    return checks


def _slip(exercise: Exercise, answers: list, rtol: float, atol: float) -> str | None:
    """The known wrong formula that gives every one of the learner's answers, if any."""
    scratch = ExerciseReport(exercise.name, exercise.formula)  # for _unpack's complaints
    for text, wrong in exercise.slips.items():
        try:
            with np.errstate(all="ignore"):  # a wrong formula may divide by zero: no match
                matches = all(_same(given, _unpack(wrong(*_copies(args)), exercise, scratch))
                              for args, given in answers)
            if matches:
                return text
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
    return None


def _same(given: tuple, wrong: tuple | None) -> bool:
    return wrong is not None and all(
        np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-5, atol=1e-7, equal_nan=True)
        for g, w in zip(given, wrong))


# --- an op's local derivative: at points, then edge by edge through a graph ---------------------
POINTS = (-4.0, -1.5, -0.3, 0.0, 0.8, 2.5)


def _op_local(op: Op) -> Callable[[float], tuple]:
    """The engine's local derivative from the op table (the row's `run`)."""
    return lambda x: (op.run(x)[1][0],)


def _op_numeric(method: str) -> Callable[[float], tuple]:
    return lambda x: (numerical_grad(lambda v: getattr(v, method)(), [x])[0],)


def _edges(root: Value, op: str, function: Callable, params: list[Value]) -> list[Check]:
    """Each edge through `op` in root's graph: the learner's local against the engine's; then
    each weight's gradient as the chain rule makes it with the learner's locals."""
    record = trace(root)
    checks, grads = [], {record.root: 1.0}
    for step in record.backward:
        upstream = grads.get(step.node, 0.0)
        for edge in step.edges:
            local = edge.local
            if step.node.op == op:
                given = float(function(float(edge.input.data)))
                checks.append(Check(say("exercise.edge", node=step.node.label,
                                        input=edge.input.label), given, float(local),
                                    right=_close(given, local), edge=True))
                local = given
            grads[edge.input] = grads.get(edge.input, 0.0) + local * upstream
    for node in params:
        given, expected = grads.get(node, 0.0), node.grad
        checks.append(Check(say("exercise.with_your_derivative", root=root.label,
                                node=node.label), given, expected,
                            right=_close(given, expected)))
    return checks


def _close(given: float, expected: float) -> bool:
    return math.isclose(given, expected, rel_tol=1e-5, abs_tol=1e-9)


def _sigmoid_graph(function: Callable) -> list[Check]:
    example = mazur()  # the textbook's 2-2-2 network: weights w1..w8, b1, b2
    return _edges(example.loss(), "sigmoid", function, example.model.parameters())


def _tanh_graph(function: Callable) -> list[Check]:
    model = MLP(2, [3, 1], activation="tanh", seed=7)  # parameters h1.w1, ..., o1.b
    loss = losses.half_sse(model([0.5, -1.2]), 0.3)
    loss.label = "E"
    return _edges(loss, "tanh", function, model.parameters())


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- a sigmoid neuron's backward ----------------------------------------------------------------
def _neuron_cases() -> list[tuple]:
    rng = np.random.default_rng(11)
    return [(rng.normal(size=k), rng.normal(size=k), float(rng.normal()), float(up))
            for k, up in ((2, 1.0), (3, -0.7), (4, 2.5))]


def _neuron_engine(x, w, b, upstream) -> tuple:
    xs = [Value(float(v)) for v in x]
    ws = [Value(float(v)) for v in w]
    bias = Value(b)
    out = linear(ws, xs, bias).sigmoid()
    g = grad(out, [*xs, *ws, bias])
    k = len(xs)
    return (upstream * np.array(g[:k]), upstream * np.array(g[k:2 * k]), upstream * g[-1])


def _neuron_numeric(x, w, b, upstream) -> tuple:
    k = len(x)
    g = numerical_grad(lambda *v: upstream * linear(v[k:2 * k], v[:k], v[-1]).sigmoid(),
                       [*x, *w, b])
    return np.array(g[:k]), np.array(g[k:2 * k]), g[-1]


def _neuron_slip(slope: Callable, swap: bool = False) -> Callable:
    def backward(x, w, b, upstream):
        net = float(np.dot(w, x) + b)
        d = upstream * slope(net)
        return (d * x, d * w, d) if swap else (d * w, d * x, d)
    return backward


# --- softmax cross-entropy (seed 000: summed over the samples) and L2 (seed 002) -----------------
def _softmax_cases() -> list[tuple]:
    rng = np.random.default_rng(3)
    return [(rng.normal(size=(n, c)) * 2, rng.integers(0, c, size=n)) for n, c in ((1, 3),
                                                                                  (4, 2), (3, 4))]


def _softmax_loss(z: np.ndarray, y: np.ndarray) -> Callable:
    n, c = z.shape

    def loss(*v):
        total = Value(0.0)
        for i in range(n):
            total = total + losses.softmax_cross_entropy(list(v[i * c:(i + 1) * c]), int(y[i]))
        return total
    return loss


def _softmax_engine(z, y) -> tuple:
    values = [Value(float(v)) for v in z.ravel()]
    return (np.array(grad(_softmax_loss(z, y)(*values), values)).reshape(z.shape),)


def _softmax_numeric(z, y) -> tuple:
    return (np.array(numerical_grad(_softmax_loss(z, y), z.ravel())).reshape(z.shape),)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _onehot(z, y):
    return np.eye(z.shape[1])[y]


def _l2_cases() -> list[tuple]:
    rng = np.random.default_rng(5)
    return [(rng.normal(size=(2, 3)), 0.1), (rng.normal(size=(4, 2)), 0.5)]


def _l2_engine(W, reg) -> tuple:
    values = [Value(float(v)) for v in W.ravel()]
    return (np.array(grad(0.5 * reg * losses.l2(values), values)).reshape(W.shape),)


def _l2_numeric(W, reg) -> tuple:
    g = numerical_grad(lambda *v: 0.5 * reg * losses.l2(v), W.ravel())
    return (np.array(g).reshape(W.shape),)


# --- a naive convolution's backward (seed 002's layout: x (N, C, H, W), w (F, C, HH, WW)) -------
def _conv_cases() -> list[tuple]:
    rng = np.random.default_rng(2)
    cases = []
    for n, c, h, f, k, stride, pad in ((1, 1, 4, 1, 2, 1, 0), (2, 2, 4, 2, 3, 1, 1),
                                       (1, 2, 5, 2, 3, 2, 1)):
        x, w, b = rng.normal(size=(n, c, h, h)), rng.normal(size=(f, c, k, k)), rng.normal(size=f)
        out = (h + 2 * pad - k) // stride + 1
        dout = rng.normal(size=(n, f, out, out))
        cases.append((dout, x, w, b, {"stride": stride, "pad": pad}))
    return cases


def _conv_total(dout, x_shape, w_shape, conv_param) -> Callable:
    """Σ dout · conv(x; w, b) as a function of the entries of x, w and b, in that order: its
    gradient is the convolution's backward pass for the upstream gradient dout."""
    n, c = x_shape[:2]
    f, _, kh, kw = w_shape
    nx, nw = int(np.prod(x_shape)), int(np.prod(w_shape))
    upstream = [float(d) for d in dout.ravel()]

    def total(*v):
        x = np.array(v[:nx], dtype=object).reshape(x_shape)
        conv = Conv2d(c, f, (kh, kw), conv_param["stride"], conv_param["pad"])
        conv.w = np.array(v[nx:nx + nw], dtype=object).reshape(w_shape).tolist()
        conv.b = list(v[nx + nw:])
        outs = [node for sample in x for plane in conv(sample.tolist())
                for row in plane for node in row]
        return linear(outs, upstream, Value(0.0))
    return total


def _conv_split(g: Sequence[float], x, w) -> tuple:
    g = np.array(g)
    return g[:x.size].reshape(x.shape), g[x.size:x.size + w.size].reshape(w.shape), \
        g[x.size + w.size:]


def _conv_engine(dout, x, w, b, conv_param) -> tuple:
    values = [Value(float(p)) for p in (*x.ravel(), *w.ravel(), *b.ravel())]
    total = _conv_total(dout, x.shape, w.shape, conv_param)(*values)
    return _conv_split(grad(total, values), x, w)


def _conv_numeric(dout, x, w, b, conv_param) -> tuple:
    total = _conv_total(dout, x.shape, w.shape, conv_param)
    return _conv_split(numerical_grad(total, [*x.ravel(), *w.ravel(), *b.ravel()]), x, w)


# --- one Adam step (seed 002's form: next_x, config = adam(x, dx, config)) ----------------------
def _adam_cases() -> list[tuple]:
    """Three steps in a row, each from the state the engine's Adam reached before it."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=4)
    config = {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
              "m": np.zeros(4), "v": np.zeros(4), "t": 0}
    cases = []
    for _ in range(3):
        # The last entry's gradients are tiny, so that √v̂ is near ε and ε's place shows.
        dx = rng.normal(size=4) * np.array([1.0, 1.0, 1.0, 1e-4])
        cases.append((x.copy(), dx, {k: np.copy(v) for k, v in config.items()}))
        x, m, v, t = _adam_engine(x, dx, config)
        config = {**config, "m": m, "v": v, "t": int(t)}
    return cases


def _adam_engine(x, dx, config) -> tuple:
    params = [Value(float(v)) for v in x]
    adam = Adam(params, lr=float(config["learning_rate"]),
                betas=(float(config["beta1"]), float(config["beta2"])),
                eps=float(config["epsilon"]))
    adam.t, adam.m, adam.v = int(config["t"]), list(config["m"]), list(config["v"])
    for p, g in zip(params, dx):
        p.grad = float(g)
    adam.step()
    return np.array([p.data for p in params]), np.array(adam.m), np.array(adam.v), float(adam.t)


def _adam_slip(correct: bool = True, eps_inside: bool = False, t_late: bool = False):
    def step(x, dx, config):
        beta1, beta2, lr = config["beta1"], config["beta2"], config["learning_rate"]
        t = config["t"] + 1
        m = beta1 * config["m"] + (1 - beta1) * dx
        v = beta2 * config["v"] + (1 - beta2) * dx**2
        tc = t - 1 if t_late else t
        m_hat = m / (1 - beta1**tc) if correct else m
        v_hat = v / (1 - beta2**tc) if correct else v
        root = np.sqrt(v_hat + config["epsilon"]) if eps_inside else \
            np.sqrt(v_hat) + config["epsilon"]
        return x - lr * m_hat / root, {**config, "m": m, "v": v, "t": t}
    return step


# --- the set ------------------------------------------------------------------------------------
def _points() -> list[tuple]:
    return [(x,) for x in POINTS]


EXERCISES: dict[str, Exercise] = {e.name: e for e in (
    Exercise("sigmoid", _points, ("",), _op_local(SIGMOID), _op_numeric("sigmoid"), {
        "input": lambda x: x * (1 - x),
        "itself": _sig,
        "factor": lambda x: 1 - _sig(x),
    }, _sigmoid_graph, math="σ'(x) = σ(x)·(1 − σ(x))"),
    Exercise("tanh", _points, ("",), _op_local(TANH), _op_numeric("tanh"), {
        "input": lambda x: 1 - x * x,
        "square": lambda x: 1 - np.tanh(x),
        "sign": lambda x: np.tanh(x) ** 2 - 1,
    }, _tanh_graph, math="tanh'(x) = 1 − tanh(x)²"),
    Exercise("neuron", _neuron_cases, ("dx", "dw", "db"), _neuron_engine, _neuron_numeric, {
        "missing": _neuron_slip(lambda net: 1.0),
        "from net": _neuron_slip(lambda net: net * (1 - net)),
        "swapped": _neuron_slip(lambda net: _sig(net) * (1 - _sig(net)), swap=True),
    }, math="σ'(net) = out·(1 − out), net = w·x + b; dx = upstream·σ'(net)·w, "
            "dw = upstream·σ'(net)·x, db = upstream·σ'(net)"),
    Exercise("softmax_ce", _softmax_cases, ("dz",), _softmax_engine, _softmax_numeric, {
        "alone": lambda z, y: _softmax(z),
        "divided": lambda z, y: (_softmax(z) - _onehot(z, y)) / z.shape[0],
        "sign": lambda z, y: _onehot(z, y) - _softmax(z),
    }),
    Exercise("l2", _l2_cases, ("dW",), _l2_engine, _l2_numeric, {
        "doubled": lambda W, reg: 2 * reg * W,
        "alone": lambda W, reg: reg * np.ones_like(W),
        "half": lambda W, reg: 0.5 * reg * W,
    }),
    Exercise("conv_backward", _conv_cases, ("dx", "dw", "db"), _conv_engine, _conv_numeric),
    Exercise("adam", _adam_cases, ("next_x", "m", "v", "t"), _adam_engine, None, {
        "no correction": _adam_slip(correct=False),
        "eps inside": _adam_slip(eps_inside=True),
        "t late": _adam_slip(t_late=True),
    }, math="t += 1; m = β1·m + (1 − β1)·dx; v = β2·v + (1 − β2)·dx²; "
            "x −= lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)"),
)}
