"""A small scalar layer's helpers written out: the same sums, term by term, with no loop.

`layers.affine` and its kin loop over neurons, inputs and samples; in Python each turn of
those loops costs more than its multiplication, and a small layer (XOR's 2-3-2 network, one
graph per sample of four) is nothing but turns. So the compiled code calls these instead:
the same names, the same arguments, the same products added in the same order (the same
floats, to the last bit), each written once per shape as one expression per output, compiled
when first asked for and kept. Past `UNROLL` products, or with a start to add first, the
loops themselves run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import layers

__all__ = ["UNROLL", "affine", "input_grads", "weight_grads", "bias_grads", "shared_bias_grad"]

UNROLL = 64  # the most products one written-out helper holds: a longer one is a long function

_kernels: dict[tuple, Callable] = {}


def affine(W: Sequence[Sequence[float]], x: Sequence[float], b: Sequence[float]) -> list[float]:
    """`layers.affine`, written out for W's shape."""
    key = ("affine", len(W), len(x))
    return (_kernels.get(key) or _kernel(key))(W, x, b)


def input_grads(dnet: Sequence[float], W: Sequence[Sequence[float]]) -> list[float]:
    """`layers.input_grads`, written out for W's shape."""
    key = ("input_grads", len(dnet), len(W[0]))
    return (_kernels.get(key) or _kernel(key))(dnet, W)


def weight_grads(dnets: Sequence[Sequence[float]], xs: Sequence[Sequence[float]],
                 start=None) -> list[list[float]]:
    """`layers.weight_grads`, written out for the samples' count and the layer's shape."""
    if start is not None:
        return layers.weight_grads(dnets, xs, start)
    key = ("weight_grads", len(dnets), len(dnets[0]), len(xs[0]))
    return (_kernels.get(key) or _kernel(key))(dnets, xs)


def bias_grads(dnets: Sequence[Sequence[float]], start=None) -> list[float]:
    """`layers.bias_grads`, written out for the samples' count and the layer's width."""
    if start is not None:
        return layers.bias_grads(dnets, start)
    key = ("bias_grads", len(dnets), len(dnets[0]))
    return (_kernels.get(key) or _kernel(key))(dnets)


def shared_bias_grad(dnets: Sequence[Sequence[float]], start=None) -> float:
    """`layers.shared_bias_grad`, written out for the samples' count and the layer's width."""
    if start is not None:
        return layers.shared_bias_grad(dnets, start)
    key = ("shared_bias_grad", len(dnets), len(dnets[0]))
    return (_kernels.get(key) or _kernel(key))(dnets)


# --- writing them out ----------------------------------------------------------------------


def _kernel(key: tuple) -> Callable:
    """The helper for this shape: written out and compiled, or the loop where it is large."""
    name, *shape = key
    products = 1
    for size in shape:
        products *= size
    if products > UNROLL or 0 in shape:
        found = _LOOPS[name]
    else:
        namespace: dict = {"__builtins__": {}}
        exec(compile(_TEXTS[name](*shape), f"<{name} {shape}>", "exec"), namespace)  # our text
        found = namespace[name]
    _kernels[key] = found
    return found


def _names(stem: str, count: int) -> list[str]:
    return [f"{stem}{k}" for k in range(count)]


def _grid(stem: str, rows: int, columns: int) -> list[list[str]]:
    return [[f"{stem}{i}_{j}" for j in range(columns)] for i in range(rows)]


def _unpack(names: list[str]) -> str:
    """`a, b,`: the target of an unpacking, also of one name."""
    return ", ".join(names) + ","


def _unpack_rows(rows: list[list[str]]) -> str:
    return ", ".join(f"({_unpack(row)})" for row in rows) + ","


def _affine_text(rows: int, width: int) -> str:
    # layers.affine: dot(row, x) + bias, the dot product left to right
    W, x, b = _grid("w", rows, width), _names("x", width), _names("b", rows)
    nets = [" + ".join(f"{W[i][j]} * {x[j]}" for j in range(width)) + f" + {b[i]}"
            for i in range(rows)]
    return (f"def affine(W, x, b):\n    {_unpack_rows(W)} = W\n    {_unpack(x)} = x\n"
            f"    {_unpack(b)} = b\n    return [{', '.join(nets)}]\n")


def _input_grads_text(rows: int, width: int) -> str:
    # layers.input_grads: for each input, from the last neuron to the first
    g, W = _names("g", rows), _grid("w", rows, width)
    sums = [" + ".join(f"{g[i]} * {W[i][j]}" for i in reversed(range(rows)))
            for j in range(width)]
    return (f"def input_grads(dnet, W):\n    {_unpack(g)} = dnet\n    {_unpack_rows(W)} = W\n"
            f"    return [{', '.join(sums)}]\n")


def _weight_grads_text(samples: int, rows: int, width: int) -> str:
    # layers.weight_grads: per neuron and input, the samples in the order given
    d, x = _grid("d", samples, rows), _grid("x", samples, width)
    out = ["[" + ", ".join(" + ".join(f"{d[s][i]} * {x[s][j]}" for s in range(samples))
                           for j in range(width)) + "]" for i in range(rows)]
    return (f"def weight_grads(dnets, xs):\n    {_unpack_rows(d)} = dnets\n"
            f"    {_unpack_rows(x)} = xs\n    return [{', '.join(out)}]\n")


def _bias_grads_text(samples: int, rows: int) -> str:
    # layers.bias_grads adds g * 1.0, which is g to the last bit
    d = _grid("d", samples, rows)
    sums = [" + ".join(d[s][i] for s in range(samples)) for i in range(rows)]
    return (f"def bias_grads(dnets):\n    {_unpack_rows(d)} = dnets\n"
            f"    return [{', '.join(sums)}]\n")


def _shared_bias_grad_text(samples: int, rows: int) -> str:
    # layers.shared_bias_grad: each sample's neurons from the last to the first
    d = _grid("d", samples, rows)
    total = " + ".join(d[s][i] for s in range(samples) for i in reversed(range(rows)))
    return f"def shared_bias_grad(dnets):\n    {_unpack_rows(d)} = dnets\n    return {total}\n"


_TEXTS: dict[str, Callable[..., str]] = {
    "affine": _affine_text, "input_grads": _input_grads_text,
    "weight_grads": _weight_grads_text, "bias_grads": _bias_grads_text,
    "shared_bias_grad": _shared_bias_grad_text,
}
_LOOPS: dict[str, Callable] = {
    "affine": layers.affine, "input_grads": layers.input_grads,
    "weight_grads": layers.weight_grads, "bias_grads": layers.bias_grads,
    "shared_bias_grad": layers.shared_bias_grad,
}
