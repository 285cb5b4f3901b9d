"""`Conv2d`: a naive 2-D convolution built from `Value`s, so every weight's gradient can be traced.

The loops are the textbook's: for each output channel, each output row and column, the sum
over input channels and kernel rows and columns of weight × input, plus the bias. Each output
is one `linear` node (w·x + b over the patch it sees), labeled `y[o,r,c]`. As in PyTorch this
is a cross-correlation: the kernel is not flipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autodiff import Value, linear

from .checks import is_whole, short_repr, whole_number
from .modules import Module, check_config_fields

__all__ = ["Conv2d"]


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

    def __call__(self, x: Sequence[Sequence[Sequence[Any]]]) -> list[list[list[Value]]]:
        """out[out_channel][row][col] for x[channel][row][col] (numbers, Values or batch arrays)."""
        grid = self._lift(x)
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

    def named_parameters(self) -> list[tuple[str, Value]]:
        """w.<o>.<c>.<i>.<j>, then b.<o>."""
        named = [
            (f"w.{o}.{c}.{i}.{j}", v)
            for o, per_out in enumerate(self.w)
            for c, per_in in enumerate(per_out)
            for i, row in enumerate(per_in)
            for j, v in enumerate(row)
        ]
        return named + [(f"b.{o}", b) for o, b in enumerate(self.b)]

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
    def _check_config(cls, config: Any) -> None:
        check_config_fields("Conv2d", config, ("in_channels", "out_channels", "kernel_size",
                                               "stride", "padding"))
        _check_channels(config["in_channels"], config["out_channels"])
        _pair(config["kernel_size"], "kernel_size", 1)
        _pair(config["stride"], "stride", 1)
        _pair(config["padding"], "padding", 0)

    @classmethod
    def _declared_count(cls, config: dict[str, Any]) -> int:
        kh, kw = _pair(config["kernel_size"], "kernel_size", 1)
        out_channels = config["out_channels"]
        return out_channels * config["in_channels"] * kh * kw + out_channels

    @classmethod
    def _declared_names(cls, config: dict[str, Any]) -> Iterator[str]:
        kh, kw = _pair(config["kernel_size"], "kernel_size", 1)
        for o in range(config["out_channels"]):
            for c in range(config["in_channels"]):
                for i in range(kh):
                    for j in range(kw):
                        yield f"w.{o}.{c}.{i}.{j}"
        for o in range(config["out_channels"]):
            yield f"b.{o}"

    def __repr__(self) -> str:
        kh, kw = self.kernel_size
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size=({kh}, {kw}), "
            f"stride={self.stride}, padding={self.padding})"
        )
