"""Recording on or off, per thread: `no_grad()` and `set_grad_enabled`, as PyTorch names them.

`_make` (value.py) reads the flag; inside `no_grad()` the nodes it makes keep no inputs, so
nothing can be differentiated through them (evaluation, an optimizer's update).
"""

from __future__ import annotations

import threading

from . import value

_counting = threading.Lock()  # threads switching at once must not lose a count

__all__ = ["no_grad", "set_grad_enabled"]


def set_grad_enabled(enabled: bool) -> bool:
    """Record inputs (True) or not, in this thread; returns the previous setting."""
    previous, now = value._mode.enabled, bool(enabled)
    with _counting:  # value.threads_not_recording: how many threads have it off
        value.threads_not_recording += previous - now
    value._mode.enabled = now
    return previous


class no_grad:  # noqa: N801 (a context manager, named as PyTorch names it)
    """Inside this block (in this thread), results record no inputs: nothing to differentiate."""

    def __enter__(self) -> None:
        self.previous = set_grad_enabled(False)

    def __exit__(self, *exc) -> None:
        set_grad_enabled(self.previous)
