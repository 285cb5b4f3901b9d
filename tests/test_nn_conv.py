"""Conv2d: forward against a direct NumPy convolution, backward against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, gradcheck, topological_order
from nn import Conv2d


def numpy_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride, padding) -> np.ndarray:
    """Cross-correlation of x (C, H, W) with w (O, C, kh, kw), zero padding, given stride."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(1, 2))
    windows = windows[:, ::sh, ::sw]  # (C, rows, cols, kh, kw)
    return np.einsum("crxij,ocij->orx", windows, w) + b[:, None, None]


def weights_of(conv: Conv2d) -> np.ndarray:
    return np.array([[[[v.data for v in row] for row in k] for k in per_out] for per_out in conv.w])


def data_of(out) -> np.ndarray:
    return np.array([[[v.data for v in line] for line in plane] for plane in out])


@settings(max_examples=30)
@given(
    st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
    st.integers(1, 2), st.integers(0, 2), st.integers(0, 1000), st.data(),
)
def test_forward_matches_numpy(cin, cout, kh, kw, stride, padding, seed, data):
    h = data.draw(st.integers(max(1, kh - 2 * padding), 6))
    w = data.draw(st.integers(max(1, kw - 2 * padding), 6))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(cin, h, w))
    conv = Conv2d(cin, cout, (kh, kw), stride=stride, padding=padding, seed=seed)
    for b in conv.b:
        b.data = float(rng.normal())
    out = conv(x.tolist())
    expected = numpy_conv(x, weights_of(conv), np.array([b.data for b in conv.b]),
                          (stride, stride), (padding, padding))
    assert data_of(out).shape == expected.shape
    assert conv.output_size(h, w) == expected.shape[1:]
    np.testing.assert_allclose(data_of(out), expected, rtol=1e-12, atol=1e-12)


def test_every_weight_bias_and_input_passes_gradcheck():
    cin, cout, k, h, w = 2, 2, 2, 3, 4
    conv = Conv2d(cin, cout, k, stride=1, padding=1, seed=3)
    rng = np.random.default_rng(1)
    coefficients = rng.normal(size=(cout, h + 1, w + 1))  # a weighted sum makes every output count
    n_w = cout * cin * k * k
    start = ([float(v) for v in weights_of(conv).ravel()] + [0.1, -0.2]
             + [float(v) for v in rng.normal(size=cin * h * w)])

    def f(*values):
        it = iter(values[:n_w])
        conv.w = [[[[next(it) for _ in range(k)] for _ in range(k)] for _ in range(cin)]
                  for _ in range(cout)]
        conv.b = list(values[n_w : n_w + cout])
        flat = iter(values[n_w + cout :])
        x = [[[next(flat) for _ in range(w)] for _ in range(h)] for _ in range(cin)]
        out = conv(x)
        total = Value(0.0)
        for o in range(cout):
            for r in range(h + 1):
                for c in range(w + 1):
                    total = total + out[o][r][c] * float(coefficients[o, r, c])
        return total

    assert gradcheck(f, start)


def test_stride_two_gradients_by_hand():
    """A 1-channel 2x2 kernel, stride 2 on a 4x4 input: each input feeds one output."""
    conv = Conv2d(1, 1, 2, stride=2, seed=0)
    x = [[[Value(float(4 * r + c)) for c in range(4)] for r in range(4)]]
    out = conv(x)
    total = out[0][0][0] + out[0][0][1] * 2.0 + out[0][1][0] * 3.0 + out[0][1][1] * 4.0
    total.backward()
    for r in range(4):
        for c in range(4):
            factor = [[1, 2], [3, 4]][r // 2][c // 2]
            assert x[0][r][c].grad == factor * conv.w[0][0][r % 2][c % 2].data
    # dL/dw[i][j] = Σ over outputs of factor × the input under w[i][j]
    expected = sum(f * (4 * (2 * R + 0) + (2 * C + 0))
                   for (R, C), f in {(0, 0): 1, (0, 1): 2, (1, 0): 3, (1, 1): 4}.items())
    assert conv.w[0][0][0][0].grad == expected
    assert conv.b[0].grad == 10.0


def test_batch_arrays_give_the_per_sample_results():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 2, 3, 3))  # 5 samples
    conv = Conv2d(2, 1, 2, padding=1, seed=0)
    batch = conv([[[X[:, c, r, k] for k in range(3)] for r in range(3)] for c in range(2)])
    for i in range(5):
        single = data_of(conv(X[i].tolist()))
        np.testing.assert_allclose(data_of(batch)[..., i], single, rtol=1e-13)


def test_labels_and_parameters():
    conv = Conv2d(2, 3, 2, seed=0)
    assert len(conv.parameters()) == 3 * 2 * 2 * 2 + 3
    names = [n for n, _ in conv.named_parameters()]
    assert names[0] == "w.0.0.0.0" and names[-1] == "b.2"
    assert conv.w[1][0][1][0].label == "w[1,0,1,0]"
    out = conv([[[1.0, 2.0], [3.0, 4.0]]] * 2)
    assert out[2][0][0].label == "y[2,0,0]" and out[2][0][0].op == "linear"
    labels = {v.label for v in topological_order(out[0][0][0])}
    assert {"x[0,1,1]", "w[0,1,1,1]", "b[0]"} <= labels
    other = Conv2d(2, 3, 2, seed=1)
    other.load_state_dict(conv.state_dict())
    assert other.state_dict() == conv.state_dict()


def test_all_padding_windows_give_the_bias():
    conv = Conv2d(1, 1, 1, padding=1, seed=0)
    conv.b[0].data = 0.25
    out = conv([[[2.0]]])
    assert data_of(out)[0].tolist() == [[0.25, 0.25, 0.25],
                                        [0.25, 0.25 + 2.0 * conv.w[0][0][0][0].data, 0.25],
                                        [0.25, 0.25, 0.25]]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda c: c([[[1.0, 2.0]]]), ValueError),  # 1 channel, 2 expected
        (lambda c: c([[[1.0]], [[1.0]]]), ValueError),  # smaller than the kernel
        (lambda c: c([[[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0, 4.0]]]), ValueError),  # ragged
        (lambda c: c("ab"), TypeError),
        (lambda c: c([[["a", 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]]), TypeError),
    ],
)
def test_bad_inputs(call, error):
    with pytest.raises(error):
        call(Conv2d(2, 1, 2))


@pytest.mark.parametrize(
    "args", [(0, 1, 1), (1, 0, 1), (1, 1, 0), (1, 1, (2, 0)), (1, 1, 2, 0), (1, 1, 2, 1, -1)]
)
def test_bad_construction(args):
    with pytest.raises(ValueError):
        Conv2d(*args)
