"""Optimizers: `SGD` (with momentum) and `Adam` (with bias correction), in PyTorch's form.

Both read each parameter's `grad` and assign a new `data`; `weight_decay` adds the gradient
of an L2 term (weight_decay · p) to every parameter's gradient first. Options may differ per
parameter group, as in PyTorch: `SGD([{"params": model.weights(), "weight_decay": 1e-3},
{"params": model.biases()}], lr=0.1)` decays the weights and leaves the biases alone.
A step that would make any parameter non-finite raises and leaves every parameter as it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from autodiff import Value
from autodiff.engine.numpy_on_demand import np

from .checks import positive_number
from .modules import zero_grads

__all__ = ["Optimizer", "SGD", "Adam"]


def _fraction(value: float, what: str) -> float:
    value = positive_number(value, what, allow_zero=True)
    if not value < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return value


def _betas(betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Adam betas must be a pair (beta1, beta2), got {betas!r}")
    return _fraction(betas[0], "Adam beta1"), _fraction(betas[1], "Adam beta2")


def _sqrt(x):
    # math.sqrt keeps a scalar parameter a Python float (the engine's fast path).
    return math.sqrt(x) if type(x) is float else np.sqrt(x)


def _every_group(name: str) -> property:
    """An option as an attribute: read from the first group; set (checked) in every group."""

    def get(self) -> Any:
        return self.param_groups[0][name]

    def set(self, value: Any) -> None:
        value = self.options[name](value)
        for group in self.param_groups:
            group[name] = value

    return property(get, set, doc=f"{name} of the first group; setting it sets every group's")


class Optimizer:
    """Holds the parameters (each once, in order) in groups, and resets their gradients.

    `params` is a list of parameter Values, or, as in PyTorch, a list of groups: dicts with
    "params" and any of the optimizer's options, which override its defaults for that group,
    e.g. `[{"params": model.weights(), "weight_decay": 1e-3}, {"params": model.biases()}]`.
    `param_groups[k]` holds each group's options; `step` reads them there (set them freely).
    """

    #: Each option's check, by name: what a group may set (the subclass fills it in).
    options: dict[str, Any] = {}

    def __init__(self, params: Iterable[Value] | Iterable[dict], **defaults: Any) -> None:
        if isinstance(params, (Value, dict)) or not isinstance(params, Iterable):
            raise TypeError("an optimizer takes a list of parameter Values, e.g. "
                            "model.parameters(), or a list of groups {'params': [...], ...}")
        items = list(params)
        groups = items if items and all(isinstance(g, dict) for g in items) else [
            {"params": items}]
        self.param_groups: list[dict[str, Any]] = []
        self.params: list[Value] = []
        self._bounds: list[tuple[int, int]] = []  # each group's slice of self.params
        seen: set[int] = set()
        for k, group in enumerate(groups):
            found = self._group(k, group, defaults, seen, len(groups) > 1)
            self.param_groups.append(found)
            self._bounds.append((len(self.params), len(self.params) + len(found["params"])))
            self.params.extend(found["params"])
        if not self.params:
            raise ValueError("the optimizer got no parameters")

    def _group(self, k: int, group: dict, defaults: dict, seen: set, many: bool) -> dict:
        """One group checked: known options, parameter Values, none already in another group."""
        where = f"parameter group {k}: " if many else ""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{where}a group must be a dict with 'params', got "
                            f"{type(group).__name__}")
        unknown = [key for key in group if key != "params" and key not in self.options]
        if unknown:
            raise ValueError(f"{where}unknown option {unknown[0]!r} for {type(self).__name__} "
                             f"(its options: {', '.join(self.options)})")
        params = group["params"]
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{where}'params' must be a list of parameter Values")
        unique: dict[int, Value] = {}
        for i, p in enumerate(params):
            if type(p) is not Value:
                raise TypeError(f"{where}parameter {i} must be a Value, got {type(p).__name__}")
            if id(p) in seen and id(p) not in unique:
                raise ValueError(f"{where}parameter {i} ({p.label or 'unlabeled'}) is already "
                                 "in another group; each parameter belongs to one group")
            unique.setdefault(id(p), p)  # a shared parameter is stepped once
        seen.update(unique)
        options = {key: check(group.get(key, defaults[key]))
                   for key, check in self.options.items()}
        return {"params": list(unique.values()), **options}

    lr = _every_group("lr")

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        zero_grads(self.params)

    def step(self) -> None:
        """Update every parameter from its gradient."""
        raise NotImplementedError

    def _groups(self) -> Iterator[tuple[dict[str, Any], int, int, list]]:
        """(options, lo, hi, gradients) for each group: its parameters are params[lo:hi], and
        its gradients carry weight_decay · p where it decays (the group's options read once,
        so a step costs what it did before groups)."""
        for group, (lo, hi) in zip(self.param_groups, self._bounds):
            decay, params = group["weight_decay"], self.params[lo:hi]
            grads = ([p.grad + decay * p.data for p in params] if decay
                     else [p.grad for p in params])
            yield group, lo, hi, grads

    def _assign(self, new: list) -> None:
        """Set every parameter's data, or none if any new value is not finite."""
        for p, value in zip(self.params, new):
            finite = value - value == 0.0 if type(value) is float else np.all(np.isfinite(value))
            if not finite:
                name = f"{p.label!r}" if p.label else f"of value {p.data!r}"
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {name} would become {value!r} "
                    f"(gradient {p.grad!r}); lower the learning rate"
                )
        for p, value in zip(self.params, new):
            p.data = value


def _decay(value: float) -> float:
    return positive_number(value, "weight_decay", allow_zero=True)


class SGD(Optimizer):
    """buf = momentum · buf + grad; p -= lr · buf (plain gradient descent when momentum = 0)."""

    options = {
        "lr": lambda v: positive_number(v, "SGD lr"),
        "momentum": lambda v: _fraction(v, "SGD momentum"),
        "weight_decay": _decay,
    }

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
        # One buffer per parameter; it starts at 0, so the first step's buffer is the gradient.
        self.buffers: list = [0.0] * len(self.params)

    momentum = _every_group("momentum")

    def step(self) -> None:
        """One update of every parameter."""
        new, buffers = [], []
        for group, lo, hi, grads in self._groups():
            momentum, lr = group["momentum"], group["lr"]
            if momentum:
                grads = [momentum * buf + g for buf, g in zip(self.buffers[lo:hi], grads)]
            buffers.extend(grads if momentum else self.buffers[lo:hi])
            new.extend([p.data - lr * g for p, g in zip(self.params[lo:hi], grads)])
        self._assign(new)
        self.buffers = buffers


class Adam(Optimizer):
    """Adam (Kingma & Ba): p -= lr · m̂ / (√v̂ + eps), with m̂, v̂ the bias-corrected moments."""

    options = {
        "lr": lambda v: positive_number(v, "Adam lr"),
        "betas": lambda v: _betas(v),
        "eps": lambda v: positive_number(v, "Adam eps"),
        "weight_decay": _decay,
    }

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        self.t = 0  # steps taken, for the bias correction
        self.m: list = [0.0] * len(self.params)  # first moment (mean of the gradients)
        self.v: list = [0.0] * len(self.params)  # second moment (mean of their squares)

    betas = _every_group("betas")
    eps = _every_group("eps")

    def step(self) -> None:
        """One update of every parameter."""
        t = self.t + 1
        new, m, v = [], [], []
        for group, lo, hi, grads in self._groups():
            (beta1, beta2), lr, eps = group["betas"], group["lr"], group["eps"]
            m_group = [beta1 * mi + (1.0 - beta1) * g for mi, g in zip(self.m[lo:hi], grads)]
            v_group = [beta2 * vi + (1.0 - beta2) * g * g for vi, g in zip(self.v[lo:hi], grads)]
            # The moments start at zero, so early on they are biased towards it; dividing by
            # 1 - beta^t removes that bias.
            c1, c2 = 1.0 - beta1**t, 1.0 - beta2**t
            new.extend([p.data - lr * (mi / c1) / (_sqrt(vi / c2) + eps)
                        for p, mi, vi in zip(self.params[lo:hi], m_group, v_group)])
            m.extend(m_group)
            v.extend(v_group)
        self._assign(new)
        self.t, self.m, self.v = t, m, v
