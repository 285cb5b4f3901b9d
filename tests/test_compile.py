"""The graph compiler: equal to the engine bit for bit, readable source, safe from its labels."""

from __future__ import annotations

import ast
import math
import string
from collections.abc import Sequence

import numpy as np
import pytest
from conftest import COORDINATE, RandomGraph, random_graphs
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, linear, no_grad, topological_order
from autodiff.cli.formula import build_graph, source_for_formula
from autodiff.compile import CompiledGraph, compile_graph
from autodiff.engine.ops import Op

# --- helpers -------------------------------------------------------------------------------------


def same(a, b) -> bool:
    """Equal to the last bit (a zero's sign aside: the engine starts each sum at +0.0).

    nan equals nan here: where the engine's own backward pass gives nan, so must we.
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    return type(a) is float and type(b) is float and (a + 0.0 == b + 0.0 or a != a and b != b)


def engine(root: Value, inputs: list[Value]) -> tuple:
    root.backward()
    return root.data, [x.grad for x in inputs]


def assert_same(got: tuple, want: tuple) -> None:
    assert same(got[0], want[0]), (got[0], want[0])
    assert len(got[1]) == len(want[1])
    for k, (g, w) in enumerate(zip(got[1], want[1])):
        assert same(g, w), (k, g, w)


def body_statements(source: str) -> list[ast.stmt]:
    tree = ast.parse(source)
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef)
    return tree.body[0].body


def mazur_by_hand() -> tuple[Value, list[Value]]:
    """The 2-2-2 network built from engine ops, with the textbook's labels."""
    i1, i2 = Value(0.05, "i1"), Value(0.10, "i2")
    w = [Value(v, f"w{k}") for k, v in
         enumerate((0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55), start=1)]
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")

    def named(v: Value, label: str) -> Value:
        v.label = label
        return v

    out_h1 = named(named(linear(w[0:2], [i1, i2], b1), "net_h1").sigmoid(), "out_h1")
    out_h2 = named(named(linear(w[2:4], [i1, i2], b1), "net_h2").sigmoid(), "out_h2")
    out_o1 = named(named(linear(w[4:6], [out_h1, out_h2], b2), "net_o1").sigmoid(), "out_o1")
    out_o2 = named(named(linear(w[6:8], [out_h1, out_h2], b2), "net_o2").sigmoid(), "out_o2")
    E_o1 = named(0.5 * (0.01 - out_o1) ** 2, "E_o1")
    E_o2 = named(0.5 * (0.99 - out_o2) ** 2, "E_o2")
    return named(E_o1 + E_o2, "E_total"), w


# --- the textbook example ------------------------------------------------------------------------

# Matt Mazur's worked example, to the 9 places it prints.
TEXTBOOK = {"E_total": 0.298371109, "w5": 0.082167041, "w6": 0.082667628,
            "w7": -0.022602540, "w8": -0.022740242, "w1": 0.000438568, "w2": 0.000877135,
            "w3": 0.000497713, "w4": 0.000995425}


@pytest.mark.parametrize("build", ["by hand", "nn.examples"])
def test_mazur_equals_engine_and_textbook(build):
    if build == "by hand":
        E, weights = mazur_by_hand()
    else:
        from nn import examples

        example = examples.mazur()
        E, weights = example.loss(), list(example.weights())
    compiled = compile_graph(E, weights)
    value, grads = compiled(*[w.data for w in weights])
    assert_same((value, grads), engine(E, weights))
    assert value == pytest.approx(TEXTBOOK["E_total"], abs=1e-9)
    for k, g in enumerate(grads, start=1):
        assert g == pytest.approx(TEXTBOOK[f"w{k}"], abs=1e-9)
    assert compiled.input_names == [f"w{k}" for k in range(1, 9)]
    assert compiled.root_name == "E_total"


def test_mazur_source_reads_like_the_textbook():
    E, weights = mazur_by_hand()
    source = compile_graph(E, weights).source
    lines = [line.strip() for line in source.splitlines()]
    assert source.startswith("def value_and_grad(w1, w2, w3, w4, w5, w6, w7, w8):\n")
    assert "net_h1 = w1 * i1 + w2 * i2 + b1" in lines
    assert "out_o1 = sigmoid(net_o1)" in lines
    assert "i1 = 0.05" in lines and "b2 = 0.6" in lines  # leaves that are not inputs: constants
    assert "dE_total_dnet_o1 = dE_total_dout_o1 * (out_o1 * (1.0 - out_o1))" in lines
    assert "dE_total_dw5 = dE_total_dnet_o1 * out_h1" in lines
    # out_h1 feeds both output neurons: its gradient is the sum of two chain-rule steps.
    assert "dE_total_dout_h1 = dE_total_dnet_o2 * w7 + dE_total_dnet_o1 * w5" in lines
    assert ("# dE_total/dw5 = dE_total/dnet_o1 * dnet_o1/dw5") in lines
    assert all(len(line) <= 99 for line in source.splitlines())
    # The inputs' gradients come last, in input order, before the return.
    grad_lines = [line for line in lines if line.startswith("dE_total_dw") and " = " in line]
    assert [line.split(" =")[0] for line in grad_lines] == [f"dE_total_dw{k}" for k in range(1, 9)]


def test_training_through_the_compiled_step_matches_the_engine():
    # 50 SGD steps twice: rebuilding the graph and calling backward(), and the compiled step.
    from nn import examples

    example = examples.mazur()
    weights = list(example.weights())
    step = compile_graph(example.loss(), weights)
    values = [w.data for w in weights]
    for _ in range(50):
        E = example.loss()
        for w in weights:
            w.grad = 0.0
        E.backward()
        for w in weights:
            w.data -= 0.5 * w.grad
        value, grads = step(*values)
        values = [v - 0.5 * g for v, g in zip(values, grads)]
        assert value == E.data
        assert values == [w.data for w in weights]
    assert example.loss().data < 0.29


def test_backward_into_the_nodes_trains_like_the_engine():
    # An optimizer reads .grad: the compiled step fills it, no graph is built per step.
    from nn import SGD, examples

    ours, theirs = examples.mazur(), examples.mazur()
    step = compile_graph(ours.loss(), list(ours.weights()))
    opt_ours, opt_theirs = SGD(ours.weights(), lr=0.5), SGD(theirs.weights(), lr=0.5)
    for _ in range(20):
        opt_ours.zero_grad()
        value = step.backward(list(ours.weights()))
        opt_ours.step()
        opt_theirs.zero_grad()
        E = theirs.loss()
        E.backward()
        opt_theirs.step()
        assert value == E.data
        assert [w.data for w in ours.weights()] == [w.data for w in theirs.weights()]
    with pytest.raises(TypeError, match="takes 8 values"):
        step.backward(ours.weights()[:3])


def test_reference_is_the_engine_rebuilt():
    E, weights = mazur_by_hand()
    compiled = compile_graph(E, weights)
    assert_same(compiled.reference(*[w.data for w in weights]), engine(E, weights))


# --- the command line's sources ---------------------------------------------------------------


def test_source_for_a_formula():
    at = {"x": 1.5, "y": -0.25}
    text = "x * exp(-y) + 3 * x ** 2 - sqrt(x) / 2"
    source = source_for_formula(text, at)
    assert source.startswith("def value_and_grad(x, y):")
    root, leaves = build_graph(text, at)
    compiled = compile_graph(root, list(leaves.values()))
    assert compiled.source == source
    assert_same(compiled(1.5, -0.25), engine(root, list(leaves.values())))


# --- hostile labels ------------------------------------------------------------------------------

HOSTILE = [
    "x; import os", "__class__", "__import__('os').system('true')", "exp", "sigmoid", "float",
    "a\nimport os", "'''", '"""', "\\", "w1", "w1", "", "1e3", "-3", "lambda", "None",
    "value_and_grad", "np", "dout_dw1", "x" * 500, "σ(net)", "w₁", "# comment", "\r\n",
]


def test_hostile_labels_cannot_change_the_code():
    leaves = [Value(0.5 + 0.1 * k, label) for k, label in enumerate(HOSTILE)]
    total = leaves[0]
    for k, leaf in enumerate(leaves[1:], start=1):
        node = (total * leaf).sigmoid() + leaf.exp()
        node.label = HOSTILE[-k]
        total = node
    total.label = "print('hi')"
    compiled = compile_graph(total, leaves)
    assert_same(compiled(*[x.data for x in leaves]), engine(total, leaves))

    source = compiled.source
    # Only the characters our own text uses: no quote, semicolon, backslash or non-ASCII.
    assert set(source) <= set(string.ascii_letters + string.digits + '_=()*+-/.,:[]#" \n')
    assert source.count('"""') == 2
    statements = body_statements(source)
    assert isinstance(statements[0], ast.Expr)  # the docstring, our own text
    assert all(isinstance(s, (ast.Assign, ast.Return)) for s in statements[1:])
    # Every name the code reads is a parameter, a variable it wrote, or a helper we bound.
    tree = ast.parse(source)
    written = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
               and isinstance(n.ctx, ast.Store)}
    params = {a.arg for a in tree.body[0].args.args}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}
    assert read - written - params <= {"sigmoid", "exp"}
    assert len(set(compiled.input_names)) == len(leaves)  # every input its own name


def test_a_label_naming_a_helper_does_not_shadow_it():
    x = Value(0.3, "sigmoid")
    y = Value(0.7, "exp")
    out = x.sigmoid() * y.exp()
    out.label = "power"
    compiled = compile_graph(out, [x, y])
    assert_same(compiled(0.3, 0.7), engine(out, [x, y]))
    assert_same(compiled(-1.0, 2.0), compiled.reference(-1.0, 2.0))


def test_ints_and_numpy_scalars_give_floats():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    compiled = compile_graph(x * y, [x, y])
    for args in [(2, 3), (np.float64(2.0), np.int64(3))]:
        value, grads = compiled(*args)
        assert type(value) is float and value == 6.0 and grads == [3.0, 2.0]


def test_compile_runs_no_user_text():
    # Labels that would run code if they were ever evaluated.
    x = Value(1.0, "__import__('sys').exit(3)")
    out = x * x
    out.label = "exec('raise SystemExit')"
    compiled = compile_graph(out, [x])
    assert compiled(3.0) == (9.0, [6.0])


# --- bad graphs and bad arguments: errors at compile time ---------------------------------------


def test_an_op_the_table_lacks_fails_at_compile_time():
    x = Value(2.0, "x")
    cube = Op("cube", "³", "a³", "a * a * a", ("3.0 * a * a",))
    node = x * x
    node.op_entry = cube  # a node made by an op outside the table
    node.inputs = (x,)
    out = node + 1.0
    with pytest.raises(ValueError, match=r"'cube'.*not in the op table"):
        compile_graph(out, [x])


def test_argument_errors_name_the_problem():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    out = x * y
    stranger = Value(3.0, "z")
    with pytest.raises(ValueError, match="z.*not in root's graph"):
        compile_graph(out, [x, stranger])
    with pytest.raises(ValueError, match="computed by op"):
        compile_graph(out + 1.0, [out])
    with pytest.raises(ValueError, match="listed twice"):
        compile_graph(out, [x, x])
    with pytest.raises(ValueError, match="not one of the inputs"):
        compile_graph(out, [x], wrt=[y])
    with pytest.raises(ValueError, match="backend"):
        compile_graph(out, [x], backend="cuda")
    with pytest.raises(TypeError, match="wrap one Value in a list"):
        compile_graph(out, x)
    with pytest.raises(TypeError, match="must be a Value"):
        compile_graph(out, [1.0])
    with pytest.raises(TypeError, match="root"):
        compile_graph(2.0, [x])
    batch = Value(np.array([1.0, 2.0]), "b")
    with pytest.raises(ValueError, match="backend='numpy'"):
        compile_graph((batch * x).sum(), [x])
    with pytest.raises(ValueError, match="scalar root"):
        compile_graph(batch * x, [x], backend="numpy")


def test_call_errors_are_the_engines():
    x = Value(4.0, "x")
    y = Value(2.0, "y")
    out = (x.log() + y.sqrt()) / y
    compiled = compile_graph(out, [x, y])
    with pytest.raises(ValueError, match="log"):
        compiled(-1.0, 2.0)
    with pytest.raises(ZeroDivisionError):
        compiled(1.0, 0.0)
    with pytest.raises(TypeError, match="takes 2 values"):
        compiled(1.0)
    with pytest.raises(TypeError, match="str"):
        compiled("1", 2.0)
    with pytest.raises(TypeError, match="backend='numpy'"):
        compiled(np.array([1.0, 2.0]), 2.0)
    z = Value(1.0, "z")
    with pytest.raises(OverflowError, match="exp"):
        compile_graph(z.exp(), [z])(1000.0)
    # sqrt(0) = 0 has an infinite derivative: the value stands, the gradient cannot flow.
    root = z.sqrt()
    with pytest.raises(ValueError, match="derivative is not finite"):
        compile_graph(root, [z])(0.0)


# --- what gets compiled --------------------------------------------------------------------------


def test_leaves_that_are_not_inputs_are_baked_in():
    x, c = Value(2.0, "x"), Value(5.0, "c")
    out = x * c
    compiled = compile_graph(out, [x])
    c.data = 100.0  # too late: the compiled function has 5.0
    assert compiled(3.0) == (15.0, [5.0])


def test_gradients_for_a_subset():
    a, b, c = Value(1.5, "a"), Value(-2.0, "b"), Value(0.5, "c")
    out = (a * b).tanh() + b * c
    compiled = compile_graph(out, [a, b, c], wrt=[c, a])
    assert compiled.wrt_names == ["c", "a"]
    value, grads = compiled(1.5, -2.0, 0.5)
    full = engine(out, [c, a])
    assert_same((value, grads), full)
    # Nothing is computed for b alone.
    assert "dout_db" not in compiled.source
    assert compile_graph(out, [a, b, c], wrt=[])(1.5, -2.0, 0.5) == (out.data, [])


def test_reused_nodes_and_diamonds_sum_in_the_engines_order():
    x = Value(0.3, "x")
    h = x.tanh()
    out = h * h + h.sigmoid() * x + (h + x) * (h - x) + linear([h, x, h], [x, h, x], h)
    compiled = compile_graph(out, [x])
    assert_same(compiled(0.3), engine(out, [x]))


def test_long_sums_and_wide_nodes_compile():
    # 1,500 weights in one linear node and a leaf used 300 times: Python's compiler recurses
    # once per `+`, so long chains are split into statements; the sums stay the same.
    rng = np.random.default_rng(1)
    ws = [Value(float(v)) for v in rng.normal(size=1500)]
    xs = [Value(float(v)) for v in rng.normal(size=1500)]
    net = linear(ws, xs, Value(0.25))
    x = Value(0.1, "x")
    total = net
    for k in range(300):
        total = total + x * float(k)
    compiled = compile_graph(total, [x, *ws])
    assert_same(compiled(0.1, *[w.data for w in ws]), engine(total, [x, *ws]))


def test_a_deep_chain_compiles_without_recursion():
    x = Value(1.0, "x")
    out = x
    for _ in range(20_000):
        out = out * 1.0001 + 0.0
    compiled = compile_graph(out, [x])
    assert_same(compiled(1.0), engine(out, [x]))


def test_compiled_graph_runs_inside_no_grad():
    x = Value(2.0, "x")
    out = x.exp() * x
    compiled = compile_graph(out, [x])
    with no_grad():
        assert_same(compiled(1.0), compiled.reference(1.0))
        with pytest.raises(OverflowError, match="exp"):
            compiled(1000.0)  # exp overflows: the engine's error, even here


def test_repr_and_markdown():
    x = Value(2.0, "x")
    compiled = compile_graph(x * x, [x])
    assert isinstance(compiled, CompiledGraph)
    assert "value_and_grad(x)" in repr(compiled)
    assert compiled._repr_markdown_().startswith("```python\ndef value_and_grad(x):")


# --- batch mode: the numpy backend ---------------------------------------------------------------

rng = np.random.default_rng(0)
XS = rng.uniform(-1.5, 1.5, size=8)
YS = rng.uniform(0.5, 2.0, size=8)


def batch_model(w, b, x, y):
    h = linear([w, b], [x, y], b).tanh() * w + (x * y).sigmoid() - (y.log() + y.sqrt()) / y
    return (h.relu() + h.abs() + (h * 0.1).exp() + (-h) ** 2 + y ** w).mean() + w * b


def test_batch_equals_engine_and_takes_new_batches():
    w, b, x, y = Value(0.7, "w"), Value(-0.3, "b"), Value(XS, "x"), Value(YS, "y")
    loss = batch_model(w, b, x, y)
    compiled = compile_graph(loss, [w, b, x, y], backend="numpy")
    got = compiled(0.7, -0.3, XS, YS)
    assert_same(got, engine(loss, [w, b, x, y]))
    assert got[1][2].shape == XS.shape and type(got[1][0]) is float
    # Another batch size: the same function, and again the engine's numbers.
    xs, ys = rng.uniform(-1, 1, size=13), rng.uniform(0.5, 2.0, size=13)
    w2, b2, x2, y2 = Value(0.2, "w"), Value(0.4, "b"), Value(xs, "x"), Value(ys, "y")
    assert_same(compiled(0.2, 0.4, xs, ys), engine(batch_model(w2, b2, x2, y2), [w2, b2, x2, y2]))


def test_batch_input_gradients_take_the_inputs_shape():
    x = Value(np.array([1.0, 2.0, 3.0]), "x")
    w = Value(2.0, "w")
    loss = x.mean() * w  # d/dx is 1/N * w for every sample: one number, broadcast
    compiled = compile_graph(loss, [w, x], backend="numpy")
    value, (gw, gx) = compiled(2.0, np.array([1.0, 2.0, 3.0]))
    assert value == 4.0 and gw == 2.0
    np.testing.assert_array_equal(gx, [2 / 3, 2 / 3, 2 / 3])
    assert_same((value, [gw, gx]), engine(loss, [w, x]))


def test_batch_with_constant_data_and_broadcast_shapes():
    # The data as constants (full-batch training); a column and a row broadcast together.
    col = Value(np.arange(3.0).reshape(3, 1), "col")
    row = Value(np.array([[0.5, -1.0, 2.0, 0.25]]), "row")
    w = Value(0.8, "w")
    loss = ((col * w + row).tanh() * row).sum()
    compiled = compile_graph(loss, [w, row], backend="numpy")
    assert "reduce_to" in compiled.source
    assert_same(compiled(0.8, row.data), engine(loss, [w, row]))


def test_batch_call_errors():
    x = Value(np.array([1.0, 2.0]), "x")
    w = Value(1.0, "w")
    k = Value(np.array([3.0, 4.0]), "k")
    compiled = compile_graph((x * w * k).log().sum(), [w, x], backend="numpy")
    with pytest.raises(TypeError, match="takes a number"):
        compiled(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="takes an array"):
        compiled(1.0, 2.0)
    with pytest.raises(ValueError, match="same shape"):
        compiled(1.0, np.array([1.0, 2.0, 3.0]))  # k, a constant, fixes the batch at 2
    with pytest.raises(ValueError, match="log"):
        compiled(-1.0, np.array([1.0, 2.0]))


def test_compiled_moons_style_training_step():
    from nn import MLP, losses

    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    model = MLP(2, [4, 4, 1], activation="relu", seed=0)
    params = model.parameters()
    x1, x2 = Value(X[:, 0], "x1"), Value(X[:, 1], "x2")
    loss = losses.hinge(model([x1, x2]), y) + 1e-4 * losses.l2(params)
    # One statement per node: the engine's numbers, bit for bit.
    step = compile_graph(loss, [*params, x1, x2], wrt=params, backend="numpy", fuse=False)
    value, grads = step(*[p.data for p in params], X[:, 0], X[:, 1])
    assert_same((value, grads), engine(loss, params))
    # Layers as matrix products (the default): NumPy adds in its own order, so to 1e-12.
    fused = compile_graph(loss, [*params, x1, x2], wrt=params, backend="numpy")
    assert "@" in fused.source
    fused_value, fused_grads = fused.function(*[p.data for p in params], X[:, 0], X[:, 1])
    assert fused_value == pytest.approx(value, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(fused_grads, grads, rtol=1e-12, atol=1e-12)


# --- random graphs -----------------------------------------------------------------------------

def used(root: Value, leaves: list[Value]) -> list[int]:
    """Which leaves the graph reaches: those are the inputs."""
    reached = {id(node) for node in topological_order(root)}
    return [k for k, leaf in enumerate(leaves) if id(leaf) in reached]


def engine_at(graph: RandomGraph, point: Sequence, inputs: list[int]) -> tuple:
    """The engine's answer on the graph rebuilt at `point` (raises where a step cannot run)."""
    leaves = graph.leaves(point)
    return engine(graph.build(*leaves), [leaves[k] for k in inputs])


def outcome(run):
    """What a call gives: its result, or the error it raises."""
    try:
        return run()
    except (ArithmeticError, ValueError) as error:
        return error


def assert_same_outcome(got, want) -> None:
    if isinstance(want, Exception):
        if not isinstance(got, Exception):
            # Two documented leniencies: an overflow the answer does not show (tanh(inf)),
            # and an undefined derivative of a constant, which the engine differentiates
            # too but no gradient asked for needs.
            assert isinstance(want, OverflowError) or "derivative is not finite" in str(want)
        else:
            assert type(got) is type(want), (got, want)
    else:
        assert not isinstance(got, Exception), (got, want)
        assert_same(got, want)


# Raw forms: a step outside its op's domain at the drawn point is left out; at another
# point it may fail, and then the compiled function must fail as the engine does.
@settings(max_examples=300)
@given(random_graphs(n_inputs=(1, 5), safe=False, max_steps=14),
       st.lists(COORDINATE, min_size=5, max_size=5))
def test_random_graphs_equal_the_engine(graph, new_values):
    leaves = graph.leaves()
    root = graph.build(*leaves)
    inputs = used(root, leaves)
    compiled = compile_graph(root, [leaves[k] for k in inputs])
    for point in (graph.point, new_values[: len(graph.point)]):
        args = [point[k] for k in inputs]
        assert_same_outcome(outcome(lambda args=args: compiled(*args)),
                            outcome(lambda point=point: engine_at(graph, point, inputs)))


@settings(max_examples=200)
@given(random_graphs(n_inputs=(1, 5), batch=True, safe=False))
def test_random_batch_graphs_equal_the_engine(graph):
    leaves = graph.leaves()
    root = graph.build(*leaves)
    inputs = used(root, leaves)
    compiled = compile_graph(root, [leaves[k] for k in inputs], backend="numpy")
    # The recorded batch, and one of another size.
    bigger = [np.concatenate([v, v[:2]]) if isinstance(v, np.ndarray) else v for v in graph.point]
    for point in (graph.point, bigger):
        args = [point[k] for k in inputs]
        assert_same_outcome(outcome(lambda args=args: compiled(*args)),
                            outcome(lambda point=point: engine_at(graph, point, inputs)))


def test_same_helper_is_strict():
    assert same(0.0, -0.0) and not same(1.0, math.nextafter(1.0, 2.0))
    assert not same(np.zeros(2), np.zeros(3))
