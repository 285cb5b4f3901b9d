"""Training: `fit` (full batch or mini-batches, in batch mode), predictions and accuracy.

Batch mode puts one NumPy array per input feature through the model, so one graph (of the
same size whatever the number of samples) serves the whole batch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autodiff import Value, gc_paused, no_grad
from autodiff.compile import compile_graph
from autodiff.engine.numpy_on_demand import is_array, np
from autodiff.language import say

from . import losses
from .checks import is_whole, whole_number
from .live_view import LiveView
from .modules import MLP, Module
from .optim import Optimizer

__all__ = [
    "History", "fit", "evaluate", "predict", "predict_classes", "accuracy",
]

LossFn = Callable[[Any, Any], Value]


@dataclass
class History:
    """The losses after each epoch, both at the same weights (those the epoch ended with):
    `train[k]` on the whole training set, `test[k]` on the test set (when fit has one)."""

    train: list[float] = field(default_factory=list)
    test: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.train)


def _loss_fn(loss: LossFn | str) -> LossFn:
    if isinstance(loss, str):
        fn = getattr(losses, loss, None) if loss in losses.__all__ else None
        if fn is None or loss == "l2":
            raise ValueError(f"unknown loss {loss!r}; choose one of "
                             f"{', '.join(n for n in losses.__all__ if n != 'l2')}")
        return fn
    if not callable(loss):
        raise TypeError(f"loss must be a function (outputs, targets) -> Value or a loss name, "
                        f"got {type(loss).__name__}")
    return loss


def _data(X: Any, y: Any, nin: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != nin:
        raise ValueError(f"{what}: X must have shape (samples, {nin}), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"{what}: {len(X)} samples in X but {len(y)} targets in y")
    if len(X) == 0:
        raise ValueError(f"{what}: no samples")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{what}: X holds nan or inf")
    return X, y


def _columns(X: np.ndarray) -> list[np.ndarray]:
    """One array per input feature: the model's batch-mode input."""
    return [np.ascontiguousarray(X[:, j]) for j in range(X.shape[1])]


def fit(
    model: Module,
    X: Any,
    y: Any,
    loss: LossFn | str,
    optimizer: Optimizer,
    epochs: int = 100,
    batch_size: int | None = None,
    *,
    test: tuple[Any, Any] | None = None,
    seed: int | None = 0,
    progress: bool | None = None,
    compiled: bool = False,
    live: bool = False,
) -> History:
    """Train `model` on (X, y) in batch mode; return the loss history per epoch.

    `loss(outputs, targets)` gets the model's output for a batch (a Value, or a list of them)
    and the batch's rows of y. `batch_size=None` trains on the full batch; otherwise the
    samples are reshuffled (by `seed`) every epoch and cut into mini-batches. The history
    holds, after each epoch, the loss on the whole training set and (with `test=(X, y)`) on
    the test set, both at the weights the epoch ended with. `progress`: True shows a tqdm
    bar, False never, None (the default) shows it only once a run has taken more than a second.

    `compiled=True` records the loss graph once, with the parameters and the data as its
    inputs, compiles it (`autodiff.compile_graph`, NumPy backend) and trains by calling the
    compiled function: the same arithmetic without rebuilding the graph every step. An MLP's
    graph has the same shape for every batch, so one recording serves the whole run.
    `live=True` (Jupyter): the loss and decision boundary, one picture updated in place.
    """
    X, y, loss_fn, epochs, test_data = _fit_arguments(model, X, y, loss, optimizer, epochs,
                                                      batch_size, test)
    full = batch_size is None or batch_size >= len(X)
    rng = np.random.default_rng(seed)
    features = _columns(X)
    step = (_CompiledStep if compiled else _Step)(model, loss_fn, optimizer)
    history = History()
    start = time.perf_counter()
    bar = _progress(epochs, progress)
    view = LiveView(lambda rows: predict(model, rows), X, y) if live else None
    try:
        for epoch in range(epochs):
            if full:
                train_loss = _full_batch_epoch(step, features, y, history, epoch)
            else:
                train_loss = _mini_batch_epoch(step, X, y, batch_size, rng, history)
            if test_data is not None:
                history.test.append(evaluate(model, loss_fn, *test_data))
            _show_loss(bar, view, history, epoch, epochs, train_loss)
        if full:  # the last epoch's entry: the loss at the weights it ended with
            history.train.append(evaluate(model, loss_fn, features, y))
        if view is not None:
            view.update(history.train, history.test, epochs, epochs, final=True)
    except BaseException:
        _clear(bar)  # a failed run leaves no half-drawn bar above its error
        raise
    if bar is not None:
        bar.close()
    history.seconds = time.perf_counter() - start
    return history


def _full_batch_epoch(step: _Step, features: list, y: Any, history: History, epoch: int) -> float:
    """One step on the whole training set; returns the loss it measured before stepping."""
    # That loss is at the weights the previous epoch ended with: it is that epoch's entry,
    # for free (fit measures the last epoch's after the loop).
    train_loss = step(features, y)
    if epoch:
        history.train.append(train_loss)
    return train_loss


def _mini_batch_epoch(step: _Step, X: np.ndarray, y: np.ndarray, batch_size: int,
                      rng: np.random.Generator, history: History) -> float:
    """One step per mini-batch, the samples reshuffled first; returns (and keeps) the loss on
    the whole training set at the weights the epoch ended with."""
    order = rng.permutation(len(X))
    for begin in range(0, len(X), batch_size):
        idx = order[begin : begin + batch_size]
        step(_columns(X[idx]), y[idx])
    train_loss = evaluate(step.model, step.loss_fn, _columns(X), y)
    history.train.append(train_loss)
    return train_loss


def _show_loss(bar: Any, view: LiveView | None, history: History, epoch: int, epochs: int,
               train_loss: float) -> None:
    """The loss beside the progress bar (about a hundred times a run, not on every epoch),
    and the live picture (at most a few times a second)."""
    if view is not None:
        view.update(history.train, history.test, epoch + 1, epochs)
    if bar is None:
        return
    if epoch % max(1, epochs // 100) == 0 or epoch == epochs - 1:
        bar.set_postfix_str(f"loss {train_loss:.4g}", refresh=False)
    bar.update()


def _fit_arguments(model: Module, X: Any, y: Any, loss: LossFn | str, optimizer: Any,
                   epochs: Any, batch_size: Any, test: Any) -> tuple:
    """fit's arguments checked: (X, y, loss function, epochs, test columns and targets)."""
    nin = _input_count(model)
    X, y = _data(X, y, nin, "fit")
    loss_fn = _loss_fn(loss)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn optimizer (SGD, Adam), "
                        f"got {type(optimizer).__name__}")
    epochs = int(whole_number(epochs, "epochs", 1))
    if batch_size is not None and not (is_whole(batch_size) and batch_size >= 1):
        raise ValueError(f"batch_size must be a whole number >= 1 or None, got {batch_size!r}")
    test_data = None
    if test is not None:
        X_test, y_test = _data(*test, nin, "fit test data")
        test_data = (_columns(X_test), y_test)
    return X, y, loss_fn, epochs, test_data


def _input_count(model: Module) -> int:
    if isinstance(model, MLP):
        return model.nin
    if hasattr(model, "neurons"):
        return len(model.neurons[0].w)
    if hasattr(model, "w") and isinstance(model.w, list):
        return len(model.w)
    raise TypeError(f"fit trains an MLP, a Layer or a Neuron, got {type(model).__name__}")


def _scalar_loss(value: Any) -> Value:
    if type(value) is not Value or type(value.data) is not float:
        raise ValueError("the loss must return one scalar Value (reduce a batch with .mean())")
    return value


class _Step:
    """One gradient step on one batch, building the graph anew; returns the loss before it."""

    def __init__(self, model: Module, loss_fn: LossFn, optimizer: Optimizer) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer

    def __call__(self, features: list, y: Any) -> float:
        # The step's graph is acyclic and dies with the step: the cyclic collector need
        # not rescan it while it grows (it is resumed, as it was, right after).
        with gc_paused():
            value = _scalar_loss(self.loss_fn(self.model(features), y))
            self.optimizer.zero_grad()
            value.backward()
            self.optimizer.step()
        return value.data


class _CompiledStep(_Step):
    """The same step through a compiled graph, recorded on the first batch it sees.

    The data become inputs of the graph as leaves: one per input feature and one per target
    column; for class labels (y a 1-D int array, the model two or more outputs), one 0/1
    indicator per class, the one-hot labels `softmax_cross_entropy` takes, so any loss built
    on it records (the kind of targets is read from the data, not from the loss function).
    """

    function: Any = None

    def __call__(self, features: list, y: Any) -> float:
        if self.function is None:
            self._record(features, y)
        values = [p.data for p in self.params] + list(features) + self._targets(y)
        value, grads = self.function(*values)
        self.optimizer.zero_grad()  # as the uncompiled step: grads of anything else are 0
        for p, g in zip(self.params, grads):
            p.grad = g
        self.optimizer.step()
        return float(value)

    def _targets(self, y: Any) -> list:
        y = np.asarray(y)
        if self.classes:
            return [(y == k).astype(float) for k in range(self.classes)]
        y = y.astype(float)
        return [y] if y.ndim == 1 else [np.ascontiguousarray(c) for c in y.T]

    def _record(self, features: list, y: Any) -> None:
        self.params = self.model.parameters()
        xs = [Value(f, label=f"x{j + 1}") for j, f in enumerate(features)]
        out = self.model(xs)
        outputs = 1 if type(out) is Value else len(out)
        labels = np.asarray(y)
        self.classes = outputs if outputs > 1 and labels.ndim == 1 and labels.dtype.kind in "iu" \
            else 0
        ts = [Value(t, label=f"t{k + 1}") for k, t in enumerate(self._targets(y))]
        try:
            root = _scalar_loss(self.loss_fn(out, ts if self.classes or len(ts) > 1 else ts[0]))
        except TypeError as error:
            given = (f"a list of {self.classes} one-hot label Values" if self.classes
                     else "the target columns as Values")
            raise TypeError(f"fit(compiled=True) records the loss once with the targets as "
                            f"graph inputs ({given}), and the loss refused them: {error}. "
                            "Build the loss from nn.losses, or train with compiled=False") \
                from error
        self.function = compile_graph(root, [*self.params, *xs, *ts], backend="numpy",
                                      wrt=self.params)


def evaluate(model: Module, loss: LossFn | str, X: Any, y: Any) -> float:
    """The loss on (X, y) without recording a graph; X as rows or as per-feature columns."""
    loss_fn = _loss_fn(loss)
    features = _columns(np.asarray(X, dtype=float)) if _is_rows(X) else X
    with no_grad():
        return float(loss_fn(model(features), y).data)


def _is_rows(X: Any) -> bool:
    return is_array(X) and X.ndim == 2


def _progress(epochs: int, progress: bool | None):
    """The progress bar of `epochs` epochs, or None. Updated by hand, not by iterating it:
    iterating would close it (and leave its last state drawn) whenever an epoch fails."""
    if progress is False:
        return None
    from tqdm.auto import tqdm  # loaded only when a bar may be shown

    # delay: a short run finishes before the bar would appear, so it never clutters output.
    return tqdm(total=epochs, desc=say("train.progress"), unit="epoch", file=sys.stderr,
                delay=0.0 if progress else 1.0, leave=bool(progress))


def _clear(bar) -> None:
    """Close a progress bar and wipe its line (its last state would read as a finished run)."""
    if bar is not None:
        bar.leave = False
        bar.close()


def predict(model: Module, X: Any) -> np.ndarray:
    """The model's outputs for the rows of X, shape (samples, outputs), without a graph."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"predict: X must have shape (samples, features), got {X.shape}")
    with no_grad():
        out = model(_columns(X))
    outs = [out] if type(out) is Value else list(out)
    return np.column_stack([np.broadcast_to(np.asarray(o.data, dtype=float), (len(X),))
                            for o in outs])


def predict_classes(model: Module, X: Any) -> np.ndarray:
    """Class indices: the largest output, or (one output) 1 where the score is > 0, else 0."""
    scores = predict(model, X)
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0.0).astype(int)
    return np.argmax(scores, axis=1)


def accuracy(model: Module, X: Any, y: Any) -> float:
    """The fraction of samples classified right (labels 0..C-1, or -1/+1 for one output)."""
    y = np.asarray(y)
    predicted = predict_classes(model, X)
    if np.any(y < 0):  # ±1 labels, as the hinge loss wants them
        predicted = 2 * predicted - 1
    return float(np.mean(predicted == y))
