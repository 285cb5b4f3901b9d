"""`Conv2d`: a naive 2-D convolution built from `Value`s, so every weight's gradient can be traced.

The loops are the textbook's: for each output channel, each output row and column, the sum
over input channels and kernel rows and columns of weight × input, plus the bias. Each output
is one `linear` node (w·x + b over the patch it sees), labeled `y[o,r,c]`. As in PyTorch this
is a cross-correlation: the kernel is not flipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autodiff import Value, linear
from autodiff.engine.numpy_on_demand import is_array, np

from .checks import is_whole, short_repr, whole_number
from .module import Layout, Module, check_config_fields

__all__ = ["Conv2d", "FeatureMap"]


def _pair(value: Any, what: str, minimum: int) -> tuple[int, int]:
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(
        not is_whole(v) or v < minimum for v in items
    ):
        raise ValueError(
            f"Conv2d {what} must be a whole number >= {minimum} or a pair of them, "
            f"got {short_repr(value)}"
        )
    return int(items[0]), int(items[1])


def _finite(x: Any, what: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        array = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"Conv2d.set_weights: {what} must be an array of numbers, got "
                        f"{type(x).__name__}") from None
    if array.shape != shape:
        raise ValueError(f"Conv2d.set_weights: {what} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Conv2d.set_weights: {what} holds nan or inf")
    return array


class FeatureMap:
    """A convolution's output for an (N, C, H, W) array: `values[o][r][c]` the graph's nodes
    (each holding the N samples), `data` and `grad` as arrays of shape (N, O, rows, cols)."""

    def __init__(self, values: list[list[list[Value]]], inputs: list[list[list[Value]]]):
        self.values = values
        self.inputs = inputs  # the leaves made from the input array: x[channel][row][col]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(N, O, rows, cols)."""
        return self.data.shape

    @property
    def data(self) -> np.ndarray:
        """The outputs, shape (N, O, rows, cols)."""
        return _stack(self.values, "data")

    @property
    def grad(self) -> np.ndarray:
        """The outputs' gradients, shape (N, O, rows, cols)."""
        return _stack(self.values, "grad")

    @property
    def input_grad(self) -> np.ndarray:
        """d/d input, shape (N, C, H, W) (the `dx` of a hand-written backward pass)."""
        return _stack(self.inputs, "grad")

    def backward(self, gradient: np.ndarray) -> None:
        """Backpropagate the upstream d L/d out (`dout`, shape (N, O, rows, cols)): the kernels,
        biases and `input_grad` get d L/d each, as `y.backward(dout)` does."""
        shape = self.shape
        if not is_array(gradient) or gradient.shape != shape:
            raise ValueError(f"FeatureMap.backward: the upstream gradient must be an array of "
                             f"shape {shape}, got {np.shape(gradient)}")
        flat = [v for plane in self.values for line in plane for v in line]
        douts = [np.ascontiguousarray(gradient[:, o, r, c]) for o, plane in enumerate(self.values)
                 for r, line in enumerate(plane) for c in range(len(line))]
        # Σ over outputs of out · dout, one linear node per sample: its gradient is L's.
        linear(flat, douts, Value(0.0)).backward(np.ones(shape[0]))


def _stack(grid: list[list[list[Value]]], attr: str) -> np.ndarray:
    """[channel][row][col] of batch Values as one array of shape (N, channels, rows, cols)."""
    planes = [[[getattr(v, attr) for v in line] for line in plane] for plane in grid]
    return np.moveaxis(np.array(planes, dtype=float), -1, 0)


def _check_channels(in_channels: Any, out_channels: Any) -> None:
    for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        whole_number(n, f"Conv2d {what}", 1)


class Conv2d(Module):
    """A naive 2-D convolution (cross-correlation) whose every product is a graph edge.

    out[o][r][c] = b[o] + Σ_ch Σ_i Σ_j w[o][ch][i][j] · x[ch][r·sh + i - ph][c·sw + j - pw]
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        seed: int | None = None,
    ) -> None:
        _check_channels(in_channels, out_channels)
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        kh, kw = self.kernel_size
        fan_in = self.in_channels * kh * kw
        # Uniform in ±1/√fan_in (PyTorch's default scale for a convolution), biases zero.
        bound = 1.0 / math.sqrt(fan_in)
        init = np.random.default_rng(seed).uniform(
            -bound, bound, size=(self.out_channels, self.in_channels, kh, kw)
        )
        self.w: list[list[list[list[Value]]]] = [
            [
                [
                    [Value(float(init[o, c, i, j]), label=f"w[{o},{c},{i},{j}]") for j in range(kw)]
                    for i in range(kh)
                ]
                for c in range(self.in_channels)
            ]
            for o in range(self.out_channels)
        ]
        self.b: list[Value] = [Value(0.0, label=f"b[{o}]") for o in range(self.out_channels)]

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """(rows, cols) of the output for an input of height × width."""
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        rows = (height + 2 * ph - kh) // sh + 1
        cols = (width + 2 * pw - kw) // sw + 1
        if rows < 1 or cols < 1:
            raise ValueError(
                f"Conv2d: an input of {height}×{width} (padding {ph},{pw}) is smaller than the "
                f"{kh}×{kw} kernel"
            )
        return rows, cols

    def __call__(self, x: Sequence[Sequence[Sequence[Any]]] | np.ndarray
                 ) -> list[list[list[Value]]] | FeatureMap:
        """out[out_channel][row][col] for x[channel][row][col] (numbers, Values or batch arrays);
        for x a NumPy array of shape (N, C, H, W), a `FeatureMap` of shape (N, O, rows, cols)."""
        if is_array(x) and x.ndim == 4:
            grid = self._batch_leaves(x)
            return FeatureMap(self._correlate(grid), grid)
        return self._correlate(self._lift(x))

    def weight_array(self, *, grad: bool = False) -> np.ndarray:
        """The kernels (or their gradients) as a new array of shape (out, in, kh, kw), the
        layout of PyTorch's Conv2d.weight and of the NumPy tutorials."""
        return np.array([[[[float(v.grad if grad else v.data) for v in row] for row in per_in]
                           for per_in in per_out] for per_out in self.w])

    def bias_vector(self, *, grad: bool = False) -> np.ndarray:
        """The biases (or their gradients) as a new array of shape (out,)."""
        return np.array([float(b.grad if grad else b.data) for b in self.b])

    def set_weights(self, w: Any, b: Any = None) -> None:
        """Set the kernels from w, shape (out, in, kh, kw), and the biases from b, shape (out,)
        (None leaves them); a bad array changes nothing."""
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        kernels = _finite(w, "w", shape)
        biases = None if b is None else _finite(b, "b", (self.out_channels,))
        for (o, ch, i, j), value in np.ndenumerate(kernels):
            self.w[o][ch][i][j].data = float(value)
        if biases is not None:
            for v, value in zip(self.b, biases):
                v.data = float(value)

    def _batch_leaves(self, x: np.ndarray) -> list[list[list[Value]]]:
        """(N, C, H, W) as one leaf per channel and pixel, each holding the N samples."""
        if x.dtype.kind not in "fiu" or not np.all(np.isfinite(x)):
            raise ValueError("Conv2d: the (N, C, H, W) array must hold finite numbers")
        if x.shape[1] != self.in_channels or 0 in x.shape:
            raise ValueError(f"Conv2d expects an array of shape (N, {self.in_channels}, H, W), "
                             f"got {x.shape}")
        x = np.asarray(x, dtype=float)
        return [[[Value(np.ascontiguousarray(x[:, ch, r, c]), label=f"x[{ch},{r},{c}]")
                  for c in range(x.shape[3])] for r in range(x.shape[2])]
                for ch in range(x.shape[1])]

    def _correlate(self, grid: list[list[list[Value]]]) -> list[list[list[Value]]]:
        """The textbook's loops over the checked input grid."""
        height, width = len(grid[0]), len(grid[0][0])
        rows, cols = self.output_size(height, width)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        out = []
        for o in range(self.out_channels):
            kernel = self.w[o]
            plane = []
            for r in range(rows):
                line = []
                for c in range(cols):
                    weights, inputs = [], []
                    for ch in range(self.in_channels):
                        for i in range(kh):
                            y = r * sh + i - ph
                            if not 0 <= y < height:
                                continue  # zero padding: the term is 0, so it is left out
                            for j in range(kw):
                                xx = c * sw + j - pw
                                if 0 <= xx < width:
                                    weights.append(kernel[ch][i][j])
                                    inputs.append(grid[ch][y][xx])
                    node = linear(weights, inputs, self.b[o])
                    node.label = f"y[{o},{r},{c}]"
                    line.append(node)
                plane.append(line)
            out.append(plane)
        return out

    def _lift(self, x: Any) -> list[list[list[Value]]]:
        """The input as Values, each made once, checking that it is channels × rows × cols."""
        if not isinstance(x, (Sequence, np.ndarray)) or isinstance(x, (str, bytes)):
            raise TypeError(f"Conv2d takes x[channel][row][col], got {type(x).__name__}")
        if len(x) != self.in_channels:
            raise ValueError(f"Conv2d expects {self.in_channels} input channels, got {len(x)}")
        height = width = None
        grid = []
        for ch, channel in enumerate(x):
            rows = [list(row) for row in channel]
            if height is None:
                height, width = len(rows), len(rows[0]) if rows else 0
            if len(rows) != height or any(len(row) != width for row in rows) or not width:
                raise ValueError(
                    f"Conv2d input channel {ch}: every channel must have the same non-empty "
                    f"rows × cols (expected {height}×{width})"
                )
            grid.append(
                [
                    [v if type(v) is Value else Value(v, label=f"x[{ch},{r},{c}]")
                     for c, v in enumerate(row)]
                    for r, row in enumerate(rows)
                ]
            )
        return grid

    def config(self) -> dict[str, Any]:
        """The constructor arguments (without the seed)."""
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
        }

    @classmethod
    def check_config(cls, config: Any) -> None:
        """Whole channel counts >= 1; kernel_size, stride (>= 1) and padding (>= 0) pairs."""
        check_config_fields("Conv2d", config, ("in_channels", "out_channels", "kernel_size",
                                               "stride", "padding"))
        _check_channels(config["in_channels"], config["out_channels"])
        _pair(config["kernel_size"], "kernel_size", 1)
        _pair(config["stride"], "stride", 1)
        _pair(config["padding"], "padding", 0)

    @classmethod
    def parameter_layout(cls, config: dict[str, Any]) -> Layout:
        """w.<o>.<c>.<i>.<j> (the kernels, out × in × kh × kw), then b.<o>."""
        kh, kw = _pair(config["kernel_size"], "kernel_size", 1)
        out_channels = config["out_channels"]
        return {"w": (out_channels, config["in_channels"], kh, kw), "b": (out_channels,)}

    def __repr__(self) -> str:
        kh, kw = self.kernel_size
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size=({kh}, {kw}), "
            f"stride={self.stride}, padding={self.padding})"
        )
