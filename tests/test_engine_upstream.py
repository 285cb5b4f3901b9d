"""backward(gradient): the upstream gradient d L/d node, as PyTorch's `y.backward(dout)`."""

import numpy as np
import pytest

from autodiff import Value

rng = np.random.default_rng(3)
XS = rng.uniform(-1.5, 1.5, size=(4, 3))  # a batch node of any shape, not only (samples,)
DOUT = rng.normal(size=(4, 3))


def test_scalar_node_scales_every_gradient():
    x = Value(0.8, "x")
    y = x * x + x.tanh()
    y.backward(2.5)
    assert x.grad == pytest.approx(2.5 * (2 * 0.8 + 1 - np.tanh(0.8) ** 2), rel=1e-15)


def test_batch_node_gets_the_vector_jacobian_product():
    x, w = Value(XS, "x"), Value(0.7, "w")
    y = (x * w).tanh()
    y.backward(DOUT)
    slope = 1 - np.tanh(0.7 * XS) ** 2
    np.testing.assert_allclose(x.grad, DOUT * slope * 0.7, rtol=1e-14)
    assert w.grad == pytest.approx(float(np.sum(DOUT * slope * XS)), rel=1e-13)
    np.testing.assert_allclose(y.grad, DOUT, rtol=0)  # the root's own gradient is dout


def test_equals_backward_of_the_weighted_sum():
    """y.backward(dout) is (y · dout).sum().backward(), without the two extra nodes."""
    grads = []
    for upstream in (True, False):
        x, w = Value(XS), Value(-0.4)
        y = (x * w).sigmoid() + x ** 2
        if upstream:
            y.backward(DOUT)
        else:
            (y * DOUT).sum().backward()
        grads.append((x.grad, w.grad))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-14)
    assert grads[0][1] == pytest.approx(grads[1][1], rel=1e-13)


def test_against_torch_where_installed():
    torch = pytest.importorskip("torch")
    x, w = Value(XS), Value(0.3)
    ((x * w).exp() * x).backward(DOUT)
    tx = torch.tensor(XS, requires_grad=True)
    tw = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ((tx * tw).exp() * tx).backward(torch.tensor(DOUT))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-14)
    assert w.grad == pytest.approx(tw.grad.item(), rel=1e-13)


def test_gradients_accumulate_across_calls():
    x = Value(XS)
    y = x * 3.0
    y.backward(DOUT)
    y.backward(DOUT)
    np.testing.assert_allclose(x.grad, 6.0 * DOUT, rtol=1e-15)


def test_the_callers_array_is_copied():
    x = Value(XS)
    y = x * 2.0
    dout = DOUT.copy()
    y.backward(dout)
    dout[:] = 0.0
    np.testing.assert_allclose(y.grad, DOUT, rtol=0)


@pytest.mark.parametrize("bad, error, words", [
    (np.ones((4, 2)), ValueError, "shape (4, 3), but the upstream gradient has shape (4, 2)"),
    (np.ones(12), ValueError, "has shape (12,)"),
    (1.0, ValueError, "has shape ()"),
    ([[1.0] * 3] * 4, TypeError, "got list"),
    ("1", TypeError, "got str"),
    (True, TypeError, "got bool"),
])
def test_a_gradient_of_the_wrong_shape_or_kind_is_refused(bad, error, words):
    x = Value(XS, "x")
    y = x * 2.0
    y.label = "y"
    with pytest.raises(error, match="backward\\(gradient\\): node 'y'") as info:
        y.backward(bad)
    assert words in str(info.value)
    assert np.all(x.grad == 0.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, np.array([[1.0, np.nan, 0.0]] * 4)])
def test_a_gradient_that_is_not_finite_changes_nothing(bad):
    x = Value(XS if np.ndim(bad) else 0.5)
    y = x * 2.0
    with pytest.raises(ValueError, match="upstream gradient must be finite"):
        y.backward(bad)
    assert np.all(x.grad == 0.0)


def test_a_scalar_node_refuses_an_array():
    x = Value(0.5)
    with pytest.raises(ValueError, match="shape \\(\\), but the upstream gradient has shape"):
        (x * 2.0).backward(np.ones(3))


def test_without_gradient_a_batch_node_still_refuses_and_names_the_way():
    y = Value(XS) * 2.0
    with pytest.raises(ValueError, match="upstream gradient"):
        y.backward()
