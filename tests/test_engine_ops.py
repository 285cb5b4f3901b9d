"""Every op: known forward values, known local derivatives, and finite differences."""

import math

import numpy as np
import pytest

from autodiff import GradcheckError, Value, gradcheck, linear, no_grad, numerical_grad
from autodiff.engine.linear import LINEAR
from autodiff.engine.ops import OPS


def grads_of(f, *xs):
    values = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*values)
    out.backward()
    return out.data, [v.grad for v in values]


# (function, point, expected value, expected gradients), all worked by hand.
KNOWN = [
    ("add", lambda a, b: a + b, (2.0, -3.0), -1.0, [1.0, 1.0]),
    ("sub", lambda a, b: a - b, (2.0, -3.0), 5.0, [1.0, -1.0]),
    ("mul", lambda a, b: a * b, (2.0, -3.0), -6.0, [-3.0, 2.0]),
    ("div", lambda a, b: a / b, (3.0, 2.0), 1.5, [0.5, -0.75]),
    ("neg", lambda a: -a, (4.0,), -4.0, [-1.0]),
    ("pow const", lambda a: a**3, (2.0,), 8.0, [12.0]),
    ("pow neg base", lambda a: a**2, (-3.0,), 9.0, [-6.0]),
    ("pow value", lambda a, b: a**b, (2.0, 3.0), 8.0, [12.0, 8.0 * math.log(2.0)]),
    ("rpow", lambda b: 2.0**b, (3.0,), 8.0, [8.0 * math.log(2.0)]),
    ("exp", lambda a: a.exp(), (1.0,), math.e, [math.e]),
    ("log", lambda a: a.log(), (math.e,), 1.0, [1.0 / math.e]),
    ("tanh", lambda a: a.tanh(), (0.5,), math.tanh(0.5), [1.0 - math.tanh(0.5) ** 2]),
    ("sigmoid", lambda a: a.sigmoid(), (0.0,), 0.5, [0.25]),
    ("relu pos", lambda a: a.relu(), (1.5,), 1.5, [1.0]),
    ("relu neg", lambda a: a.relu(), (-1.5,), 0.0, [0.0]),
    ("relu kink", lambda a: a.relu(), (0.0,), 0.0, [0.0]),
    ("sqrt", lambda a: a.sqrt(), (4.0,), 2.0, [0.25]),
    ("abs neg", lambda a: a.abs(), (-2.0,), 2.0, [-1.0]),
    ("abs kink", lambda a: abs(a), (0.0,), 0.0, [0.0]),
    ("radd", lambda a: 1 + a, (2.0,), 3.0, [1.0]),
    ("rsub", lambda a: 1 - a, (2.0,), -1.0, [-1.0]),
    ("rmul", lambda a: 3 * a, (2.0,), 6.0, [3.0]),
    ("rdiv", lambda a: 1 / a, (2.0,), 0.5, [-0.25]),
    ("linear", lambda w0, w1, x0, x1, b: linear([w0, w1], [x0, x1], b),
     (0.15, 0.20, 0.05, 0.10, 0.35), 0.3775, [0.05, 0.10, 0.15, 0.20, 1.0]),
]


@pytest.mark.parametrize("name,f,xs,value,grads", KNOWN, ids=[k[0] for k in KNOWN])
def test_known_values_and_derivatives(name, f, xs, value, grads):
    out, got = grads_of(f, *xs)
    assert out == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert got == pytest.approx(grads, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name,f,xs,value,grads", KNOWN, ids=[k[0] for k in KNOWN])
def test_every_op_matches_finite_differences(name, f, xs, value, grads):
    if "kink" in name:
        return  # the derivative at a kink is a convention (0), not a limit
    assert gradcheck(f, xs)


def test_every_op_in_the_table_is_covered():
    exercised = set()
    for _, f, xs, _, _ in KNOWN:
        out = f(*[Value(x) for x in xs])
        exercised.add(out.op)
    exercised |= {"sum", "mean"}  # batch-mode reductions, tested in test_engine_batch.py
    assert {op.name for op in (*OPS, LINEAR)} <= exercised


def test_op_names_and_inputs_in_argument_order():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a - b
    assert c.op == "-" and c.inputs == (a, b)
    assert a.op == "" and a.inputs == ()
    assert (a**2).op == "**" and (a**2).inputs == (a,)
    assert (a**b).inputs == (a, b)
    k = 2.0 - a
    assert k.inputs[1] is a and k.inputs[0].data == 2.0


def test_numpy_scalars_and_ints_are_stored_as_float():
    for data in (3, np.float32(3.0), np.int64(3), np.float64(3.0)):
        v = Value(data)
        assert type(v.data) is float and v.data == 3.0 and v.grad == 0.0
    assert type((Value(1.0) * np.float64(2.0)).data) is float


def test_data_is_settable_and_label_is_settable():
    v = Value(1.0)
    v.data = 5.0
    v.label = "x"
    assert (v * 2).data == 10.0 and v.label == "x"


def test_gradients_accumulate_across_backward_calls():
    a = Value(3.0, "a")
    b = a * a + a  # d/da = 2a + 1 = 7
    b.backward()
    assert a.grad == 7.0
    b.backward()
    assert a.grad == 14.0  # the same gradient added again, not compounded
    assert b.grad == 2.0


def test_reused_node_and_diamond():
    # The tinygrad diamond: x feeds two branches that meet again.
    x = Value(2.0, "x")
    y = x * 3.0
    z = x.exp()
    out = y * z + y  # d/dx = 3 e^x + 3x e^x + 3
    out.backward()
    assert x.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2) + 3, rel=1e-12)
    assert y.grad == pytest.approx(math.exp(2) + 1, rel=1e-12)


def test_same_node_twice_in_one_op():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x2 = Value(3.0)
    (x2 + x2).backward()
    assert x2.grad == 2.0


def test_backward_on_leaf():
    x = Value(1.5)
    x.backward()
    assert x.grad == 1.0


def test_no_grad_records_no_inputs():
    a = Value(2.0)
    with no_grad():
        b = a * 3 + 1
        assert b.inputs == () and b.data == 7.0
    c = a * 3
    assert c.inputs[0] is a


def test_no_grad_restores_on_error():
    a = Value(2.0)
    with pytest.raises(ZeroDivisionError), no_grad():
        a / 0
    assert (a * 1).inputs != ()


def test_stable_sigmoid_and_tanh_at_extremes():
    for x in (1e308, -1e308, 1000.0, -1000.0, 710.0, -745.0):
        s = Value(x).sigmoid()
        t = Value(x).tanh()
        assert 0.0 <= s.data <= 1.0 and -1.0 <= t.data <= 1.0
        s.backward()
        t.backward()
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-30.0).sigmoid().data == pytest.approx(math.exp(-30) / (1 + math.exp(-30)))


def test_numerical_grad_matches_known_derivative():
    got = numerical_grad(lambda a, b: a * b.exp(), [2.0, 0.5])
    assert got[0] == pytest.approx(math.exp(0.5), rel=1e-8)
    assert got[1] == pytest.approx(2 * math.exp(0.5), rel=1e-8)


def test_gradcheck_names_the_wrong_input():
    # A deliberately wrong function: its forward is x*y but we fake the graph with a
    # detached factor, so the analytic gradient misses d/dy.
    def wrong(x, y):
        with no_grad():
            y_detached = y * 1.0
        return x * y_detached

    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong, [2.0, 3.0])
    message = str(info.value)
    assert "input 1" in message and "analytic 0.0" in message and "numeric 2.0" in message
    assert "input 0" not in message
    assert info.value.mismatches[0][0] == 1


def test_repr_is_informative():
    v = Value(2.0, "x") * 3
    assert "op='*'" in repr(v) and "6.0" in repr(v)
    assert "label='x'" in repr(Value(1.0, "x"))


def test_apply_op_makes_the_same_node_as_the_operators():
    from autodiff.engine.linear import LINEAR
    from autodiff.engine.ops import ADD, POW, TANH
    from autodiff.engine.replay import apply_op

    a, b = Value(2.0, "a"), Value(-3.0, "b")
    assert apply_op(ADD, [a, b]).data == (a + b).data and apply_op(ADD, [a, b]).inputs == (a, b)
    assert apply_op(TANH, [a]).data == a.tanh().data
    assert apply_op(POW, [b], 2).data == 9.0 and apply_op(POW, [b], 2).exponent == 2.0
    assert apply_op(LINEAR, [a, b, 1.0, 2.0, 0.5]).data == 2.0 * 1.0 + -3.0 * 2.0 + 0.5
    with pytest.raises(ValueError, match="takes 2 inputs"):
        apply_op(ADD, [a])
