"""Turning the written source into a function that Python's tools can read back.

The source is registered in `linecache` under a name of its own per compiled graph,
`<compiled E_total #3>`, so `inspect.getsource(function)` returns it, a traceback into the
function shows the line that failed, and pdb can list it. The entry lives as long as the
function: when the function is collected, its lines go too.
"""

from __future__ import annotations

import itertools
import linecache
import weakref
from collections.abc import Callable

from .namespace import FUNCTION_NAME

__all__ = ["define"]

_serial = itertools.count(1)  # one name per compiled graph, even for graphs of one root name


def define(source: str, root_name: str, namespace: dict) -> Callable:
    """Run `source` (our own text) in `namespace` and return the function it defines, with
    its lines where `inspect`, tracebacks and pdb look for them."""
    filename = f"<compiled {root_name} #{next(_serial)}>"
    # mtime None: `linecache.checkcache` keeps the entry (there is no file to compare).
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(compile(source, filename, "exec"), namespace)  # defines the functions, nothing else
    except BaseException:
        linecache.cache.pop(filename, None)
        raise
    function = namespace[FUNCTION_NAME]
    weakref.finalize(function, linecache.cache.pop, filename, None)
    return function
