"""Compiling a recorded graph into the straight-line code a textbook writes by hand."""

from .compiled import CompiledGraph, compile_graph

__all__ = ["compile_graph", "CompiledGraph"]
