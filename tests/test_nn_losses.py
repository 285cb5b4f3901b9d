"""Losses: values, gradients (finite differences, closed forms), stability, batch averaging."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, gradcheck
from nn import losses

small = st.floats(-5.0, 5.0, allow_nan=False)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# --- values -------------------------------------------------------------------------------------


def test_half_sse_and_mse_values():
    y = [Value(0.75), Value(0.25)]
    assert losses.half_sse(y, [0.01, 0.99]).data == pytest.approx(
        0.5 * 0.74**2 + 0.5 * 0.74**2, abs=1e-15)
    assert losses.mse(y, [0.01, 0.99]).data == pytest.approx((0.74**2 + 0.74**2) / 2, abs=1e-15)
    assert losses.mse(Value(3.0), 1.0).data == 4.0
    assert losses.half_sse(Value(3.0), 1.0).data == 2.0
    assert losses.half_sse(y, np.array([0.01, 0.99])).data == losses.half_sse(y, [0.01, 0.99]).data


def test_hinge_and_l2_values():
    assert losses.hinge(Value(0.3), 1.0).data == pytest.approx(0.7)
    assert losses.hinge(Value(0.3), -1).data == pytest.approx(1.3)
    assert losses.hinge(Value(2.0), 1.0).data == 0.0
    ps = [Value(1.0), Value(-2.0), Value(0.5)]
    total = losses.l2(ps)
    assert total.data == 5.25
    total.backward()
    assert [p.grad for p in ps] == [2.0, -4.0, 1.0]
    assert losses.l2([]).data == 0.0


@settings(max_examples=40)
@given(small, st.sampled_from([0, 1]))
def test_binary_cross_entropy_value_and_gradient(z, t):
    logit = Value(z)
    loss = losses.binary_cross_entropy(logit, t)
    p = sigmoid(z)
    assert loss.data == pytest.approx(-(t * math.log(p) + (1 - t) * math.log(1 - p)), abs=1e-12)
    loss.backward()
    assert logit.grad == pytest.approx(p - t, abs=1e-12)


def test_binary_cross_entropy_gradient_at_zero_is_sigmoid_minus_target():
    for t in (0, 1):
        z = Value(0.0)
        losses.binary_cross_entropy(z, t).backward()
        assert z.grad == 0.5 - t  # the kinks of |z| cancel: exact, not just close


@pytest.mark.parametrize("z", [1e308, -1e308, 1000.0, -1000.0, 745.0, -745.0, 40.0])
def test_binary_cross_entropy_is_stable_at_extreme_logits(z):
    for t in (0, 1):
        logit = Value(z)
        loss = losses.binary_cross_entropy(logit, t)
        expected = max(z, 0.0) - t * z  # softplus(z) - t z, to within e^-|z|
        assert loss.data == pytest.approx(expected, rel=1e-15, abs=1e-15)
        loss.backward()
        assert logit.grad == pytest.approx(sigmoid(z) - t, abs=1e-15)


@settings(max_examples=40)
@given(st.lists(small, min_size=2, max_size=5), st.data())
def test_softmax_cross_entropy_gradient_is_p_minus_onehot(zs, data):
    label = data.draw(st.integers(0, len(zs) - 1))
    logits = [Value(z) for z in zs]
    loss = losses.softmax_cross_entropy(logits, label)
    e = np.exp(np.array(zs) - max(zs))
    p = e / e.sum()
    assert loss.data == pytest.approx(-math.log(p[label]), abs=1e-12)
    loss.backward()
    onehot = np.eye(len(zs))[label]
    np.testing.assert_allclose([z.grad for z in logits], p - onehot, atol=1e-15)


def test_softmax_cross_entropy_is_stable_at_extreme_logits():
    logits = [Value(1000.0), Value(-1000.0), Value(0.0)]
    loss = losses.softmax_cross_entropy(logits, 1)
    assert loss.data == pytest.approx(2000.0)
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([1.0, -1.0, 0.0])
    assert losses.softmax_cross_entropy([Value(1e300), Value(0.0)], 0).data == 0.0
    # batch mode too
    zs = [Value(np.array([800.0, -800.0])), Value(np.array([-800.0, 800.0]))]
    loss = losses.softmax_cross_entropy(zs, np.array([0, 0]))
    assert loss.data == pytest.approx(800.0)  # (0 + 1600) / 2


def test_softmax_cross_entropy_batch_gradient_is_p_minus_onehot_over_n():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(3, 7)) * 4  # 3 classes, 7 samples
    labels = rng.integers(0, 3, size=7)
    zs = [Value(row) for row in Z]
    loss = losses.softmax_cross_entropy(zs, labels)
    P = np.exp(Z - Z.max(axis=0))
    P /= P.sum(axis=0)
    assert loss.data == pytest.approx(-np.mean(np.log(P[labels, np.arange(7)])), abs=1e-12)
    loss.backward()
    onehot = np.eye(3)[labels].T
    for k in range(3):
        np.testing.assert_allclose(zs[k].grad, (P[k] - onehot[k]) / 7, atol=1e-15)


def test_softmax_cross_entropy_takes_one_hot_values():
    Z = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -2.0]])
    labels = np.array([1, 0, 0])
    by_int = losses.softmax_cross_entropy([Value(z) for z in Z], labels).data
    onehot = [Value((labels == k).astype(float)) for k in range(2)]
    assert losses.softmax_cross_entropy([Value(z) for z in Z], onehot).data == pytest.approx(
        by_int, abs=1e-15)


# --- finite differences ---------------------------------------------------------------------------


@settings(max_examples=30)
@given(st.lists(small, min_size=3, max_size=3), st.lists(small, min_size=3, max_size=3))
def test_every_loss_passes_gradcheck(ys, ts):
    assert gradcheck(lambda a, b, c: losses.half_sse([a, b, c], ts), ys)
    assert gradcheck(lambda a, b, c: losses.mse([a, b, c], ts), ys)
    assert gradcheck(lambda a, b, c: losses.softmax_cross_entropy([a, b, c], 2), ys)
    assert gradcheck(lambda a, b, c: losses.l2([a, b, c]), ys)
    assert gradcheck(lambda a: losses.binary_cross_entropy(a, 1), ys[:1])
    assert gradcheck(lambda a: losses.binary_cross_entropy(a * 1.0, 0), ys[1:2])
    if abs(1 - ys[0]) > 1e-3:  # away from the hinge's kink
        assert gradcheck(lambda a: losses.hinge(a, 1.0), ys[:1])


# --- batch mode: the mean of the per-sample losses ------------------------------------------------


@settings(max_examples=25)
@given(st.lists(st.tuples(small, small), min_size=1, max_size=8), st.data())
def test_batch_mode_averages_the_per_sample_losses(rows, data):
    n = len(rows)
    a = np.array([r[0] for r in rows])
    b = np.array([r[1] for r in rows])
    t01 = np.array(data.draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n)))
    pm = 2.0 * t01 - 1.0
    t_real = np.array(data.draw(st.lists(small, min_size=n, max_size=n)))
    cases = [
        (lambda y, t: losses.half_sse([y[0], y[1]], [t, t]), t_real),
        (lambda y, t: losses.mse([y[0], y[1]], [t, 2 * t]), t_real),
        (lambda y, t: losses.softmax_cross_entropy([y[0], y[1]], t), t01),
        (lambda y, t: losses.binary_cross_entropy(y[0], t), t01),
        (lambda y, t: losses.hinge(y[1], t), pm),
    ]
    for loss, targets in cases:
        batch = loss([Value(a), Value(b)], targets)
        assert type(batch.data) is float
        singles = [loss([Value(float(a[i])), Value(float(b[i]))], targets[i].item())
                   for i in range(n)]
        expected = sum(s.data for s in singles) / n
        assert batch.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_batch_loss_gradient_on_parameters_is_the_mean_of_per_sample_gradients():
    w = Value(0.7)
    x = np.array([0.5, -1.0, 2.0, 0.0])
    t = np.array([1.0, 0.0, 1.0, 1.0])
    losses.mse(w * Value(x), t).backward()
    expected = np.mean(2 * (w.data * x - t) * x)
    assert w.grad == pytest.approx(expected, abs=1e-15)


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: losses.softmax_cross_entropy([Value(1.0), Value(2.0)], 2), ValueError, "label 2"),
        (lambda: losses.softmax_cross_entropy([Value(1.0), Value(2.0)], -1), ValueError, "-1"),
        (lambda: losses.softmax_cross_entropy([Value(1.0), Value(2.0)], True), TypeError, "int"),
        (lambda: losses.softmax_cross_entropy([Value(1.0), Value(2.0)], 1.0), TypeError, "int"),
        (lambda: losses.softmax_cross_entropy([Value(1.0)], 0), ValueError, "2 logits"),
        (lambda: losses.softmax_cross_entropy([Value(np.zeros(3)), Value(np.zeros(3))],
                                              np.array([0, 1])), ValueError, "2 labels"),
        (lambda: losses.binary_cross_entropy(Value(0.0), 0.5), ValueError, "0 or 1"),
        (lambda: losses.binary_cross_entropy(0.0, 1), TypeError, "Value"),
        (lambda: losses.hinge(Value(0.0), 0), ValueError, "-1 or 1"),
        (lambda: losses.hinge(Value(np.zeros(2)), np.array([1.0, 0.0])), ValueError, "-1 or 1"),
        (lambda: losses.half_sse([Value(1.0), Value(2.0)], [1.0]), ValueError, "2 outputs"),
        (lambda: losses.mse([1.0, 2.0], [1.0, 2.0]), TypeError, "Value"),
        (lambda: losses.mse(Value(1.0), "a"), (TypeError, ValueError), "target"),
        (lambda: losses.l2([Value(1.0), 2.0]), TypeError, "parameter 1"),
    ],
)
def test_refusals(call, error, text):
    with pytest.raises(error, match=text):
        call()


def _logsumexp_reference(Z: np.ndarray) -> np.ndarray:
    """log Σ_k e^(z_k) per column (sample), in float64 with the exact per-sample maximum."""
    top = Z.max(axis=0)
    return top + np.log(np.exp(Z - top).sum(axis=0))


def _softmax_reference(Z: np.ndarray) -> np.ndarray:
    e = np.exp(Z - Z.max(axis=0))
    return e / e.sum(axis=0)


HUGE = np.array([  # classes x samples: logits near ±6e19, ties, and near-ties an ulp apart
    [-6e19, 6e19, 6e19, -6e19, 6.000000000000001e19, 1.0, 6e19, -6e19],
    [6.000000000000001e19, -6e19, 6e19, -6e19, 6e19, -6e19, 1.0, 5.999999999999999e19],
    [1.0, 3e19, -6e19, 6e19, -6e19, 6e19, 6.000000000000001e19, 0.0],
])


def test_softmax_cross_entropy_with_huge_logits_in_batch_mode():
    n = HUGE.shape[1]
    for labels in (np.zeros(n, dtype=int), np.arange(n) % 3, np.full(n, 2)):
        zs = [Value(row.copy()) for row in HUGE]
        loss = losses.softmax_cross_entropy(zs, labels)
        picked = HUGE[labels, np.arange(n)]
        expected = np.mean(_logsumexp_reference(HUGE) - picked)
        assert loss.data == pytest.approx(expected, rel=1e-14, abs=1e-9)
        loss.backward()
        onehot = np.eye(3)[labels].T
        grads = (_softmax_reference(HUGE) - onehot) / n
        for k in range(3):
            np.testing.assert_allclose(zs[k].grad, grads[k], atol=1e-15)


def test_softmax_cross_entropy_with_huge_logits_as_numbers():
    for column in HUGE.T:
        for label in range(3):
            zs = [Value(float(z)) for z in column]
            loss = losses.softmax_cross_entropy(zs, label)
            expected = _logsumexp_reference(column[:, None])[0] - column[label]
            assert loss.data == pytest.approx(expected, rel=1e-14, abs=1e-9)
            loss.backward()
            p = _softmax_reference(column[:, None])[:, 0]
            np.testing.assert_allclose([z.grad for z in zs], p - np.eye(3)[label], atol=1e-15)


@pytest.mark.parametrize("classes", [2, 3, 7])
def test_softmax_cross_entropy_batch_matches_a_float64_logsumexp(classes):
    rng = np.random.default_rng(classes)
    n = 200
    Z = rng.normal(size=(classes, n)) * rng.choice([0.1, 3.0, 30.0, 300.0], size=n)
    Z[:, :5] = 1.5  # ties in every class
    labels = rng.integers(0, classes, size=n)
    zs = [Value(row) for row in Z]
    loss = losses.softmax_cross_entropy(zs, labels)
    expected = np.mean(_logsumexp_reference(Z) - Z[labels, np.arange(n)])
    assert loss.data == pytest.approx(expected, rel=1e-13)
    loss.backward()
    grads = (_softmax_reference(Z) - np.eye(classes)[labels].T) / n
    for k in range(classes):
        np.testing.assert_allclose(zs[k].grad, grads[k], rtol=1e-10, atol=1e-17)


def test_a_compiled_batch_softmax_cross_entropy_runs_on_huge_logits():
    from autodiff import compile_graph

    n = HUGE.shape[1]
    labels = np.arange(n) % 3
    zs = [Value(np.zeros(n)) for _ in range(3)]  # recorded on other data, then run on HUGE
    step = compile_graph(losses.softmax_cross_entropy(zs, labels), zs, backend="numpy")
    value, grads = step(*HUGE)
    expected = np.mean(_logsumexp_reference(HUGE) - HUGE[labels, np.arange(n)])
    assert value == pytest.approx(expected, rel=1e-14)
    onehot = np.eye(3)[labels].T
    for k in range(3):
        np.testing.assert_allclose(grads[k], (_softmax_reference(HUGE)[k] - onehot[k]) / n,
                                   atol=1e-15)


# --- softmax, log_softmax and reduction="sum" (the seeds' NumPy, written with the API) -------
LOGITS = np.array([[2.0, -1.0, 0.5], [1000.0, 999.0, -1000.0], [-3.0, -3.0, -3.0],
                   [0.1, 0.2, 0.3]])
LABELS = np.array([0, 1, 2, 2])


def numpy_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_batch_equals_numpy_even_for_huge_logits():
    zs = [Value(LOGITS[:, k]) for k in range(3)]
    ps = losses.softmax(zs)
    np.testing.assert_allclose(np.column_stack([p.data for p in ps]), numpy_softmax(LOGITS),
                               rtol=1e-13, atol=1e-300)
    logs = losses.log_softmax(zs)
    expected = LOGITS - LOGITS.max(axis=1, keepdims=True)
    expected -= np.log(np.exp(expected).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(np.column_stack([v.data for v in logs]), expected, rtol=1e-13)


def test_softmax_of_numbers_and_its_jacobian():
    z = [Value(2.0), Value(-1.0), Value(0.5)]
    ps = losses.softmax(z)
    p = numpy_softmax(np.array([[2.0, -1.0, 0.5]]))[0]
    assert [v.data for v in ps] == pytest.approx(list(p), rel=1e-14)
    assert [v.label for v in ps] == ["p1", "p2", "p3"]
    c = [0.3, -1.2, 2.0]  # d(Σ c_k p_k)/dz_j = p_j (c_j - Σ c_k p_k)
    sum(ck * pk for ck, pk in zip(c, ps)).backward()
    expected = p * (np.array(c) - np.dot(c, p))
    assert [v.grad for v in z] == pytest.approx(list(expected), rel=1e-12)


def test_summed_cross_entropy_is_the_seeds_numpy():
    """Seed 000 sums the cross-entropy over the batch: -Σ_n log p[n, y_n]."""
    zs = [Value(LOGITS[:, k]) for k in range(3)]
    total = losses.softmax_cross_entropy(zs, LABELS, reduction="sum")
    p = numpy_softmax(LOGITS)
    expected = -np.sum(np.log(p[np.arange(4), LABELS] + 1e-300))
    assert total.data == pytest.approx(expected, rel=1e-12)
    total.backward()
    dscores = p.copy()
    dscores[np.arange(4), LABELS] -= 1.0  # the seed's dscores, not divided by n
    np.testing.assert_allclose(np.column_stack([z.grad for z in zs]), dscores, atol=1e-12)


@pytest.mark.parametrize("loss, outputs, target", [
    (losses.half_sse, 2, np.array([[0.1, 0.9], [0.3, 0.2], [1.0, -1.0], [0.0, 0.5]])),
    (losses.mse, 2, np.array([[0.1, 0.9], [0.3, 0.2], [1.0, -1.0], [0.0, 0.5]])),
    (losses.binary_cross_entropy, 1, np.array([0, 1, 1, 0])),
    (losses.hinge, 1, np.array([-1, 1, 1, -1])),
    (losses.softmax_cross_entropy, 3, LABELS),
])
def test_sum_is_the_batch_size_times_the_mean(loss, outputs, target):
    zs = [Value(LOGITS[:, k]) for k in range(outputs)]
    zs = zs[0] if outputs == 1 else zs
    mean = loss(zs, target).data
    entries = 4 * outputs if loss is losses.mse else 4  # mse averages over outputs too
    assert loss(zs, target, reduction="sum").data == pytest.approx(entries * mean, rel=1e-13)
    assert loss(zs, target, reduction="mean").data == mean


def test_mse_sum_adds_over_outputs_too_as_pytorch_does():
    Y = np.array([[0.1, 0.9], [0.3, 0.2], [1.0, -1.0], [0.0, 0.5]])
    zs = [Value(LOGITS[:, k]) for k in range(2)]
    expected = np.sum((LOGITS[:, :2] - Y) ** 2)
    assert losses.mse(zs, Y, reduction="sum").data == pytest.approx(expected, rel=1e-13)
    assert losses.mse(zs, Y).data == pytest.approx(expected / 8, rel=1e-13)


@pytest.mark.parametrize("bad", ["none", "Sum", None, 1])
def test_an_unknown_reduction_is_refused(bad):
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        losses.mse(Value(np.array([1.0, 2.0])), np.array([0.0, 0.0]), reduction=bad)
    with pytest.raises(ValueError, match="softmax_cross_entropy: reduction"):
        losses.softmax_cross_entropy([Value(1.0), Value(2.0)], 0, reduction=bad)


def test_softmax_needs_two_logits():
    with pytest.raises(ValueError, match="softmax needs at least 2 logits"):
        losses.softmax([Value(1.0)])
