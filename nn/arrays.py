"""A layer's weights and biases as NumPy arrays, read and set, in the layout the caller names.

Two layouts, named by their shape, because both are everywhere:
  "nin_nout": W of shape (nin, nout), W[i, j] the weight from input i to neuron j; the
              layer is x @ W + b (the layout of the NumPy programs in most tutorials).
  "nout_nin": W of shape (nout, nin), one row per neuron; the layer is x @ W.T + b
              (PyTorch's `nn.Linear.weight`).
The bias is a vector of shape (nout,) either way. Setting checks everything first: a bad
array changes nothing.
"""

from __future__ import annotations

from typing import Any

from autodiff.engine.numpy_on_demand import np

from .checks import short_repr

__all__ = ["LAYOUTS", "check_layout", "weight_matrix", "bias_vector", "set_layer"]

LAYOUTS = ("nin_nout", "nout_nin")


def check_layout(layout: Any) -> str:
    """The layout name, or a ValueError that says what each one means."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be 'nin_nout' (W of shape (nin, nout), x @ W + b, as the "
                         f"NumPy tutorials write it) or 'nout_nin' (shape (nout, nin), "
                         f"x @ W.T + b, PyTorch's Linear.weight), got {short_repr(layout)}")
    return layout


def weight_matrix(layer, layout: str, grad: bool = False) -> np.ndarray:
    """The layer's weights (or their gradients) as a new array in `layout`."""
    attr = "grad" if grad else "data"
    rows = np.array([[float(getattr(w, attr)) for w in n.w] for n in layer.neurons])
    return rows.T.copy() if check_layout(layout) == "nin_nout" else rows


def bias_vector(layer, grad: bool = False) -> np.ndarray:
    """Each neuron's bias (or its gradient), shape (nout,); a shared bias repeats."""
    attr = "grad" if grad else "data"
    return np.array([float(getattr(n.b, attr)) for n in layer.neurons])


def set_layer(layer, W: Any, b: Any, layout: str, where: str = "set_weights") -> None:
    """Set the layer's weights from W (in `layout`) and, unless b is None, its biases."""
    rows = _checked_weights(layer, W, check_layout(layout), where)
    biases = None if b is None else _checked_biases(layer, b, where)
    for neuron, row in zip(layer.neurons, rows):
        for w, value in zip(neuron.w, row):
            w.data = float(value)
    if biases is not None:
        for neuron, value in zip(layer.neurons, biases):
            neuron.b.data = float(value)  # a shared bias gets the same number each time


def _finite_array(x: Any, what: str, where: str) -> np.ndarray:
    try:
        array = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be an array of numbers, got "
                        f"{type(x).__name__}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: {what} holds nan or inf")
    return array


def _checked_weights(layer, W: Any, layout: str, where: str) -> np.ndarray:
    """W as rows, one per neuron: shape (nout, nin)."""
    nout, nin = len(layer.neurons), len(layer.neurons[0].w)
    array = _finite_array(W, "W", where)
    shape = (nin, nout) if layout == "nin_nout" else (nout, nin)
    if array.shape != shape:
        hint = ("; it has the other layout's shape: pass layout="
                f"{'nout_nin' if layout == 'nin_nout' else 'nin_nout'!r} or transpose it"
                if array.shape == shape[::-1] else "")
        raise ValueError(f"{where}: W for a layer of {nin} inputs and {nout} neurons in layout "
                         f"{layout!r} must have shape {shape}, got {array.shape}{hint}")
    return array.T if layout == "nin_nout" else array


def _checked_biases(layer, b: Any, where: str) -> np.ndarray:
    """b as one number per neuron: shape (nout,), (1, nout) or (nout, 1) are all read so."""
    nout = len(layer.neurons)
    array = _finite_array(b, "b", where)
    if layer.shared_bias and array.ndim == 0:
        return np.full(nout, float(array))
    if array.size != nout or sum(size != 1 for size in array.shape) > 1:
        raise ValueError(f"{where}: b for a layer of {nout} neurons must have shape ({nout},), "
                         f"got {array.shape}")
    array = array.reshape(nout)
    if layer.shared_bias and np.any(array != array[0]):
        raise ValueError(f"{where}: this layer shares one bias among its neurons; b must be "
                         f"one number (or {nout} equal ones), got {short_repr(array.tolist())}")
    return array
