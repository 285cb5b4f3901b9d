"""One slip in one row of the sheet: which part of the row's work is done differently."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.value import Value

__all__ = ["Change"]


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
