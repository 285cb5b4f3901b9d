"""Source text: identifiers safe from any label, numbers, sums wrapped to the line width.

Everything a user wrote (a node's label) reaches the source only through `Names.take`, which
keeps ASCII letters, digits and underscores and nothing else, so a label can change what a
variable is called but never what the code does.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import re
from collections.abc import Iterable, Sequence

__all__ = ["WIDTH", "MAX_TERMS", "identifier", "Names", "literal", "operand", "split_sum",
           "assignment", "wrap_list", "fill", "tuple_text", "comment", "describe_node", "name_list"]

WIDTH = 99  # the longest line we write, indentation included
MAX_TERMS = 100  # terms per statement: Python's compiler recurses once per `+` in a chain
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")
_MAX_NAME = 40
_BRACKETS = re.compile(r"[()\[\]{}]")


@functools.lru_cache(maxsize=1 << 16)  # a model's labels come back at every compile
def identifier(label: str) -> str:
    """A label as an ASCII identifier: other characters become `_`, "" if nothing is left."""
    if (label.isidentifier() and label.isascii() and len(label) <= _MAX_NAME
            and label[0] != "_" and label[-1] != "_"):
        return label  # already one (our own names, most labels): nothing to change
    text = _NOT_NAME.sub("_", label).strip("_")[:_MAX_NAME].rstrip("_")
    if text and text[0].isdigit():
        text = "v" + text
    return text


class Names:
    """Hands out distinct identifiers, never a keyword, a builtin or a name we reserve."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._reserved = set(reserved) | set(keyword.kwlist) | set(dir(builtins))
        self._reserved |= set(getattr(keyword, "softkwlist", ()))
        self._used: set[str] = set()
        # The last suffix handed out per base: a label shared by a hundred nodes (one per
        # sample) gets x_2 ... x_100 in one step each, not by trying every suffix again.
        self._next: dict[str, int] = {}
        self._bases: dict[str, str] = {}  # label -> its sanitised base, labels repeat

    def take(self, wanted: str) -> str:
        """`wanted` (sanitised) or, when taken, `wanted_2`, `wanted_3`, ..."""
        base = self._bases.get(wanted)
        if base is None:
            base = identifier(wanted) or "t"
            if base in self._reserved or base.startswith("__"):
                base += "_"
            self._bases[wanted] = base
        used = self._used
        if base not in used and base not in self._reserved:
            used.add(base)
            return base
        # Names are never given back, so every suffix below the last one handed out for
        # this base is still taken: start after it. The result is the first free suffix.
        k = self._next.get(base, 2)
        joint = "" if base.endswith("_") else "_"
        name = f"{base}{joint}{k}"
        while name in used or name in self._reserved:
            k += 1
            name = f"{base}{joint}{k}"
        self._next[base] = k + 1
        used.add(name)
        return name

    def take_all(self, wanted: list[str]) -> list[str]:
        """`take` of each, in order; at once where all are distinct identifiers, none taken."""
        bases = [identifier(w) for w in wanted]
        unique = set(bases)
        if (len(unique) < len(bases) or "" in unique or unique & self._used
                or unique & self._reserved or any(b.startswith("__") for b in bases)):
            return [self.take(w) for w in wanted]
        self._used |= unique
        self._bases.update(zip(wanted, bases))
        return bases

    def __contains__(self, name: str) -> bool:
        return name in self._used


def literal(x: float) -> str:
    """A float constant as source text; negative numbers in parentheses, so `a * (-0.5)`."""
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


_CALL_START = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\(")


def _is_one_call(text: str) -> bool:
    """Whether `text` is one call such as `step(t5)`: the first "(" closes at the very end."""
    start = _CALL_START.match(text)
    return start is not None and _closes_at_end(text, start.end() - 1)


def operand(text: str) -> str:
    """`text` as the right operand of `*`: parenthesised unless it is one name, number or call."""
    if text.isidentifier() or _is_one_call(text):
        return text
    if text.startswith("(") and text.endswith(")") and _is_grouped(text):
        return text  # already one group: a negative literal, (-0.5)
    node = ast.parse(text, mode="eval").body
    if isinstance(node, (ast.Name, ast.Call)):
        return text
    if isinstance(node, ast.Constant) and not text.startswith("-"):
        return text
    return f"({text})"


def _is_grouped(text: str) -> bool:
    """Whether the "(" that opens `text` closes at its very end."""
    return text.startswith("(") and _closes_at_end(text, 0)


def _closes_at_end(text: str, opening: int) -> bool:
    """Whether the "(" at `opening` closes at the very end of `text` (our generated text holds
    no string literals, so counting brackets is exact)."""
    depth = 0
    for k in range(opening, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k == len(text) - 1
    return False


def split_sum(text: str) -> list[str]:
    """The terms of a left-to-right chain of `+` at the top level ("a * b + c" -> [a * b, c]).

    A term may hold `-` (a - b + c splits into "a - b" and "c"): joining the pieces back with
    `+` in order gives the same chain, so the same additions in the same order.
    """
    if not _BRACKETS.search(text):
        return text.split(" + ")
    terms, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(" + ", i):
            terms.append(text[start:i])
            start = i + 3
            i += 3
            continue
        i += 1
    terms.append(text[start:])
    return terms


def assignment(target: str, terms: Sequence[str], indent: str = "    ") -> list[str]:
    """`target = t0 + t1 + ...` as source lines: wrapped to WIDTH, split into statements of
    at most MAX_TERMS terms (`target = (target + t100 + ...)` continues the same chain)."""
    if len(terms) == 1:
        return [f"{indent}{target} = {terms[0]}"]
    if len(terms) <= 4:  # the common short sum: one line, if it fits
        line = f"{indent}{target} = {terms[0]}" + "".join(
            f" - {t[1:]}" if t[0] == "-" and t[1:].isidentifier() else f" + {t}"
            for t in terms[1:])
        if len(line) <= WIDTH:
            return [line]
    lines: list[str] = []
    for start in range(0, len(terms), MAX_TERMS):
        chunk = list(terms[start : start + MAX_TERMS])
        if start:
            chunk.insert(0, target)
        lines.extend(_wrapped(target, chunk, indent))
    return lines


def _wrapped(target: str, terms: Sequence[str], indent: str) -> list[str]:
    joined = [_joiner(term) for term in terms[1:]]
    head = f"{indent}{target} = {terms[0]}"
    width = len(head) + sum(len(op) + len(t) + 2 for op, t in joined)
    if width <= WIDTH:
        return [head + "".join(f" {op} {t}" for op, t in joined)]
    inner = indent + "    "
    lines = [f"{indent}{target} = ("]
    line = inner + terms[0]
    for op, term in joined:
        if len(line) + len(op) + len(term) + 2 <= WIDTH:
            line += f" {op} {term}"
        else:
            lines.append(line)
            line = f"{inner}{op} {term}"
    lines.append(line)
    lines.append(f"{indent})")
    return lines


def _joiner(term: str) -> tuple[str, str]:
    # A term "-g" (a bare negated name) joins as "- g": a - g is a + (-g), bit for bit.
    if term[0] == "-" and term[1:].isidentifier():
        return "-", term[1:]
    return "+", term


def wrap_list(opening: str, items: list[str], closing: str, indent: str) -> list[str]:
    """`opening item, item, ...closing` on one line, or the items on filled lines between."""
    line = f"{indent}{opening}{', '.join(items)}{closing}"
    if len(line) <= WIDTH:
        return [line]
    return [indent + opening, *fill(", ".join(items) + ",", indent + "    "), indent + closing]


def fill(text: str, lead: str) -> list[str]:
    """`text` broken at spaces into lines of at most WIDTH characters, each begun by `lead`
    (a word longer than a line stands alone on its own)."""
    room = WIDTH - len(lead)
    lines, start = [], 0
    while len(text) - start > room:  # cut at the last space that keeps the line short enough
        cut = text.rfind(" ", start, start + room + 1)
        if cut <= start:
            cut = text.find(" ", start + room)
            if cut < 0:
                break
        lines.append(lead + text[start:cut])
        start = cut + 1
    lines.append(lead + text[start:])
    return lines


def tuple_text(items: list[str], opening: str = "", indent: str = "        ") -> list[str]:
    """`opening(a, b, ...)` as lines: a tuple, also of one item."""
    one_line = f"{indent}{opening}({items[0]},)" if len(items) == 1 else ""
    if one_line and len(one_line) <= WIDTH:
        return [one_line]
    return wrap_list(f"{opening}(", items, ")", indent=indent)  # wrapped: every item ends in ,


def comment(target: str, steps: list[str], count: int) -> list[str]:
    """`# target = step + step ...`: all the steps up to four, else the first two and a count."""
    if count <= 4:
        text = f"# {target} = " + " + ".join(steps)
    else:
        text = (f"# {target} = sum of {count} steps, one per use: "
                + " + ".join(steps[:2]) + " + ...")
    if len(text) + 4 <= WIDTH:
        return ["    " + text]
    lines, line = [], "    # " + target + " ="
    for k, step in enumerate(text[len(f"# {target} = "):].split(" + ")):
        piece = (" " if k == 0 else " + ") + step
        if len(line) + len(piece) > WIDTH:
            lines.append(line)
            line = "    #    " + piece.lstrip()
        else:
            line += piece
    lines.append(line)
    return lines


def describe_node(node) -> str:
    """A node for an error message: its label, or its value where it has none."""
    return f"node {node.label!r}" if node.label else f"an unlabeled node of value {node.data!r}"


def name_list(names: list[str], limit: int = 6) -> str:
    """Names for a docstring or a message, shortened with ... past `limit`."""
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[: limit - 1]) + f", ..., {names[-1]}"
