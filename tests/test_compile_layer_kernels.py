"""A small scalar layer's helpers written out per shape: the loops' own floats, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff.compile import layer_kernels, layers

# (samples, rows, width)
SHAPES = [(1, 1, 1), (4, 3, 2), (4, 2, 3), (6, 1, 1), (2, 5, 4), (3, 16, 16)]


def floats(rng, *shape) -> list:
    """Nested lists of floats of many magnitudes, so that the order of a sum shows."""
    data = rng.normal(size=shape) * 10.0 ** rng.integers(-8, 9, size=shape)
    return data.tolist()


def same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b)) and type(a) is type(b)


@pytest.mark.parametrize("samples, rows, width", SHAPES)
def test_each_helper_equals_its_loop(samples, rows, width):
    rng = np.random.default_rng(samples * 100 + rows * 10 + width)
    W, x, b = floats(rng, rows, width), floats(rng, width), floats(rng, rows)
    dnets, xs = floats(rng, samples, rows), floats(rng, samples, width)
    assert same(layer_kernels.affine(tuple(map(tuple, W)), tuple(x), tuple(b)),
                layers.affine(W, x, b))
    assert same(layer_kernels.input_grads(dnets[0], W), layers.input_grads(dnets[0], W))
    assert same(layer_kernels.weight_grads(dnets, xs), layers.weight_grads(dnets, xs))
    assert same(layer_kernels.bias_grads(dnets), layers.bias_grads(dnets))
    assert same(layer_kernels.shared_bias_grad(dnets), layers.shared_bias_grad(dnets))
    # With a start (an L2 term added first): the loops themselves.
    start = floats(rng, rows, width)
    assert same(layer_kernels.weight_grads(dnets, xs, start), layers.weight_grads(dnets, xs, start))
    assert same(layer_kernels.bias_grads(dnets, start[0][:1] * rows),
                layers.bias_grads(dnets, start[0][:1] * rows))
    assert same(layer_kernels.shared_bias_grad(dnets, 0.25),
                layers.shared_bias_grad(dnets, 0.25))


def test_small_shapes_are_written_out_and_large_ones_loop():
    layer_kernels.affine(((1.0, 2.0),) * 3, (1.0, 1.0), (0.0,) * 3)
    assert layer_kernels._kernels[("affine", 3, 2)] is not layers.affine
    big = [[1.0] * 16 for _ in range(16)]
    layer_kernels.affine(big, [1.0] * 16, [0.0] * 16)
    assert layer_kernels._kernels[("affine", 16, 16)] is layers.affine  # 256 products: a loop
