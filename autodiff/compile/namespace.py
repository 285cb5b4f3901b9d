"""The globals a compiled function runs in, and the names the code may not take for itself."""

from __future__ import annotations

from ..engine import ops
from ..engine.backward import unbroadcast
from ..engine.numpy_on_demand import np
from . import layer_kernels
from .optext import ARRAY_PREFIX

__all__ = ["FUNCTION_NAME", "VECTOR_NAME", "RESERVED", "namespace"]

FUNCTION_NAME = "value_and_grad"
VECTOR_NAME = "value_and_grad_p"  # the same function of the vector p, where there is one


def _batch_sum(c) -> float:
    """A batch contribution to a scalar node, summed as the engine's `unbroadcast` sums it:
    `float(np.sum(c))` is `np.add.reduce` over every axis, called here without np.sum's
    Python layers (a few microseconds a call on a short array)."""
    return float(np.add.reduce(c, None))


_OWN_HELPERS: dict[str, object] = {
    "batch_sum": _batch_sum,
    "reduce_to": unbroadcast,
    "zeros_like": lambda x: np.zeros_like(x),
}
_ARRAY_HELPERS = {ARRAY_PREFIX + k: v for k, v in ops.ARRAY_NAMESPACE.items()}
_ARRAY_HELPERS[ARRAY_PREFIX + "total"] = _batch_sum  # the op table's float(np.sum(x)), faster
# A scalar layer's helpers: `layers`' own sums, written out per shape where they are small.
_LAYER_HELPERS = {f.__name__: f for f in (layer_kernels.affine, layer_kernels.input_grads,
                                          layer_kernels.weight_grads, layer_kernels.bias_grads,
                                          layer_kernels.shared_bias_grad)}
RESERVED = frozenset({FUNCTION_NAME, VECTOR_NAME, "np", "out_of_domain", *ops.SCALAR_NAMESPACE,
                      *_ARRAY_HELPERS, *_OWN_HELPERS, *_LAYER_HELPERS})


def namespace(numpy: bool, fused: bool) -> dict[str, object]:
    """The helpers the code calls: the op table's, NumPy's where it runs on arrays, the
    layers' where it has layers; the builtins it calls (float() for a reduction, zip() in
    a layer's backward) and no others."""
    found: dict[str, object] = {"__builtins__": {"float": float, "zip": zip}}
    found.update(ops.SCALAR_NAMESPACE)
    if numpy:
        found.update(_ARRAY_HELPERS)
        found.update(_OWN_HELPERS)
    if fused:
        found["np"] = np
        found.update(_LAYER_HELPERS)
    return found
