"""Checks of what users hand `nn`: one helper for each kind of number, one wording for each."""

from __future__ import annotations

import math
import reprlib
import sys
from typing import Any

from autodiff.engine.errors import is_number

__all__ = ["is_number", "is_whole", "whole_number", "positive_number", "short_repr"]

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxtuple = 3, 6, 6, 6
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 80, 80, 40


def short_repr(value: Any) -> str:
    """repr() for an error message: bounded in length and depth, whatever the value holds."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'a negative' if value < 0 else 'an'} integer of about {digits:,} digits"
    try:
        return _REPR.repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"


def is_whole(x: object) -> bool:
    """An int or NumPy integer; never a bool."""
    numpy = sys.modules.get("numpy")  # a NumPy integer exists only once NumPy is loaded
    kinds = int if numpy is None else (int, numpy.integer)
    return isinstance(x, kinds) and not isinstance(x, bool)


def whole_number(value: Any, what: str, minimum: int) -> int:
    """`value` as an int, if it is a whole number >= `minimum`; else a ValueError naming `what`."""
    if not is_whole(value) or value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {short_repr(value)}")
    return int(value)


def positive_number(value: Any, what: str, allow_zero: bool = False) -> float:
    """`value` as a finite float > 0 (or >= 0); a TypeError or ValueError naming `what`."""
    if not is_number(value):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    number = float(value)
    if not ((number >= 0.0 if allow_zero else number > 0.0) and math.isfinite(number)):
        raise ValueError(f"{what} must be {'>= 0' if allow_zero else '> 0'} and finite, "
                         f"got {number!r}")
    return number
