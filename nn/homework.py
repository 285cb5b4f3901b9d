"""Checking a learner's NumPy backprop against the engine: `check_backprop`.

The learner writes a network the way the textbooks and blog posts do: `W1` of shape
(nin, nhidden), `b1` of (nhidden,) or (1, nhidden), X with one sample per row, forward
`z1 = X @ W1 + b1`, backward `dW2 = a1.T @ delta2`, `db2 = np.sum(delta2, axis=0)`.
`check_backprop` rebuilds that network as an `nn.MLP` (neuron j of layer l holds column j of
W_l), runs the loss in batch mode and `backward()`, and compares every array the learner
gave with the engine's, entry by entry. Where an array is wrong it names the first wrong
entry, and it looks for the slip: the learner's code is replayed with each mistake of the
catalog in `nn.backprop_slips` (a transposed product, a missing activation derivative, a
sum over the batch left out, 1/N forgotten, ...) until one gives exactly the learner's arrays.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from autodiff.engine.numpy_on_demand import np
from autodiff.language import say

from . import losses
from .backprop_slips import ACTIVATION, Net, Slip, backprop, catalog, forward, slip_text
from .modules import MLP

__all__ = ["check_backprop", "make_net", "engine_gradients", "BackpropReport", "ArrayCheck",
           "CodeSlip"]

LOSSES = ("half_sse", "mse", "softmax_cross_entropy")
REDUCTIONS = ("mean", "sum")
Grads = Mapping[str, Any] | Callable[..., Mapping[str, Any]]


@dataclass
class ArrayCheck:
    """One gradient array: `status` is "right", "wrong", "shape" (wrong shape) or "missing"."""

    name: str
    status: str
    expected: np.ndarray
    given: np.ndarray | None = None
    index: tuple[int, ...] | None = None  # the first wrong entry
    expected_entry: float | None = None
    given_entry: float | None = None

    def text(self) -> str:
        """One line: the array, its status, and where wrong the entry with both numbers."""
        if self.status == "right":
            return say("homework.right", name=self.name)
        if self.status == "missing":
            return say("homework.missing", name=self.name, expected=self.expected.shape)
        if self.status == "shape":
            return say("homework.shape", name=self.name, given=self.given.shape,
                       expected=self.expected.shape)
        return say("homework.wrong", name=self.name, index=list(self.index),
                   expected=self.expected_entry, given=self.given_entry)


@dataclass
class CodeSlip:
    """A mistake found: its kind, the layer (0: the loss's error term), the arrays it shows in."""

    kind: str
    layer: int
    where: tuple[str, ...]
    text: str


@dataclass
class BackpropReport:
    """The verdict on a learner's gradients, array by array in the order backprop makes them."""

    rows: list[ArrayCheck]
    slips: list[CodeSlip] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every array is given and right."""
        return all(row.status == "right" for row in self.rows)

    @property
    def first_wrong(self) -> ArrayCheck | None:
        """The first array (in backprop's order) that is not right, or None."""
        return next((row for row in self.rows if row.status != "right"), None)

    def __str__(self) -> str:
        lines = [row.text() for row in self.rows]
        if self.ok:
            lines.append(say("homework.all_right"))
        for slip in self.slips:
            lines.append(say("homework.slip", kind=say(f"homework.kind.{slip.kind}"),
                             where=", ".join(slip.where), text=slip.text))
        if not self.ok and not self.slips:
            lines.append(say("homework.no_slip"))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr class='{row.status}'><td>{html.escape(row.name)}</td>"
            f"<td>{html.escape(say('homework.status.' + row.status))}</td>"
            f"<td>{html.escape(row.text())}</td></tr>" for row in self.rows
        )
        slips = "".join(f"<li><b>{html.escape(s.kind)}</b>: {html.escape(s.text)}</li>"
                        for s in self.slips)
        head = f"<th>{html.escape(say('homework.array'))}</th>" \
               f"<th>{html.escape(say('homework.status'))}</th>"
        return (f"<table><tr>{head}<th></th></tr>{cells}</table>"
                + (f"<ul>{slips}</ul>" if slips else ""))


def check_backprop(
    grads: Grads,
    weights: Mapping[str, Any],
    X: Any,
    y: Any,
    *,
    activation: str,
    loss: str,
    out_activation: str = "linear",
    reduction: str = "mean",
    reg: float = 0.0,
    rtol: float = 1e-5,
    atol: float = 1e-8,
) -> BackpropReport:
    """Check a learner's {"dW1": ..., "db1": ...} (or `backprop(weights, X, y)`) against the engine.

    `weights`: {"W1": (nin, n1), "b1": (n1,) or (1, n1), "W2": ...}; X: (N, nin); y: int
    labels for "softmax_cross_entropy", else targets (N, nout). The loss is the mean over the
    samples (`reduction="mean"`) or their sum of: "half_sse" Σ_k ½(a_k − y_k)²; "mse"
    (1/K) Σ_k (a_k − y_k)²; "softmax_cross_entropy" −log softmax(z)[y]; plus
    0.5 · reg · Σ_l sum(W_l²) where reg > 0.
    """
    net = make_net(weights, X, y, activation, out_activation, loss, reduction, reg)
    if callable(grads):
        grads = grads({k: np.array(v, dtype=float) for k, v in weights.items()},
                      np.array(X, dtype=float), np.array(y))
    given = _given_arrays(grads, net)
    expected = engine_gradients(net)
    rows = [_compare(name, expected[name], given.get(name), rtol, atol) for name in expected]
    report = BackpropReport(rows)
    if not report.ok:
        report.slips = _find_slips(net, given, expected, rtol, atol)
    return report


def make_net(weights: Mapping[str, Any], X: Any, y: Any, activation: str, out_activation: str,
             loss: str, reduction: str, reg: float) -> Net:
    """The network and data as a `Net`, every array checked against the others' shapes."""
    for value, allowed, what in ((activation, ACTIVATION, "activation"),
                                 (out_activation, ACTIVATION, "out_activation"),
                                 (loss, LOSSES, "loss"), (reduction, REDUCTIONS, "reduction")):
        if value not in allowed:
            raise ValueError(f"check_backprop: unknown {what} {value!r}; choose one of "
                             f"{', '.join(map(repr, allowed))}")
    if loss == "softmax_cross_entropy" and out_activation != "linear":
        raise ValueError("check_backprop: softmax_cross_entropy takes the logits z = a @ W + b; "
                         "use out_activation='linear'")
    Ws, bs = _weights(weights)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != Ws[0].shape[0]:
        raise ValueError(f"check_backprop: X must have shape (N, {Ws[0].shape[0]}) (one sample "
                         f"per row, the rows of W1), got {X.shape}")
    Y = _targets(y, loss, X.shape[0], Ws[-1].shape[1])
    return Net(tuple(Ws), tuple(bs), X, Y, activation, out_activation, loss, reduction,
               float(reg))


def _weights(weights: Mapping[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    if not isinstance(weights, Mapping):
        raise TypeError(f"check_backprop: weights must be a dict {{'W1': ..., 'b1': ...}}, got "
                        f"{type(weights).__name__}")
    names = {k.lower(): k for k in weights}
    depth = sum(1 for k in names if k.startswith("w"))
    Ws, bs = [], []
    for layer in range(1, depth + 1):
        for key in (f"w{layer}", f"b{layer}"):
            if key not in names:
                raise ValueError(f"check_backprop: weights lack {key.upper()[0] + key[1:]!r} "
                                 f"(layers are numbered from 1: W1, b1, W2, b2, ...)")
        W = np.asarray(weights[names[f"w{layer}"]], dtype=float)
        b = np.asarray(weights[names[f"b{layer}"]], dtype=float)
        if W.ndim != 2 or (Ws and W.shape[0] != Ws[-1].shape[1]):
            raise ValueError(f"check_backprop: W{layer} has shape {W.shape}; it must be "
                             f"(fan_in, fan_out), its rows as many as the layer before has units")
        if b.size != W.shape[1]:
            raise ValueError(f"check_backprop: b{layer} has {b.size} entries, W{layer} "
                             f"{W.shape[1]} columns (units)")
        Ws.append(W)
        bs.append(b.reshape(-1))
    if not Ws:
        raise ValueError("check_backprop: no weights W1, W2, ... given")
    return Ws, bs


def _targets(y: Any, loss: str, n: int, nout: int) -> np.ndarray:
    y = np.asarray(y)
    if loss == "softmax_cross_entropy":
        if y.dtype.kind not in "iu" or y.shape != (n,) or y.min() < 0 or y.max() >= nout:
            raise ValueError(f"check_backprop: softmax_cross_entropy takes y as {n} int class "
                             f"labels in 0..{nout - 1}, got {y.dtype} of shape {y.shape}")
        return np.eye(nout)[y]
    y = np.asarray(y, dtype=float)
    if y.shape == (n,) and nout == 1:
        y = y.reshape(n, 1)
    if y.shape != (n, nout):
        raise ValueError(f"check_backprop: y must have shape ({n}, {nout}), got {y.shape}")
    return y


def _given_arrays(grads: Any, net: Net) -> dict[str, np.ndarray]:
    if not isinstance(grads, Mapping):
        raise TypeError(f"check_backprop: the gradients must be a dict {{'dW1': ..., 'db1': "
                        f"...}} (or a function returning one), got {type(grads).__name__}")
    names = {f"d{p}{layer}".lower(): f"d{p}{layer}"
             for layer in range(1, net.depth + 1) for p in "Wb"}
    given = {}
    for key, value in grads.items():
        if not isinstance(key, str) or key.lower() not in names:
            raise ValueError(f"check_backprop: unknown gradient {key!r}; the names are "
                             f"{', '.join(names.values())}")
        given[names[key.lower()]] = np.asarray(value, dtype=float)
    return given


def engine_gradients(net: Net) -> dict[str, np.ndarray]:
    """The engine's dW_l, db_l for the network, in the learner's layout (backprop's order)."""
    sizes = [W.shape[0] for W in net.Ws] + [net.Ws[-1].shape[1]]
    model = MLP(sizes[0], sizes[1:], activation=net.activation,
                out_activation=net.out_activation)
    for layer, W, b in zip(model.layers, net.Ws, net.bs):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[i, j])  # column j of W is neuron j's weights
            neuron.b.data = float(b[j])
    outs = model(list(net.X.T))
    outs = outs if isinstance(outs, list) else [outs]
    if net.loss == "softmax_cross_entropy":
        total = losses.softmax_cross_entropy(outs, net.Y.argmax(axis=1))
    else:
        total = getattr(losses, net.loss)(outs, net.Y)  # the mean over the samples
    if net.reduction == "sum":
        total = total * float(net.n)
    if net.reg:
        weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
        total = total + 0.5 * net.reg * losses.l2(weights)
    total.backward()
    grads = {}
    for index in range(net.depth - 1, -1, -1):
        neurons = model.layers[index].neurons
        grads[f"dW{index + 1}"] = np.array([[w.grad for w in n.w] for n in neurons]).T
        grads[f"db{index + 1}"] = np.array([n.b.grad for n in neurons])
    return grads


def _shaped(given: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """`given` in `shape`, where it is that shape or a bias written as a row or a column."""
    if given.shape == shape:
        return given
    vector_like = sum(d != 1 for d in given.shape) <= 1 and len(shape) <= 1
    return given.reshape(shape) if vector_like and given.size == int(np.prod(shape)) else None


def _agree(given: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> bool:
    shaped = _shaped(given, np.shape(want))
    return shaped is not None and bool(np.allclose(shaped, want, rtol=rtol, atol=atol))


def _compare(name: str, expected: np.ndarray, given: np.ndarray | None, rtol: float,
             atol: float) -> ArrayCheck:
    if given is None:
        return ArrayCheck(name, "missing", expected)
    shaped = _shaped(given, expected.shape)
    if shaped is None:
        return ArrayCheck(name, "shape", expected, given)
    close = np.isclose(shaped, expected, rtol=rtol, atol=atol)
    if close.all():
        return ArrayCheck(name, "right", expected, given)
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    return ArrayCheck(name, "wrong", expected, given, index, float(expected[index]),
                      float(shaped[index]))


def _find_slips(net: Net, given: dict, expected: dict, rtol: float, atol: float) -> list:
    """The fewest slips (one, else two) whose replay gives exactly the learner's arrays;
    failing that, for each wrong array alone the first slip that gives it."""
    cache = forward(net)
    wrong = {n for n in given if not _agree(given[n], expected[n], rtol, atol)}
    outcomes, changed = {}, {}
    for slip in catalog(net):
        outcome = backprop(net, [slip], cache)
        shows = {n for n in expected if not _agree(outcome[n], expected[n], rtol, atol)}
        if shows & wrong and not (shows & set(given)) - wrong:
            outcomes[slip], changed[slip] = outcome, shows
    for slip, outcome in outcomes.items():
        if changed[slip] & set(given) == wrong and _fits(given, outcome, rtol, atol):
            return [_code_slip(slip, changed[slip], net)]
    for first, second in combinations(outcomes, 2):
        if first.place == second.place and first.place not in ("delta", "output"):
            continue  # two slips in one array: the order they are made in is unknown
        if (changed[first] | changed[second]) & set(given) != wrong:
            continue
        if _fits(given, backprop(net, [first, second], cache), rtol, atol):
            return [_code_slip(s, changed[s], net) for s in (first, second)]
    found = []
    for name in sorted(wrong, key=list(expected).index):
        slip = next((s for s, o in outcomes.items()
                     if name in changed[s] and _agree(given[name], o[name], rtol, atol)), None)
        if slip is not None:
            found.append(_code_slip(slip, {name}, net))
    return found


def _fits(given: dict, outcome: dict, rtol: float, atol: float) -> bool:
    return all(_agree(value, outcome[name], rtol, atol) for name, value in given.items())


def _code_slip(slip: Slip, where: set[str], net: Net) -> CodeSlip:
    order = [f"d{p}{layer}" for layer in range(net.depth, 0, -1) for p in "Wb"]
    shown = tuple(n for n in order if n in where)
    return CodeSlip(slip.kind, slip.layer, shown, slip_text(slip, net))
