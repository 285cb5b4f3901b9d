"""Training: fit (full batch, mini-batches, compiled), the xor and moons tasks, the plot."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import nn
from autodiff import Value
from nn import MLP, SGD, Adam, datasets, losses
from nn.tasks import run_task
from nn.training import accuracy, evaluate, predict, predict_classes


def moons_split(seed: int = 0):
    X, y = datasets.make_moons(200, 0.1, seed=seed)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.25, seed=seed)
    X_train, X_test = datasets.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def test_fit_full_batch_lowers_the_loss_and_records_history():
    X_train, X_test, y_train, y_test = moons_split()
    model = MLP(2, [8, 2], activation="tanh", seed=0)
    history = nn.fit(model, X_train, y_train, "softmax_cross_entropy",
                     Adam(model.parameters(), lr=0.05), epochs=40,
                     test=(X_test, y_test), progress=False)
    assert len(history) == 40 and len(history.test) == 40
    assert history.train[-1] < 0.5 * history.train[0]
    assert history.test[-1] < history.test[0]
    # each entry is measured at the weights the epoch ended with: the last is the model's now
    assert evaluate(model, losses.softmax_cross_entropy, X_train, y_train) == pytest.approx(
        history.train[-1], rel=1e-14)
    assert evaluate(model, losses.softmax_cross_entropy, X_test, y_test) == pytest.approx(
        history.test[-1], rel=1e-14)


def test_full_batch_step_equals_the_mean_of_per_sample_gradients():
    """Batch mode and one sample at a time train to the same parameters."""
    X, y = datasets.make_moons(12, 0.1, seed=4)
    a, b = MLP(2, [4, 2], seed=1), MLP(2, [4, 2], seed=1)
    nn.fit(a, X, y, losses.softmax_cross_entropy, SGD(a.parameters(), lr=0.3), epochs=3,
           progress=False)
    opt = SGD(b.parameters(), lr=0.3)
    for _ in range(3):
        total = sum((losses.softmax_cross_entropy(b(list(x)), int(t)) for x, t in zip(X, y)),
                    Value(0.0))
        opt.zero_grad()
        (total / len(X)).backward()
        opt.step()
    np.testing.assert_allclose(list(a.state_dict().values()), list(b.state_dict().values()),
                               rtol=1e-12, atol=1e-14)


def test_mini_batches_are_seeded_and_weighted():
    X_train, _, y_train, _ = moons_split()
    runs = []
    for _ in range(2):
        model = MLP(2, [6, 2], seed=3)
        history = nn.fit(model, X_train, y_train, losses.softmax_cross_entropy,
                         SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=5,
                         batch_size=32, seed=7, progress=False)
        runs.append((history.train, model.state_dict()))
    assert runs[0] == runs[1]
    assert runs[0][0][-1] < runs[0][0][0]


@pytest.mark.parametrize("batch_size", [None, 40])
def test_compiled_training_gives_the_same_parameters(batch_size):
    X_train, X_test, y_train, y_test = moons_split(1)
    results = []
    for compiled in (False, True):
        model = MLP(2, [8, 8, 2], seed=2)
        history = nn.fit(model, X_train, y_train, losses.softmax_cross_entropy,
                         Adam(model.parameters(), lr=0.02), epochs=8, batch_size=batch_size,
                         test=(X_test, y_test), progress=False, compiled=compiled)
        results.append((history, model.state_dict()))
    (h0, s0), (h1, s1) = results
    np.testing.assert_allclose(list(s1.values()), list(s0.values()), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h1.train, h0.train, rtol=1e-13)
    np.testing.assert_allclose(h1.test, h0.test, rtol=1e-13)


def test_compiled_training_with_regression_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    Y = np.column_stack([X[:, 0] - X[:, 1], np.tanh(X[:, 2])])
    states = []
    for compiled in (False, True):
        model = MLP(3, [5, 2], activation="tanh", seed=0)
        nn.fit(model, X, Y, losses.mse, SGD(model.parameters(), lr=0.1), epochs=5,
               batch_size=8, progress=False, compiled=compiled)
        states.append(list(model.state_dict().values()))
    np.testing.assert_allclose(states[1], states[0], rtol=1e-13, atol=1e-15)


def test_xor_reaches_four_of_four_for_most_seeds(capsys):
    solved = [run_task("xor", seed=s)["accuracy"] == 1.0 for s in range(6)]
    assert sum(solved) >= 5
    out = capsys.readouterr().out
    assert "xor:" in out and "accuracy 100.0% (4/4)" in out


def test_moons_reaches_97_percent_in_batch_mode(tmp_path, capsys):
    result = run_task("moons", seed=0, plot=str(tmp_path / "moons.png"))
    assert result["accuracy"] >= 0.97
    assert result["test_accuracy"] == result["accuracy"] and result["train_accuracy"] >= 0.97
    assert len(result["history"]["train"]) == 150 and len(result["history"]["test"]) == 150
    assert result["loss"] == pytest.approx(
        evaluate(result["model"], losses.softmax_cross_entropy, *moons_split(0)[0::2]))
    png = (tmp_path / "moons.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    out = capsys.readouterr().out
    assert "test accuracy" in out and "moons.png" in out


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"task": "spiral"}, "unknown task 'spiral'"),
        ({"task": "xor", "epochs": 0}, "--epochs"),
        ({"task": "xor", "epochs": 2.5}, "--epochs"),
        ({"task": "xor", "lr": 0.0}, "--lr"),
        ({"task": "xor", "lr": -1.0}, "--lr"),
        ({"task": "xor", "lr": float("nan")}, "--lr"),
        ({"task": "xor", "seed": -1}, "--seed"),
        ({"task": "xor", "plot": "/no/such/dir/p.png"}, "does not exist"),
        ({"task": "xor", "plot": "picture.svg"}, ".png"),
    ],
)
def test_run_task_refusals_are_one_line_value_errors(kwargs, text):
    task = kwargs.pop("task")
    with pytest.raises(ValueError, match=text) as info:
        run_task(task, **kwargs)
    assert "\n" not in str(info.value)


def test_plot_without_matplotlib_names_the_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import now fails
    with pytest.raises(ImportError, match="pip install matplotlib"):
        run_task("xor", epochs=1, plot=str(tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()


def test_predict_and_accuracy():
    model = MLP(2, [1], out_activation="linear")
    model.load_state_dict({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": 0.0,
                           "layers.0.neurons.0.b": 0.0})
    X = np.array([[1.0, 5.0], [-2.0, 0.0], [3.0, 1.0]])
    assert predict(model, X).tolist() == [[1.0], [-2.0], [3.0]]
    assert predict_classes(model, X).tolist() == [1, 0, 1]
    assert accuracy(model, X, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(model, X, np.array([1.0, -1.0, 1.0])) == 1.0  # ±1 labels (hinge)


def test_fit_refusals():
    model = MLP(2, [3, 1])
    X, y = np.zeros((4, 2)), np.zeros(4)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        nn.fit(model, X, y, "mse", opt, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        nn.fit(model, X, y, "mse", opt, batch_size=0)
    with pytest.raises(ValueError, match="unknown loss"):
        nn.fit(model, X, y, "cross_entropy", opt)
    with pytest.raises(ValueError, match=r"shape \(samples, 2\)"):
        nn.fit(model, np.zeros((4, 3)), y, "mse", opt)
    with pytest.raises(ValueError, match="4 samples in X but 3"):
        nn.fit(model, X, y[:3], "mse", opt)
    with pytest.raises(TypeError, match="optimizer"):
        nn.fit(model, X, y, "mse", "adam")
    with pytest.raises(ValueError, match="scalar"):
        nn.fit(model, X, y, lambda out, t: out, opt, epochs=1, progress=False)


def test_progress_bar_goes_to_stderr(capsys):
    model = MLP(2, [2, 1], seed=0)
    nn.fit(model, np.zeros((3, 2)), np.zeros(3), "mse", SGD(model.parameters(), lr=0.1),
           epochs=3, progress=True)
    captured = capsys.readouterr()
    assert "training" in captured.err and "3/3" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("batch_size, compiled", [(None, False), (None, True), (16, False),
                                                  (16, True)])
def test_train_and_test_losses_are_measured_at_the_same_weights(batch_size, compiled):
    """With the training set as the test set, the two curves are one: each entry of both is
    the loss on the whole set at the weights the epoch ended with."""
    X_train, _, y_train, _ = moons_split(2)
    model = MLP(2, [6, 2], activation="tanh", seed=1)
    history = nn.fit(model, X_train, y_train, losses.softmax_cross_entropy,
                     SGD(model.parameters(), lr=0.2), epochs=6, batch_size=batch_size,
                     test=(X_train, y_train), progress=False, compiled=compiled)
    assert len(history.train) == len(history.test) == 6
    np.testing.assert_allclose(history.train, history.test, rtol=1e-12)
    assert history.train[-1] < history.train[0]


@pytest.mark.parametrize("batch_size", [None, 16])
def test_compiled_training_with_a_loss_that_wraps_cross_entropy(batch_size):
    """Seed 002's loss, cross-entropy + ½·reg·Σ W² on the weights only, compiled or not."""
    X_train, X_test, y_train, y_test = moons_split(3)
    results = []
    for compiled in (False, True):
        model = MLP(2, [8, 2], seed=4)

        def loss(out, target, model=model):
            return (losses.softmax_cross_entropy(out, target)
                    + 0.5 * 1e-2 * losses.l2(model.weights()))

        history = nn.fit(model, X_train, y_train, loss, SGD(model.parameters(), lr=0.3),
                         epochs=5, batch_size=batch_size, test=(X_test, y_test),
                         progress=False, compiled=compiled)
        results.append((history, list(model.state_dict().values())))
    (h0, s0), (h1, s1) = results
    np.testing.assert_allclose(s1, s0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h1.train, h0.train, rtol=1e-12)
    np.testing.assert_allclose(h1.test, h0.test, rtol=1e-12)


def test_compiled_training_says_how_targets_arrive_when_a_loss_refuses_them():
    X, y = datasets.make_moons(20, 0.1, seed=0)
    model = MLP(2, [4, 2], seed=0)

    def picky(out, target):
        return losses.softmax_cross_entropy(out, np.asarray(target).astype(int))

    with pytest.raises(TypeError, match="one-hot label Values"):
        nn.fit(model, X, y, picky, SGD(model.parameters(), lr=0.1), epochs=1,
               progress=False, compiled=True)
