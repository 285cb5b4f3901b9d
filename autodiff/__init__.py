"""autodiff: a scalar reverse-mode autodiff engine where every gradient can be traced and drawn.

Layers, each importing only those before it: `engine` (the op table, `Value`, backward),
`language` (the words, numbers and formulas a reader reads), `check` (finite differences),
`work` (checking a learner's numbers, and the slips practise mode names), `see` (trace,
explain, draw, the step-through page), `compile` (straight-line code), and on top, after
`nn`, the command line `cli`.
"""

from .check import GradcheckError, gradcheck, numerical_grad
from .compile import CompiledGraph, compile_graph
from .engine.backward import topological_order
from .engine.collector import gc_paused
from .engine.higher import grad, hessian, jvp
from .engine.linear import linear
from .engine.mode import no_grad
from .engine.value import Value
from .language import get_language, language, set_language
from .see import Trace, draw_graph, trace
from .work import WorkReport, check_work

__all__ = [
    "Value",
    "linear",
    "no_grad",
    "gc_paused",
    "topological_order",
    "grad",
    "hessian",
    "jvp",
    "numerical_grad",
    "gradcheck",
    "GradcheckError",
    "trace",
    "Trace",
    "draw_graph",
    "compile_graph",
    "CompiledGraph",
    "set_language",
    "get_language",
    "language",
    "check_work",
    "WorkReport",
]
