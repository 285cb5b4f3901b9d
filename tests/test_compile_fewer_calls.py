"""The numpy backend on short arrays: fewer NumPy calls per step, the engine's numbers still.

At 64 to 1,200 numbers an array, each NumPy call costs more in its overhead than in its
arithmetic, so the code makes fewer of them: x ** 2 as x * x, a mean's or sum's local
derivative made once where the data fix the batch's shape, arrays made from constants only
computed once, no domain check where the values provably lie inside it. The answers stay
the engine's, to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import COORDINATE, random_graphs
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, compile_graph, topological_order
from autodiff.compile.namespace import namespace
from autodiff.engine import ops
from autodiff.engine.backward import unbroadcast

RNG = np.random.default_rng(11)
DATA = RNG.normal(size=50)
POSITIVE = np.abs(DATA) + 0.1
TARGETS = (RNG.normal(size=50) > 0).astype(float)


def engine(root: Value, inputs: list[Value]) -> tuple:
    root.backward()
    return root.data, [node.grad for node in inputs]


def assert_bits(got: tuple, want: tuple) -> None:
    """The engine's numbers to the last bit (a zero's sign aside)."""
    assert got[0] == want[0]
    for g, w in zip(got[1], want[1]):
        assert np.array_equal(np.asarray(g) + 0.0, np.asarray(w) + 0.0)


def logistic(w: Value, b: Value) -> Value:
    """One neuron's cross-entropy on full-batch data (constants), written with the ops."""
    x, y = Value(DATA, "x"), Value(TARGETS, "y")
    z = w * x + b
    a = z.abs()
    return ((0.5 - y) * z + 0.5 * a + ((-a).exp() + 1.0).log()).mean()


def test_a_square_of_an_array_is_a_product():
    w = Value(0.7, "w")
    loss = ((w * Value(DATA, "x") - 1.0) ** 2).mean()
    compiled = compile_graph(loss, [w], backend="numpy")
    assert "np_power" not in compiled.source and "t3 = t2 * t2" in compiled.source
    assert "* (2.0 * t2)" in compiled.source  # d x**2/dx = 2 x: power(x, 1.0) is x itself
    for at in (0.7, -3.0, 1e-160, 1e150):
        w = Value(at, "w")
        loss = ((w * Value(DATA, "x") - 1.0) ** 2).mean()
        assert_bits(compile_graph(loss, [w], backend="numpy").function(at), engine(loss, [w]))


def test_the_python_backend_keeps_the_power():
    x = Value(1.5, "x")
    assert "power(x, 2.0)" in compile_graph(x ** 2 + x, [x]).source


def test_a_mean_over_fixed_data_has_one_number_for_its_slope():
    w, b = Value(0.3, "w"), Value(-0.2, "b")
    loss = logistic(w, b)
    compiled = compile_graph(loss, [w, b], backend="numpy")
    source = compiled.source
    assert "np_ones" not in source and "np_size" not in source
    assert "    out = np_total(t12) / 50\n" in source
    assert "    dout_dt12 = dout_dout * 0.02\n" in source  # 1/N: one number for every entry
    assert "    dout_dt5 = dout_dt6 * 0.5 - dout_dt7\n" in source  # numbers, till an array
    assert_bits(compiled.function(0.3, -0.2), engine(loss, [w, b]))


def test_one_number_for_equal_entries_becomes_an_array_where_one_is_due():
    # Into a scalar (the bias: the engine sums the entries), into an array input (its
    # gradient is an array of its shape), into a layer's row: the engine's numbers.
    w, b = Value(0.3, "w"), Value(-0.2, "b")
    loss = (w * Value(DATA, "x") + b).mean()
    compiled = compile_graph(loss, [w, b], backend="numpy")
    assert "batch_sum(zeros_like(t2) + dout_dt2)" in compiled.source
    assert_bits(compiled.function(0.3, -0.2), engine(loss, [w, b]))
    x = Value(RNG.normal(size=50), "x")
    loss = (x + 1.0).mean() + (x * Value(DATA, "c")).sum()
    compiled = compile_graph(loss, [x], backend="numpy")
    got = compiled.function(x.data)
    want = engine(loss, [x])
    assert_bits(got, want)
    assert type(got[1][0]) is np.ndarray and got[1][0].shape == (50,)
    got[1][0][:] = 99.0  # a new array at each call: changing it changes nothing
    assert_bits(compiled.function(x.data), want)
    from nn import MLP

    model = MLP(1, [4, 3], activation="tanh", out_activation="linear", seed=2)
    out = model(DATA[:, None])
    loss = out[0].mean() + out[1].sum() + (out[2] * out[2]).mean()
    params = model.parameters()
    compiled = compile_graph(loss, params, backend="numpy")
    assert "zeros_like(out_o[0]) + " in compiled.source
    value, grads = compiled.function(*[q.data for q in params])
    want = engine(loss, params)
    assert value == pytest.approx(want[0], rel=1e-13)
    np.testing.assert_allclose(grads, want[1], rtol=1e-12, atol=1e-15)


def test_a_batch_of_any_size_still_has_its_slope_made_at_each_call():
    # No constant array fixes the batch's shape: the size is read at each call.
    x = Value(DATA, "x")
    compiled = compile_graph((x * x).mean(), [x], backend="numpy")
    assert "np_ones(" in compiled.source
    other = Value(RNG.normal(size=7))
    assert_bits(compiled.function(other.data), engine((other * other).mean(), [other]))


def test_arrays_of_constants_only_are_computed_once():
    w, b = Value(0.3, "w"), Value(-0.2, "b")
    loss = logistic(w, b)
    compiled = compile_graph(loss, [w, b], backend="numpy")
    assert "# t1 = 0.5 - y: constants only, computed once, when compiled" in compiled.source
    assert "    t1 = " not in compiled.source
    assert_bits(compiled.function(0.3, -0.2), engine(loss, [w, b]))
    w2, b2 = Value(-1.5, "w"), Value(2.0, "b")
    assert_bits(compiled.function(-1.5, 2.0), engine(logistic(w2, b2), [w2, b2]))


@pytest.mark.parametrize("graph", [
    lambda z: ((-z.abs()).exp() + 1.0).log(),          # log(1 + e^-|z|): at least log 1
    lambda z: (z * z + 0.5).log(),                      # a square plus a positive number
    lambda z: (z.sigmoid() * z.sigmoid() + 1e-3).sqrt(),
    lambda z: (z.relu() + z.tanh() + 2.0).log(),
], ids=["log1p-exp", "square-plus", "sqrt-of-square", "relu-tanh"])
def test_no_check_where_the_values_provably_lie_inside(graph):
    w = Value(0.4, "w")
    root = graph(w * Value(DATA, "x")).mean()
    compiled = compile_graph(root, [w], backend="numpy")
    assert "out_of_domain" not in compiled.source
    for at in (0.4, -800.0, 800.0):
        w = Value(at, "w")
        root = graph(w * Value(DATA, "x")).mean()
        assert_bits(compile_graph(root, [w], backend="numpy").function(at), engine(root, [w]))


@pytest.mark.parametrize("graph, bad", [
    (lambda z: z.sigmoid().log(), -800.0),    # the sigmoid rounds to 0 below about -745
    (lambda z: z.exp().log(), -800.0),        # and so does exp
    (lambda z: (z.tanh() + 1.0).log(), -400.0),  # tanh is -1.0 below -20
    (lambda z: (z * z - 1.0).sqrt(), 0.1),
], ids=["log-sigmoid", "log-exp", "log-tanh-plus-one", "sqrt-square-minus"])
def test_the_check_stays_where_the_values_may_leave(graph, bad):
    w = Value(10.0, "w")
    compiled = compile_graph(graph(w * Value(POSITIVE, "x")).mean(), [w], backend="numpy")
    assert "out_of_domain" in compiled.source
    with pytest.raises(ValueError):
        graph(Value(bad) * Value(POSITIVE, "x")).mean()  # the engine refuses
    with pytest.raises(ValueError):
        compiled.function(bad)  # and so does the code


def test_the_sums_are_the_engines_own():
    helpers = namespace(numpy=True, fused=False)
    engine_total = ops.ARRAY_NAMESPACE["total"]
    for c in (RNG.normal(size=1200) * 1e3, RNG.normal(size=(3, 64)), np.array([]),
              np.array([1e300, 1e300, -1e300]), np.array(2.5)):
        for helper in (helpers["batch_sum"], helpers["np_total"]):
            got = helper(c)
            assert type(got) is float
            assert got == unbroadcast(c, 0.0) == engine_total(c)


def test_a_negated_first_term_is_subtracted():
    # -a + b is b - a to the last bit: one array operation instead of two.
    w, b = Value(0.3, "w"), Value(-0.2, "b")
    loss = logistic(w, b)
    compiled = compile_graph(loss, [w, b], backend="numpy")
    body = [line.strip() for line in compiled.source.splitlines()]
    assert not [line for line in body if " = -" in line and " + " in line]
    assert any(line.endswith("* 0.5 - dout_dt7") for line in body)
    assert_bits(compiled.function(0.3, -0.2), engine(loss, [w, b]))


def test_a_small_model_has_its_function_of_p_too():
    # 25 parameters, by name, and the function of the vector p behind them.
    rng = np.random.default_rng(4)
    from nn import MLP, losses

    model = MLP(1, [8, 1], activation="tanh", out_activation="linear", seed=1)
    X = rng.normal(size=(64, 1))
    loss = losses.half_sse(model(X), np.sin(X[:, 0]))
    params = model.parameters()
    compiled = compile_graph(loss, params, backend="numpy")
    assert compiled.source.startswith("def value_and_grad(\n    h1_w1, h1_b, h2_w1,")
    # One input, one output neuron: outer products, by broadcasting; one row, a view of it.
    lines = [line.strip() for line in compiled.source.splitlines()]
    assert "net_h = W_h * X_h + b_h[:, None]" in lines
    assert "out_o = W_o @ out_h + b_o[:, None]" in lines
    assert "dout_dout_o = dout_dout_o1[None]" in lines
    assert "dout_dout_h = W_o.T * dout_dout_o" in lines
    assert "dout_dp[24] += batch_sum(dout_dout_o)" in lines  # one neuron, one bias: one sum
    p = np.array([q.data for q in params])
    value, dp = compiled.function_p(p)
    assert compiled.vector_function(p)[0] == value
    assert (value, dp.tolist()) == compiled.function(*p.tolist())
    want = engine(loss, params)
    assert value == pytest.approx(want[0], rel=1e-13)
    np.testing.assert_allclose(dp, want[1], rtol=1e-12, atol=1e-14)
    x = Value(2.0, "x")
    assert compile_graph(x * x, [x], backend="numpy").function_p is None


def same(a, b) -> bool:
    """Equal to the last bit (a zero's sign aside), nan equal to nan."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    return type(a) is float and type(b) is float and (a + 0.0 == b + 0.0 or a != a and b != b)


def outcome(run):
    try:
        return run()
    except (ArithmeticError, ValueError) as error:
        return error


# Full-batch data: the first array of the graph a constant, which fixes every batch's shape,
# so the code folds what is made of constants only, makes a mean's slope once and leaves out
# the checks the values provably pass. At the drawn point and a moved one, the engine's bits.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=300, deadline=None)
@given(random_graphs(n_inputs=(2, 5), batch=True, safe=False),
       st.lists(COORDINATE, min_size=5, max_size=5))
def test_random_graphs_on_fixed_data_equal_the_engine(graph, moved):
    leaves = graph.leaves()
    root = graph.build(*leaves)
    reached = {id(node) for node in topological_order(root)}
    used = [k for k, leaf in enumerate(leaves) if id(leaf) in reached]
    data = [k for k in used if isinstance(graph.point[k], np.ndarray)][:1]
    inputs = [k for k in used if k not in data]
    compiled = compile_graph(root, [leaves[k] for k in inputs], backend="numpy")
    elsewhere = [v[::-1] * 0.75 if isinstance(v, np.ndarray) else m
                 for v, m in zip(graph.point, moved)]
    elsewhere = [graph.point[k] if k in data else v for k, v in enumerate(elsewhere)]
    for point in (graph.point, elsewhere):
        args = [point[k] for k in inputs]
        got = outcome(lambda args=args: compiled.function(*args))

        def engine_at(point=point):
            at = graph.leaves(point)
            return engine(graph.build(*at), [at[k] for k in inputs])

        want = outcome(engine_at)
        if isinstance(want, Exception):
            # Where the engine refuses an input outside an op's domain, so does the code (no
            # check left out wrongly); an overflow or a constant's undefined derivative it
            # may not see: a call hands those to the engine.
            if not (isinstance(want, OverflowError) or "derivative is not finite" in str(want)):
                assert type(got) is type(want), (got, want)
            continue
        if isinstance(got, Exception) or not np.isfinite(want[0]):
            continue  # an overflow on the way, which a call hands to the engine
        assert same(got[0], want[0]), (got[0], want[0])
        for g, w in zip(got[1], want[1]):
            assert same(g, w), (g, w)


@settings(max_examples=300, deadline=None)
@given(random_graphs(n_inputs=(1, 4), safe=False, max_steps=12),
       st.lists(st.lists(st.floats(-800.0, 800.0), min_size=4, max_size=4), min_size=1,
                max_size=6))
def test_every_value_a_node_takes_lies_in_its_span(graph, points):
    # spans() bounds each node's values at any call (the inputs any number): rebuilt at other
    # points, every node of the graph lies inside its own.
    from autodiff.compile.domains import spans

    leaves = graph.leaves()
    order = topological_order(graph.build(*leaves))
    position = {id(node): k for k, node in enumerate(order)}
    ins = [[position[id(c)] for c in node.inputs] for node in order]
    inputs = {id(leaf) for leaf in leaves}
    found = spans(order, ins, [id(node) in inputs or bool(ins[k])
                               for k, node in enumerate(order)])
    for point in points:
        try:
            at = graph.leaves(point[: len(graph.point)])
            again = topological_order(graph.build(*at))
        except (ArithmeticError, ValueError):
            continue  # the engine refuses this point
        assert len(again) == len(order)
        for node, (lo, hi) in zip(again, found):
            assert lo <= node.data <= hi or node.data != node.data, (node, lo, hi)
