"""Neuron, Layer, MLP: structure, names, initialisation, inputs of every kind, state dicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, gradcheck, topological_order
from nn import MLP, Layer, Module, Neuron

finite = st.floats(-3.0, 3.0, allow_nan=False)


def test_mlp_structure_like_micrograd():
    model = MLP(2, [16, 16, 1])
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert all(len(n.w) == 16 for n in model.layers[1].neurons)
    assert all(isinstance(w, Value) for n in model.layers[0].neurons for w in n.w)
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert all(isinstance(layer, Layer) and isinstance(layer, Module) for layer in model.layers)


def test_shared_bias_is_one_object_counted_once():
    model = MLP(2, [3, 2], shared_bias=True)
    for layer in model.layers:
        assert all(n.b is layer.b for n in layer.neurons)
    assert len(model.parameters()) == 2 * 3 + 1 + 3 * 2 + 1
    assert len({id(p) for p in model.parameters()}) == len(model.parameters())
    assert [name for name, _ in model.named_parameters()][-1] == "layers.1.b"


def test_named_parameters_are_stable_dotted_names_in_parameter_order():
    model = MLP(3, [4, 2], seed=1)
    named = model.named_parameters()
    names = [name for name, _ in named]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.w.2", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.1.b"
    assert len(set(names)) == len(names)
    assert [p for _, p in named] == model.parameters()
    assert names == [name for name, _ in MLP(3, [4, 2], seed=2).named_parameters()]
    # each name is the attribute path to its parameter
    assert dict(named)["layers.1.neurons.0.w.3"] is model.layers[1].neurons[0].w[3]


def test_seeded_initialisation_is_reproducible_and_scaled():
    a, b, c = MLP(4, [8, 8, 3], seed=7), MLP(4, [8, 8, 3], seed=7), MLP(4, [8, 8, 3], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    # He for relu layers (±sqrt(6 / fan_in)), Xavier for the linear output layer
    first = [w.data for n in a.layers[0].neurons for w in n.w]
    assert max(map(abs, first)) <= math.sqrt(6 / 4)
    out = [w.data for n in a.layers[2].neurons for w in n.w]
    assert max(map(abs, out)) <= math.sqrt(6 / (8 + 3))
    assert all(n.b.data == 0.0 for layer in a.layers for n in layer.neurons)
    # not degenerate: the weights spread over their range
    assert np.std(first) > 0.3


def test_neuron_labels_explain_the_drawing():
    model = MLP(2, [3, 1], activation="tanh")
    out = model([1.0, 2.0])
    labels = {v.label for v in topological_order(out)}
    assert {"net_h1", "out_h1", "net_h3", "out_h3", "out_o1", "x1", "x2"} <= labels
    assert "h2.w1" in labels and "o1.b" in labels
    assert out.label == "out_o1" and out.op == "linear"  # a linear neuron: net is the output
    deep = MLP(2, [2, 2, 1])
    assert {"out_h1_2", "out_h2_1"} <= {v.label for v in topological_order(deep([0.5, 0.5]))}


def test_neuron_forward_matches_its_formula():
    n = Neuron(3, "sigmoid", w=[0.1, -0.2, 0.3], b=0.5, name="n")
    out = n([1.0, 2.0, 3.0])
    net = 0.1 * 1.0 - 0.2 * 2.0 + 0.3 * 3.0 + 0.5
    assert out.data == pytest.approx(1 / (1 + math.exp(-net)), abs=1e-15)
    assert out.label == "out_n" and out.inputs[0].label == "net_n"
    for act, fn in [("relu", lambda x: max(x, 0.0)), ("tanh", math.tanh), ("linear", lambda x: x)]:
        m = Neuron(2, act, w=[-1.0, 0.25], b=0.1)
        assert m([0.3, 0.4]).data == pytest.approx(fn(-0.3 + 0.1 + 0.1), abs=1e-15)


@settings(max_examples=25)
@given(st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=6),
       st.sampled_from(["relu", "tanh", "sigmoid", "linear"]), st.integers(0, 100))
def test_numbers_values_and_batch_arrays_agree(rows, activation, seed):
    """Forward values and parameter gradients are the same whatever kind of input."""
    model = MLP(3, [4, 2], activation=activation, out_activation="tanh", seed=seed)
    X = np.array(rows)
    # one sample at a time, as plain numbers, then as Values
    per_sample = [model(list(map(float, row))) for row in X]
    as_values = [model([Value(float(x)) for x in row]) for row in X]
    batch = model([X[:, 0], X[:, 1], X[:, 2]])
    for k in range(2):
        expected = [outs[k].data for outs in per_sample]
        assert [outs[k].data for outs in as_values] == expected
        np.testing.assert_allclose(batch[k].data, expected, rtol=1e-13, atol=1e-13)
    # gradients: the batch sum equals the sum of the per-sample gradients
    model.zero_grad()
    total = per_sample[0][0] + per_sample[0][1]
    for outs in per_sample[1:]:
        total = total + outs[0] + outs[1]
    total.backward()
    expected_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    (batch[0].sum() + batch[1].sum()).backward()
    np.testing.assert_allclose([p.grad for p in model.parameters()], expected_grads,
                               rtol=1e-10, atol=1e-12)
    assert all(type(p.grad) is float for p in model.parameters())


def test_single_output_is_a_value_many_outputs_a_list():
    assert isinstance(MLP(2, [3, 1])([0.1, 0.2]), Value)
    outs = MLP(2, [3, 2])([0.1, 0.2])
    assert isinstance(outs, list) and len(outs) == 2


def _use_parameters(model: MLP, values) -> None:
    """Put the given Values in the model's parameter slots (no shared bias)."""
    it = iter(values)
    for layer in model.layers:
        for n in layer.neurons:
            n.w = [next(it) for _ in n.w]
            n.b = next(it)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_model_gradients_pass_gradcheck(activation):
    """Every parameter's and every input's gradient against central differences."""
    model = MLP(2, [3, 1], activation=activation, out_activation="tanh", seed=3)
    count = len(model.parameters())
    start = [p.data + 0.05 for p in model.parameters()] + [0.3, -0.7]  # off relu's kink

    def f(*values):
        _use_parameters(model, values[:count])
        return model(list(values[count:]))

    assert gradcheck(f, start)


def test_model_gradients_match_finite_differences():
    model = MLP(2, [3, 2], activation="tanh", out_activation="sigmoid", seed=5)
    x = [0.4, -1.1]
    outs = model(x)
    loss = outs[0] * 2.0 + outs[1]
    model.zero_grad()
    loss.backward()
    eps = 1e-6
    for p in model.parameters():
        analytic = p.grad
        original = p.data
        p.data = original + eps
        up = model(x)
        p.data = original - eps
        down = model(x)
        p.data = original
        numeric = ((up[0].data * 2 + up[1].data) - (down[0].data * 2 + down[1].data)) / (2 * eps)
        assert analytic == pytest.approx(numeric, abs=1e-8)


def test_zero_grad():
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trips_exactly():
    a = MLP(3, [5, 2], shared_bias=True, seed=1)
    b = MLP(3, [5, 2], shared_bias=True, seed=2)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert all(type(v) is float for v in a.state_dict().values())
    x = [0.1, 0.2, 0.3]
    assert [o.data for o in a(x)] == [o.data for o in b(x)]


@pytest.mark.parametrize("change", ["missing", "extra", "nan", "inf", "text", "bool"])
def test_bad_state_dicts_are_refused_and_change_nothing(change):
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}  # a good change everywhere but one entry
    key = next(iter(state))
    if change == "missing":
        del state[key]
    elif change == "extra":
        state["layers.9.b"] = 0.0
    else:
        state[key] = {"nan": math.nan, "inf": -math.inf, "text": "0.5", "bool": True}[change]
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    assert model.state_dict() == before
    message = str(info.value)
    assert ("layers.9.b" in message) if change == "extra" else (key in message)


def test_load_state_dict_accepts_ints_and_numpy_numbers():
    model = MLP(1, [1])
    model.load_state_dict({"layers.0.neurons.0.w.0": 2, "layers.0.neurons.0.b": np.float32(0.5)})
    assert model.state_dict() == {"layers.0.neurons.0.w.0": 2.0, "layers.0.neurons.0.b": 0.5}
    assert all(type(v) is float for v in model.state_dict().values())


@pytest.mark.parametrize(
    "build, error",
    [
        (lambda: MLP(2, [3], activation="softplus"), ValueError),
        (lambda: MLP(2, [3], out_activation="gelu"), ValueError),
        (lambda: MLP(0, [3]), ValueError),
        (lambda: MLP(2, []), ValueError),
        (lambda: MLP(2, [0]), ValueError),
        (lambda: MLP(2, 3), TypeError),
        (lambda: Neuron(2, w=[1.0]), ValueError),
        (lambda: Layer(2, 3, names=["a"]), ValueError),
    ],
)
def test_bad_construction(build, error):
    with pytest.raises(error):
        build()


def test_bad_inputs_say_what_is_wrong():
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(samples, 2\), got shape \(5, 3\)"):
        model(np.zeros((5, 3)))
    with pytest.raises(TypeError, match="input 2"):
        model([1.0, "2"])
    with pytest.raises(TypeError):
        model(Value(1.0))
    with pytest.raises(ValueError, match="input 1"):
        model([math.nan, 1.0])


def _outputs(out) -> list:
    return [o.data for o in (out if isinstance(out, list) else [out])]


@pytest.mark.parametrize("samples", [3, 2, 1, 5])  # 3 == nin: the square case, rows too
@pytest.mark.parametrize("kind", ["MLP", "Layer", "Neuron"])
def test_a_2d_array_is_samples_in_rows_as_its_columns_would_be(kind, samples):
    model = {"MLP": lambda: MLP(3, [4, 2], activation="tanh", seed=1),
             "Layer": lambda: Layer(3, 2, "tanh", seed=1),
             "Neuron": lambda: Neuron(3, "tanh", seed=1)}[kind]()
    X = np.random.default_rng(samples).normal(size=(samples, 3))
    got = _outputs(model(X))
    columns = _outputs(model([X[:, 0], X[:, 1], X[:, 2]]))
    assert len(got) == len(columns)
    for g, c in zip(got, columns):
        assert g.shape == (samples,)
        np.testing.assert_array_equal(g, c)  # the same numbers, bit for bit
    for r, row in enumerate(X):  # and each row is one sample, as given one at a time
        one = _outputs(model([float(v) for v in row]))
        np.testing.assert_allclose([g[r] for g in got], one, rtol=0, atol=1e-14)


def test_a_square_array_is_not_read_as_features():
    model = MLP(2, [3, 1], seed=0)
    X = np.array([[0.1, 1.0], [0.2, 0.0]])  # two samples of two features
    out = model(X).data
    assert out[0] == pytest.approx(model([0.1, 1.0]).data, abs=1e-14)
    assert out[1] == pytest.approx(model([0.2, 0.0]).data, abs=1e-14)
    assert out[0] != pytest.approx(model([0.1, 0.2]).data, abs=1e-6)  # the column misread


def test_a_1d_array_is_one_sample():
    model = MLP(2, [3, 1], seed=0)
    x = np.array([0.3, -1.0])
    assert type(model(x).data) is float
    assert model(x).data == model([0.3, -1.0]).data
    assert Neuron(2, seed=0)(x).data == Neuron(2, seed=0)([0.3, -1.0]).data


@pytest.mark.parametrize("kind", ["MLP", "Layer", "Neuron"])
def test_an_array_of_features_in_rows_is_refused_with_a_hint(kind):
    model = {"MLP": lambda: MLP(2, [3, 1], seed=0), "Layer": lambda: Layer(2, 3, seed=0),
             "Neuron": lambda: Neuron(2, seed=0)}[kind]()
    X = np.array([[0.1, 0.2, 0.3], [1.0, 0.0, -1.0]])  # two features, three samples
    with pytest.raises(ValueError, match=rf"{kind} .*rows.*\(2, 3\).*X\.T"):
        model(X)
    np.testing.assert_array_equal(_outputs(model(X.T)), _outputs(model(list(X))))
    with pytest.raises(ValueError, match=r"shape \(2, 3, 1\)"):
        model(np.zeros((2, 3, 1)))
    with pytest.raises(TypeError, match="0-d array"):
        model(np.array(1.0))


def test_layer_and_neuron_named_parameters():
    layer = Layer(2, 2, "tanh", shared_bias=True, seed=0)
    assert [n for n, _ in layer.named_parameters()] == [
        "neurons.0.w.0", "neurons.0.w.1", "neurons.1.w.0", "neurons.1.w.1", "b"]
    assert layer.parameters() == [p for _, p in layer.named_parameters()]
    neuron = Neuron(2, seed=0)
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "b"]
    assert repr(layer) and repr(neuron) and repr(MLP(2, [1]))


def test_zero_grad_after_an_int_or_a_numpy_scalar_was_assigned_to_data():
    model = MLP(2, [1], seed=0)
    w, v, b = model.parameters()
    w.data, v.data, b.data = 3, np.float64(0.5), np.int32(1)
    model.zero_grad()
    assert [type(p.grad) for p in (w, v, b)] == [float, float, float]
    w.data = np.ones(4)  # batch mode: zeros of its shape
    model.zero_grad()
    assert w.grad.shape == (4,) and w.grad.dtype == float and not w.grad.any()


def test_a_module_of_ones_own_is_walked_by_its_attributes():
    class Block(Module):
        def __init__(self):
            self.scale = Value(2.0, label="scale")
            self.sizes = [3, 1]  # not parameters: numbers
            self.inner = Layer(3, 1, seed=0)
            self.heads = [Neuron(1, seed=1), Neuron(1, seed=2)]
            self.grid = ([Value(1.0), Value(2.0)], [Value(3.0)])

    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "inner.neurons.0.w.0", "inner.neurons.0.w.1", "inner.neurons.0.w.2",
                     "inner.neurons.0.b", "heads.0.w.0", "heads.0.b", "heads.1.w.0", "heads.1.b",
                     "grid.0.0", "grid.0.1", "grid.1.0"]
    assert dict(block.named_parameters())["heads.1.w.0"] is block.heads[1].w[0]
    assert block.parameters() == [p for _, p in block.named_parameters()]
    assert [p.data for p in block.weights()][:1] == [2.0]
    assert len(block.biases()) == 3
    block.load_state_dict({name: 0.5 for name in names})
    assert set(block.state_dict().values()) == {0.5}


def test_the_walk_sees_every_change_of_structure():
    model = MLP(2, [3, 1], seed=0)
    first = model.parameters()
    neuron = model.layers[0].neurons[1]
    new = Value(0.25, label="new")
    neuron.w[0] = new  # an item of a list replaced: no attribute assigned
    params = model.parameters()
    assert new in params and first[3] not in params and len(params) == len(first)
    assert dict(model.named_parameters())["layers.0.neurons.1.w.0"] is new
    model.layers.append(Layer(1, 2, seed=1))  # a list of modules grown
    assert len(model.parameters()) == len(first) + 4
    model.layers.pop()
    neuron.b = Value(1.0)  # an attribute assigned
    assert model.parameters()[5] is neuron.b
    # A weight tied to another neuron's is still one parameter, named where it is first held.
    model.layers[0].neurons[2].w[1] = model.layers[0].neurons[0].w[1]
    named = model.named_parameters()
    assert len(named) == len(first) - 1
    assert "layers.0.neurons.2.w.1" not in dict(named)
    assert len({id(p) for p in model.parameters()}) == len(model.parameters())


def test_a_module_holding_its_parent_and_copies_of_a_model():
    import copy
    import pickle

    model = MLP(2, [2, 1], seed=0)
    expected = [name for name, _ in model.named_parameters()]
    model.layers[0].owner = model  # a cycle: walked once
    assert [name for name, _ in model.named_parameters()] == expected
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert twin.state_dict() == model.state_dict()
        assert not {id(p) for p in twin.parameters()} & {id(p) for p in model.parameters()}
        assert twin.parameters()[0] is twin.layers[0].neurons[0].w[0]
