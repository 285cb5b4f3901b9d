"""What hostile or careless input found in the engine: each case named, each error clear."""

import threading

import numpy as np
import pytest

import nn
from autodiff import Value, no_grad


def test_a_wide_neuron_is_one_node_without_recursion():
    model = nn.MLP(3000, [2], seed=0)
    out = model([0.1] * 3000)
    expected = [sum(w.data * 0.1 for w in n.w) + n.b.data for n in model.layers[0].neurons]
    assert [o.data for o in out] == pytest.approx(expected, rel=1e-12)  # a linear output layer
    assert all(o.op == "linear" and len(o.inputs) == 6001 for o in out)
    (out[0] + out[1]).backward()
    assert model.layers[0].neurons[0].w[0].grad == 0.1


def test_a_wide_neuron_sums_in_the_same_order_as_a_narrow_one():
    from autodiff import linear
    ws = [Value(0.1 * (i % 7) - 0.3) for i in range(500)]
    xs = [0.37 * ((i * 13) % 11) - 1.5 for i in range(500)]
    node = linear(ws, xs, Value(0.25))
    total = ws[0].data * xs[0]
    for w, x in zip(ws[1:], xs[1:]):
        total = total + w.data * x
    assert node.data == total + 0.25  # bit for bit: left to right, then the bias


def test_no_grad_in_one_thread_leaves_the_others_recording():
    inside, done = threading.Event(), threading.Event()

    def hold():
        with no_grad():
            inside.set()
            done.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert inside.wait(5)
        x = Value(3.0)
        y = x * x
        assert y.inputs == (x, x)
        y.backward()
        assert x.grad == 6.0
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("divisor", [0.0, Value(0.0, "d")])
def test_a_batch_divided_by_zero_names_the_op(divisor):
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero; got .*of value 0\.0|'d'"):
        Value(np.array([1.0, 2.0])) / divisor


def test_the_mean_of_an_empty_batch_is_a_clear_error():
    with pytest.raises(ValueError, match="mean: the mean of an empty batch is undefined"):
        Value(np.array([])).mean()


def test_ints_beyond_the_float_range_name_where_they_are():
    with pytest.raises(ValueError, match=r"Value data must be finite, but this int of 401 digits"):
        Value(10**400)
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match=r"^\+: the other operand: .*401 digits"):
        x + 10**400
    with pytest.raises(ValueError, match=r"\*\*: the exponent must be finite, but this int"):
        x ** 10**400


def test_an_int_assigned_to_data_is_a_number_all_the_same():
    w = Value(0.5, "w")
    w.data = 3  # what an optimizer or a user may well assign
    y = (w * 2.0).tanh() + w ** 2
    y.backward()
    assert y.data == pytest.approx(np.tanh(6.0) + 9.0)
    assert w.grad == pytest.approx(2.0 * (1 - np.tanh(6.0) ** 2) + 6.0)
    assert type(w.data) is float
    w.data = "3"
    with pytest.raises(TypeError, match=r"\*: node 'w' holds data of type str"):
        w * 2.0
