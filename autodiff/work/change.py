"""A slip as data: which part of one row's work is done differently, and the kinds there are.

The catalog (catalog.py) makes them from the graph; the sheet (sheet.py) works a row again
with one of them; the texts (texts.py) say them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.value import Value

__all__ = ["Change", "KINDS"]

# The kinds, plainest first: where two give the very same numbers, the plainer is named.
KINDS = ("sign", "missing factor", "missing path", "wrong slope", "wrong input",
         "updated weight", "wrong lr", "rounding")


@dataclass(frozen=True)
class Change:
    """One slip in one row (`step`): which part of the row's work is done differently."""

    kind: str
    step: int
    source: int | None = None      # the row whose value stands where another belongs
    position: int | None = None    # which input of the op it stands in for
    edge: int | None = None        # which term of a gradient's sum (user, input) is changed
    drop: str | None = None        # left out of that term or sum: "path", "local", "upstream"
    slope_at: Value | None = None  # the node a local derivative was taken at instead
    upstream: int | None = None    # a gradient row used in place of the user's gradient
    constant: float | None = None  # a number used in place of an input (the updated weight)
    negate: bool = False           # the row (or the term `edge`) with its sign flipped
    round_to: float | None = None  # the row's number rounded early
    lr: float | None = None        # the learning rate used instead
