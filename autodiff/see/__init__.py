"""Seeing a graph: the recorded chain rule (trace, explain), drawings and the step-through page."""

from .draw import draw_graph
from .page import TracePage
from .trace import Explanation, Trace, trace

__all__ = ["trace", "Trace", "Explanation", "draw_graph", "TracePage"]
