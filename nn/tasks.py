"""The two demo tasks behind `autodiff train {xor,moons}`: data, network, settings, a plot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import datasets, losses
from .checks import is_number, short_repr, whole_number
from .modules import MLP
from .optim import Adam
from .plot import check_plot_target, plot_training
from .training import accuracy, evaluate, fit

__all__ = ["Task", "TASKS", "run_task"]


@dataclass(frozen=True)
class Task:
    """A demo: its data, its network, and its default training settings."""

    name: str
    hidden: tuple[int, ...]
    activation: str
    epochs: int
    lr: float
    about: str


TASKS: dict[str, Task] = {
    "xor": Task("xor", (8,), "tanh", 200, 0.05,
                "XOR: 4 points, MLP 2-8-2 (tanh), softmax cross-entropy, Adam"),
    "moons": Task("moons", (16, 16), "relu", 150, 0.03,
                  "two moons: 200 points (noise 0.1), MLP 2-16-16-2 (relu), "
                  "softmax cross-entropy, Adam, 150 train / 50 test"),
}


def run_task(
    task: str,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    plot: str | None = None,
) -> dict:
    """Train one demo task with a progress bar; print and return its loss and accuracy."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    spec = TASKS[task]
    if epochs is None:
        epochs = spec.epochs
    epochs = whole_number(epochs, "--epochs", 1)
    if lr is None:
        lr = spec.lr
    if not is_number(lr) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"--lr must be a number > 0, got {short_repr(lr)}")
    seed = whole_number(seed, "--seed", 0)
    if plot is not None:
        check_plot_target(plot)  # fail before training, not after

    if task == "xor":
        X_train, y_train = datasets.xor()
        X_test = y_test = None
        scaler = None
    else:
        X, y = datasets.make_moons(200, 0.1, seed=seed)
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.25, seed=seed)
        scaler = datasets.Standardizer.fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    model = MLP(2, [*spec.hidden, 2], activation=spec.activation, out_activation="linear",
                seed=seed)
    history = fit(model, X_train, y_train, losses.softmax_cross_entropy,
                  Adam(model.parameters(), lr=float(lr)), epochs=int(epochs),
                  test=None if X_test is None else (X_test, y_test), seed=seed, progress=True)

    final_loss = evaluate(model, losses.softmax_cross_entropy, X_train, y_train)
    train_accuracy = accuracy(model, X_train, y_train)
    result: dict[str, Any] = {
        "loss": final_loss,
        "accuracy": train_accuracy,
        "train_accuracy": train_accuracy,
        "history": {"train": history.train, "test": history.test},
        "seconds": history.seconds,
        "model": model,
    }
    line = (f"{task}: {int(epochs)} epochs in {history.seconds:.2f} s; final loss "
            f"{final_loss:.4g}, accuracy {_percent(train_accuracy, len(y_train))}")
    if X_test is not None:
        test_accuracy = accuracy(model, X_test, y_test)
        result["accuracy"] = test_accuracy
        result["test_accuracy"] = test_accuracy
        result["test_loss"] = evaluate(model, losses.softmax_cross_entropy, X_test, y_test)
        line = (f"{task}: {int(epochs)} epochs in {history.seconds:.2f} s; final loss "
                f"{final_loss:.4g} (test {result['test_loss']:.4g}), test accuracy "
                f"{_percent(test_accuracy, len(y_test))}, training accuracy "
                f"{_percent(train_accuracy, len(y_train))}")
    print(line)
    accuracy_text = (f"test accuracy {_percent(result['accuracy'], len(y_test))}"
                     if X_test is not None else
                     f"accuracy {_percent(train_accuracy, len(y_train))}")
    if plot is not None:
        plot_training(
            plot, model, history,
            train=(X_train, y_train),
            test=None if X_test is None else (X_test, y_test),
            scaler=scaler,
            title=spec.about,
            subtitle=f"Decision boundary; {accuracy_text}",
        )
        print(f"wrote {plot}")
    return result


def _percent(fraction: float, n: int) -> str:
    return f"{100 * fraction:.1f}% ({round(fraction * n)}/{n})"
