"""Numbers for a reader: the one way tables, pictures and the command line print them."""

from __future__ import annotations

from ..engine.numpy_on_demand import is_array
from . import say

__all__ = ["format_number", "short_number", "number_text", "constant_text", "sum_terms"]


def format_number(x, digits: int = 8) -> str:
    """A number with `digits` decimals (the textbook's style); an array as shape and summary."""
    if is_array(x) and x.ndim > 0:
        if x.size == 0:
            return say("number.empty_array", shape=x.shape)
        mean = format_number(float(x.mean()), digits)
        low, high = format_number(float(x.min()), digits), format_number(float(x.max()), digits)
        return say("number.array", shape=x.shape, mean=mean, low=low, high=high)
    x = float(x)
    if x == 0.0:
        return f"{0.0:.{digits}f}"  # also turns -0.0 into 0.0
    # Tiny or huge numbers would print as 0.00000000 or a wall of digits: scientific instead.
    if abs(x) < 10.0 ** -(digits // 2) or abs(x) >= 1e12:
        return f"{x:.{digits}e}"
    return f"{x:.{digits}f}"


def short_number(x, digits: int = 4) -> str:
    """`digits` decimals, or `digits` significant digits where decimals would lose the number;
    an array as its mean."""
    if is_array(x) and x.ndim > 0:
        return (say("number.mean", mean=short_number(float(x.mean()), digits)) if x.size
                else say("number.empty"))
    x = float(x)
    if x == 0.0 or 10.0 ** -(digits - 1) <= abs(x) < 1e6:
        return f"{x:.{digits}f}" if x != 0.0 else "0"
    return f"{x:.{digits}g}"


def number_text(n: float | None) -> str:
    """A constant as a reader writes it: 2, not 2.0."""
    if n is None:
        return "n"
    return str(int(n)) if float(n).is_integer() and abs(n) < 1e15 else repr(float(n))


def constant_text(x: float) -> str:
    """A constant as a node's name: 2, 0.5, 0.374664 (six significant digits at most)."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.6g}"


def sum_terms(values, digits: int = 8) -> str:
    """Numbers as one sum, 'a + b - c': a negative term is subtracted, as a textbook writes it.
    The one way every table, line and page writes a sum of path products."""
    values = list(values)
    if not values:
        return format_number(0.0, digits)
    text = format_number(values[0], digits)
    for v in values[1:]:
        number = format_number(v, digits)
        text += f" - {number[1:]}" if number.startswith("-") else f" + {number}"
    return text
