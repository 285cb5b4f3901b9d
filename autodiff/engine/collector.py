"""Pausing Python's cyclic garbage collector while a big graph is built and walked."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for one block, e.g. one training step.

    Graphs are acyclic and freed by reference counting, but while a large graph is alive the
    collector keeps rescanning all of it (more than half the time of a training step built
    node by node). Cycles made meanwhile by other code are collected as usual once the block
    ends.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
