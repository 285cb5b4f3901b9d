"""autodiff: a scalar reverse-mode autodiff engine where every gradient can be traced and drawn."""

from .check import GradcheckError, gradcheck, numerical_grad
from .graph import gc_paused, no_grad, topological_order
from .value import Value, linear

__all__ = [
    "Value",
    "linear",
    "no_grad",
    "gc_paused",
    "topological_order",
    "numerical_grad",
    "gradcheck",
    "GradcheckError",
    "trace",
    "draw_graph",
    "compile_graph",
]


_LAZY = {"trace": "trace", "Trace": "trace", "draw_graph": "draw",
         "compile_graph": "compile", "CompiledGraph": "compile"}


def __getattr__(name: str):
    # The tools that need more (graphviz, the code generator) load on first use,
    # so `import autodiff` stays light and fast.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
