"""Batch mode: one value per sample, equal to a loop over samples, same graph size."""

import numpy as np
import pytest

from autodiff import Value, linear, topological_order

rng = np.random.default_rng(0)
XS = rng.uniform(-1.5, 1.5, size=6)
YS = rng.uniform(0.5, 2.0, size=6)


def model(w, b, x, y):
    # Every op at least once; w and b are scalar parameters shared by all samples.
    h = linear([w, b], [x, y], b).tanh() * w + (x * y).sigmoid() - (y.log() + y.sqrt()) / y
    return (h.relu() + h.abs() + (h * 0.1).exp() + (-h) ** 2 + y ** w).mean()


def test_batch_equals_per_sample_loop():
    w, b = Value(0.7, "w"), Value(-0.3, "b")
    model(w, b, Value(XS, "x"), Value(YS, "y")).backward()
    batch_grads = (w.grad, b.grad)

    total_w = total_b = 0.0
    values = []
    for x, y in zip(XS, YS):
        w1, b1 = Value(0.7), Value(-0.3)
        out = model(w1, b1, Value(x), Value(y))
        out.backward()
        values.append(out.data)
        total_w += w1.grad
        total_b += b1.grad
    n = len(XS)
    assert batch_grads[0] == pytest.approx(total_w / n, rel=1e-12)
    assert batch_grads[1] == pytest.approx(total_b / n, rel=1e-12)


def test_input_array_gradient_per_sample():
    x = Value(XS, "x")
    loss = (x * x * 3.0).sum()
    loss.backward()
    np.testing.assert_allclose(x.grad, 6.0 * XS, rtol=1e-14)
    assert x.grad.shape == XS.shape


def test_scalar_parameter_gets_summed_gradient_and_stays_scalar():
    w = Value(2.0, "w")
    (w * Value(XS)).sum().backward()
    assert type(w.grad) is float
    assert w.grad == pytest.approx(XS.sum(), rel=1e-14)


def test_mean_and_sum_make_scalars():
    x = Value(np.array([1.0, 2.0, 3.0, 6.0]))
    assert x.sum().data == 12.0 and type(x.sum().data) is float
    assert x.mean().data == 3.0
    m = x.mean()
    m.backward()
    np.testing.assert_allclose(x.grad, [0.25] * 4)


def test_graph_size_does_not_depend_on_batch_size():
    def size(n):
        x = Value(np.linspace(-1, 1, n))
        return len(topological_order(((x * 2.0).tanh() + 1.0).mean()))

    assert size(3) == size(10_000)


def test_grad_starts_as_zeros_of_the_shape():
    x = Value(np.ones((3, 2)))
    assert x.grad.shape == (3, 2) and not x.grad.any()


def test_broadcast_column_against_row():
    col = Value(np.array([[1.0], [2.0]]), "col")
    row = Value(np.array([10.0, 20.0, 30.0]), "row")
    (col * row).sum().backward()
    np.testing.assert_allclose(col.grad, [[60.0], [60.0]])
    np.testing.assert_allclose(row.grad, [3.0, 3.0, 3.0])


def test_integer_arrays_become_float_and_are_copied():
    raw = np.array([1, 2, 3])
    v = Value(raw)
    assert v.data.dtype == float
    raw[0] = 100
    assert v.data[0] == 1.0
