"""SGD and Adam against their formulas, step by step, and their refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value
from nn import MLP, SGD, Adam

# A fixed sequence of gradients for two parameters: the optimizers see exactly these.
GRADS = [(0.5, -1.0), (0.25, -0.5), (-1.5, 2.0), (0.0, 0.125), (3.0, -0.75), (1e-3, 1e-4)]


def feed(params, opt, grads):
    """Hand the optimizer each gradient in turn; return the parameters after every step."""
    trail = []
    for g in grads:
        opt.zero_grad()
        for p, gi in zip(params, g):
            p.grad += gi
        opt.step()
        trail.append([p.data for p in params])
    return trail


@pytest.mark.parametrize("momentum, decay", [(0.0, 0.0), (0.9, 0.0), (0.5, 0.01)])
def test_sgd_matches_pytorch_formula_step_by_step(momentum, decay):
    lr = 0.1
    params = [Value(1.0), Value(-2.0)]
    trail = feed(params, SGD(params, lr=lr, momentum=momentum, weight_decay=decay), GRADS)
    p, buf = [1.0, -2.0], [0.0, 0.0]
    for step, g in zip(trail, GRADS):
        for i in range(2):
            d = g[i] + decay * p[i]
            buf[i] = momentum * buf[i] + d  # PyTorch: buf = momentum * buf + grad
            p[i] = p[i] - lr * buf[i]
        assert step == p  # the same arithmetic: equal to the last bit


def test_plain_sgd_is_gradient_descent():
    w = Value(3.0)
    opt = SGD([w], lr=0.25)
    (w * w).backward()
    opt.step()
    assert w.data == 3.0 - 0.25 * 6.0


@pytest.mark.parametrize("betas, decay", [((0.9, 0.999), 0.0), ((0.5, 0.9), 0.1)])
def test_adam_matches_formula_with_bias_correction(betas, decay):
    lr, eps = 0.01, 1e-8
    b1, b2 = betas
    params = [Value(1.0), Value(-2.0)]
    trail = feed(params, Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=decay), GRADS)
    p, m, v = [1.0, -2.0], [0.0, 0.0], [0.0, 0.0]
    for t, (step, g) in enumerate(zip(trail, GRADS), start=1):
        for i in range(2):
            d = g[i] + decay * p[i]
            m[i] = b1 * m[i] + (1 - b1) * d
            v[i] = b2 * v[i] + (1 - b2) * d * d
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            p[i] = p[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        assert step == pytest.approx(p, rel=1e-15, abs=1e-16)


@settings(max_examples=30)
@given(st.floats(-1e3, 1e3, allow_nan=False).filter(lambda g: abs(g) > 1e-3))
def test_adam_first_step_is_lr_in_the_gradients_direction(g):
    """With bias correction, m̂ / (√v̂ + eps) = g / (|g| + eps) on the first step, whatever g's
    size: a step of lr in the gradient's direction, but for eps."""
    p = Value(0.0)
    opt = Adam([p], lr=0.05)
    p.grad = g
    opt.step()
    assert p.data == pytest.approx(-0.05 * g / (abs(g) + 1e-8), rel=1e-12)
    assert p.data == pytest.approx(-0.05 * math.copysign(1.0, g), rel=1e-5)


def test_parameters_stay_python_floats():
    params = [Value(1.0), Value(2.0)]
    for opt in (SGD(params, lr=0.1, momentum=0.9), Adam(params)):
        feed(params, opt, GRADS[:2])
        assert all(type(p.data) is float for p in params)


def test_zero_grad_and_shared_parameters_stepped_once():
    model = MLP(2, [2, 1], shared_bias=True, seed=0)
    shared = model.layers[0].b
    opt = SGD([*model.parameters(), shared], lr=1.0)
    assert sum(p is shared for p in opt.params) == 1
    model([1.0, 1.0]).backward()
    grad = shared.grad
    before = shared.data
    opt.step()
    assert shared.data == before - grad
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_adam_trains_a_quadratic_to_its_minimum():
    x = Value(5.0)
    opt = Adam([x], lr=0.1)
    for _ in range(500):
        opt.zero_grad()
        ((x - 2.0) ** 2).backward()
        opt.step()
    assert x.data == pytest.approx(2.0, abs=1e-3)


def test_a_non_finite_step_raises_and_changes_nothing():
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    opt = SGD([a, b], lr=1.0)
    a.grad = -1.0
    b.grad = 1e308
    b.data = -1e308
    with pytest.raises(ValueError, match="'b'"):
        opt.step()
    assert a.data == 1.0 and b.data == -1e308


@pytest.mark.parametrize(
    "build, error",
    [
        (lambda p: SGD(p, lr=0.0), ValueError),
        (lambda p: SGD(p, lr=-1.0), ValueError),
        (lambda p: SGD(p, lr=math.nan), ValueError),
        (lambda p: SGD(p, lr="0.1"), TypeError),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError),
        (lambda p: SGD(p, lr=0.1, momentum=-0.1), ValueError),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1.0), ValueError),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError),
        (lambda p: Adam(p, betas=(0.9,)), ValueError),
        (lambda p: Adam(p, eps=0.0), ValueError),
        (lambda p: SGD([], lr=0.1), ValueError),
        (lambda p: SGD([1.0], lr=0.1), TypeError),
        (lambda p: SGD(p[0], lr=0.1), TypeError),
    ],
)
def test_refusals(build, error):
    with pytest.raises(error):
        build([Value(1.0)])


def test_batch_parameters_work_too():
    w = Value(np.array([1.0, 2.0]))
    opt = Adam([w], lr=0.1)
    w.grad = np.array([1.0, -1.0])
    opt.step()
    np.testing.assert_allclose(w.data, [0.9, 2.1], rtol=1e-7)


# --- parameter groups (PyTorch's form): weight decay on the weights, the biases left alone ---
def test_weights_and_biases_split_the_parameters_by_name():
    model = MLP(2, [3, 2], seed=0)
    assert len(model.weights()) == 2 * 3 + 3 * 2 and len(model.biases()) == 3 + 2
    assert {id(p) for p in model.weights() + model.biases()} == {
        id(p) for p in model.parameters()}
    assert all(p.label.split(".")[-1] == "b" for p in model.biases())
    shared = MLP(2, [2, 2], shared_bias=True, seed=0)
    assert [p.label for p in shared.biases()] == ["b1", "b2"]


def test_sgd_groups_decay_weights_only():
    model = MLP(2, [3, 1], seed=1)
    before = {id(p): p.data for p in model.parameters()}
    opt = SGD([{"params": model.weights(), "weight_decay": 0.1}, {"params": model.biases()}],
              lr=0.5)
    for p in model.parameters():
        p.grad = 0.25
    opt.step()
    for p in model.weights():
        assert p.data == before[id(p)] - 0.5 * (0.25 + 0.1 * before[id(p)])
    for p in model.biases():
        assert p.data == before[id(p)] - 0.5 * 0.25


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_groups_match_torch_step_by_step(kind):
    torch = pytest.importorskip("torch")
    start = [[1.0, -2.0], [0.5]]
    ours = [[Value(x) for x in group] for group in start]
    theirs = [[torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in group]
              for group in start]
    if kind == "sgd":
        options = [{"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, {"momentum": 0.5}]
        opt = SGD([{"params": g, **o} for g, o in zip(ours, options)], lr=0.2)
        ref = torch.optim.SGD([{"params": g, **o} for g, o in zip(theirs, options)], lr=0.2)
    else:
        options = [{"lr": 0.01, "weight_decay": 0.1}, {"betas": (0.5, 0.9), "eps": 1e-6}]
        opt = Adam([{"params": g, **o} for g, o in zip(ours, options)], lr=0.05)
        ref = torch.optim.Adam([{"params": g, **o} for g, o in zip(theirs, options)], lr=0.05)
    for grads in [(0.5, -1.0, 0.3), (0.25, -0.5, -2.0), (-1.5, 2.0, 0.1), (3.0, 0.1, 1.0)]:
        flat_ours, flat_theirs = ours[0] + ours[1], theirs[0] + theirs[1]
        for p, t, g in zip(flat_ours, flat_theirs, grads):
            p.grad = g
            t.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.step()
        assert [p.data for p in flat_ours] == pytest.approx(
            [t.item() for t in flat_theirs], rel=1e-14, abs=1e-15)


def test_setting_lr_sets_every_group_and_step_reads_the_groups():
    a, b = Value(1.0), Value(1.0)
    opt = SGD([{"params": [a], "lr": 0.1}, {"params": [b]}], lr=0.2)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2] and opt.lr == 0.1
    opt.lr = 0.5
    opt.param_groups[1]["lr"] = 0.25
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (0.5, 0.75)
    opt.momentum = 0.9  # every option reads and sets the same way, checked
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    with pytest.raises(ValueError, match="SGD momentum"):
        opt.momentum = 1.5


@pytest.mark.parametrize("groups, error, words", [
    (lambda a, b: [{"params": [a], "nesterov": True}], ValueError, "unknown option 'nesterov'"),
    (lambda a, b: [{"params": [a, b]}, {"params": [b]}], ValueError, "already in another group"),
    (lambda a, b: [{"params": [a]}, {"lr": 0.1}], TypeError, "group 1: a group must be a dict"),
    (lambda a, b: [{"params": [a], "lr": -1.0}], ValueError, "SGD lr"),
    (lambda a, b: [{"params": [a, 1.0]}], TypeError, "parameter 1 must be a Value"),
])
def test_bad_groups_are_refused(groups, error, words):
    with pytest.raises(error, match=words):
        SGD(groups(Value(1.0, "a"), Value(2.0, "b")), lr=0.1)
