"""The globals a compiled function runs in, and the names the code may not take for itself."""

from __future__ import annotations

from ..engine import ops
from ..engine.backward import unbroadcast
from ..engine.numpy_on_demand import np
from . import layers
from .optext import ARRAY_PREFIX

__all__ = ["FUNCTION_NAME", "VECTOR_NAME", "RESERVED", "namespace"]

FUNCTION_NAME = "value_and_grad"
VECTOR_NAME = "value_and_grad_p"  # the same function of the vector p, where there is one


def _batch_sum(c) -> float:
    """A batch contribution to a scalar node, summed by the engine's own reduction."""
    return unbroadcast(c, 0.0)


_OWN_HELPERS: dict[str, object] = {
    "batch_sum": _batch_sum,
    "reduce_to": unbroadcast,
    "zeros_like": lambda x: np.zeros_like(x),
}
_ARRAY_HELPERS = {ARRAY_PREFIX + k: v for k, v in ops.ARRAY_NAMESPACE.items()}
_LAYER_HELPERS = {f.__name__: f for f in (layers.affine, layers.input_grads, layers.weight_grads,
                                          layers.bias_grads, layers.shared_bias_grad)}
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
