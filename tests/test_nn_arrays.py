"""A layer's weights as arrays (both layouts), and the seeds' NumPy programs written with them."""

from __future__ import annotations

import numpy as np
import pytest

from nn import MLP, SGD, losses
from nn.modules import Layer

rng = np.random.default_rng(7)


def test_the_two_layouts_are_transposes_and_name_their_shapes():
    layer = Layer(3, 2, seed=0)
    W = layer.weight_matrix("nin_nout")
    assert W.shape == (3, 2)
    np.testing.assert_array_equal(layer.weight_matrix("nout_nin"), W.T)
    assert W[2, 1] == layer.neurons[1].w[2].data  # input 2 -> neuron 1
    x = rng.normal(size=(4, 3))
    out = np.column_stack([o.data for o in layer(x)])
    np.testing.assert_allclose(out, np.maximum(0.0, x @ W + layer.bias_vector()), rtol=1e-14)


def test_set_weights_round_trips_and_reads_a_row_bias():
    layer = Layer(3, 2, activation="linear", seed=0)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=(1, 2))  # the seeds keep b as (1, nout)
    layer.set_weights(W, b, layout="nin_nout")
    np.testing.assert_array_equal(layer.weight_matrix("nin_nout"), W)
    np.testing.assert_array_equal(layer.bias_vector(), b[0])
    layer.set_weights(2 * W.T, layout="nout_nin")  # b=None leaves the biases
    np.testing.assert_array_equal(layer.weight_matrix("nin_nout"), 2 * W)
    np.testing.assert_array_equal(layer.bias_vector(), b[0])


@pytest.mark.parametrize("W, b, layout, error, words", [
    (np.ones((2, 3)), None, "nin_nout", ValueError, "must have shape (3, 2), got (2, 3); it "
                                                     "has the other layout's shape"),
    (np.ones((3, 2)), None, "torch", ValueError, "layout must be 'nin_nout'"),
    (np.ones((3, 2)), np.ones(3), "nin_nout", ValueError, "b for a layer of 2 neurons"),
    (np.full((3, 2), np.nan), None, "nin_nout", ValueError, "W holds nan or inf"),
    ("abc", None, "nin_nout", TypeError, "W must be an array of numbers"),
])
def test_bad_arrays_change_nothing(W, b, layout, error, words):
    layer = Layer(3, 2, seed=0)
    before = layer.state_dict()
    with pytest.raises(error) as info:
        layer.set_weights(W, b, layout=layout)
    assert words in str(info.value)
    assert layer.state_dict() == before


def test_a_shared_bias_takes_one_number():
    model = MLP(2, [2, 2], shared_bias=True, seed=0)
    layer = model.layers[0]
    layer.set_weights(np.eye(2), 0.35, layout="nin_nout")
    assert layer.b.data == 0.35 and list(layer.bias_vector()) == [0.35, 0.35]
    with pytest.raises(ValueError, match="shares one bias"):
        layer.set_weights(np.eye(2), [0.1, 0.2], layout="nin_nout")


def test_set_arrays_is_all_or_nothing():
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="layer 1"):
        model.set_arrays([(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 2)), None)],
                         layout="nin_nout")
    assert model.state_dict() == before


def test_to_arrays_matches_torch_linear_weight():
    pytest.importorskip("torch")
    from nn import to_torch

    model = MLP(3, [4, 2], activation="tanh", seed=3)
    linears = [m for m in to_torch(model).modules() if m.__class__.__name__ == "Linear"]
    for (W, b), linear in zip(model.to_arrays("nout_nin"), linears):
        np.testing.assert_array_equal(W, linear.weight.detach().numpy())
        np.testing.assert_array_equal(b, linear.bias.detach().numpy())


def test_seed_002_two_layer_net_loss_and_gradients():
    """cs231n's two-layer net: ReLU, softmax cross-entropy averaged, + ½·reg·Σ W² on the
    weights only; every gradient equal to the seed's hand-written NumPy backward pass."""
    n, d, h, c, reg = 5, 4, 10, 3, 0.05
    X, y = rng.normal(size=(n, d)), np.array([0, 1, 2, 2, 1])
    W1, b1 = 0.1 * rng.normal(size=(d, h)), 0.1 * rng.normal(size=h)
    W2, b2 = 0.1 * rng.normal(size=(h, c)), 0.1 * rng.normal(size=c)
    model = MLP.from_arrays([(W1, b1), (W2, b2)], layout="nin_nout", activation="relu")
    loss = (losses.softmax_cross_entropy(model(X), y)
            + 0.5 * reg * losses.l2(model.weights()))
    loss.backward()

    h1 = np.maximum(0, X @ W1 + b1)  # the seed's program, as it is written there
    scores = h1 @ W2 + b2
    scores = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    expected = -np.sum(np.log(p[np.arange(n), y])) / n
    expected += 0.5 * reg * np.sum(W1 * W1) + 0.5 * reg * np.sum(W2 * W2)
    dscores = p.copy()
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    dW2, db2 = h1.T @ dscores + reg * W2, dscores.sum(axis=0)
    da2 = dscores @ W2.T
    da2[h1 <= 0] = 0
    dW1, db1 = X.T @ da2 + reg * W1, da2.sum(axis=0)

    assert loss.data == pytest.approx(expected, rel=1e-13)
    (gW1, gb1), (gW2, gb2) = model.to_arrays("nin_nout", grad=True)
    for ours, theirs in [(gW1, dW1), (gb1, db1), (gW2, dW2), (gb2, db2)]:
        np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-15)


def test_seed_000_xor_step_with_summed_cross_entropy():
    """Seed 000: 2-3-2, tanh, softmax probabilities, cross-entropy summed over the batch, SGD."""
    X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float), np.array([0, 1, 1, 0])
    W1, b1 = rng.normal(size=(2, 3)) / np.sqrt(2), np.zeros((1, 3))
    W2, b2 = rng.normal(size=(3, 2)) / np.sqrt(3), np.zeros((1, 2))
    model = MLP.from_arrays([(W1, b1), (W2, b2)], layout="nin_nout", activation="tanh")
    probabilities = losses.softmax(model(X))
    a1 = np.tanh(X @ W1 + b1)
    z2 = a1 @ W2 + b2
    y_hat = np.exp(z2) / np.sum(np.exp(z2), axis=1, keepdims=True)
    np.testing.assert_allclose(np.column_stack([p.data for p in probabilities]), y_hat,
                               rtol=1e-13)

    opt = SGD(model.parameters(), lr=0.01)
    losses.softmax_cross_entropy(model(X), y, reduction="sum").backward()
    opt.step()
    delta3 = y_hat.copy()
    delta3[range(4), y] -= 1
    delta2 = delta3 @ W2.T * (1 - a1 ** 2)
    expected = [(W1 - 0.01 * X.T @ delta2, b1 - 0.01 * delta2.sum(axis=0)),
                (W2 - 0.01 * a1.T @ delta3, b2 - 0.01 * delta3.sum(axis=0, keepdims=True))]
    for (W, b), (eW, eb) in zip(model.to_arrays("nin_nout"), expected):
        np.testing.assert_allclose(W, eW, rtol=1e-13)
        np.testing.assert_allclose(b, eb.ravel(), rtol=1e-13, atol=1e-16)


def test_from_arrays_checks_the_sizes_chain():
    with pytest.raises(ValueError, match="layer 1"):
        MLP.from_arrays([(np.ones((2, 3)), None), (np.ones((4, 1)), None)], layout="nin_nout")
    with pytest.raises(ValueError, match="must be 2-D"):
        MLP.from_arrays([(np.ones(3), None)], layout="nin_nout")
