"""The op table's formulas as a reader sees them: `σ(net_o1)`, `x²`, `1 − out²`; and the one
name each node goes by, in pictures, panels and tables alike (`node_names`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..engine.numpy_on_demand import is_array
from ..engine.ops import Op
from .numbers import constant_text, number_text

__all__ = ["symbol", "reads", "reads_local", "number_text", "constant_text", "printable",
           "node_names", "is_atom", "is_numeral", "d_name", "derivative_name", "MAX_NAME"]

MAX_NAME = 28  # a derived name longer than this is shortened to the op and a number

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
# A name that needs no brackets inside a formula: w5, h1_1.w1, out_h1[2], 0.5.
_ATOM = re.compile(r"[A-Za-z_][A-Za-z_0-9.]*(\[\d+\])?|\d+(\.\d+)?(e[-+]?\d+)?")
# Control characters, line separators, the marks that reorder text (a right-to-left override
# would show 1.25 as 52.1 beside a label), and lone surrogates (no UTF-8 for them: a file or a
# pipe to Graphviz would fail on one): each is shown as its code, never obeyed.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ud800-\udfff]")
_NUMBER = re.compile(r"\d+(\.\d+)?(e[-+]?\d+)?")
_SUPERSCRIPT_CHARS = "0123456789-.nab"
_SUPERSCRIPTS = str.maketrans(_SUPERSCRIPT_CHARS, "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·ⁿᵃᵇ")


def symbol(op: Op, n: float | None = None) -> str:
    """What a drawn op node shows, e.g. '×' or '**2'."""
    return op.symbol + number_text(n) if op.param else op.symbol


def reads(op: Op, args: Sequence[str] = ("a", "b"), n: float | None = None) -> str:
    """The forward formula with the inputs named `args`, e.g. 'σ(net_o1)'."""
    if op.arity < 0:  # the linear op: w0·x0 + w1·x1 + … + b
        k = (len(args) - 1) // 2
        terms = [f"{_operand(w, 3)}·{_operand(x, 3)}" for w, x in zip(args[:k], args[k:2 * k])]
        return " + ".join([*terms, _operand(args[-1], 1)]) if k > 0 else op.reads[0]
    return _render(op.reads[0], args, n, need=_NEEDS.get(op.name, (3, 3)))


def reads_local(op: Op, args: Sequence[str], out: str, n: float | None = None) -> list[str]:
    """Each local derivative as a reader writes it, e.g. ['1 − out_h1²']."""
    if op.arity < 0:
        k = (len(args) - 1) // 2
        return [*args[k:2 * k], *args[:k], "1"]
    return [_render(t, args, n, out) for t in op.reads[1:]]


# How tightly each op's forward formula binds its inputs: an input binding more loosely is
# bracketed (1: a sum, 2: a product, 3: a name or a bracketed whole), so x − (y + z) keeps its
# brackets and x + y·z needs none.
_NEEDS = {"+": (1, 1), "-": (1, 2), "*": (2, 2), "/": (2, 3)}
_TEMPLATE_POWER = re.compile(r"\^(\([^()]*\)|[A-Za-z_0-9.]+)")


def _render(template: str, args: Sequence[str], n: float | None, out: str = "out",
            need: tuple[int, ...] = (3, 3)) -> str:
    names = dict(zip(("a", "b"), args), out=out)
    needs = dict(zip(("a", "b"), need))
    if n is not None:
        names["n"] = number_text(n)
        names["n1"] = number_text(n - 1.0)  # the exponent of n·aⁿ⁻¹

    def words(text: str, start: int) -> str:
        def word(m: re.Match) -> str:
            value = names.get(m.group(0))
            if value is None:
                return m.group(0)
            # Directly inside a call's brackets, tanh(a), max(0, a), an input needs none.
            i, j = start + m.start(), start + m.end()
            before, after = template[i - 1:i], template[j:j + 1]
            wrapped = ((before == "(" or template[max(0, i - 2):i] == ", ") and after in ("),")
                       or before == after == "|")
            return value if wrapped else _operand(value, needs.get(m.group(0), 3))
        return _NAME.sub(word, text)

    def power(m: re.Match) -> str:
        exponent = m.group(1)
        if exponent.startswith("("):  # a^(b−1): the inputs inside, the brackets kept
            return "^" + words(exponent, m.start(1))
        value = names.get(exponent, exponent)
        if value == "1":
            return ""  # x^1 reads x
        # A superscript where every character has one (x², xⁿ); else x^(…) in plain text.
        if all(ch in _SUPERSCRIPT_CHARS for ch in value):
            return value.translate(_SUPERSCRIPTS)
        return "^" + _operand(value, 3)

    parts, at = [], 0
    for m in _TEMPLATE_POWER.finditer(template):
        parts.append(words(template[at:m.start()], at))
        parts.append(power(m))
        at = m.end()
    parts.append(words(template[at:], at))
    return "".join(parts)


def _precedence(text: str) -> int:
    """How loosely a formula binds at its top level: 1 a sum, 2 a product, 3 one thing."""
    depth, found = 0, 3
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            if text.startswith((" + ", " − ", " - "), i):
                return 1
            if ch in "×÷·" or ch == " ":
                found = 2
    if text[:1] in ("−", "-") and found == 3 and not _NUMBER.fullmatch(text[1:]):
        return 2  # −x: as a factor, (−x)
    if text[:1] in ("−", "-"):
        return 2
    return found


def _operand(name: str, need: int = 3) -> str:
    # A sub-formula standing for an input is bracketed where it binds more loosely than its
    # place in the formula, so that x·y² never reads (x·y)².
    return name if _precedence(name) >= need else f"({name})"


def is_atom(name: str) -> bool:
    """Whether a name reads as one thing inside a formula (w5, out_h1[2], 0.5), unbracketed."""
    return bool(_ATOM.fullmatch(name[1:] if name.startswith("-") else name))


def is_numeral(text: str) -> bool:
    """Whether a text is a number as a formula writes it: 1, -3, 2.5e-1."""
    return bool(_NUMBER.fullmatch(text[1:] if text.startswith("-") else text))


def d_name(name: str) -> str:
    """A name as it follows a `d` in dE/dw5: bracketed where it is a formula, d(0.99 − out)."""
    return name if is_atom(name) else f"({name})"


def derivative_name(upper: str, lower: str) -> str:
    """'dE_total/dw5'; a formula bracketed after its d, 'dE_total/d(0.99 − out_o2)', since
    'd0.99 − out_o2' would read as a difference."""
    return f"d{d_name(upper)}/d{d_name(lower)}"


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
            if is_array(node.data) and node.data.ndim > 0:
                arrays += 1
                name = f"c{arrays}"  # one number per sample: the panels show the sample's
            else:
                name = constant_text(float(node.data))
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
