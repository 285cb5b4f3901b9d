"""The op table's formulas as a reader sees them: `σ(net_o1)`, `x²`, `1 − out²`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..engine.ops import Op

__all__ = ["symbol", "reads", "reads_local", "number_text"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_POWER = re.compile(r"\^([A-Za-z0-9_.\-]+)")
_SUPERSCRIPTS = str.maketrans("0123456789-.nab", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·ⁿᵃᵇ")


def number_text(n: float | None) -> str:
    """A constant as a reader writes it: 2, not 2.0."""
    if n is None:
        return "n"
    return str(int(n)) if float(n).is_integer() and abs(n) < 1e15 else repr(float(n))


def symbol(op: Op, n: float | None = None) -> str:
    """What a drawn op node shows, e.g. '×' or '**2'."""
    return op.symbol + number_text(n) if op.param else op.symbol


def reads(op: Op, args: Sequence[str] = ("a", "b"), n: float | None = None) -> str:
    """The forward formula with the inputs named `args`, e.g. 'σ(net_o1)'."""
    if op.arity < 0:  # the linear op: w0·x0 + w1·x1 + … + b
        k = (len(args) - 1) // 2
        terms = [f"{w}·{x}" for w, x in zip(args[:k], args[k:2 * k])]
        return " + ".join([*terms, args[-1]]) if k > 0 else op.reads[0]
    return _render(op.reads[0], args, n)


def reads_local(op: Op, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
    """Each local derivative as a reader writes it, e.g. ['1 − out_h1²']."""
    if op.arity < 0:
        k = (len(args) - 1) // 2
        return [*args[k:2 * k], *args[:k], "1"]
    return [_render(t, args, n, out) for t in op.reads[1:]]


def _render(template: str, args: Sequence[str], n: float | None, out: str = "out") -> str:
    names = dict(zip(("a", "b"), args), out=out)
    if n is not None:
        names["n"] = number_text(n)
        names["n1"] = number_text(n - 1.0)  # the exponent of n·aⁿ⁻¹
    text = _NAME.sub(lambda m: _operand(names.get(m.group(0), m.group(0))), template)
    # Exponents are superscripts where they can be: x^2 reads x², x^1 reads x.
    return _POWER.sub(lambda m: _superscript(m.group(1)), text)


def _operand(name: str) -> str:
    # A sub-formula standing for an input is bracketed, so that x·y² never reads (x·y)².
    return name if _NAME.fullmatch(name) or name.replace(".", "").isdigit() else f"({name})"


def _superscript(exponent: str) -> str:
    if exponent == "1":
        return ""
    small = exponent.translate(_SUPERSCRIPTS)
    return small if small != exponent or exponent.isdigit() else f"^{exponent}"
