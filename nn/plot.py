"""The training picture: loss curves and a classifier's decision boundary, as a PNG.

matplotlib is an optional extra; it is imported only here, through its object-oriented API
(no pyplot), so drawing a file never changes the backend of a running notebook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

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

    epochs = np.arange(1, len(history.train) + 1)
    ax_loss.plot(epochs, history.train, color="#1f5fa8", lw=2, label="training loss")
    if history.test:
        ax_loss.plot(epochs, history.test, color="#d9822b", lw=2, label="test loss")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy loss (log scale)")
    ax_loss.set_title("Loss during training")
    ax_loss.grid(True, which="both", alpha=0.25)
    ax_loss.legend(frameon=False)

    # The boundary is drawn in the data's own units; the model sees standardized inputs.
    X_train, y_train = train
    shown = [X_train] if test is None else [X_train, test[0]]
    original = [scaler.inverse(X) if scaler is not None else X for X in shown]
    every = np.vstack(original)
    low, high = every.min(axis=0), every.max(axis=0)
    margin = 0.15 * (high - low) + 0.1
    gx = np.linspace(low[0] - margin[0], high[0] + margin[0], 300)
    gy = np.linspace(low[1] - margin[1], high[1] + margin[1], 300)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    p1 = _softmax_class1(predict(model, scaler.transform(grid) if scaler else grid))
    p1 = p1.reshape(xx.shape)
    # A pale background, so the points (saturated, outlined) stand out on either side.
    filled = ax_map.contourf(xx, yy, p1, levels=np.linspace(0.0, 1.0, 21), cmap="RdBu_r",
                             alpha=0.45)
    ax_map.contour(xx, yy, p1, levels=[0.5], colors="k", linewidths=1.6)
    colors = ("#1f5fa8", "#c0392b")
    size = 30 if len(every) > 40 else 90  # a handful of points (XOR) can be drawn big
    sets = [("training", original[0], np.asarray(y_train), "o", size)]
    if test is not None:
        sets.append(("test", original[1], np.asarray(test[1]), "^", 1.7 * size))
    for which, points, labels, marker, size in sets:
        for k, color in enumerate(colors):
            chosen = points[labels == k]
            ax_map.scatter(chosen[:, 0], chosen[:, 1], color=color, marker=marker, s=size,
                           edgecolors="black", linewidths=0.6, label=f"class {k}, {which}")
    ax_map.set_title(subtitle or "Decision boundary (black line: P(class 1) = 0.5)")
    ax_map.set_xlabel("x₁")
    ax_map.set_ylabel("x₂")
    ax_map.set_aspect("equal", adjustable="box")
    # Below the map, so no point hides behind it.
    ax_map.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False,
                  ncol=4)
    bar = fig.colorbar(filled, ax=ax_map, fraction=0.046, pad=0.02)
    bar.set_label("P(class 1)")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.savefig(path)
