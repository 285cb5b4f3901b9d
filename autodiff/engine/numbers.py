"""Numbers for a reader: the one way tables, pictures and the command line print them."""

from __future__ import annotations

import numpy as np

__all__ = ["format_number", "short_number"]


def format_number(x, digits: int = 8) -> str:
    """A number with `digits` decimals (the textbook's style); an array as shape and summary."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        if x.size == 0:
            return f"shape {x.shape}, empty"
        mean = format_number(float(x.mean()), digits)
        low, high = format_number(float(x.min()), digits), format_number(float(x.max()), digits)
        return f"shape {x.shape}, mean {mean}, range [{low}, {high}]"
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
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return f"mean {short_number(float(x.mean()), digits)}" if x.size else "empty"
    x = float(x)
    if x == 0.0 or 10.0 ** -(digits - 1) <= abs(x) < 1e6:
        return f"{x:.{digits}f}" if x != 0.0 else "0"
    return f"{x:.{digits}g}"
