"""Derivatives of derivatives and forward mode: grad(create_graph=True), hessian, jvp."""

import math

import numpy as np
import pytest
from conftest import away_from_kinks, random_graphs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import GradcheckError, Value, draw_graph, grad, gradcheck, hessian, jvp, trace
from nn import examples

# One function per op, each away from the edges of its domain; (f, x, f'' by hand).
SECOND = {
    "neg": (lambda x: -x, 0.7, lambda x: 0.0),
    "exp": (lambda x: x.exp(), 0.7, lambda x: math.exp(x)),
    "log": (lambda x: x.log(), 0.7, lambda x: -1.0 / x**2),
    "tanh": (lambda x: x.tanh(), 0.7, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
    "sigmoid": (lambda x: x.sigmoid(), 0.7,
                lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s)),
    "relu": (lambda x: x.relu(), 0.7, lambda x: 0.0),
    "sqrt": (lambda x: x.sqrt(), 0.7, lambda x: -0.25 * x**-1.5),
    "abs": (lambda x: x.abs(), -0.7, lambda x: 0.0),
    "**3": (lambda x: x**3, 0.7, lambda x: 6 * x),
    "**-0.5": (lambda x: x**-0.5, 0.7, lambda x: 0.75 * x**-2.5),
    "+": (lambda x: x + x * x, 0.7, lambda x: 2.0),
    "-": (lambda x: 1.0 - x * x, 0.7, lambda x: -2.0),
    "*": (lambda x: x * x.exp(), 0.7, lambda x: (x + 2) * math.exp(x)),
    "/": (lambda x: 1.0 / x, 0.7, lambda x: 2 / x**3),
    "x**y": (lambda x: x ** x, 0.7, lambda x: x**x * ((math.log(x) + 1) ** 2 + 1 / x)),
    "2**x": (lambda x: 2.0 ** x, 0.7, lambda x: 2**x * math.log(2) ** 2),
    "sum, mean": (lambda x: (x * x).sum() + (x * x * x).mean(), 0.7, lambda x: 2 + 6 * x),
    "linear": (lambda x: autodiff.linear([x, x * x], [x, 2.0], Value(0.5)), 0.7, lambda x: 6.0),
}


def engine_grad(f, x: float) -> float:
    v = Value(x)
    f(v).backward()
    return v.grad


@pytest.mark.parametrize("name", sorted(SECOND))
def test_every_ops_second_derivative(name):
    f, x0, by_hand = SECOND[name]
    x = Value(x0, "x")
    (g,) = grad(f(x), [x], create_graph=True)
    assert isinstance(g, Value)
    (h,) = grad(g, [x])
    eps = 1e-5  # central differences of the engine's own gradient
    numeric = (engine_grad(f, x0 + eps) - engine_grad(f, x0 - eps)) / (2 * eps)
    assert h == pytest.approx(numeric, rel=1e-6, abs=1e-7)
    assert h == pytest.approx(by_hand(x0), rel=1e-12, abs=1e-12)


def test_grad_leaves_every_grad_alone_and_gives_0_to_unreached_inputs():
    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(5.0, "z")
    out = (x * y + x).tanh()
    assert grad(out, [x, y, z]) == pytest.approx(
        [(1 - math.tanh(-4.0) ** 2) * -2.0, (1 - math.tanh(-4.0) ** 2) * 2.0, 0.0])
    assert (x.grad, y.grad, z.grad, out.grad) == (0.0, 0.0, 0.0, 0.0)
    g = grad(out, [z], create_graph=True)[0]
    assert isinstance(g, Value) and g.data == 0.0


def test_third_derivative_of_a_polynomial():
    x = Value(1.5, "x")
    p = 3 * x**4 - 2 * x**3 + x - 5
    d1 = grad(p, [x], create_graph=True)[0]
    d2 = grad(d1, [x], create_graph=True)[0]
    d3 = grad(d2, [x], create_graph=True)[0]
    d4 = grad(d3, [x], create_graph=True)[0]
    assert d1.data == pytest.approx(12 * 1.5**3 - 6 * 1.5**2 + 1, rel=1e-14)
    assert d2.data == pytest.approx(36 * 1.5**2 - 12 * 1.5, rel=1e-14)
    assert d3.data == pytest.approx(72 * 1.5 - 12, rel=1e-14)
    assert d4.data == pytest.approx(72.0, rel=1e-14)
    assert grad(d4, [x])[0] == 0.0


def test_kinks_have_second_derivative_0():
    for f in (lambda x: x.relu(), lambda x: x.abs()):
        for x0 in (-1.0, 0.0, 1.0):
            x = Value(x0)
            (g,) = grad(f(x) * 3.0, [x], create_graph=True)
            assert grad(g, [x]) == [0.0]


def test_the_edge_of_a_domain_is_a_clear_error_not_a_nan():
    x = Value(0.0, "x")
    y = x.sqrt()  # the value is fine; the slope is infinite
    with pytest.raises(ValueError, match=r"sqrt.*derivative.*'x'"):
        grad(y, [x], create_graph=True)
    with pytest.raises(ValueError, match=r"sqrt.*derivative.*'x'"):
        grad(y, [x])


def test_hessian_of_the_textbook_network_is_symmetric_and_matches_finite_differences():
    ex = examples.mazur()
    w0 = [w.data for w in ex.weights()]

    # hessian needs E_total as a function of its own Values: the textbook's network, written out.
    def e_total(*w):
        i1, i2 = ex.x
        t1, t2 = ex.target
        b1, b2 = ex.biases()[0].data, ex.biases()[1].data
        h1 = (w[0] * i1 + w[1] * i2 + b1).sigmoid()
        h2 = (w[2] * i1 + w[3] * i2 + b1).sigmoid()
        o1 = (w[4] * h1 + w[5] * h2 + b2).sigmoid()
        o2 = (w[6] * h1 + w[7] * h2 + b2).sigmoid()
        return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    assert e_total(*[Value(w) for w in w0]).data == pytest.approx(ex.loss().data, rel=1e-15)
    H = np.array(hessian(e_total, w0))
    assert H.shape == (8, 8)
    assert np.abs(H - H.T).max() < 1e-15
    eps = 1e-6
    numeric = np.zeros((8, 8))
    for i in range(8):
        up, down = list(w0), list(w0)
        up[i] += eps
        down[i] -= eps
        numeric[i] = (np.array(grad_at(e_total, up)) - np.array(grad_at(e_total, down))) / (2 * eps)
    assert np.abs(H - numeric).max() < 1e-8
    # By hand from the textbook's forward values: dE/dw5 = (o1 − t1)·o1(1 − o1)·h1, so
    # d²E/dw5² = h1² · (s² + (o1 − t1)·s·(1 − 2·o1)) with s = o1(1 − o1).
    o1, h1, t1 = 0.75136507, 0.59326999, 0.01
    s = o1 * (1 - o1)
    assert H[4, 4] == pytest.approx(h1**2 * (s**2 + (o1 - t1) * s * (1 - 2 * o1)), rel=1e-6)
    assert H[4, 4] == pytest.approx(-0.01222295, abs=1e-8)
    assert gradcheck(e_total, w0, order=2)


def grad_at(f, xs):
    values = [Value(x) for x in xs]
    f(*values).backward()
    return [v.grad for v in values]


@settings(max_examples=60, deadline=None)
@given(graph=random_graphs(),
       direction=st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=5, max_size=5))
def test_jvp_is_the_gradient_dotted_with_the_direction(graph, direction):
    f, xs = graph.build, list(graph.point)
    vs = direction[: len(xs)]
    value, tangent = jvp(f, xs, vs)
    g = grad_at(f, xs)
    assert value == f(*[Value(x) for x in xs]).data
    assert tangent == pytest.approx(sum(a * b for a, b in zip(g, vs)), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(graph=random_graphs(n_inputs=(1, 3)))
def test_random_graphs_second_derivatives_match_finite_differences(graph):
    f, xs = graph.build, list(graph.point)
    assume(away_from_kinks(f, xs))  # a filtered example is not counted as a pass
    H = np.array(hessian(f, xs))
    assert np.allclose(H, H.T, rtol=1e-9, atol=1e-9)
    assert gradcheck(f, xs, eps=1e-6, atol=1e-3, rtol=1e-3, order=2)


def test_batch_mode_second_derivative():
    xs = np.array([-1.0, 0.25, 0.5, 2.0])
    w = Value(0.7, "w")
    loss = (w * xs).tanh().mean()
    (g,) = grad(loss, [w], create_graph=True)
    assert type(g.data) is float
    t = np.tanh(0.7 * xs)
    assert g.data == pytest.approx(np.mean((1 - t**2) * xs), rel=1e-14)
    (h,) = grad(g, [w])
    assert h == pytest.approx(np.mean(-2 * t * (1 - t**2) * xs**2), rel=1e-12)
    # A batch input gets one second derivative per sample.
    x = Value(xs, "x")
    (gx,) = grad((x * x * x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(gx.data, 3 * xs**2)
    (hx,) = grad(gx.sum(), [x])
    np.testing.assert_allclose(hx, 6 * xs)


def test_the_graph_of_a_gradient_traces_explains_and_draws():
    x = Value(0.5, "x")
    (g,) = grad(x.tanh(), [x], create_graph=True)
    g.label = "dy/dx"
    tr = trace(g)
    assert tr.node("x").grad == pytest.approx(-2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2))
    assert tr.explain("x").total == pytest.approx(tr.node("x").grad, rel=1e-15)
    source = draw_graph(g).source
    assert "dy/dx" in source and "tanh" in source


def test_forward_mode_on_a_trace_matches_reverse_mode():
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    f = (x * y + x).tanh()
    f.label = "f"
    tr = trace(f)
    sweep = tr.forward_mode({"x": 1.0, "y": 0.5})
    assert [s.node for s in sweep] == tr.nodes
    assert sweep[-1].tangent == pytest.approx(x.grad * 1.0 + y.grad * 0.5, rel=1e-15)
    product = next(s for s in sweep if s.node.op == "*")
    assert [(t[1], t[2]) for t in product.terms] == [(-3.0, -3.0), (2.0, 1.0)]


def test_forward_mode_directions_are_checked():
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    q = x * y
    q.label = "q"
    tr = trace((q + x).tanh())
    with pytest.raises(ValueError, match="q is computed from other nodes"):
        tr.forward_mode({"q": 1.0})
    with pytest.raises(TypeError, match="tangent of x must be a number, got str"):
        tr.forward_mode({"x": "1"})
    assert type(tr.forward_mode({"x": 1})[0].tangent) is float


def test_forward_and_reverse_mode_count_their_sweeps():
    # Many inputs, one output: reverse mode needs one sweep, forward mode one per input.
    xs = [0.1 * i for i in range(1, 6)]

    def f(*v):
        return sum((vi * vi).tanh() for vi in v[1:]) + v[0]

    gradient = grad_at(f, xs)
    by_forward = [jvp(f, xs, [1.0 if j == i else 0.0 for j in range(5)])[1] for i in range(5)]
    assert by_forward == pytest.approx(gradient, rel=1e-14)


def test_gradcheck_order_2_names_the_pair_that_disagrees(monkeypatch):
    import autodiff.check as check

    monkeypatch.setattr(check, "hessian", lambda f, xs: [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a * a * b, [1.0, 2.0], order=2)
    message = str(info.value)
    assert "second derivative 0, 0" in message and "analytic 0.0" in message
    assert {m[0] for m in info.value.mismatches} == {(0, 0), (0, 1), (1, 0)}


def test_bad_calls_are_clear():
    x = Value(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"grad\(\) needs a scalar"):
        grad(x * 2.0, [x])
    with pytest.raises(TypeError, match="inputs\\[0\\] must be a Value"):
        grad(Value(1.0), [1.0])
    with pytest.raises(ValueError, match="one per input"):
        jvp(lambda a: a, [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        gradcheck(lambda a: a, [1.0], order=3)
