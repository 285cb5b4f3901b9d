"""An op table row's code with its inputs named as the caller says: the text the compiler writes
and the page runs is the very code the engine runs (ops.py), renamed, never written twice."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .ops import Op

__all__ = ["arg_names", "forward_text", "local_texts", "slopes_source"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_NUMBER = r"-?[0-9.]+(?:e[-+]?[0-9]+)?"
_CONSTANT_TEST = re.compile(rf"(?P<then>.+) if (?P<test>{_NUMBER}) else (?P<other>.+)")


def arg_names(op: Op, arity: int | None = None) -> list[str]:
    """The inputs' names in the row's code (the linear op's, for `arity` inputs: w…, x…, b)."""
    if op.arity >= 0:
        return ["a", "b"][: op.arity]
    k = (arity - 1) // 2
    return [f"w{i}" for i in range(k)] + [f"x{i}" for i in range(k)] + ["b"]


def forward_text(op: Op, args: Sequence[str], n: float | None = None) -> str:
    """The forward code with the inputs named `args` (and the constant n written out)."""
    if op.arity < 0:  # the linear op: w0 * x0 + w1 * x1 + … + b, at any width
        k = (len(args) - 1) // 2
        return " + ".join([f"{w} * {x}" for w, x in zip(args[:k], args[k:2 * k])] + [args[-1]])
    return _rename(op.forward, args, n)


def local_texts(op: Op, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
    """Each input's local derivative as code over `args` and `out`."""
    if op.arity < 0:  # the linear op: d/dwi = xi, d/dxi = wi, d/db = 1
        k = (len(args) - 1) // 2
        return [*args[k:2 * k], *args[:k], "1.0"]
    return [_rename(t, args, n, out) for t in op.local]


def slopes_source(op: Op, arity: int | None = None) -> str:
    """The row's local derivatives alone, as a function of its inputs (and n) and `out`: what
    gradients of gradients run on `Value`s and a worked sheet runs on a learner's numbers."""
    args = arg_names(op, arity)
    params = ", ".join([*args, *["n"] * op.param, "out"])
    return f"lambda {params}: ({', '.join(local_texts(op, args, 'out'))},)"


def _rename(template: str, args: Sequence[str], n: float | None, out: str = "out") -> str:
    """A row's code with its inputs a, b, its constant n and `out` named as the caller says."""
    names = dict(zip(("a", "b"), args), out=out, **({} if n is None else {"n": repr(float(n))}))
    text = _NAME.sub(lambda m: names.get(m.group(0), m.group(0)), template)
    test = _CONSTANT_TEST.match(text)  # `... if n else 0.0` with n written out: one branch
    return text if test is None else test["then"] if float(test["test"]) else test["other"]
