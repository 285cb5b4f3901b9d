"""Conv2d on (N, C, H, W) arrays: the seed's naive NumPy forward and backward, and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Value
from nn import Conv2d
from nn.conv import FeatureMap

rng = np.random.default_rng(11)
X = rng.normal(size=(2, 3, 5, 5))
W = rng.normal(size=(4, 3, 3, 3))
B = rng.normal(size=4)
STRIDE, PAD = 2, 1


def seed_conv_forward(x, w, b, stride, pad):
    """Seed 002's conv_forward_naive, as written there."""
    n, c, h, wd = x.shape
    f, _, hh, ww = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    h_out, w_out = 1 + (h + 2 * pad - hh) // stride, 1 + (wd + 2 * pad - ww) // stride
    out = np.zeros((f, n, h_out, w_out))
    for i in range(f):
        for j in range(n):
            for k in range(h_out):
                for m in range(w_out):
                    window = x_pad[j, :, k * stride:k * stride + hh, m * stride:m * stride + ww]
                    out[i, j, k, m] = np.sum(window * w[i]) + b[i]
    return out.transpose(1, 0, 2, 3)


def seed_conv_backward(dout, x, w, stride, pad):
    """Seed 002's conv_backward_naive: (dx, dw, db)."""
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    _, _, h_new, w_new = dout.shape
    dw, db = np.zeros_like(w), np.zeros(f)
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), "constant")
    dx_padded = np.zeros_like(x_padded)
    s = stride
    for i in range(n):
        for k in range(f):
            for j in range(h_new):
                for m in range(w_new):
                    window = x_padded[i, :, j * s:hh + j * s, m * s:ww + m * s]
                    db[k] += dout[i, k, j, m]
                    dw[k] += window * dout[i, k, j, m]
                    dx_padded[i, :, j * s:hh + j * s, m * s:ww + m * s] += w[k] * dout[i, k, j, m]
    return dx_padded[:, :, pad:pad + h, pad:pad + wd], dw, db


def make_conv():
    conv = Conv2d(3, 4, 3, stride=STRIDE, padding=PAD, seed=0)
    conv.set_weights(W, B)
    return conv


def test_weights_as_arrays_round_trip():
    conv = make_conv()
    np.testing.assert_array_equal(conv.weight_array(), W)
    np.testing.assert_array_equal(conv.bias_vector(), B)
    assert conv.w[3][1][2][0].data == W[3, 1, 2, 0]
    with pytest.raises(ValueError, match=r"w must have shape \(4, 3, 3, 3\)"):
        conv.set_weights(W[:, :2])
    with pytest.raises(ValueError, match="b holds nan"):
        conv.set_weights(W, np.full(4, np.nan))
    np.testing.assert_array_equal(conv.weight_array(), W)


def test_forward_equals_the_seeds_numpy_and_the_per_pixel_route():
    conv = make_conv()
    out = conv(X)
    assert isinstance(out, FeatureMap) and out.shape == (2, 4, 3, 3)
    np.testing.assert_allclose(out.data, seed_conv_forward(X, W, B, STRIDE, PAD), rtol=1e-12)
    per_pixel = conv([[[X[:, c, r, col] for col in range(5)] for r in range(5)]
                      for c in range(3)])
    for o in range(4):
        for r in range(3):
            for c in range(3):
                np.testing.assert_array_equal(per_pixel[o][r][c].data, out.data[:, o, r, c])


def test_backward_with_dout_equals_the_seeds_numpy():
    conv = make_conv()
    out = conv(X)
    dout = rng.normal(size=out.shape)
    out.backward(dout)
    dx, dw, db = seed_conv_backward(dout, X, W, STRIDE, PAD)
    np.testing.assert_allclose(out.input_grad, dx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(conv.weight_array(grad=True), dw, rtol=1e-12)
    np.testing.assert_allclose(conv.bias_vector(grad=True), db, rtol=1e-12)
    np.testing.assert_array_equal(out.grad, dout)


def test_against_torch_where_installed():
    torch = pytest.importorskip("torch")
    conv = make_conv()
    out = conv(X)
    dout = rng.normal(size=out.shape)
    out.backward(dout)
    tx = torch.tensor(X, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    tb = torch.tensor(B, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=STRIDE, padding=PAD)
    ty.backward(torch.tensor(dout))
    np.testing.assert_allclose(out.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.input_grad, tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(conv.weight_array(grad=True), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(conv.bias_vector(grad=True), tb.grad.numpy(), rtol=1e-12)


def test_a_loss_on_the_values_backpropagates_as_usual():
    conv = make_conv()
    out = conv(X)
    total = sum((v * v).sum() for plane in out.values for line in plane for v in line)
    total.backward()
    np.testing.assert_allclose(conv.bias_vector(grad=True),
                               2 * out.data.sum(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("x, words", [
    (np.ones((2, 2, 5, 5)), r"shape \(N, 3, H, W\), got \(2, 2, 5, 5\)"),
    (np.full((1, 3, 4, 4), np.nan), "finite numbers"),
])
def test_bad_arrays_are_refused(x, words):
    with pytest.raises(ValueError, match=words):
        make_conv()(x)


def test_backward_refuses_a_dout_of_the_wrong_shape():
    out = make_conv()(X)
    with pytest.raises(ValueError, match=r"shape \(2, 4, 3, 3\), got \(2, 4, 3\)"):
        out.backward(np.ones((2, 4, 3)))
    assert isinstance(out.values[0][0][0], Value)
