"""check_backprop: a learner's NumPy backprop, right and with each slip planted, on several nets.

The learner below is written the way the seed posts write it (W of shape (nin, nout), X rows as
samples, `delta` per layer), independently of nn.backprop_slips; each slip is planted in its
code the way a learner makes it, and must be found, of its kind and in its layer, in exactly
the arrays it changes, and nowhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from nn.homework import check_backprop, engine_gradients, make_net

F = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
     "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z}
DF = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a**2,
      "relu": lambda a: (a > 0) * 1.0, "linear": lambda a: np.ones_like(a)}


def learner(W, X, y, cfg, slip=(None, None)):
    """A learner's backprop for any depth, with one slip (what, layer) planted."""
    what, at = slip
    depth = len([k for k in W if k.startswith("W")])
    acts, N = [X], X.shape[0]
    for k in range(1, depth + 1):
        act = cfg["out_activation"] if k == depth else cfg["activation"]
        acts.append(F[act](acts[-1] @ W[f"W{k}"] + W[f"b{k}"]))
    a, zL = acts[-1], acts[-2] @ W[f"W{depth}"] + W[f"b{depth}"]
    if cfg["loss"] == "softmax_cross_entropy":
        p = np.exp(zL - zL.max(axis=1, keepdims=True))
        delta = p / p.sum(axis=1, keepdims=True)
        delta[range(N), y] -= 1
    else:
        delta = (a - y) * (2 / y.shape[1] if cfg["loss"] == "mse" else 1)
        if what == "slope at z" and at == depth:
            delta = delta * DF[cfg["out_activation"]](zL)
        elif not (what == "no act'" and at == depth):
            delta = delta * DF[cfg["out_activation"]](a)
    if what == "sign":
        delta = -delta
    per_array_mean = cfg.get("per_array_mean", False)  # seed 003: 1/m on each array
    if cfg["reduction"] == "mean" and what != "no 1/N" and not per_array_mean:
        delta = delta / N
    if what == "1/N twice":
        delta = delta / N
    g = {}
    for k in range(depth, 0, -1):
        a_prev, Wl = acts[k - 1], W[f"W{k}"]
        scale = 1 / N if per_array_mean else 1.0
        dW = delta.T @ a_prev if what == "transposed dW" and at == k else a_prev.T @ delta
        if what == "dW first row" and at == k:
            dW = np.outer(a_prev[0], delta[0])
        if not (what == "no 1/N dW" and at == k):
            dW = scale * dW
        if what == "sign dW" and at == k:
            dW = -dW
        if cfg.get("reg"):
            factor = {"L2 left out": 0.0, "L2 doubled": 2.0}.get(what, 1.0) if at == k else 1.0
            dW = dW + factor * cfg["reg"] * Wl
        db = np.sum(delta, axis=0, keepdims=True)
        if at == k:
            db = {"db no sum": delta, "db first row": delta[0], "db axis 1": delta.sum(axis=1),
                  "db all": np.sum(delta), "mean db": np.mean(delta, axis=0)}.get(what, db)
        db = scale * db
        g[f"dW{k}"], g[f"db{k}"] = dW, db
        if k > 1:
            back = Wl if what == "transposed back" and at == k else Wl.T
            hidden = acts[k - 1]
            slope = DF[cfg["activation"]]
            if what == "no act'" and at == k - 1:
                delta = delta @ back
            elif what == "slope at z" and at == k - 1:
                delta = (delta @ back) * slope(acts[k - 2] @ W[f"W{k - 1}"] + W[f"b{k - 1}"])
            else:
                delta = (delta @ back) * slope(hidden)
    return g


KIND = {"transposed dW": "transposed", "transposed back": "transposed",
        "no act'": "missing activation derivative", "slope at z": "wrong slope",
        "db no sum": "batch sum", "db first row": "batch sum", "dW first row": "batch sum",
        "db axis 1": "wrong axis", "db all": "wrong axis", "no 1/N": "1/N forgotten",
        "1/N twice": "extra 1/N", "sign": "sign", "mean db": "extra 1/N",
        "L2 left out": "L2", "L2 doubled": "L2", "sign dW": "sign", "no 1/N dW": "1/N forgotten"}


def network(sizes, n, seed, cfg):
    """Random weights (biases as (1, n) rows, as the seeds keep them) and data."""
    rng = np.random.default_rng(seed)
    W = {}
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        W[f"W{k}"] = rng.normal(0, 0.8, size=(a, b))
        W[f"b{k}"] = rng.normal(0, 0.3, size=(1, b))
    X = rng.normal(size=(n, sizes[0]))
    if cfg["loss"] == "softmax_cross_entropy":
        y = rng.integers(0, sizes[-1], size=n)
    else:
        y = rng.uniform(0.05, 0.95, size=(n, sizes[-1]))
    return W, X, y


NETS = {  # name: (sizes, samples, seed, settings)
    "seed000": ((2, 3, 2), 4, 1, dict(activation="tanh", out_activation="linear",
                                      loss="softmax_cross_entropy", reduction="sum")),
    "seed002": ((4, 5, 3), 6, 2, dict(activation="relu", out_activation="linear",
                                      loss="softmax_cross_entropy", reduction="mean", reg=0.1)),
    "seed003": ((3, 4, 2), 5, 3, dict(activation="tanh", out_activation="linear",
                                      loss="half_sse", reduction="mean", per_array_mean=True)),
    "deep": ((3, 4, 4, 2), 6, 4, dict(activation="sigmoid", out_activation="sigmoid",
                                      loss="half_sse", reduction="mean")),
    "mse": ((2, 3, 1), 7, 5, dict(activation="relu", out_activation="tanh", loss="mse",
                                  reduction="sum")),
}


def check(grads, W, X, y, cfg):
    options = {k: v for k, v in cfg.items() if k != "per_array_mean"}
    return check_backprop(grads, W, X, y, **options)


def applicable(name):
    sizes, _, _, cfg = NETS[name]
    depth = len(sizes) - 1
    out_slope = cfg["loss"] != "softmax_cross_entropy" and cfg["out_activation"] != "linear"
    plants = []
    for k in range(1, depth + 1):
        plants += [(w, k) for w in ("dW first row", "db no sum", "db first row", "db axis 1",
                                    "mean db", "sign dW")]
        if sizes[k] > 1:  # with one unit, summing over everything is the sum over the batch
            plants.append(("db all", k))
        if not cfg.get("reg"):  # with L2, a transposed dW + reg * W does not run at all
            plants.append(("transposed dW", k))
        hidden = k < depth
        if hidden or out_slope:
            plants.append(("no act'", k))
            act = cfg["activation"] if hidden else cfg["out_activation"]
            if act in ("sigmoid", "tanh"):
                plants.append(("slope at z", k))
        if k > 1 and sizes[k - 1] == sizes[k]:
            plants.append(("transposed back", k))
        if cfg.get("reg"):
            plants += [("L2 left out", k), ("L2 doubled", k)]
        if cfg.get("per_array_mean"):
            plants.append(("no 1/N dW", k))
    plants += [("sign", 0), ("1/N twice", 0)]
    if cfg["reduction"] == "mean" and not cfg.get("per_array_mean"):
        plants.append(("no 1/N", 0))
    return [(name, p) for p in plants]


CASES = [case for name in NETS for case in applicable(name)]


@pytest.mark.parametrize("name", NETS)
def test_right_code_is_all_right(name):
    sizes, n, seed, cfg = NETS[name]
    W, X, y = network(sizes, n, seed, cfg)
    report = check(learner(W, X, y, cfg), W, X, y, cfg)
    assert report.ok, str(report)
    assert report.first_wrong is None and report.slips == []
    assert [r.name for r in report.rows][:2] == [f"dW{len(sizes) - 1}", f"db{len(sizes) - 1}"]


@pytest.mark.parametrize("name,plant", CASES, ids=[f"{n}-{p[0]}-{p[1]}" for n, p in CASES])
def test_each_planted_slip_is_found_where_it_shows_and_nowhere_else(name, plant):
    sizes, n, seed, cfg = NETS[name]
    W, X, y = network(sizes, n, seed, cfg)
    right = learner(W, X, y, cfg)
    given = learner(W, X, y, cfg, plant)
    shows = {k for k in right if np.shape(given[k]) != np.shape(right[k])
             or not np.allclose(given[k], right[k], rtol=1e-5, atol=1e-8)}
    assert shows, "the plant changed nothing"
    report = check(given, W, X, y, cfg)
    assert not report.ok
    assert {r.name for r in report.rows if r.status != "right"} == shows
    assert len(report.slips) == 1, str(report)
    slip = report.slips[0]
    assert (slip.kind, slip.layer, set(slip.where)) == (KIND[plant[0]], plant[1], shows)
    order = [r.name for r in report.rows]
    assert report.first_wrong.name == min(shows, key=order.index)


def test_engine_gradients_match_the_textbook_network():
    # The hand-worked 2-2-2 network: W1[:, j] are hidden neuron j's weights (w1, w2 | w3, w4).
    W = {"W1": [[0.15, 0.25], [0.20, 0.30]], "b1": [0.35, 0.35],
         "W2": [[0.40, 0.50], [0.45, 0.55]], "b2": [0.60, 0.60]}
    net = make_net(W, [[0.05, 0.10]], [[0.01, 0.99]], "sigmoid", "sigmoid", "half_sse",
                   "mean", 0.0)
    grads = engine_gradients(net)
    assert grads["dW2"][0, 0] == pytest.approx(0.082167041, abs=1e-9)  # dE/dw5
    assert grads["dW2"][1, 1] == pytest.approx(-0.022740242, abs=1e-9)  # dE/dw8
    assert grads["dW1"][0, 0] == pytest.approx(0.000438568, abs=1e-9)  # dE/dw1
    assert grads["dW1"][1, 1] == pytest.approx(0.000995425, abs=1e-9)  # dE/dw4


def test_wrong_entry_is_named_with_both_numbers():
    sizes, n, seed, cfg = NETS["seed003"]
    W, X, y = network(sizes, n, seed, cfg)
    given = learner(W, X, y, cfg)
    given["dW1"] = given["dW1"].copy()
    given["dW1"][2, 1] += 0.5  # a slip no catalog entry makes
    report = check(given, W, X, y, cfg)
    row = report.first_wrong
    assert (row.name, row.status, row.index) == ("dW1", "wrong", (2, 1))
    assert row.given_entry == pytest.approx(row.expected_entry + 0.5)
    assert report.slips == []
    assert "dW1[2, 1]: expected" in str(report) and "no slip" in str(report)


def test_two_slips_in_two_layers_are_both_found():
    sizes, n, seed, cfg = NETS["deep"]
    W, X, y = network(sizes, n, seed, cfg)
    given = learner(W, X, y, cfg, ("transposed dW", 3))
    given["db1"] = learner(W, X, y, cfg, ("db first row", 1))["db1"]
    report = check(given, W, X, y, cfg)
    found = {(s.kind, s.layer, s.where) for s in report.slips}
    assert found == {("transposed", 3, ("dW3",)), ("batch sum", 1, ("db1",))}


def test_a_function_is_called_and_bias_shapes_are_the_learners():
    sizes, n, seed, cfg = NETS["seed000"]
    W, X, y = network(sizes, n, seed, cfg)
    calls = []

    def backprop(weights, X_, y_):
        calls.append(1)
        grads = learner(weights, X_, y_, cfg)
        grads["db1"] = grads["db1"].reshape(-1, 1)  # a column: still the same numbers
        return {k.lower(): v for k, v in grads.items()}  # dw1 as seed 002 writes it

    assert check(backprop, W, X, y, cfg).ok and calls == [1]
    flat = {k: (np.ravel(v) if k.startswith("b") else v) for k, v in W.items()}
    assert check(learner(W, X, y, cfg), flat, X, y, cfg).ok


def test_missing_array_and_bad_names():
    sizes, n, seed, cfg = NETS["seed000"]
    W, X, y = network(sizes, n, seed, cfg)
    given = learner(W, X, y, cfg)
    del given["db2"]
    report = check(given, W, X, y, cfg)
    assert not report.ok and report.rows[1].status == "missing"
    with pytest.raises(ValueError, match="unknown gradient 'dW3'"):
        check({"dW3": 0}, W, X, y, cfg)
    with pytest.raises(ValueError, match="out_activation='linear'"):
        check_backprop(given, W, X, y, activation="tanh", loss="softmax_cross_entropy",
                       out_activation="sigmoid")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        check(given, W, X.T, y, cfg)
