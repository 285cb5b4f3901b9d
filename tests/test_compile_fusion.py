"""Layers written as one step each: matrix products in the numpy backend, sums over tuples for
scalar layers run on many samples; the same numbers as one statement per node.

Every comparison here calls the compiled `.function` itself: `CompiledGraph(...)` would fall
back to the engine on any error, and hide a wrong source behind the engine's right answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Value, compile_graph, linear
from nn import MLP, losses

SHAPES = [(1, [1]), (2, [3, 1]), (3, [4, 5, 2]), (2, [16, 16, 1]), (4, [1, 3]), (3, [2, 2, 2, 2])]
ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]


def engine(root: Value, nodes: list[Value]) -> tuple:
    root.backward()
    return root.data, [node.grad for node in nodes]


def assert_close(got: tuple, want: tuple, tol: float = 1e-12) -> None:
    assert got[0] == pytest.approx(want[0], rel=tol, abs=tol)
    assert len(got[1]) == len(want[1])
    for g, w in zip(got[1], want[1]):
        assert type(g) is type(w) or np.ndim(g) == np.ndim(w)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def assert_bits(got: tuple, want: tuple) -> None:
    """Equal to the last bit (a zero's sign aside: the engine starts each sum at +0.0)."""
    assert type(got[0]) is float and got[0] == want[0]
    assert [type(g) for g in got[1]] == [float] * len(want[1])
    assert [g + 0.0 for g in got[1]] == [w + 0.0 for w in want[1]]


def batch_case(nin: int, nouts: list[int], activation: str, shared: bool, seed: int,
               samples: int = 9):
    """An MLP on a batch (one array per input feature), its loss with an L2 term."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(samples, nin))
    model = MLP(nin, nouts, activation=activation, out_activation="tanh" if seed % 2 else "linear",
                shared_bias=shared, seed=seed)
    params = model.parameters()
    xs = [Value(X[:, j].copy(), f"x{j + 1}") for j in range(nin)]
    out = model(xs)
    # The targets are inputs too (not constants, which would fix the batch size).
    targets = [Value(rng.normal(size=samples), f"t{k + 1}") for k in range(nouts[-1])]
    loss = losses.mse(out, targets if nouts[-1] > 1 else targets[0]) + 1e-3 * losses.l2(params)
    loss.label = "loss"
    return loss, params, [*xs, *targets], X


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{n}-{'-'.join(map(str, o))}" for n, o in SHAPES])
def test_batch_layers_equal_the_unfused_code(shape, activation, shared):
    nin, nouts = shape
    loss, params, xs, X = batch_case(nin, nouts, activation, shared, seed=len(nouts) + nin)
    values = [p.data for p in params] + [x.data for x in xs]
    # The gradients of the inputs too: their layer's X.T @ dnet, as rows.
    fused = compile_graph(loss, [*params, *xs], backend="numpy")
    unfused = compile_graph(loss, [*params, *xs], backend="numpy", fuse=False)
    if len(nouts) > 1 or nouts[0] > 1:
        assert " @ " in fused.source
    assert " @ " not in unfused.source
    got, plain = fused.function(*values), unfused.function(*values)
    assert_close(got, plain)
    assert_close(got, engine(loss, [*params, *xs]))
    # Another batch size: the same function.
    rng = np.random.default_rng(7)
    bigger = [p.data for p in params] + [rng.normal(size=21) for _ in xs]
    assert_close(fused.function(*bigger), unfused.function(*bigger))


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES[:4], ids=[f"{n}-{'-'.join(map(str, o))}"
                                                   for n, o in SHAPES[:4]])
def test_scalar_layers_run_on_many_samples_are_the_engines_bits(shape, activation, shared):
    nin, nouts = shape
    rng = np.random.default_rng(nin)
    X, y = rng.normal(size=(6, nin)), np.sign(rng.normal(size=6))
    model = MLP(nin, nouts, activation=activation, shared_bias=shared, seed=3)
    params = model.parameters()
    scores = [model(list(x)) for x in X]
    first = [s if type(s) is Value else s[0] for s in scores]
    loss = sum(losses.hinge(s, yi) for s, yi in zip(first, y)) / len(y) + 1e-4 * losses.l2(params)
    fused = compile_graph(loss, params)
    unfused = compile_graph(loss, params, fuse=False)
    assert "affine(" in fused.source and "affine(" not in unfused.source
    values = [p.data for p in params]
    got = fused.function(*values)
    assert_bits(got, unfused.function(*values))
    assert_bits(got, engine(loss, params))
    moved = [v + 0.1 * k % 0.7 for k, v in enumerate(values)]
    assert_bits(fused.function(*moved), unfused.function(*moved))


def test_scalar_layer_inputs_that_are_inputs_get_their_gradient():
    # The samples themselves as inputs of the compiled function, with gradients: each one's
    # gradient is its row of the layer's input gradient.
    rng = np.random.default_rng(5)
    model = MLP(3, [4, 1], activation="tanh", seed=0)
    points = [[Value(float(v), f"p{k}_{j}") for j, v in enumerate(rng.normal(size=3))]
              for k in range(5)]
    loss = sum(model(p) ** 2 for p in points)
    leaves = [v for p in points for v in p] + model.parameters()
    fused = compile_graph(loss, leaves)
    assert "input_grads(" in fused.source
    assert_bits(fused.function(*[v.data for v in leaves]), engine(loss, leaves))


def test_the_fused_source_reads_like_vectorised_backprop():
    loss, params, xs, X = batch_case(2, [16, 16, 1], "relu", False, seed=0)
    source = compile_graph(loss, params, backend="numpy").source  # the data: constants
    lines = [line.strip() for line in source.splitlines()]
    for line in [
        "net_h1 = W_h1 @ X_h1 + b_h1[:, None]",
        "out_h1 = np_relu(net_h1)",
        "net_h2 = W_h2 @ out_h1 + b_h2[:, None]",
        "out_h2 = np_relu(net_h2)",
        "out_o1 = out_o[0]",
        "dloss_dnet_h2 = dloss_dout_h2 * np_step(net_h2)",
        "dloss_dout_h1 = W_h2.T @ dloss_dnet_h2",
        # The parameters as one vector p: each layer's weights are entries of it, and so are
        # their gradients, gathered in one vector and returned as it is.
        "W_h2 = p[W_h2_at]",
        "dloss_dp[W_h2_at] += dloss_dnet_h2 @ out_h1.T",
        "dloss_dp[b_h2_at] += np.add.reduce(dloss_dnet_h2, axis=1)",
        # The L2 term over every parameter, in order: a dot product of all of p with itself.
        "l2 = float(p @ p) + 0.0",
        "dloss_dp += dloss_dl2 * p",
        "return loss, dloss_dp",
        # value_and_grad(*inputs) packs the numbers into p and unpacks the gradient vector.
        "def value_and_grad(*inputs):",
        "loss, dloss_dp = value_and_grad_p(np.array(inputs))",
        "return loss, dloss_dp.tolist()",
    ]:
        assert line in lines, line
    assert source.startswith("def value_and_grad_p(p):\n"
                             '    """loss and its gradient dloss/dp: p is the 337 inputs of')
    assert "The 337 inputs, in order: h1_1_w1, h1_1_w2, h1_1_b," in source
    assert all(len(line) <= 99 for line in source.splitlines())
    # The data are constants: X is one matrix, made when compiled.
    assert "# X_h1: a constant matrix of shape (2, 9), bound when compiled" in lines


def test_the_vector_function_is_the_function_on_one_array():
    loss, params, xs, X = batch_case(2, [16, 16, 1], "tanh", False, seed=4)
    compiled = compile_graph(loss, params, backend="numpy")
    values = [p.data for p in params]
    value, grads = compiled.function(*values)
    vector_value, dp = compiled.vector_function(np.array(values))
    assert type(dp) is np.ndarray and dp.shape == (len(params),)
    assert vector_value == value and dp.tolist() == grads
    assert_close((value, grads), engine(loss, params))
    # Gradients of some inputs only, or inputs that are arrays: no vector function.
    assert compile_graph(loss, params, backend="numpy", wrt=params[:5]).vector_function is None
    assert compile_graph(loss, [*params, *xs], backend="numpy").vector_function is None
    x = Value(2.0, "x")
    assert compile_graph(x * x + 1.0, [x]).vector_function is None


def test_an_l2_term_over_some_parameters_reads_their_entries_of_p():
    # Only the weights (no biases) in the L2 term: its dot product picks their entries of p.
    rng = np.random.default_rng(3)
    model = MLP(2, [16, 16, 1], activation="relu", out_activation="linear", seed=3)
    params = model.parameters()
    weights = [p for p in params if ".w" in p.label]
    X = rng.normal(size=(7, 2))
    out = model([X[:, 0].copy(), X[:, 1].copy()])
    loss = losses.mse(out, Value(rng.normal(size=7), "t")) + 1e-2 * losses.l2(weights)
    compiled = compile_graph(loss, params, backend="numpy")
    lines = [line.strip() for line in compiled.source.splitlines()]
    assert "l2 = float(p[l2_at] @ p[l2_at]) + 0.0" in lines
    assert "dout_dp[l2_at] += dout_dl2 * p[l2_at]" in lines
    unfused = compile_graph(loss, params, backend="numpy", fuse=False)
    values = [p.data for p in params]
    assert_close(compiled.function(*values), unfused.function(*values))
    assert_close(compiled.function(*values), engine(loss, params))


def test_a_small_model_keeps_its_parameters_by_name():
    loss, params, xs, X = batch_case(2, [3, 1], "tanh", False, seed=2)
    compiled = compile_graph(loss, params, backend="numpy")
    assert compiled.source.startswith("def value_and_grad(\n    h1_w1, h1_w2, h1_b, h2_w1,")
    assert "    p = np.array((\n        h1_w1, h1_w2, h1_b," in compiled.source
    assert_close(compiled.function(*[p.data for p in params]), engine(loss, params))


def test_gradients_for_some_parameters_only():
    loss, params, xs, X = batch_case(3, [4, 5, 2], "relu", False, seed=1)
    some = params[::3]
    compiled = compile_graph(loss, params, wrt=some, backend="numpy")
    assert "wrt_at" in compiled.source
    got = compiled.function(*[p.data for p in params])
    assert_close(got, engine(loss, some))
    assert len(got[1]) == len(some)


def test_a_shared_bias_stays_one_number():
    loss, params, xs, X = batch_case(2, [2, 2], "sigmoid", True, seed=4)
    compiled = compile_graph(loss, [*params, *xs], backend="numpy")
    lines = [line.strip() for line in compiled.source.splitlines()]
    assert "net_h = W_h @ X_h + b1" in lines
    assert "dloss_db_h = float(np.sum(dloss_dnet_h))" in lines
    values = [p.data for p in params] + [x.data for x in xs]
    assert_close(compiled.function(*values), engine(loss, [*params, *xs]))


def test_what_is_not_a_layer_is_written_node_by_node():
    x1, x2 = Value(np.array([0.5, -1.0, 2.0]), "x1"), Value(np.array([1.5, 0.25, -0.5]), "x2")
    w = [Value(0.1 * k - 0.3, f"w{k}") for k in range(6)]
    b = Value(0.2, "b")
    made = w[0] * 2.0  # a weight computed from another: not a parameter
    n1 = linear([w[1], w[2]], [x1, x2], b)
    n2 = linear([made, w[3]], [x1, x2], b)  # reads the same inputs, but its weight is made
    n3 = linear([w[4], w[5]], [x1, x1], b)  # an input twice
    loss = (n1.tanh() * n1 + n2.relu() + n3.sigmoid()).mean()
    compiled = compile_graph(loss, [*w, b, x1, x2], backend="numpy")
    assert " @ " not in compiled.source
    values = [v.data for v in [*w, b, x1, x2]]
    assert_close(compiled.function(*values), engine(loss, [*w, b, x1, x2]), tol=0)


def test_neurons_with_different_activations_share_the_matrix_product_only():
    x1, x2 = Value(np.array([0.5, -1.0, 2.0]), "x1"), Value(np.array([1.5, 0.25, -0.5]), "x2")
    w = [Value(0.1 * k - 0.3, f"w{k}") for k in range(4)]
    bs = [Value(0.1, "b1"), Value(-0.2, "b2")]
    n1 = linear(w[:2], [x1, x2], bs[0])
    n2 = linear(w[2:], [x1, x2], bs[1])
    loss = (n1.tanh() + n2.relu() * n2).mean()
    leaves = [*w, *bs, x1, x2]
    compiled = compile_graph(loss, leaves, backend="numpy")
    assert " @ " in compiled.source and "np_tanh(" in compiled.source
    values = [v.data for v in leaves]
    assert_close(compiled.function(*values),
                 compile_graph(loss, leaves, backend="numpy", fuse=False).function(*values))
    assert_close(compiled.function(*values), engine(loss, leaves))


def test_a_scalar_layer_run_once_stays_the_textbooks():
    from nn import examples

    ex = examples.mazur()
    source = compile_graph(ex.loss(), ex.weights()).source
    assert "affine(" not in source and "net_h1 = w1 * i1 + w2 * i2 + b1" in source


def test_scalar_layers_make_the_source_short():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.sign(rng.normal(size=40))
    model = MLP(2, [8, 8, 1], seed=0)
    loss = sum(losses.hinge(model(list(x)), yi) for x, yi in zip(X, y)) / 40
    params = model.parameters()
    fused = compile_graph(loss, params)
    unfused = compile_graph(loss, params, fuse=False)
    assert len(fused.source.splitlines()) * 4 < len(unfused.source.splitlines())
    assert_bits(fused.function(*[p.data for p in params]),
                unfused.function(*[p.data for p in params]))


def test_tied_weights_and_odd_orders_fall_back_to_the_engines_bits():
    # Two layers, each run on three samples, share a weight; a third reads its inputs in an
    # order of its own. Whatever the layers cannot gather in the engine's order is written
    # node by node: the bits stay the engine's.
    rng = np.random.default_rng(2)
    tied = Value(0.3, "tied")
    w1 = [tied, Value(-0.2, "a2"), Value(0.5, "a3")]
    w2 = [Value(0.1, "c1"), tied, Value(-0.4, "c3")]
    b1, b2 = Value(0.05, "b1"), Value(-0.05, "b2")
    total = Value(0.0)
    for _ in range(3):
        xs = [Value(float(v)) for v in rng.normal(size=3)]
        h = linear(w1, xs, b1).tanh()
        g = linear(w2, xs, b2).sigmoid()
        total = total + h * g + linear(w2[::-1], xs[::-1], b1) ** 2
    leaves = [tied, w1[1], w1[2], w2[0], w2[2], b1, b2]
    compiled = compile_graph(total, leaves)
    assert_bits(compiled.function(*[v.data for v in leaves]), engine(total, leaves))
