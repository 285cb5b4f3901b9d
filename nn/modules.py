"""The textbook's networks: `Neuron`, `Layer`, `MLP` (each a `Module`, see `nn.module`).

A neuron is the textbook's: `net = w1·x1 + w2·x2 + … + b` (one `linear` node), then
`out = activation(net)`. Its nodes are labeled `net_<name>` and `out_<name>` and its
parameters `<name>.w1`, `<name>.b`, so a drawn graph of a small model explains itself.

A model takes plain numbers, `Value`s, or batch arrays (one NumPy array per input feature);
the graph has the same shape either way, and scalar parameters get gradients summed over
the batch. A NumPy array `X` is read as PyTorch reads it: 1-D, one sample; 2-D, samples as
rows, shape (samples, nin), the same as passing its columns `[X[:, 0], X[:, 1], ...]`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from autodiff import Value, linear
from autodiff.engine.numpy_on_demand import is_array, np

from . import arrays, pcg64
from .checks import short_repr, whole_number
from .module import Layout, Module, Repeat, check_config_fields, is_bias_name, zero_grads

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "feature_inputs", "lift_inputs",
    "zero_grads", "is_bias_name",
]

# Each activation, as the Value method that applies it (None: the identity).
ACTIVATIONS: dict[str, Any] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}


def _check_activation(activation: Any, what: str = "activation") -> None:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown {what} {short_repr(activation)}; choose one of "
            f"{', '.join(map(repr, ACTIVATIONS))}"
        )


def _check_flag(flag: Any, what: str) -> None:
    if type(flag) is not bool:
        raise ValueError(f"{what} must be true or false, got {short_repr(flag)}")


def init_bound(activation: str, fan_in: int, fan_out: int) -> float:
    """Half-width of the uniform initialisation: He for relu, Xavier (Glorot) otherwise."""
    # Both keep the variance of the signal roughly constant from layer to layer.
    if activation == "relu":
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


def feature_inputs(x: Any, nin: int, who: str) -> Any:
    """A NumPy array input as the list the model reads, one entry per feature; anything else as is.

    1-D: one sample, its `nin` numbers. 2-D: samples as rows, shape (samples, nin), read as
    its columns (one batch array per feature), whatever the number of samples: a square
    array is rows too, never guessed.
    """
    if not is_array(x):
        return x
    if x.ndim == 1:
        return list(x)
    if x.ndim == 2 and x.shape[1] == nin:
        return [np.ascontiguousarray(x[:, j]) for j in range(nin)]
    if x.ndim == 0:
        raise TypeError(f"{who} takes a list of {nin} inputs or an array of samples, got a "
                        f"0-d array ({short_repr(x)})")
    if x.ndim == 2:
        hint = (f"; this one has {nin} rows: if its columns are the samples, pass X.T"
                if x.shape[0] == nin else "")
        raise ValueError(f"{who} takes a 2-D array as samples in rows, shape (samples, {nin}), "
                         f"got shape {x.shape}{hint}")
    raise ValueError(f"{who} takes a 1-D array (one sample) or a 2-D array of samples in rows, "
                     f"shape (samples, {nin}), got shape {x.shape}; for batch arrays of "
                     f"another shape, pass a list of {nin}, one per input feature")


def lift_inputs(x: Any, nin: int, who: str) -> list[Value]:
    """The model's inputs as `Value`s, one leaf per input feature (made once per call)."""
    x = feature_inputs(x, nin, who)
    if isinstance(x, (Value, str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(
            f"{who} takes a list of {nin} inputs (numbers, Values, or one batch array per "
            f"input feature) or an array of samples in rows, got {type(x).__name__}"
        )
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    lifted = []
    for i, xi in enumerate(x):
        if type(xi) is Value:
            lifted.append(xi)
            continue
        try:
            lifted.append(Value(xi, label=f"x{i + 1}"))
        except (TypeError, ValueError) as error:
            raise type(error)(f"{who} input {i + 1}: {error}") from None
    return lifted


class Neuron(Module):
    """out = activation(w1·x1 + … + wn·xn + b), as one `linear` node and one activation node."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        w: Sequence[float] | None = None,
        b: Value | float | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        name: str = "n",
    ) -> None:
        nin = whole_number(nin, "Neuron nin", 1)
        _check_activation(activation)
        self.activation = activation
        self._act = ACTIVATIONS[activation]
        self.name = name
        if w is None:
            rng = rng if rng is not None else pcg64.default_rng(seed)
            bound = init_bound(activation, nin, 1)
            w = rng.uniform(-bound, bound, size=nin)
        if len(w) != nin:
            raise ValueError(f"Neuron with {nin} inputs got {len(w)} initial weights")
        self.w: list[Value] = [
            Value(float(wi), label=f"{name}.w{i + 1}") for i, wi in enumerate(w)
        ]
        # A bias handed in as a Value is shared with whoever else holds it (shared_bias).
        self.b: Value = b if type(b) is Value else Value(float(b or 0.0), label=f"{name}.b")

    @property
    def name(self) -> str:
        """What this neuron's nodes are labeled after: net_<name>, out_<name>."""
        return self._name

    @name.setter
    def name(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a neuron's name must be a str, got {type(name).__name__}")
        self._name = name
        # Made once here, not on every call: labeling is free in the forward pass.
        self._net_label = f"net_{name}"
        self._out_label = f"out_{name}"

    def __call__(self, x: Sequence[Value | float | np.ndarray] | np.ndarray) -> Value:
        """The neuron's output for inputs x (numbers, Values, batch arrays, or rows of samples)."""
        if is_array(x):
            x = feature_inputs(x, len(self.w), "Neuron")
        net = linear(self.w, x, self.b)
        act = self._act
        if act is None:  # linear: the net input is the output
            net.label = self._out_label
            return net
        net.label = self._net_label
        out = act(net)
        out.label = self._out_label
        return out

    def config(self) -> dict[str, Any]:
        """nin and activation."""
        return {"nin": len(self.w), "activation": self.activation}

    @classmethod
    def check_config(cls, config: Any) -> None:
        """nin a whole number >= 1, activation one of ACTIVATIONS."""
        check_config_fields("Neuron", config, ("nin", "activation"))
        whole_number(config["nin"], "Neuron nin", 1)
        _check_activation(config["activation"])

    @classmethod
    def parameter_layout(cls, config: dict[str, Any]) -> Layout:
        """w.0, w.1, …, b."""
        return {"w": (config["nin"],), "b": ()}

    def __repr__(self) -> str:
        return f"Neuron({self.name!r}, {len(self.w)} inputs, {self.activation})"


class Layer(Module):
    """`nout` neurons reading the same inputs; with `shared_bias`, one bias for all of them."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        shared_bias: bool = False,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        names: Sequence[str] | None = None,
        bias_label: str = "b",
    ) -> None:
        nin = whole_number(nin, "Layer nin", 1)
        nout = whole_number(nout, "Layer nout", 1)
        _check_activation(activation)
        self.activation = activation
        self.shared_bias = bool(shared_bias)
        rng = rng if rng is not None else pcg64.default_rng(seed)
        bound = init_bound(activation, nin, nout)
        weights = rng.uniform(-bound, bound, size=(nout, nin))
        names = list(names) if names is not None else [f"n{j + 1}" for j in range(nout)]
        if len(names) != nout:
            raise ValueError(f"Layer with {nout} neurons got {len(names)} names")
        shared = Value(0.0, label=bias_label) if self.shared_bias else None
        self.neurons: list[Neuron] = [
            Neuron(nin, activation, w=row, b=shared, name=name)
            for row, name in zip(weights, names)
        ]
        #: The layer's one bias when shared_bias, else None. Assigned after the neurons, so
        #: the walk names it last, once, as the layer's: `b`.
        self.b: Value | None = shared

    def __call__(self, x: Sequence[Value | float | np.ndarray] | np.ndarray) -> list[Value]:
        """Every neuron's output, in order (x as for `Neuron`; an array's rows are samples)."""
        if is_array(x):
            x = feature_inputs(x, len(self.neurons[0].w), "Layer")
        return [n(x) for n in self.neurons]

    def weight_matrix(self, layout: str, *, grad: bool = False) -> np.ndarray:
        """The weights as a new array: layout "nin_nout" gives shape (nin, nout) (x @ W + b),
        "nout_nin" gives (nout, nin) (PyTorch's Linear.weight); `grad=True` their gradients."""
        return arrays.weight_matrix(self, layout, grad)

    def bias_vector(self, *, grad: bool = False) -> np.ndarray:
        """The biases as a new array of shape (nout,) (their gradients with `grad=True`)."""
        return arrays.bias_vector(self, grad)

    def set_weights(self, W: Any, b: Any = None, *, layout: str) -> None:
        """Set the weights from W (in `layout`, as for `weight_matrix`) and the biases from b
        (shape (nout,); None leaves them); a bad array changes nothing."""
        arrays.set_layer(self, W, b, layout, f"{type(self).__name__}.set_weights")

    def config(self) -> dict[str, Any]:
        """nin, nout, activation and shared_bias."""
        return {
            "nin": len(self.neurons[0].w),
            "nout": len(self.neurons),
            "activation": self.activation,
            "shared_bias": self.shared_bias,
        }

    @classmethod
    def check_config(cls, config: Any) -> None:
        """nin and nout whole numbers >= 1, a known activation, shared_bias true or false."""
        check_config_fields("Layer", config, ("nin", "nout", "activation", "shared_bias"))
        whole_number(config["nin"], "Layer nin", 1)
        whole_number(config["nout"], "Layer nout", 1)
        _check_activation(config["activation"])
        _check_flag(config["shared_bias"], "Layer shared_bias")

    @classmethod
    def parameter_layout(cls, config: dict[str, Any]) -> Layout:
        """neurons.<j>.w.<i> and neurons.<j>.b, or one `b` at the end for a shared bias."""
        if config["shared_bias"]:
            return {"neurons": Repeat(config["nout"], {"w": (config["nin"],)}), "b": ()}
        return {"neurons": Repeat(config["nout"], Neuron.parameter_layout(config))}

    def __repr__(self) -> str:
        shared = ", shared bias" if self.shared_bias else ""
        return f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)}, {self.activation}{shared})"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one `Layer` per entry of `nouts`."""

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        activation: str = "relu",
        out_activation: str = "linear",
        shared_bias: bool = False,
        seed: int | None = None,
    ) -> None:
        self.nin = whole_number(nin, "MLP nin", 1)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(f"MLP nouts must be a list of layer sizes, got {type(nouts).__name__}")
        self.nouts = [whole_number(n, "each MLP layer size", 1) for n in nouts]
        if not self.nouts:
            raise ValueError("MLP needs at least one layer size in nouts")
        _check_activation(activation)
        _check_activation(out_activation, "out_activation")
        self.activation = activation
        self.out_activation = out_activation
        self.shared_bias = bool(shared_bias)
        self.seed = seed
        rng = pcg64.default_rng(seed)  # one stream for all layers: one seed, one model
        sizes = [self.nin, *self.nouts]
        depth = len(self.nouts)
        self.layers: list[Layer] = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = index == depth - 1
            self.layers.append(
                Layer(
                    fan_in,
                    fan_out,
                    out_activation if last else activation,
                    shared_bias=self.shared_bias,
                    rng=rng,
                    names=_neuron_names(index, depth, fan_out),
                    bias_label=f"b{index + 1}",
                )
            )

    def __call__(self, x: Sequence[Value | float | np.ndarray] | np.ndarray) -> Value | list[Value]:
        """The outputs for inputs x: a list, or a single `Value` when there is one output.

        x: `nin` numbers, `Value`s or batch arrays (one per feature); or a NumPy array, 1-D
        for one sample, 2-D of shape (samples, nin) for a batch with the samples as rows.
        """
        out = lift_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    @classmethod
    def from_arrays(cls, pairs: Sequence[tuple[Any, Any]], *, layout: str,
                    activation: str = "relu", out_activation: str = "linear",
                    shared_bias: bool = False) -> MLP:
        """An MLP whose layers hold the given `[(W1, b1), (W2, b2), ...]`, W in `layout`
        ("nin_nout": shape (nin, nout); "nout_nin": shape (nout, nin)); sizes come from them."""
        arrays.check_layout(layout)
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence) or not pairs:
            raise TypeError("MLP.from_arrays takes a non-empty list of (W, b) pairs")
        shapes = [np.shape(_pair_of(pair, k)[0]) for k, pair in enumerate(pairs)]
        for k, shape in enumerate(shapes):
            if len(shape) != 2:
                raise ValueError(f"MLP.from_arrays: W{k + 1} must be 2-D, got shape {shape}")
        sizes = [s if layout == "nin_nout" else s[::-1] for s in shapes]  # (nin, nout) each
        model = cls(sizes[0][0], [nout for _, nout in sizes], activation, out_activation,
                    shared_bias)
        model.set_arrays(pairs, layout=layout)
        return model

    def to_arrays(self, layout: str, *, grad: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
        """`[(W1, b1), (W2, b2), ...]`, one pair per layer, W in `layout` (see `from_arrays`);
        their gradients with `grad=True`."""
        return [(layer.weight_matrix(layout, grad=grad), layer.bias_vector(grad=grad))
                for layer in self.layers]

    def set_arrays(self, pairs: Sequence[tuple[Any, Any]], *, layout: str) -> None:
        """Set every layer from `[(W1, b1), ...]` (b may be None); a bad array changes nothing."""
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
            raise TypeError("MLP.set_arrays takes a list of (W, b) pairs, one per layer")
        if len(pairs) != len(self.layers):
            raise ValueError(f"MLP.set_arrays: {len(self.layers)} layers but {len(pairs)} pairs")
        saved = self.state_dict()
        try:
            for k, (layer, pair) in enumerate(zip(self.layers, pairs)):
                W, b = _pair_of(pair, k)
                arrays.set_layer(layer, W, b, layout, f"MLP.set_arrays, layer {k}")
        except (TypeError, ValueError):
            self.load_state_dict(saved)  # the layers set before the bad one go back
            raise

    def config(self) -> dict[str, Any]:
        """The constructor arguments (without the seed: the parameters are saved instead)."""
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "out_activation": self.out_activation,
            "shared_bias": self.shared_bias,
        }

    @classmethod
    def check_config(cls, config: Any) -> None:
        """nin and each of nouts whole numbers >= 1, known activations, shared_bias a bool."""
        check_config_fields("MLP", config, ("nin", "nouts", "activation", "out_activation",
                                            "shared_bias"))
        whole_number(config["nin"], "MLP nin", 1)
        nouts = config["nouts"]
        if not isinstance(nouts, list):
            raise ValueError(f"MLP nouts must be a list of layer sizes, got {short_repr(nouts)}")
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts")
        for n in nouts:
            whole_number(n, "each MLP layer size", 1)
        _check_activation(config["activation"])
        _check_activation(config["out_activation"], "out_activation")
        _check_flag(config["shared_bias"], "MLP shared_bias")

    @classmethod
    def parameter_layout(cls, config: dict[str, Any]) -> Layout:
        """layers.<l>.neurons.<j>.w.<i>, layers.<l>.neurons.<j>.b (or layers.<l>.b if shared)."""
        sizes = [config["nin"], *config["nouts"]]
        return {"layers": [
            Layer.parameter_layout({"nin": fan_in, "nout": fan_out,
                                    "shared_bias": config["shared_bias"]})
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
        ]}

    def __repr__(self) -> str:
        return f"MLP({self.nin}, {self.nouts}, [{', '.join(map(repr, self.layers))}])"


def _pair_of(pair: Any, k: int) -> tuple[Any, Any]:
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise TypeError(f"layer {k}: expected a pair (W, b), got {type(pair).__name__}")
    return pair[0], pair[1]


def _neuron_names(index: int, depth: int, size: int) -> list[str]:
    """h1, h2 (one hidden layer) or h1_1, h2_3 (layer_neuron); o1, o2 for the output layer."""
    if index == depth - 1:
        return [f"o{j + 1}" for j in range(size)]
    if depth == 2:
        return [f"h{j + 1}" for j in range(size)]
    return [f"h{index + 1}_{j + 1}" for j in range(size)]
