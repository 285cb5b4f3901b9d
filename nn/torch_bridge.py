"""The way out to PyTorch: `to_torch(mlp)` and `from_torch(module)`, the same network with
the same numbers on both sides.

An `MLP` becomes a float64 `torch.nn.Sequential`: one `torch.nn.Linear` per layer (the rows of
its weight matrix are the neurons' `w`, its bias vector their `b`), each followed by
`ReLU`/`Tanh`/`Sigmoid` (nothing for a linear activation). A layer with a shared bias becomes a
`SharedBiasLinear`, whose bias is one scalar parameter, so it stays shared while PyTorch trains
it. `from_torch` reads such a `Sequential` back into an `MLP`. The MLP's hidden activation
is also kept as the `Sequential`'s `hidden_activation` attribute: a one-layer network has no
hidden layer to show it, and `from_torch(to_torch(m))` has exactly `m`'s config.

PyTorch is optional: it is imported only when one of these functions runs.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from .modules import MLP

if TYPE_CHECKING:
    import torch

# SharedBiasLinear is also here (see __getattr__), defined once torch is imported.
__all__ = ["to_torch", "from_torch"]

INSTALL_HINT = 'pip install "backprop-autodiff[torch]"'

# The attribute of a module made by to_torch naming the MLP's hidden activation.
HIDDEN_ACTIVATION = "hidden_activation"

# Our activation names and the PyTorch modules that apply them (None: no module).
_TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": None}


def _import_torch(who: str) -> Any:
    """The torch module, or an ImportError saying in one line how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"{who} needs PyTorch, which is not installed; install it with: "
                          f"{INSTALL_HINT}") from None
    return torch


@functools.cache
def _shared_bias_linear_class() -> type:
    """Define `SharedBiasLinear` once, the first time it is needed (it subclasses torch's)."""
    torch = _import_torch("nn.torch_bridge.SharedBiasLinear")

    class SharedBiasLinear(torch.nn.Module):
        """y = x Wᵀ + b with one scalar bias b shared by every output (the textbook's layers)."""

        def __init__(self, in_features: int, out_features: int, *, dtype: Any = torch.float64,
                     device: Any = None) -> None:
            super().__init__()
            self.in_features = in_features
            self.out_features = out_features
            self.weight = torch.nn.Parameter(
                torch.empty(out_features, in_features, dtype=dtype, device=device))
            self.bias = torch.nn.Parameter(torch.empty((), dtype=dtype, device=device))
            # torch.nn.Linear's default initialisation: uniform in ±1/sqrt(in_features).
            bound = 1.0 / math.sqrt(in_features)
            with torch.no_grad():
                self.weight.uniform_(-bound, bound)
                self.bias.uniform_(-bound, bound)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.linear(x, self.weight) + self.bias

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, " \
                   "bias=shared"

    # Found under this module's name, so a whole module made by to_torch can be pickled.
    SharedBiasLinear.__module__ = __name__
    SharedBiasLinear.__qualname__ = "SharedBiasLinear"
    return SharedBiasLinear


def __getattr__(name: str) -> Any:
    # `nn.torch_bridge.SharedBiasLinear` exists once torch can be imported.
    if name == "SharedBiasLinear":
        return _shared_bias_linear_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_torch(model: MLP) -> torch.nn.Sequential:
    """The same network as a float64 torch module: (batch, nin) tensor in, (batch, nout) out."""
    torch = _import_torch("nn.to_torch")
    if not isinstance(model, MLP):
        raise TypeError(f"nn.to_torch converts an nn.MLP, got {type(model).__name__}; "
                        "build the network as nn.MLP(nin, nouts, ...)")
    shared_linear = _shared_bias_linear_class()
    modules: list[torch.nn.Module] = []
    for index, layer in enumerate(model.layers):
        nin, nout = len(layer.neurons[0].w), len(layer.neurons)
        weight = torch.tensor([[_number(w, index) for w in n.w] for n in layer.neurons],
                              dtype=torch.float64)
        # skip_init: no random initialisation (torch's random stream is left as it was).
        if layer.shared_bias:
            linear = torch.nn.utils.skip_init(shared_linear, nin, nout, dtype=torch.float64)
            bias = torch.tensor(_number(layer.b, index), dtype=torch.float64)
        else:
            linear = torch.nn.utils.skip_init(torch.nn.Linear, nin, nout, dtype=torch.float64)
            bias = torch.tensor([_number(n.b, index) for n in layer.neurons],
                                dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        modules.append(linear)
        activation = _TORCH_ACTIVATIONS[layer.activation]
        if activation is not None:
            modules.append(getattr(torch.nn, activation)())
    sequential = torch.nn.Sequential(*modules)
    # The hidden layers' activation is part of the MLP's config even where it has no hidden
    # layer to apply it; kept on the module, so from_torch gives back the same config.
    setattr(sequential, HIDDEN_ACTIVATION, model.activation)
    return sequential


def _number(p: Any, layer: int) -> float:
    if type(p.data) is not float:
        raise TypeError(f"nn.to_torch: parameter {p.label or '?'} of layer {layer} holds a "
                        f"{type(p.data).__name__}, not a number; set it to a float first")
    return p.data


def from_torch(module: torch.nn.Module) -> MLP:
    """An nn.MLP with the same weights as a Sequential of Linear layers and activations."""
    torch = _import_torch("nn.from_torch")
    _check_sequential(torch, module)
    shared_linear = _shared_bias_linear_class()
    activations = {getattr(torch.nn, cls): ours
                   for ours, cls in _TORCH_ACTIVATIONS.items() if cls is not None}
    activations[torch.nn.Identity] = "linear"

    # Each layer: a Linear (or SharedBiasLinear), then at most one activation module.
    layers: list[list[Any]] = []  # [linear module, activation name]
    after_activation = False
    for position, (name, child) in enumerate(module.named_children()):
        where = f"position {position}" + (f" (named {name!r})" if name != str(position) else "")
        kind = type(child)
        if kind in (torch.nn.Linear, shared_linear):
            _check_linear(child, where)
            layers.append([child, "linear"])
            after_activation = False
        elif kind in activations:
            if not layers:
                raise TypeError(f"nn.from_torch: {kind.__name__} at {where} comes before any "
                                "Linear layer; an nn.MLP starts with a Linear")
            if after_activation:
                raise TypeError(f"nn.from_torch: {kind.__name__} at {where} follows another "
                                "activation; an nn.MLP applies one activation per layer")
            layers[-1][1] = activations[kind]
            after_activation = True
        else:
            raise TypeError(
                f"nn.from_torch: {kind.__name__} at {where} is not supported; an nn.MLP is "
                "made of Linear layers and ReLU, Tanh, Sigmoid or Identity activations only")
    if not layers:
        raise TypeError("nn.from_torch: the Sequential is empty; it needs at least one Linear")

    shared = [type(linear) is shared_linear for linear, _ in layers]
    if any(shared) and not all(shared):
        raise TypeError("nn.from_torch: some layers share their bias and some do not; an "
                        "nn.MLP uses shared_bias for every layer or for none")
    hidden = {act for _, act in layers[:-1]}
    if len(hidden) > 1:
        found = ", ".join(act for _, act in layers[:-1])
        raise TypeError(f"nn.from_torch: the hidden layers use different activations ({found}); "
                        "an nn.MLP has one activation for all of its hidden layers")

    sizes = [(linear.in_features, linear.out_features) for linear, _ in layers]
    for k in range(1, len(sizes)):
        if sizes[k][0] != sizes[k - 1][1]:
            raise ValueError(f"nn.from_torch: layer {k} takes {sizes[k][0]} inputs but layer "
                             f"{k - 1} gives {sizes[k - 1][1]} outputs; fix the layer sizes")
    model = MLP(
        sizes[0][0],
        [nout for _, nout in sizes],
        activation=hidden.pop() if hidden else _recorded_activation(module),
        out_activation=layers[-1][1],
        shared_bias=all(shared),
    )
    model.load_state_dict(_state(torch, layers, all(shared)))  # rejects non-finite weights
    return model


def _check_sequential(torch: Any, module: Any) -> None:
    """Refuse anything but a Sequential whose forward is torch's: its layers one after another."""
    if isinstance(module, MLP):
        raise TypeError("nn.from_torch reads a torch module; this is already an nn.MLP")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            f"nn.from_torch reads a torch.nn.Sequential of Linear layers and ReLU/Tanh/"
            f"Sigmoid/Identity activations, got {type(module).__name__}; wrap the layers in "
            "torch.nn.Sequential(...)")
    # A forward of its own may do anything with the layers (scale, skip, reorder): the
    # layers alone do not say what the module computes, so it cannot be read.
    if type(module).forward is not torch.nn.Sequential.forward or "forward" in vars(module):
        raise TypeError(
            f"nn.from_torch: {type(module).__name__} has a forward of its own, and what it "
            "computes cannot be read from its layers; pass a plain torch.nn.Sequential of "
            "the same layers")


def _check_linear(linear: Any, where: str) -> None:
    """A Linear whose parameters an nn.MLP can hold: a bias, real numbers, real data."""
    name = type(linear).__name__
    if linear.bias is None:
        raise TypeError(
            f"nn.from_torch: the {name} at {where} has no bias (bias=False), and "
            "every neuron of an nn.MLP has one; use torch.nn.Linear(..., bias=True)")
    for what, p in (("weight", linear.weight), ("bias", linear.bias)):
        if p.is_meta:
            raise ValueError(
                f"nn.from_torch: the {name} at {where} has its {what} on the meta device; "
                "parameters on the meta device hold no numbers; materialise them first "
                "(e.g. module.to_empty(device='cpu') and initialise)")
        if not p.dtype.is_floating_point:
            raise TypeError(
                f"nn.from_torch: the {name} at {where} has a {what} of dtype "
                f"{str(p.dtype).removeprefix('torch.')}; an nn.MLP holds real floats (the "
                "imaginary part would be lost); use a float dtype such as torch.float64")


def _recorded_activation(module: Any) -> str:
    """The hidden activation to_torch recorded (a one-layer net has no module showing it)."""
    activation = getattr(module, HIDDEN_ACTIVATION, None)
    if activation is None:
        return "relu"  # MLP's default
    if not isinstance(activation, str) or activation not in _TORCH_ACTIVATIONS:
        raise TypeError(f"nn.from_torch: the module's {HIDDEN_ACTIVATION} is "
                        f"{activation!r}; it must be one of {', '.join(_TORCH_ACTIVATIONS)}")
    return activation


def _state(torch: Any, layers: list[list[Any]], shared: bool) -> dict[str, float]:
    """The MLP state dict of the torch layers, every number converted exactly to a float."""
    state: dict[str, float] = {}
    for index, (linear, _) in enumerate(layers):
        weight = linear.weight.detach().cpu().to(torch.float64).tolist()
        bias = linear.bias.detach().cpu().to(torch.float64).tolist()
        for j, row in enumerate(weight):
            for i, w in enumerate(row):
                state[f"layers.{index}.neurons.{j}.w.{i}"] = w
            if not shared:
                state[f"layers.{index}.neurons.{j}.b"] = bias[j]
        if shared:
            state[f"layers.{index}.b"] = bias
    return state
