"""The op table's text as the compiled code writes it: checked once, made into templates.

Every expression the compiler writes comes from the op table (`rows.forward_text`,
`rows.local_texts`), the text the engine itself runs, so no derivative is written twice. Each
op's text becomes a format template once per op, arity, constant and kind (numbers or
arrays), not once per node.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import ops, rows
from ..engine.numpy_on_demand import is_array, np
from ..engine.value import Value
from .text import operand, split_sum

__all__ = ["ARRAY_PREFIX", "IDENT", "Template", "template", "check_op_texts", "kinds"]

ARRAY_PREFIX = "np_"  # in the numpy backend, array nodes call np_exp(...), scalar ones exp(...)
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")

_checked_texts: set[tuple] = set()


def check_op_texts(op: ops.Op, arity: int, array: bool) -> None:
    """Fail now, not when the function runs, if an op's text uses a name no namespace has."""
    if op.arity == -1:
        arity = 3  # the linear op's text has the same names at every width: check one
    key = (op.name, op.arity, op.param, arity, array)
    if key in _checked_texts:
        return
    names = [f"arg{i}" for i in range(arity)]
    n = 2.0 if op.param else None
    namespace = ops.ARRAY_NAMESPACE if array else ops.SCALAR_NAMESPACE
    known = set(names) | {"out_"} | set(namespace)
    for text in {rows.forward_text(op, names, n), *rows.local_texts(op, names, "out_", n)}:
        if text.isidentifier():
            if text not in known:
                raise ValueError(f"op {op.name!r} uses {text}, which the "
                                 f"{'array' if array else 'scalar'} namespace of "
                                 "autodiff/ops.py does not define")
            continue  # one name (a linear op's local derivative is an input itself)
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            raise ValueError(f"op {op.name!r}: its text {text!r} is not a Python expression; "
                             "fix its entry in autodiff/ops.py") from None
        unknown = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - known
        if unknown:
            raise ValueError(
                f"op {op.name!r} uses {', '.join(sorted(unknown))}, which the "
                f"{'array' if array else 'scalar'} namespace of autodiff/ops.py does not define"
            )
    _checked_texts.add(key)


@dataclass(frozen=True)
class Template:
    """An op's text with its inputs as {0}, {1}, ... and its output as {out}: made once."""

    forward: str  # the terms of the forward expression (a sum is split), joined by _TERM
    local: tuple[str | int, ...]  # d out / d input; an int k where it is input k itself
    atomic: tuple[bool, ...]  # whether each local is one name, number or call (no parens)

    def terms(self, args: Sequence[str]) -> list[str]:
        """The forward expression's terms with the inputs named `args`."""
        return self.forward.format(*args).split(_TERM)

    def local_text(self, s: int, args: Sequence[str], out: str) -> str:
        """d out / d input s with the inputs named `args` and the output `out`."""
        t = self.local[s]
        return args[t] if type(t) is int else t.format(*args, out=out)

    def step(self, g: str, s: int, args: Sequence[str], out: str) -> str:
        """One chain-rule step: the gradient `g` times d out / d input s, written simply."""
        local = self.local_text(s, args, out)
        if local == "1.0":
            return g
        if local == "-1.0":
            return f"-{g}"
        return f"{g} * {local}" if self.atomic[s] else f"{g} * ({local})"


_TERM = "\x00"  # joins a template's terms: no op text holds it
_SLOT = re.compile(r"\{(\d+|out)\}")
_templates: dict[tuple, Template] = {}


def template(op: ops.Op, arity: int, n: float | None, array: bool) -> Template:
    """The op's text as a template, for nodes of this arity, constant and kind."""
    key = (id(op), arity, n, array)
    found = _templates.get(key)
    if found is not None:
        return found
    slots = [f"{{{k}}}" for k in range(arity)]
    forward = rows.forward_text(op, slots, n)
    local = rows.local_texts(op, slots, "{out}", n)
    if array:
        forward, local = _array_helpers(forward), [_array_helpers(t) for t in local]
        forward, local = _squares(forward), [_squares(t) for t in local]
    dummies = {slot: f"arg{k}" for k, slot in enumerate(slots)} | {"{out}": "out_"}
    atomic = []
    for text in local:
        plain = _SLOT.sub(lambda m: dummies[m.group(0)], text)
        atomic.append(operand(plain) == plain)
    found = _templates[key] = Template(
        forward=_TERM.join(split_sum(forward)),
        local=tuple(int(t[1:-1]) if _SLOT.fullmatch(t) and t != "{out}" else t for t in local),
        atomic=tuple(atomic),
    )
    return found


def _array_helpers(text: str) -> str:
    """Point the helper calls of an op's text at the array versions: exp( -> np_exp(."""
    return IDENT.sub(
        lambda m: ARRAY_PREFIX + m.group(0) if m.group(0) in ops.ARRAY_NAMESPACE else m.group(0),
        text,
    )


_FIRST_POWER = re.compile(r"np_power\((\{\d+\}), 2\.0 - 1\.0\)")
_SQUARE = re.compile(r"np_power\((\{\d+\}), 2\.0\)")


def _squares(text: str) -> str:
    """x ** 2 on arrays as x * x: NumPy's power by 2.0 is its square, x * x to the last bit
    (and power by 1.0 is x itself), at less than half the cost of a call of np.power."""
    text = _FIRST_POWER.sub(r"\1", text)
    squared = _SQUARE.sub(r"(\1 * \1)", text)
    return squared[1:-1] if squared != text and _SQUARE.fullmatch(text) else squared


def kinds(node: Value) -> tuple[object, list[bool]]:
    """The engine's array kernel at the recorded values: its output, and which locals are arrays."""
    local = node.local_grads
    if type(node.data) is not float and all(type(d) is float or is_array(d) for d in local):
        # What the engine recorded: running the kernel again would give the same (and cost
        # a pass over every array of the graph). A reduction's output type, and a local the
        # engine left undefined (sqrt's slope at 0), are asked of the kernel itself.
        return node.data, [type(d) is not float for d in local]
    args = [c.data for c in node.inputs]
    if node.op_entry.param:
        args.append(node.exponent)
    with np.errstate(all="ignore"):
        out, local = node.op_entry.kernel(len(node.inputs), True)(*args)
    return out, [type(d) is not float for d in local]
