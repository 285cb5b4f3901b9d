"""A NumPy backprop in the learner's layout, with the learner's usual slips planted on request.

The layout is the one beginners write (W_l of shape (fan_in, fan_out), X rows as samples):
    z_l = a_{l-1} @ W_l + b_l,  a_l = f(z_l),  a_0 = X
    delta_L = dLoss/dz_L
    dW_l = a_{l-1}.T @ delta_l,  db_l = sum(delta_l, axis=0)
    delta_{l-1} = (delta_l @ W_l.T) * f'(z_{l-1})
`backprop(net, slips)` runs it with some `Slip`s applied (each where a learner makes it, so a
slip in a delta is carried into every array below it, as in the learner's own code);
`catalog(net)` lists every slip that can happen on this network. `nn.homework` compares the
learner's arrays with the outcome of each slip to name the one they made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autodiff.engine.numpy_on_demand import np
from autodiff.language import say

__all__ = ["Net", "Slip", "forward", "backprop", "catalog"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # exp of a number <= 0 only: no overflow
    return np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


ACTIVATION = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
}
# f'(z) written from the activation a = f(z) (and z, for relu), as the seeds write it.
SLOPE = {
    "sigmoid": lambda a, z: a * (1.0 - a),
    "tanh": lambda a, z: 1.0 - a * a,
    "relu": lambda a, z: (z > 0.0) * 1.0,
    "linear": lambda a, z: np.ones_like(z),
}
SLOPE_TEXT = {
    "sigmoid": "{a} * (1 - {a})",
    "tanh": "1 - {a}**2",
    "relu": "({z} > 0)",
    "linear": "1",
}


@dataclass(frozen=True, eq=False)
class Net:
    """A network and its data in the learner's layout, with the loss's settings."""

    Ws: tuple[np.ndarray, ...]
    bs: tuple[np.ndarray, ...]     # each of shape (fan_out,)
    X: np.ndarray                  # (N, nin)
    Y: np.ndarray                  # (N, nout): targets, or one-hot labels for softmax
    activation: str
    out_activation: str
    loss: str                      # "half_sse", "mse" or "softmax_cross_entropy"
    reduction: str                 # "mean" (1/N Σ over samples) or "sum"
    reg: float                     # the L2 term 0.5 * reg * Σ_l sum(W_l**2)

    @property
    def depth(self) -> int:
        """How many layers (weight matrices)."""
        return len(self.Ws)

    @property
    def n(self) -> int:
        """How many samples."""
        return self.X.shape[0]

    def act(self, layer: int) -> str:
        """The activation of `layer` (1-based)."""
        return self.out_activation if layer == self.depth else self.activation


@dataclass(frozen=True)
class Slip:
    """One mistake: its kind, the layer (1-based; 0 for the loss) and the array it touches.

    `place` is "delta" (the layer's delta, carried below), "output" (the loss's error term,
    carried into every array) or the name of one gradient array ("dW2", "db1").
    `variant` tells apart the forms one kind takes ("first row", "axis 1", ...).
    """

    kind: str
    layer: int
    place: str
    variant: str = ""


def forward(net: Net) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(zs, activations): z_1..z_L and a_0 = X, a_1..a_L."""
    zs, acts = [], [net.X]
    for layer, (W, b) in enumerate(zip(net.Ws, net.bs), start=1):
        z = acts[-1] @ W + b
        zs.append(z)
        acts.append(ACTIVATION[net.act(layer)](z))
    return zs, acts


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _output_delta(net: Net, zs: list, acts: list, slips: set[Slip]) -> np.ndarray:
    """dLoss/dz_L, with the slips a learner makes in the error term."""
    scale = 1.0 / net.n if net.reduction == "mean" else 1.0
    if Slip("1/N forgotten", 0, "output") in slips:
        scale = 1.0
    if Slip("extra 1/N", 0, "output") in slips:
        scale /= net.n
    sign = -1.0 if Slip("sign", 0, "output") in slips else 1.0
    if net.loss == "softmax_cross_entropy":
        return sign * scale * (_softmax(zs[-1]) - net.Y)
    error = acts[-1] - net.Y
    if net.loss == "mse":
        error = 2.0 * error / net.Y.shape[1]
    return sign * scale * error * _slope(net, net.depth, zs, acts, slips)


def _slope(net: Net, layer: int, zs: list, acts: list, slips: set[Slip]) -> np.ndarray | float:
    """f'(z_layer), left out or taken at z where the slips say so."""
    if Slip("missing activation derivative", layer, "delta") in slips:
        return 1.0
    z, a = zs[layer - 1], acts[layer]
    if Slip("wrong slope", layer, "delta") in slips:
        return SLOPE[net.act(layer)](z, z)  # the formula in a, applied to z
    return SLOPE[net.act(layer)](a, z)


def backprop(net: Net, slips: Iterable[Slip] = (), cache: tuple | None = None) -> dict:
    """{"dW1": ..., "db1": ..., ...} as the learner's code computes them with these slips."""
    slips = set(slips)
    zs, acts = cache or forward(net)
    delta = _output_delta(net, zs, acts, slips)
    grads = {}
    for layer in range(net.depth, 0, -1):
        a_prev, W = acts[layer - 1], net.Ws[layer - 1]
        dW = _array_slips(a_prev.T @ delta, f"dW{layer}", layer, slips, a_prev, delta, net)
        if net.reg:  # added last, as the seed does: dW2 += reg * W2 (W2.T to a transposed dW)
            term = _l2_term(net, layer, slips)
            dW = dW + (term.T if np.shape(term) == W.shape != dW.shape else term)
        grads[f"dW{layer}"] = dW
        db = delta.sum(axis=0)
        grads[f"db{layer}"] = _array_slips(db, f"db{layer}", layer, slips, a_prev, delta, net)
        if layer > 1:
            back = W if Slip("transposed", layer, "delta") in slips else W.T
            delta = (delta @ back) * _slope(net, layer - 1, zs, acts, slips)
    return grads


def _l2_term(net: Net, layer: int, slips: set[Slip]) -> np.ndarray | float:
    W = net.Ws[layer - 1]
    if Slip("L2", layer, f"dW{layer}", "left out") in slips:
        return 0.0
    if Slip("L2", layer, f"dW{layer}", "doubled") in slips:
        return 2.0 * net.reg * W
    return net.reg * W


def _array_slips(grad, name, layer, slips, a_prev, delta, net):
    """One gradient array as the learner computes it: the slips made in that array alone."""
    for slip in slips:
        if slip.place != name:
            continue
        kind, variant = slip.kind, slip.variant
        if kind == "transposed":
            grad = grad.T
        elif kind == "batch sum" and variant == "first row":
            grad = np.outer(a_prev[0], delta[0]) if name[1] == "W" else delta[0]
        elif kind == "batch sum":  # db is delta itself, one row per sample
            grad = delta
        elif kind == "wrong axis":
            grad = delta.sum(axis=1) if variant == "axis 1" else delta.sum()
        elif kind == "1/N forgotten":
            grad = grad * net.n
        elif kind == "extra 1/N":
            grad = grad / net.n
        elif kind == "sign":
            grad = -grad
    return grad


def catalog(net: Net) -> list[Slip]:
    """Every slip this network and loss allow, the ones carried furthest first."""
    slips = [Slip("sign", 0, "output"), Slip("extra 1/N", 0, "output")]
    if net.reduction == "mean":
        slips.append(Slip("1/N forgotten", 0, "output"))
    for layer in range(net.depth, 0, -1):
        slips.extend(_delta_slips(net, layer))
    for layer in range(net.depth, 0, -1):
        slips.extend(_array_slips_of(net, layer))
    return slips


def _delta_slips(net: Net, layer: int) -> list[Slip]:
    act = net.act(layer)
    out_of_loss = layer == net.depth and net.loss == "softmax_cross_entropy"
    slips = []
    if act != "linear" and not out_of_loss:
        slips.append(Slip("missing activation derivative", layer, "delta"))
        if act in ("sigmoid", "tanh"):
            slips.append(Slip("wrong slope", layer, "delta"))
    W = net.Ws[layer - 1]
    if layer > 1 and W.shape[0] == W.shape[1]:  # delta @ W only runs when W is square
        slips.append(Slip("transposed", layer, "delta"))
    return slips


def _array_slips_of(net: Net, layer: int) -> list[Slip]:
    dW, db = f"dW{layer}", f"db{layer}"
    slips = [
        Slip("transposed", layer, dW),
        Slip("batch sum", layer, dW, "first row"),
        Slip("batch sum", layer, db, "no sum"),
        Slip("batch sum", layer, db, "first row"),
        Slip("wrong axis", layer, db, "axis 1"),
        Slip("wrong axis", layer, db, "everything"),
    ]
    for name in (dW, db):
        if net.reduction == "mean":
            slips.append(Slip("1/N forgotten", layer, name))
        slips += [Slip("extra 1/N", layer, name), Slip("sign", layer, name)]
    if net.reg:
        slips += [Slip("L2", layer, dW, "left out"), Slip("L2", layer, dW, "doubled")]
    return slips


def _prev(layer: int) -> str:
    return "X" if layer == 1 else f"a{layer - 1}"


def _layer_words(net: Net, layer: int) -> str:
    if layer == net.depth:
        return say("backprop.output_layer")
    return say("backprop.hidden_layer") if net.depth == 2 else say("backprop.hidden_layer_n",
                                                                     layer=layer)


def _output_error(net: Net) -> str:
    if net.loss == "softmax_cross_entropy":
        return "p - onehot(y)"
    return "a - y" if net.loss == "half_sse" else "2 * (a - y) / K"


def slip_text(slip: Slip, net: Net) -> str:
    """What the learner did and what to write instead, in the code's own names (and in the
    language set now: the sentences are the tables' `backprop.*`)."""
    layer, name, L, n = slip.layer, slip.place, net.depth, net.n
    if slip.place == "output":
        key = {"sign": "backprop.output_sign", "1/N forgotten": "backprop.output_n_forgotten",
               "extra 1/N": "backprop.output_extra_n_sum" if net.reduction == "sum"
               else "backprop.output_extra_n"}[slip.kind]
        return say(key, L=L, error=_output_error(net), n=n)
    if slip.place == "delta":
        return _delta_text(slip, net, net.act(layer))
    prev = _prev(layer)
    if slip.kind == "transposed":
        return say("backprop.transposed", name=name, prev=prev, layer=layer,
                   shape=net.Ws[layer - 1].shape)
    if slip.kind == "batch sum" and slip.variant == "first row":
        total = f"{prev}.T @ delta{layer}" if name[1] == "W" else f"np.sum(delta{layer}, axis=0)"
        return say("backprop.first_row", name=name, n=n, total=total)
    key = {"batch sum": "backprop.no_sum", "1/N forgotten": "backprop.n_forgotten",
           "wrong axis": "backprop.axis_1" if slip.variant == "axis 1" else "backprop.axis_all",
           "extra 1/N": "backprop.extra_n_sum" if net.reduction == "sum" else "backprop.extra_n",
           "sign": "backprop.sign",
           "L2": "backprop.l2_left_out" if slip.variant == "left out" else "backprop.l2_doubled",
           }[slip.kind]
    return say(key, name=name, layer=layer, n=n)


def _delta_text(slip: Slip, net: Net, act: str) -> str:
    layer = slip.layer
    where = _layer_words(net, layer)
    if layer == net.depth:
        into = f"delta{layer} = ({_output_error(net)}) * {act}'(z{layer})"
    else:
        into = f"delta{layer} = (delta{layer + 1} @ W{layer + 1}.T) * {act}'(z{layer})"
    right = SLOPE_TEXT[act].format(a=f"a{layer}", z=f"z{layer}")
    if slip.kind == "missing activation derivative":
        return say("backprop.missing_derivative", act=act, where=where, into=into, layer=layer,
                   right=right)
    if slip.kind == "wrong slope":
        wrong = SLOPE_TEXT[act].format(a=f"z{layer}", z=f"z{layer}")
        return say("backprop.wrong_slope", act=act, where=where, layer=layer, right=right,
                   wrong=wrong)
    return say("backprop.transposed_delta", layer=layer, below=layer - 1)
