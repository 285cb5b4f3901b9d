"""The op table's formulas as a reader sees them: `σ(net_o1)`, `x²`, `1 − out²`; and the one
name each node goes by, in pictures, panels and tables alike (`node_names`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..engine.ops import Op

__all__ = ["symbol", "reads", "reads_local", "number_text", "printable", "node_names",
           "is_atom", "MAX_NAME"]

MAX_NAME = 28  # a derived name longer than this is shortened to the op and a number

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
# A name that needs no brackets inside a formula: w5, h1_1.w1, out_h1[2], 0.5.
_ATOM = re.compile(r"[A-Za-z_][A-Za-z_0-9.]*(\[\d+\])?|\d+(\.\d+)?(e[-+]?\d+)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
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
        return " + ".join([*terms, args[-1]]) if k > 0 else op.reads
    return _render(op.reads, args, n)


def reads_local(op: Op, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
    """Each local derivative as a reader writes it, e.g. ['1 − out_h1²']."""
    if op.arity < 0:
        k = (len(args) - 1) // 2
        return [*args[k:2 * k], *args[:k], "1"]
    return [_render(t, args, n, out) for t in op.reads_local]


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
    if _ATOM.fullmatch(name) or (name.startswith("(") and name.endswith(")")
                                 and _balanced(name[1:-1])):
        return name
    return f"({name})"


def is_atom(name: str) -> bool:
    """Whether a name reads as one thing inside a formula (w5, out_h1[2], 0.5), unbracketed."""
    return bool(_ATOM.fullmatch(name[1:] if name.startswith("-") else name))


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _superscript(exponent: str) -> str:
    if exponent == "1":
        return ""
    small = exponent.translate(_SUPERSCRIPTS)
    return small if small != exponent or exponent.isdigit() else f"^{exponent}"


def printable(text: str) -> str:
    """A label as text that shows on one line: a newline reads \\n, a tab \\t, any other
    control character its \\x code, so that every label draws and none hides another."""
    def escape(m: re.Match) -> str:
        ch = m.group(0)
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{ord(ch):02x}"
                                                               if ord(ch) < 256 else
                                                               f"\\u{ord(ch):04x}")
    return _CONTROL.sub(escape, text)


def node_names(order) -> dict:
    """One name per node of a graph (`order`: inputs before outputs), used everywhere.

    A label is its own name, printable; a label that several nodes share (one per sample)
    gets the sample's number, `out_h1[2]`, counted from 0 in evaluation order. A constant is
    its number, `0.5`. Any other node is the formula that made it from its inputs' names,
    `(0.01 − out_o1)²`, while that stays short; past `MAX_NAME` characters, its op and a
    count, `exp_3`. Names are unique: a repeat gets `[k]` as a shared label does.
    """
    import numpy as np  # noqa: PLC0415 (kept out of the module's import time for the CLI)

    labels: dict[str, int] = {}
    for node in order:
        if node.label:
            labels[node.label] = labels.get(node.label, 0) + 1
    seen_label: dict[str, int] = {}
    names: dict = {}
    taken: dict[str, int] = {}
    fallback: dict[str, int] = {}
    arrays = 0
    for node in order:
        if node.label:
            name = printable(node.label)
            if labels[node.label] > 1:
                k = seen_label.get(node.label, 0)
                seen_label[node.label] = k + 1
                name = f"{name}[{k}]"
        elif not node.inputs:
            if isinstance(node.data, np.ndarray) and node.data.ndim > 0:
                arrays += 1
                name = f"c{arrays}"  # one number per sample: the panels show the sample's
            else:
                name = number_text(float(node.data))
        else:
            op = node.op_entry
            name = reads(op, [names[x] for x in node.inputs], node.exponent)
            if len(name) > MAX_NAME:
                k = fallback.get(op.name, 0) + 1
                fallback[op.name] = k
                name = f"{_WORDS.get(op.name, op.name)}_{k}"
        if name in taken and not (not node.inputs and not node.label):
            taken[name] += 1
            name = f"{name}[{taken[name] - 1}]"
        taken.setdefault(name, 1)
        names[node] = name
    return names


_WORDS = {"+": "sum", "-": "diff", "*": "prod", "/": "quot", "**": "pow", "neg": "neg"}
