"""autodiff: a scalar reverse-mode autodiff engine where every gradient can be traced and drawn."""

from .check import GradcheckError, gradcheck, numerical_grad
from .compile import CompiledGraph, compile_graph
from .draw import draw_graph
from .graph import gc_paused, no_grad, topological_order
from .trace import Trace, trace
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
    "Trace",
    "draw_graph",
    "compile_graph",
    "CompiledGraph",
]
