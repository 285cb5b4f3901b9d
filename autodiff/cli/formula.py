"""The formula language of `autodiff draw EXPR --at NAME=NUMBER,...`: parse, check, build a graph.

A formula is numbers, names, `+ - * / **`, unary `-` and `+`, parentheses and one-argument
calls of `exp log tanh sigmoid relu sqrt abs`. Python's own parser reads it
(`ast.parse(text, mode="eval")`), so precedence and associativity are Python's (`-x**2` is
`-(x**2)`, `2**3**2` is `2**(3**2)`). Every node of the tree it returns is checked against an
allow-list on the way to a `Node` tree; the text never reaches `eval`, `exec` or a compiler.
Anything outside the grammar is a `FormulaError` at the offending column, with Python's own
reason where its parser says no. Nothing here recurses: every tree walk is a loop, and the
text is capped before Python's (recursive) parser sees it. Numbers are floats, and every
intermediate value must stay finite, so `9**9**9**9` is a clean error, not a long computation.
"""

from __future__ import annotations

import ast
import keyword
import math
import numbers
import operator
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..compile import compile_graph
from ..engine.value import Value

__all__ = ["FUNCTIONS", "MAX_LENGTH", "MAX_NESTING", "MAX_NODES", "FormulaError", "Node",
           "build_graph", "format_formula", "formula_names", "parse_assignments",
           "parse_formula", "source_for_formula"]

# Python's parser recurses, so the caps are checked on the raw text before it runs and sit well
# below where it gives up. Measured with ast.parse(text, mode="eval") at the default recursion
# limit (1000), on CPython 3.10.13 / 3.11.7 / 3.12.1 / 3.13.0; the first n that fails:
#   "(" * n + "x" + ")" * n, "exp(" * n + ...   201 on all four (SyntaxError: too many nested
#                                               parentheses; "[" and "{" count too)
#   "x+" * n + "x"                              none below 20,000 / 2,981 / 2,995 / 9,996
#   "-" * n + "x"                               5,976 / 2,981 / 2,995 / 5,976
#   "x**" * n + "x"                             2,988 / 2,981 / 2,988 / 2,988
#   "-x**" * n + "x"                            1,992 / 1,491 / 1,498 / 1,992
# 3.10 and 3.13 stop at about 6,000 entries of the parser's stack (MemoryError; one per unary
# sign, two per `**`), 3.11 and 3.12 at a tree about 2,980 levels deep (RecursionError while
# building the tree). On 3.11 that depth also shrinks by three levels per Python frame already
# on the caller's stack: 2,081 for "x+" * n at 300 frames deep, 1,181 at 600.
# A formula of MAX_NODES nodes is at most MAX_NODES levels deep (1,999 minus signs and a name)
# and needs at most about 2,000 parser-stack entries (999 `**`s): two thirds of the lowest limit
# for a shallow caller. Where the parser gives up all the same (3.11, a caller some 300 frames
# deep), the result is a FormulaError, not a crash.
MAX_LENGTH = 10_000  # characters of formula (or assignment) text
MAX_NODES = 2_000  # numbers, names, operators and calls in one formula
MAX_NESTING = 100  # parentheses (including a call's) open at once; Python's own limit is 200

# The functions a formula may call, each the `Value` method of the same name.
FUNCTIONS: tuple[str, ...] = ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs")
_CALLS: dict[str, Callable[[Value], Value]] = {name: getattr(Value, name) for name in FUNCTIONS}
_GRAMMAR = "numbers, names, + - * / **, parentheses and " + ", ".join(FUNCTIONS)

# The operators of the allow-list. Binary ones: (precedence, right-associative); unary minus
# and plus sit between `*` and `**`, as in Python, so `-x**2` is `-(x**2)`, `-x*y` is `(-x)*y`.
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
        ast.USub: "-", ast.UAdd: "+"}
_BINARY = {"+": (1, False), "-": (1, False), "*": (2, False), "/": (2, False), "**": (4, True)}
_UNARY, _ATOM = 3, 5
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}

_NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # as written: no 1_000, 0x1, 1j
_COUNTED = re.compile(rf"(?P<open>\()|(?P<close>\))|(?P<number>{_NUMBER})|\w+|\*\*|[-+*/]")
# What has no place in any formula, wherever it stands: a character outside the grammar, a
# Python keyword, `//`, a '.' that is no decimal point; and what to say about the likely ones.
_KEYWORDS = "|".join(keyword.kwlist)
_STRAY = re.compile(rf"//|(?<![0-9])\.(?![0-9])|[^\w .+\-*/()]|\b(?:{_KEYWORDS})\b")
_HINTS = {symbol: reason for symbols, reason in [
    ("^ ²", "for a power write **, as in x**2"), ("× ·", "for a product write *"),
    ("÷", "for a division write /"), ("−", "for a minus write -"),
    ("√", "for a square root write sqrt(x)"),
    ("//", "floor division is not supported; use /"), ("%", "modulo is not supported"),
    ("@", "matrix multiplication is not allowed"), ("& ~", "bitwise operators are not allowed"),
    ("|", "bitwise operators are not allowed (for an absolute value write abs(x))"),
    ("< > ! is in", "comparisons and bitwise shifts are not allowed"),
    ("=", "assignments, comparisons and keyword arguments are not allowed"),
    (":", "lambdas, slices and assignments are not allowed"),
    (";", "only one formula is allowed"),
    (",", "a formula is one expression, and a function takes one argument"),
    (".", "a '.' belongs in a number such as 1.5; attribute access is not part of a formula"),
    ("[ ]", "subscripts and lists are not allowed"), ("' \"", "strings are not allowed"),
    ("{ }", "braces (sets and dicts) are not allowed"), ("#", "comments are not allowed"),
] for symbol in symbols.split()}
# For what Python's parser calls "invalid syntax": two operands with only spaces between them
# ("x y"), and a number run into letters or dots ("2x", "1e", "1.2.3").
_GAP = re.compile(r"(?<=[\w.)]) +(?=[\w.])")
_NUMBER_RUN = re.compile(rf"(?<![\w.])(?P<number>{_NUMBER})(?P<glue>[\w.]*)")


class FormulaError(ValueError):
    """A formula, or an assignment list, that cannot be parsed or evaluated; says where and why."""

    def __init__(self, message: str, text: str | None = None, position: int | None = None):
        self.text = text
        self.position = position  # 0-based index into `text`, or None
        super().__init__(message if position is None else f"column {position + 1}: {message}")

    @property
    def column(self) -> int | None:
        """The 1-based column of the offending part, or None."""
        return None if self.position is None else self.position + 1

    def pointer(self, width: int = 60) -> str:
        """Two lines: the text around the offending part, and a caret under it."""
        if self.text is None or self.position is None:
            return ""
        start = max(0, self.position - width // 2)
        # One character for one column: line breaks and tabs show as spaces, what cannot be
        # printed (NUL, a lone surrogate) as '?'.
        line = "".join(" " if char in "\t\n\r" else char if char.isprintable() else "?"
                       for char in self.text[start : start + width])
        return f"{line}\n{' ' * (self.position - start)}^"


# --- the tree ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Node:
    """One node of a parsed formula: a number, a name, a unary or binary operator, or a call."""

    kind: str  # "number", "name", "unary", "binary" or "call"
    text: str  # the number as written, the name, the operator or the function name
    args: tuple[Node, ...] = ()  # operands, left to right
    start: int = 0  # where the node's text begins and ends in the formula (end exclusive)
    end: int = 0
    value: float | None = None  # a number's value

    def __str__(self) -> str:
        return format_formula(self)

    def __repr__(self) -> str:
        return f"Node({self.kind}, {format_formula(self)!r})"


def _postorder(root, children: Callable) -> Iterator:
    """Every node of a tree, each after its children (left to right), without recursion."""
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children(node)))


def _precedence(node: Node) -> tuple[int, bool]:
    """How tightly a node binds, and whether it groups to the right (only `**` does)."""
    if node.kind == "binary":
        return _BINARY[node.text]
    return (_UNARY if node.kind == "unary" else _ATOM), False


def format_formula(node: Node) -> str:
    """The formula as text with only the parentheses its structure needs; parses back the same."""
    texts: dict[int, str] = {}
    for n in _postorder(node, lambda n: n.args):
        parts = [texts.pop(id(a)) for a in n.args]
        prec, right_assoc = _precedence(n)
        for side, arg in enumerate(n.args if n.kind != "call" else ()):
            # `-x**2` is `-(x**2)`, so a unary base of ** needs parentheses: (-x)**2.
            arg_prec = _precedence(arg)[0]
            if arg_prec < prec or arg_prec == prec and n.kind == "binary" and side != right_assoc:
                parts[side] = f"({parts[side]})"
        if n.kind in ("number", "name"):
            texts[id(n)] = n.text
        elif n.kind == "call":
            texts[id(n)] = f"{n.text}({parts[0]})"
        elif n.kind == "unary":  # "- -x" reads better than "--x"
            texts[id(n)] = n.text + " " * (parts[0][0] in "+-") + parts[0]
        else:
            texts[id(n)] = f" {n.text} ".join(parts) if n.text != "**" else "**".join(parts)
    return texts[id(node)]


def formula_names(node: Node | str) -> list[str]:
    """The names a formula uses, each once, in the order they first appear in its text."""
    if isinstance(node, str):
        node = parse_formula(node)
    names: dict[str, None] = {}
    stack = [node]
    while stack:  # pre-order, left operand first: the order of the text
        n = stack.pop()
        if n.kind == "name":
            names.setdefault(n.text, None)
        stack.extend(reversed(n.args))
    return list(names)


# --- parsing -------------------------------------------------------------------------------------

Problem = tuple[int, str]  # where in the formula, and what is wrong there


def _quote(text: str, limit: int = 24) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def parse_formula(text: str) -> Node:
    """Parse a formula into a `Node` tree, or raise `FormulaError` saying what and where."""
    if not isinstance(text, str):
        raise TypeError(f"a formula must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if not text.strip():
        raise FormulaError("empty formula; write an expression such as 'x**2 + 3*x'")
    # One line, column for column, of printable ASCII: Python's parser would take a line break
    # only inside parentheses, NUL not at all, and it would quietly read a wide 'ｘ' as x.
    source = text.translate({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})
    odd = re.search(r"[^ -~]", source)
    if odd:
        char = odd.group()
        reason = "it is not printable" if not char.isprintable() else _HINTS.get(
            char, "a formula is ASCII: " + _GRAMMAR)
        raise FormulaError(_unexpected(char, reason), source, odd.start())
    _check_size(source)
    body = source.lstrip(" ")  # Python's parser rejects leading spaces
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python warns about "2 (x)", rejected below
            tree = ast.parse(body, mode="eval").body
    except SyntaxError as error:
        problem = _stray(source) or _syntax_problem(error, source, len(source) - len(body))
    except (RecursionError, MemoryError):  # Python's parser gave up on depth after all
        problem = _stray(source) or (None, "the formula is nested too deeply for Python's "
                                           "parser; write it with fewer nested operations")
    else:
        for node in ast.walk(tree):  # from here on, node positions index `source`
            if hasattr(node, "col_offset"):
                node.col_offset += len(source) - len(body)
                node.end_col_offset += len(source) - len(body)
        problem = _to_node(tree, source)
        if isinstance(problem, Node):
            return problem
    raise FormulaError(problem[1], source, problem[0])


def _check_size(text: str) -> None:
    """The caps on nodes and nesting, on the raw text before Python's parser sees it; and
    numbers within a float (Python's parser refuses integers of over 4,300 digits)."""
    count = depth = 0
    for match in _COUNTED.finditer(text):
        kind, where = match.lastgroup, match.start()
        depth = depth + 1 if kind == "open" else max(0, depth - 1) if kind == "close" else depth
        count += kind not in ("open", "close")
        if depth > MAX_NESTING:
            raise FormulaError(f"parentheses nested deeper than {MAX_NESTING}; drop the ones "
                               "that are not needed", text, where)
        if count > MAX_NODES:
            raise FormulaError(f"the formula has more than {MAX_NODES:,} numbers, names and "
                               "operations; split it into smaller formulas", text, where)
        if kind == "number" and math.isinf(float(match.group())):
            raise FormulaError(f"the number {_quote(match.group())} is too large for a float",
                               text, where)


def _unexpected(symbol: str, reason: str | None = None) -> str:
    kind = "Python keyword " if keyword.iskeyword(symbol) else "character " * (len(symbol) == 1)
    reason = reason or _HINTS.get(symbol, "a formula allows only " + _GRAMMAR)
    return f"unexpected {kind}{symbol!r}: {reason}"


def _stray(text: str, start: int = 0, end: int | None = None) -> Problem | None:
    """The first symbol between `start` and `end` that has no place in any formula, if any."""
    match = _STRAY.search(text, start, len(text) if end is None else end)
    return match and (match.start(), _unexpected(match.group()))


def _missing_operator(left: str, right: str) -> str:
    if left in _CALLS and right != "(":  # "log x"
        return f"{left!r} is a function; call it with parentheses, as in {left}({right})"
    return f"missing operator between {_quote(left)} and {_quote(right)} (write * for a product)"


def _syntax_problem(error: SyntaxError, text: str, indent: int) -> Problem:
    """Python's reason at Python's column, with a hint for a formula that ends early, a missing
    `*` and a malformed number."""
    position = min(indent + error.offset - 1, len(text)) if error.offset else len(text)
    syntax = error.msg.startswith("invalid syntax")
    # Python points at the second of two operands ("x y"), or at the first ("exp(x y)").
    gap = _GAP.search(text, position - 1, max(position, indent + (error.end_offset or 0) - 1))
    runs = [run for run in _NUMBER_RUN.finditer(text) if run.start() <= position <= run.end()
            and (run["glue"] or "literal" in error.msg)]  # "2x", "1e", "1.2.3", "01"
    if not text[position:].strip():
        last = re.search(r"(\*\*|\w+|\S) *$", text).group(1)
        return len(text), f"the formula ends after {last!r}; expected a number, a name or '('"
    if syntax and gap:
        left = re.search(r"[\w.]+$|\)$", text[: gap.start()]).group()
        return gap.end(), _missing_operator(left, re.match(r"[\w.]+", text[gap.end() :])[0])
    if runs:
        number, glue = runs[0].group("number", "glue")
        if "decimal" in error.msg and re.match(r"[a-df-zA-DF-Z]|[eE][a-zA-Z]", glue):  # "2x"
            return runs[0].start("glue"), _missing_operator(number, glue)
        return runs[0].start(), f"malformed number {_quote(runs[0][0])}; write e.g. 3, 1.5 or 2e-3"
    if syntax:
        symbol = re.compile(r" *(\*\*|\w+|\S)").match(text, position)
        return symbol.start(1), f"unexpected {symbol[1]!r}; a formula allows only {_GRAMMAR}"
    if "never closed" in error.msg:
        return position, f"{error.msg}; add the missing ')'"
    return position, f"{error.msg}; a formula allows only {_GRAMMAR}"


def _children(node: ast.AST) -> list[ast.expr]:
    """The expressions in a node, to be checked: a function's name is checked with its call."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _CALLS:
        return [*node.args, *(word.value for word in node.keywords)]
    return [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]


def _to_node(tree: ast.expr, text: str) -> Node | Problem:
    """Every node checked against the allow-list and built into a `Node` tree, bottom-up in one
    loop; or the leftmost problem."""
    problems: list[Problem] = []
    done: dict[int, Node] = {}
    for node in _postorder(tree, _children):
        problem = _problem(node, text)
        if problem or problems:
            problems += [problem] if problem else []
            continue
        args = tuple(done.pop(id(child)) for child in _children(node))
        start, end = node.col_offset, node.end_col_offset
        if isinstance(node, ast.Constant):
            done[id(node)] = Node("number", text[start:end], (), start, end, float(node.value))
        elif isinstance(node, ast.Name):
            done[id(node)] = Node("name", node.id, (), start, end)
        elif isinstance(node, ast.Call):
            done[id(node)] = Node("call", node.func.id, args, start, end)
        else:
            kind = "binary" if isinstance(node, ast.BinOp) else "unary"
            done[id(node)] = Node(kind, _OPS[type(node.op)], args, start, end)
    if problems:
        return min(problems, key=lambda problem: problem[0])
    return _stray(text) or done[id(tree)]  # a stray symbol here is in a comment


def _problem(node: ast.expr, text: str) -> Problem | None:
    """What is wrong with this one node, and where; None when it is in the allow-list."""
    start, end = node.col_offset, node.end_col_offset
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        return start, f"names may not start with '_': {_quote(node.id)}"
    if isinstance(node, ast.Name) and node.id in _CALLS:
        return start, f"{node.id!r} is a function; call it with one argument, as in {node.id}(x)"
    if isinstance(node, ast.Name):
        return None
    if isinstance(node, (ast.BinOp, ast.UnaryOp)) and type(node.op) in _OPS:
        return None
    if isinstance(node, ast.Call):
        return _call_problem(node, text)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if re.fullmatch(_NUMBER, text[start:end]):
            return None
        return start, f"malformed number {_quote(text[start:end])}; write e.g. 3, 1.5 or 2e-3"
    if isinstance(node, ast.JoinedStr) or isinstance(getattr(node, "value", None), (str, bytes)):
        return start, "strings are not allowed"
    if isinstance(node, ast.Constant) and isinstance(node.value, complex):
        return start, "complex numbers are not allowed"
    if isinstance(node, ast.Starred):
        return start, "starred arguments are not allowed"
    if isinstance(node, ast.GeneratorExp):
        return start, "generator expressions are not allowed"
    if isinstance(node, ast.Tuple) and not node.elts:
        return end - 1, "empty parentheses '()'"
    return _stray(text, start, end) or (
        start, f"{_quote(text[start:end])} is not part of a formula, which has only {_GRAMMAR}")


def _call_problem(node: ast.Call, text: str) -> Problem | None:
    func, start = node.func, node.col_offset
    if not isinstance(func, ast.Name) or func.col_offset != start:
        # "2 (x)" and "(x)(y)": Python reads a call, the user meant a product.
        return text.index("(", func.end_col_offset), _missing_operator(
            text[func.col_offset : func.end_col_offset], "(")
    if func.id not in _CALLS:  # a name that starts with '_' is told as such, first
        return start, f"unknown function {_quote(func.id)}; the functions are " + ", ".join(
            FUNCTIONS)
    if node.keywords:
        word = node.keywords[0]
        where = word.col_offset if word.arg is None else text.index("=", word.col_offset)
        return where, f"keyword arguments are not allowed; call {func.id} with one argument"
    if not node.args:
        return node.end_col_offset - 1, f"{func.id}() needs exactly one argument"
    if len(node.args) > 1:
        return text.index(",", node.args[0].end_col_offset), (
            f"{func.id}() takes exactly one argument")
    return None


# --- NAME=NUMBER,... ---------------------------------------------------------------------------


def parse_assignments(text: str) -> dict[str, float]:
    """Read "x=1.5,y=-2e-3" into {"x": 1.5, "y": -0.002}; empty text gives {}."""
    if not isinstance(text, str):
        raise TypeError(f"assignments must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the assignments are {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    values: dict[str, float] = {}
    for index, item in enumerate(text.split(",") if text.strip() else [], start=1):
        name, equals, number = (part.strip() for part in item.partition("="))
        where = f" in {_quote(item.strip())}"
        if not item.strip():
            raise FormulaError(f"empty assignment (number {index}) in {_quote(text, 60)}; "
                               "write NAME=NUMBER,NAME=NUMBER")
        if not equals:
            raise FormulaError(f"{_quote(item.strip())} is not NAME=NUMBER (the '=' is missing)")
        if name.startswith("_"):
            raise FormulaError(f"names may not start with '_': {_quote(name)}{where}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise FormulaError(f"bad name {_quote(name)}{where}; a name is letters, digits and "
                               "'_', starting with a letter")
        if keyword.iskeyword(name) or name in _CALLS:
            what = "a Python keyword" if keyword.iskeyword(name) else "a function"
            raise FormulaError(f"{name!r} is {what}, not a name{where}")
        if name in values:
            raise FormulaError(f"{name!r} is given twice{where}")
        try:
            values[name] = float(number)  # also to name inf and nan as what they are
        except ValueError:
            values[name] = 0.0
        if not math.isfinite(values[name]):
            raise FormulaError(f"the value of {name!r} must be a finite number, got "
                               f"{_quote(number)}")
        if not re.fullmatch(f"[+-]?{_NUMBER}", number):
            raise FormulaError(f"bad number {_quote(number)} for {name!r}; write e.g. 1.5 or "
                               "-2e-3")
    return values


# --- building the graph --------------------------------------------------------------------------


def build_graph(
    formula: str | Node, values: Mapping[str, float]
) -> tuple[Value, dict[str, Value]]:
    """Build the formula's `Value` graph at `values`: (root, one leaf per name, in text order)."""
    node = parse_formula(formula) if isinstance(formula, str) else formula
    if not isinstance(node, Node):
        raise TypeError(f"build_graph needs a formula str or a Node, got {type(node).__name__}")
    names = formula_names(node)
    missing = [name for name in names if name not in values]
    if missing:
        raise FormulaError("no value given for " + ", ".join(map(repr, missing))
                           + "; give every name a value as NAME=NUMBER")
    extra = [name for name in values if name not in names]
    if extra:
        raise FormulaError("a value is given for " + ", ".join(map(repr, extra)) + ", which "
                           f"the formula does not use (it uses {', '.join(names) or 'no names'})")
    leaves = {}
    for name in names:
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise FormulaError(f"the value of {name!r} must be a number, got "
                               f"{type(value).__name__}")
        if not math.isfinite(value):
            raise FormulaError(f"the value of {name!r} must be finite, got {float(value)!r}")
        leaves[name] = Value(float(value), label=name)
    return _evaluate(node, leaves, formula if isinstance(formula, str) else None), leaves


def _evaluate(root: Node, leaves: dict[str, Value], text: str | None) -> Value:
    """The tree as `Value`s, bottom-up in one loop; an engine error becomes a FormulaError."""
    results: dict[int, tuple[Value, bool]] = {}  # id(node) -> (value, whether it has no names)
    for node in _postorder(root, lambda n: n.args):
        inputs = [results.pop(id(arg)) for arg in node.args]
        operands = [value for value, _ in inputs]
        negative = node.kind == "unary" and node.text == "-" and node.args[0].kind == "number"
        if node.kind == "name":
            results[id(node)] = leaves[node.text], False
            continue
        if node.kind == "number" or negative:
            # "-3" is drawn as one constant, not as a negation of the constant 3.
            label = "-" + node.args[0].text if negative else node.text
            results[id(node)] = Value(float(label), label=label), True
            continue
        try:
            if node.kind == "call":
                out = _CALLS[node.text](operands[0])
            elif node.kind == "unary":
                out = -operands[0] if node.text == "-" else operands[0]
            elif node.text == "**":
                # A constant exponent stays a number (x ** 2, defined for every x), so only an
                # exponent that depends on a name becomes a node (x ** y, defined for x > 0).
                out = operands[0] ** (operands[1].data if inputs[1][1] else operands[1])
            else:
                out = _ARITHMETIC[node.text](*operands)
            if not isinstance(out.data, float) or not math.isfinite(out.data):
                raise ValueError(f"the value {out.data!r} is not a finite number")
        except (ArithmeticError, ValueError) as exc:
            part = format_formula(node) if text is None else text[node.start : node.end]
            raise FormulaError(f"{exc} in {_quote(part, 60)}", text,
                               None if text is None else node.start) from None
        results[id(node)] = out, all(constant for _, constant in inputs)
    return results[id(root)][0]


def source_for_formula(expr: str, at: dict[str, float]) -> str:
    """The compiled source of a formula at a point (what `autodiff compile EXPR` prints)."""
    root, leaves = build_graph(expr, at)
    return compile_graph(root, list(leaves.values())).source
