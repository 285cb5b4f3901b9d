"""The training picture: loss curves and a classifier's decision boundary, as a PNG.

matplotlib is an optional extra; it is imported only here, through its object-oriented API
(no pyplot), so drawing a file never changes the backend of a running notebook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from autodiff.engine.numpy_on_demand import np

from .datasets import Standardizer
from .modules import Module
from .training import History, predict

__all__ = ["check_plot_target", "plot_training"]

_INSTALL_HINT = "drawing a plot needs matplotlib: pip install matplotlib"


def _matplotlib() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(_INSTALL_HINT) from None
    return Figure


def check_plot_target(path: str | os.PathLike) -> None:
    """Raise before any work is done if the plot cannot be written: no matplotlib, bad path."""
    _matplotlib()
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"--plot writes a PNG; give a file name ending in .png, got {str(path)!r}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"--plot: directory {str(parent)!r} does not exist")


def _softmax_class1(scores: np.ndarray) -> np.ndarray:
    """P(class 1) from the model's outputs (two logits, or one score for class 1)."""
    if scores.shape[1] == 1:
        return 1.0 / (1.0 + np.exp(-np.clip(scores[:, 0], -500.0, 500.0)))
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e[:, 1] / e.sum(axis=1)


def plot_training(
    path: str | os.PathLike,
    model: Module,
    history: History,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None = None,
    scaler: Standardizer | None = None,
    title: str = "",
    subtitle: str = "",
) -> None:
    """Write a PNG: the loss per epoch (train and test) beside the decision boundary."""
    Figure = _matplotlib()
    check_plot_target(path)
    fig = Figure(figsize=(11, 4.6), dpi=110, layout="constrained")
    ax_loss, ax_map = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
    _draw_losses(ax_loss, history)
    filled = _draw_boundary(ax_map, model, train, test, scaler)
    ax_map.set_title(subtitle or "Decision boundary (black line: P(class 1) = 0.5)")
    bar = fig.colorbar(filled, ax=ax_map, fraction=0.046, pad=0.02)
    bar.set_label("P(class 1)")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.savefig(path)


def _draw_losses(ax: Any, history: History) -> None:
    """The training (and test) loss per epoch, on a log scale."""
    epochs = np.arange(1, len(history.train) + 1)
    ax.plot(epochs, history.train, color="#1f5fa8", lw=2, label="training loss")
    if history.test:
        ax.plot(epochs, history.test, color="#d9822b", lw=2, label="test loss")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss (log scale)")
    ax.set_title("Loss during training")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(frameon=False)


def _draw_boundary(ax: Any, model: Module, train: tuple[np.ndarray, np.ndarray],
                   test: tuple[np.ndarray, np.ndarray] | None,
                   scaler: Standardizer | None) -> Any:
    """P(class 1) over the plane with its 0.5 line, and the points; returns the filled map."""
    # The boundary is drawn in the data's own units; the model sees standardized inputs.
    shown = [train[0]] if test is None else [train[0], test[0]]
    original = [scaler.inverse(X) if scaler is not None else X for X in shown]
    every = np.vstack(original)
    xx, yy = _plane(every)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    p1 = _softmax_class1(predict(model, scaler.transform(grid) if scaler else grid))
    p1 = p1.reshape(xx.shape)
    # A pale background, so the points (saturated, outlined) stand out on either side.
    filled = ax.contourf(xx, yy, p1, levels=np.linspace(0.0, 1.0, 21), cmap="RdBu_r",
                         alpha=0.45)
    ax.contour(xx, yy, p1, levels=[0.5], colors="k", linewidths=1.6)
    size = 30 if len(every) > 40 else 90  # a handful of points (XOR) can be drawn big
    sets = [("training", original[0], np.asarray(train[1]), "o", size)]
    if test is not None:
        sets.append(("test", original[1], np.asarray(test[1]), "^", 1.7 * size))
    for which, points, labels, marker, size in sets:
        for k, color in enumerate(("#1f5fa8", "#c0392b")):
            chosen = points[labels == k]
            ax.scatter(chosen[:, 0], chosen[:, 1], color=color, marker=marker, s=size,
                       edgecolors="black", linewidths=0.6, label=f"class {k}, {which}")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal", adjustable="box")
    # Below the map, so no point hides behind it.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False,
              ncol=4)
    return filled


def _plane(points: np.ndarray, steps: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A steps × steps grid over the points' bounding box, with a margin around it."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.15 * (high - low) + 0.1
    gx = np.linspace(low[0] - margin[0], high[0] + margin[0], steps)
    gy = np.linspace(low[1] - margin[1], high[1] + margin[1], steps)
    return np.meshgrid(gx, gy)
