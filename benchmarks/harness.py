"""Measuring one run: wall time, time inside the cyclic garbage collector, peak traced memory."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager

__all__ = ["gc_timer", "timed_run", "peak_memory"]


@contextmanager
def gc_timer():
    """Yield a one-item list that ends up holding the seconds spent in gc while inside."""
    spent, started = [0.0], [0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(callback)
    try:
        yield spent
    finally:
        gc.callbacks.remove(callback)


def timed_run(fn: Callable[[], object]) -> tuple[object, float, float]:
    """Run fn once; return its result, the seconds it took and the seconds gc took within."""
    # Collect the previous run's garbage now, so no run pays for another's.
    gc.collect()
    with gc_timer() as in_gc:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return result, seconds, in_gc[0]


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes traced by tracemalloc during one run of fn (Python's allocator and NumPy)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
