"""Hostile input, round 3: overflow that used to pass in silence, a cycle made by hand, x ** 0."""

import math

import numpy as np
import pytest

import nn
from autodiff import Value, compile_graph, grad, jvp, topological_order, trace
from nn import datasets, losses


def _moons_compiled():
    X, y = datasets.make_moons(8, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=3)
    params = model.parameters()
    loss = losses.binary_cross_entropy(model([X[:, 0], X[:, 1]]), y) + 1e-3 * losses.l2(params)
    return compile_graph(loss, params, backend="numpy"), params


def test_the_vector_function_never_answers_inf():
    compiled, params = _moons_compiled()
    p = np.array([q.data for q in params])
    value, dp = compiled.vector_function(p)
    assert (value, dp.tolist()) == compiled(*p.tolist())
    p[0] = 1e308
    overflow = r"linear: the result is not finite .*'h1_1.w1' = 1e\+308"
    with pytest.raises(OverflowError, match=overflow):
        compiled.vector_function(p)
    for bad, what in ((p[:3], r"an array of shape \(3,\)"), (list(p), "list")):
        with pytest.raises(TypeError, match=f"takes one vector of the 337 inputs, got {what}"):
            compiled.vector_function(bad)


def test_a_gradient_overflow_names_the_edge_where_it_happened():
    x, y = Value(1e-300, "x"), Value(1e10, "y")
    z = (x * 1e300) * y
    with pytest.raises(OverflowError, match=r"reaching node 'x' is not finite \(inf\): the share "
                                            r"from an unlabeled \* node, its local derivative "
                                            r"1e\+300 × its gradient 10000000000.0"):
        z.backward()
    assert x.grad == 0.0
    # Two finite shares whose sum overflows.
    a = Value(1.0, "a")
    n = a * 1e-300
    s = n * 1e308 + n * 1e308  # forward 2e8; backward two shares of 1e308 reach n
    with pytest.raises(OverflowError, match=r"reaching an unlabeled \* node is not finite \(inf\): "
                                            r"the sum of its shares \(1e\+308, 1e\+308\)"):
        s.backward()


def test_a_gradient_overflow_in_batch_mode_names_the_edge_too():
    # The gradient reaching the division is an array: the message reads its numbers (an
    # array's .data is its buffer, which made this a TypeError).
    x0, x1 = Value(np.array([0.0]), "x0"), Value(6.6e-192, "x1")
    root = ((x1 + 1.0) / x1 - (x1 + x0)).mean()
    with pytest.raises(OverflowError, match=r"reaching node 'x1' is not finite \(-inf\): the "
                                            r"share from an unlabeled / node"):
        root.backward()
    assert x1.grad == 0.0


def test_forward_mode_refuses_an_infinite_tangent():
    with pytest.raises(OverflowError, match=r"the tangent of an unlabeled \* node is not finite "
                                            r"\(inf\): 1e\+200 × 1e\+200"):
        jvp(lambda a: a * 1e200, [1.0], [1e200])
    for bad in (math.nan, math.inf, np.array([1.0, math.nan])):
        with pytest.raises(ValueError, match="jvp: a tangent must be finite"):
            jvp(lambda a: a * 2.0, [1.0], [bad])
    assert jvp(lambda a: a * 2.0 + a.exp(), [1.0], [0.5]) == (2.0 + math.e, 0.5 * (2.0 + math.e))


@pytest.mark.parametrize("x", [0.0, 2.0, -3.0])
def test_x_to_the_zero_has_derivative_zero_everywhere(x):
    v = Value(x, "x")
    y = v ** 0 + v * 0.5
    y.backward()
    assert (y.data, v.grad) == (1.0 + 0.5 * x, 0.5)
    assert grad(v ** 0, [v]) == [0.0]
    assert grad(grad(v ** 0, [v], create_graph=True)[0], [v]) == [0.0]
    compiled = compile_graph(v ** 0 * v, [v])
    assert compiled(x) == (x, [1.0]) and "power(x, 0.0 - 1.0)" not in compiled.source
    batch = Value(np.array([0.0, 1.0, -2.0]), "b")
    (batch ** 0).sum().backward()
    assert batch.grad.tolist() == [0.0, 0.0, 0.0]


def test_inputs_edited_into_a_cycle_are_refused_everywhere():
    a = Value(1.0, "a")
    b = a * 2.0
    b.label = "b"
    c = b + 1.0
    c.label = "c"
    b.inputs = (c, b.inputs[1])  # by hand: b now reads c, which reads b
    for run in (c.backward, lambda: trace(c), lambda: compile_graph(c, [a]),
                lambda: grad(c, [a]), lambda: topological_order(c)):
        with pytest.raises(ValueError, match="the graph has a cycle: node 'c' is among its own "
                                             "inputs"):
            run()
    assert a.grad == 0.0
    d = Value(1.0, "d")
    d.inputs = (d,)
    with pytest.raises(ValueError, match="node 'd' is among its own inputs"):
        (d * 1.0).backward()


def test_a_graph_recorded_on_numbers_runs_over_arrays_of_points():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = (x * y + x.exp()).tanh() + x ** 2 + y
    compiled = compile_graph(f, [x, y], backend="numpy")
    xs, ys = np.array([1.0, 2.0, -0.5]), np.array([3.0, 0.5, 1.5])
    value, (dx, dy) = compiled(xs, ys)
    for k in range(3):  # one value and one gradient per point, the engine's
        px, py = Value(xs[k]), Value(ys[k])
        g = (px * py + px.exp()).tanh() + px ** 2 + py
        g.backward()
        assert (value[k], dx[k], dy[k]) == pytest.approx((g.data, px.grad, py.grad), rel=1e-12)
    value, (dx, dy) = compiled(xs, 3.0)  # a number beside the points: the same at each point
    assert value.shape == dx.shape == dy.shape == (3,)
    assert value[0] == pytest.approx(compiled(1.0, 3.0)[0], rel=1e-12)
    # Outside a domain at one point: the engine's error, naming the point.
    logs = compile_graph(x.log() * x, [x], backend="numpy")
    with pytest.raises(ValueError, match=r"at point \(1,\): log: log needs an input > 0; "
                                         r"got node 'x' = -2.0"):
        logs(np.array([1.0, -2.0]))
    # A reduction reads its inputs as a whole: numbers only, said clearly.
    summed = compile_graph((x * y).mean() + x, [x, y], backend="numpy")
    with pytest.raises(TypeError, match="holds a mean node, which reads its inputs as a whole"):
        summed(xs, 1.0)
    with pytest.raises(ValueError, match=r"shapes \(3,\), \(2,\), which do not broadcast"):
        compiled(xs, np.array([1.0, 2.0]))


@pytest.mark.parametrize("bad", [10**400, math.nan, math.inf, "1", None, True, 1 + 2j])
def test_a_compiled_batch_graph_refuses_bad_numbers_as_the_engine_does(bad):
    x, xb = Value(1.5, "x"), Value(np.array([1.0, 2.0]), "xb")
    compiled = compile_graph(((xb * x).tanh()).sum(), [x, xb], backend="numpy")
    with pytest.raises(Exception) as engine:
        Value(bad)
    with pytest.raises(Exception) as refused:
        compiled(1.0, bad)
    assert type(refused.value) is type(engine.value)
    assert "input 'xb'" in str(refused.value)
