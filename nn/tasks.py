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


@dataclass(frozen=True)
class _Data:
    """A task's samples as the model sees them; `scaler` maps them back for the plot."""

    train: tuple[Any, Any]
    test: tuple[Any, Any] | None
    scaler: datasets.Standardizer | None


def run_task(
    task: str,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    plot: str | None = None,
) -> dict:
    """Train one demo task with a progress bar; print and return its loss and accuracy."""
    spec, epochs, lr, seed = _settings(task, epochs, lr, seed)
    if plot is not None:
        check_plot_target(plot)  # fail before training, not after
    data = _task_data(task, seed)
    model = MLP(2, [*spec.hidden, 2], activation=spec.activation, out_activation="linear",
                seed=seed)
    history = fit(model, *data.train, losses.softmax_cross_entropy,
                  Adam(model.parameters(), lr=lr), epochs=epochs, test=data.test, seed=seed,
                  progress=True)
    result = _measure(model, data, history)
    print(f"{task}: {epochs} epochs in {history.seconds:.2f} s; {_summary(result, data)}")
    if plot is not None:
        shown = (f"test accuracy {_percent(result['accuracy'], len(data.test[1]))}"
                 if data.test is not None else
                 f"accuracy {_percent(result['train_accuracy'], len(data.train[1]))}")
        plot_training(plot, model, history, train=data.train, test=data.test,
                      scaler=data.scaler, title=spec.about,
                      subtitle=f"Decision boundary; {shown}")
        print(f"wrote {plot}")
    return result


def _settings(task: str, epochs: Any, lr: Any, seed: Any) -> tuple[Task, int, float, int]:
    """The task and its settings checked, the task's defaults where none is given."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    spec = TASKS[task]
    epochs = whole_number(spec.epochs if epochs is None else epochs, "--epochs", 1)
    if lr is None:
        lr = spec.lr
    if not is_number(lr) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"--lr must be a number > 0, got {short_repr(lr)}")
    return spec, int(epochs), float(lr), whole_number(seed, "--seed", 0)


def _task_data(task: str, seed: int) -> _Data:
    """XOR's four points; or two moons, split 150 / 50 and standardized on the training set."""
    if task == "xor":
        return _Data(datasets.xor(), None, None)
    X, y = datasets.make_moons(200, 0.1, seed=seed)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.25, seed=seed)
    scaler = datasets.Standardizer.fit(X_train)
    return _Data((scaler.transform(X_train), y_train), (scaler.transform(X_test), y_test),
                 scaler)


def _measure(model: MLP, data: _Data, history: Any) -> dict[str, Any]:
    """The trained model's loss and accuracy: on the test set where there is one."""
    loss = losses.softmax_cross_entropy
    train_accuracy = accuracy(model, *data.train)
    result: dict[str, Any] = {
        "loss": evaluate(model, loss, *data.train),
        "accuracy": train_accuracy,
        "train_accuracy": train_accuracy,
        "history": {"train": history.train, "test": history.test},
        "seconds": history.seconds,
        "model": model,
    }
    if data.test is not None:
        result["accuracy"] = result["test_accuracy"] = accuracy(model, *data.test)
        result["test_loss"] = evaluate(model, loss, *data.test)
    return result


def _summary(result: dict[str, Any], data: _Data) -> str:
    """The printed line's end: the final loss and the accuracies, as fractions and counts."""
    trained = _percent(result["train_accuracy"], len(data.train[1]))
    if data.test is None:
        return f"final loss {result['loss']:.4g}, accuracy {trained}"
    tested = _percent(result["test_accuracy"], len(data.test[1]))
    return (f"final loss {result['loss']:.4g} (test {result['test_loss']:.4g}), test accuracy "
            f"{tested}, training accuracy {trained}")


def _percent(fraction: float, n: int) -> str:
    return f"{100 * fraction:.1f}% ({round(fraction * n)}/{n})"
