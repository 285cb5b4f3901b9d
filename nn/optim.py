"""Optimizers: `SGD` (with momentum) and `Adam` (with bias correction), in PyTorch's form.

Both read each parameter's `grad` and assign a new `data`; `weight_decay` adds the gradient
of an L2 term (weight_decay · p) to every parameter's gradient first. A step that would make
any parameter non-finite raises and leaves every parameter as it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autodiff import Value

from .checks import positive_number
from .modules import zero_grads

__all__ = ["Optimizer", "SGD", "Adam"]


def _fraction(value: float, what: str) -> float:
    value = positive_number(value, what, allow_zero=True)
    if not value < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return value


def _sqrt(x):
    # math.sqrt keeps a scalar parameter a Python float (the engine's fast path).
    return math.sqrt(x) if type(x) is float else np.sqrt(x)


class Optimizer:
    """Holds the parameters (each once, in order) and resets their gradients."""

    def __init__(self, params: Iterable[Value], weight_decay: float = 0.0) -> None:
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError("an optimizer takes a list of parameter Values, e.g. "
                            "model.parameters()")
        unique: dict[int, Value] = {}
        for k, p in enumerate(params):
            if type(p) is not Value:
                raise TypeError(f"parameter {k} must be a Value, got {type(p).__name__}")
            unique.setdefault(id(p), p)  # a shared parameter is stepped once
        if not unique:
            raise ValueError("the optimizer got no parameters")
        self.params: list[Value] = list(unique.values())
        self.weight_decay = positive_number(weight_decay, "weight_decay", allow_zero=True)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        zero_grads(self.params)

    def step(self) -> None:
        """Update every parameter from its gradient."""
        raise NotImplementedError

    def _grads(self) -> list:
        decay = self.weight_decay
        if decay:
            return [p.grad + decay * p.data for p in self.params]
        return [p.grad for p in self.params]

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


class SGD(Optimizer):
    """buf = momentum · buf + grad; p -= lr · buf (plain gradient descent when momentum = 0)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, weight_decay)
        self.lr = positive_number(lr, "SGD lr")
        self.momentum = _fraction(momentum, "SGD momentum")
        # One buffer per parameter; it starts at 0, so the first step's buffer is the gradient.
        self.buffers: list = [0.0] * len(self.params)

    def step(self) -> None:
        """One update of every parameter."""
        lr, momentum = self.lr, self.momentum
        grads = self._grads()
        if momentum:
            self.buffers = [momentum * buf + g for buf, g in zip(self.buffers, grads)]
            grads = self.buffers
        new = [p.data - lr * g for p, g in zip(self.params, grads)]
        self._assign(new)


class Adam(Optimizer):
    """Adam (Kingma & Ba): p -= lr · m̂ / (√v̂ + eps), with m̂, v̂ the bias-corrected moments."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, weight_decay)
        self.lr = positive_number(lr, "Adam lr")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_fraction(betas[0], "Adam beta1"), _fraction(betas[1], "Adam beta2"))
        self.eps = positive_number(eps, "Adam eps")
        self.t = 0  # steps taken, for the bias correction
        self.m: list = [0.0] * len(self.params)  # first moment (mean of the gradients)
        self.v: list = [0.0] * len(self.params)  # second moment (mean of their squares)

    def step(self) -> None:
        """One update of every parameter."""
        beta1, beta2 = self.betas
        t = self.t + 1
        grads = self._grads()
        m = [beta1 * mi + (1.0 - beta1) * g for mi, g in zip(self.m, grads)]
        v = [beta2 * vi + (1.0 - beta2) * g * g for vi, g in zip(self.v, grads)]
        # The moments start at zero, so early on they are biased towards it; dividing by
        # 1 - beta^t removes that bias.
        c1 = 1.0 - beta1**t
        c2 = 1.0 - beta2**t
        lr, eps = self.lr, self.eps
        new = [
            p.data - lr * (mi / c1) / (_sqrt(vi / c2) + eps)
            for p, mi, vi in zip(self.params, m, v)
        ]
        self._assign(new)
        self.t, self.m, self.v = t, m, v
