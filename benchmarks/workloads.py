"""The three workloads every implementation runs, their inputs and the checks on their answers.

Each implementation gets the same inputs from here (the same starting weights, the same data),
so their answers must agree; `check` makes sure they do before any time is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Chain",
    "Mazur",
    "Moons",
    "Outcome",
    "WORKLOADS",
    "WrongResult",
    "check",
    "moons_lr",
]


@dataclass(frozen=True)
class Mazur:
    """The textbook 2-2-2 sigmoid network, trained on its one example (w1..w8 only)."""

    x: tuple[float, float] = (0.05, 0.10)
    target: tuple[float, float] = (0.01, 0.99)
    w: tuple[float, ...] = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
    b: tuple[float, float] = (0.35, 0.60)
    lr: float = 0.5
    steps: int = 10_000
    # E_total after 10,000 steps, as the textbook rounds it (10 decimal places).
    expected: float = 0.0000351019
    rtol: float = 0.0
    atol: float = 5e-11


@dataclass(frozen=True)
class Moons:
    """micrograd's demo: MLP 2-16-16-1 (relu), hinge loss + L2, full-batch SGD on two moons."""

    X: np.ndarray  # shape (n, 2)
    y: np.ndarray  # shape (n,), labels -1.0 / +1.0
    weights: tuple[tuple[np.ndarray, np.ndarray], ...]  # per layer: W (nout, nin), b (nout,)
    steps: int = 20
    alpha: float = 1e-4
    # No closed form: every implementation must match the hand-written NumPy one this closely.
    rtol: float = 1e-9
    atol: float = 0.0

    @classmethod
    def make(cls, n: int = 100, noise: float = 0.1, seed: int = 0) -> Moons:
        """Two interleaving half circles with Gaussian noise, and micrograd-style start weights."""
        rng = np.random.default_rng(seed)
        t_out = np.linspace(0.0, math.pi, n // 2)
        t_in = np.linspace(0.0, math.pi, n - n // 2)
        outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
        inner = np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)])
        X = np.vstack([outer, inner]) + rng.normal(0.0, noise, size=(n, 2))
        y = np.concatenate([-np.ones(n // 2), np.ones(n - n // 2)])
        sizes = (2, 16, 16, 1)
        # Like micrograd's Neuron: weights uniform in [-1, 1], biases 0.
        weights = tuple(
            (rng.uniform(-1.0, 1.0, size=(nout, nin)), np.zeros(nout))
            for nin, nout in zip(sizes[:-1], sizes[1:])
        )
        return cls(X=X, y=y, weights=weights)


def moons_lr(k: int) -> float:
    """The demo's learning-rate schedule at step k."""
    return 1.0 - 0.9 * k / 100


@dataclass(frozen=True)
class Chain:
    """x <- x * c + d repeated: one long chain of 2 * length op nodes, then backward."""

    length: int = 50_000  # 100,000 op nodes
    x0: float = 1.0
    c: float = 1.0000001
    d: float = 0.0
    rtol: float = 1e-9
    atol: float = 0.0

    @property
    def expected(self) -> float:
        """d x_final / d x0 = c ** length."""
        return self.c**self.length


@dataclass
class Outcome:
    """What one run of a workload returns: its answer and, where there is one, its last graph."""

    value: float  # final loss (mazur, moons) or d x_final / d x0 (chain)
    root: object = None  # the last graph's output node, to count its nodes after timing
    graphs: int = 1  # how many graphs of that size the run built or ran (one per step)
    setup: float | None = None  # seconds of the run spent recording and compiling, if any
    compiling: float | None = None  # of those, the seconds compile_graph took


WORKLOADS: dict[str, str] = {
    "mazur": "(a) textbook 2-2-2 net, 10,000 SGD steps",
    "moons": "(b) moons MLP 2-16-16-1, 20 full-batch steps",
    "chain": "(c) 100,000-node chain, forward + backward",
}


class WrongResult(Exception):
    """An implementation computed a different answer than the workload demands."""


def check(what: str, value: float, expected: float, spec: Mazur | Moons | Chain) -> None:
    """Raise WrongResult unless `value` is `expected` within the workload's tolerance."""
    if not math.isclose(value, expected, rel_tol=spec.rtol, abs_tol=spec.atol):
        raise WrongResult(
            f"{what}: got {value!r}, expected {expected!r} (rtol {spec.rtol}, atol {spec.atol}); "
            "the implementations do not compute the same thing, so their times do not compare"
        )
