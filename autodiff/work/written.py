"""A learner's written numbers: the value, the text it was written as, and when it counts as
right (within a tolerance, or the expected value rounded to as many digits as were written)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..engine.numpy_on_demand import is_numpy_scalar
from ..language import say

__all__ = ["Written", "written", "round_significant", "significant_digits"]

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Written:
    """One number as the learner wrote it: its value, its text and its significant digits."""

    value: float
    text: str
    digits: int

    def agrees(self, expected: float, rtol: float, atol: float) -> bool:
        """Within atol + rtol·|expected|, or `expected` rounded to the digits written."""
        if not math.isfinite(expected):
            return False
        if abs(self.value - expected) <= atol + rtol * abs(expected):
            return True
        return self.rounds(expected)

    def rounds(self, expected: float) -> bool:
        """Whether this is `expected` rounded to the digits written."""
        if self.value == 0.0:
            return False  # "0" holds no digits to round to
        # Rounded to the digits written: within half a unit of the last digit (both ways at
        # a tie: 0.18005 may be written 0.1800 or 0.1801).
        unit = 10.0 ** (math.floor(math.log10(abs(self.value))) - self.digits + 1)
        return abs(self.value - expected) <= 0.5 * unit * (1 + 1e-9)


def written(name: str, value: object) -> Written:
    """The learner's number for `name`: a float or int (its repr gives the digits) or text."""
    if isinstance(value, bool) or not (isinstance(value, (int, float, str))
                                       or is_numpy_scalar(value)):
        raise TypeError(say("work.answer_type", name=name, kind=type(value).__name__))
    text = value.strip() if isinstance(value, str) else repr(float(value))
    if isinstance(value, int) or is_numpy_scalar(value, ("integer",)):
        text = str(int(value))
    if not NUMBER.fullmatch(text):
        raise ValueError(say("work.answer_not_number", name=name, text=text))
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(say("work.answer_not_finite", name=name, text=text))
    return Written(number, text, significant_digits(text))


def significant_digits(text: str) -> int:
    """How many significant digits `text` was written with ("0.5900" 4, "0.59" 2, "120" 2)."""
    mantissa = re.split(r"[eE]", text.lstrip("+-"))[0]
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0")  # 120: the zero may only hold the place
    return max(len(digits), 1)


def round_significant(x: float, digits: int) -> float:
    """x rounded to `digits` significant digits, as a learner writes it down."""
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(f"{x:.{max(digits, 1) - 1}e}")
