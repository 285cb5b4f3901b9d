"""The formula language of `autodiff draw EXPR --at NAME=NUMBER,...`: parse, check, build a graph.

A formula is numbers, names, `+ - * / **`, unary `-` and `+`, parentheses and one-argument
calls of `exp log tanh sigmoid relu sqrt abs`. Python's own parser reads it
(`ast.parse(text, mode="eval")`), so precedence and associativity are Python's (`-x**2` is
`-(x**2)`, `2**3**2` is `2**(3**2)`); the tree it returns is checked against an allow-list of
node types and turned into a `Node` tree. The text is never run: it never reaches `eval`,
`exec` or a compiler, and anything outside the grammar is a `FormulaError` pointing at the
offending column.

Nothing here recurses: every tree walk is a loop. Python's parser does recurse, so length, node
count and nesting are capped on the raw text before it runs. Numbers are floats (never big
ints), and every intermediate value must stay finite, so `9**9**9**9` is a clean error rather
than a long computation.
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

__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_NODES",
    "FormulaError",
    "Node",
    "build_graph",
    "format_formula",
    "formula_names",
    "parse_assignments",
    "parse_formula",
    "source_for_formula",
]

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

# The functions a formula may call, each mapped to the `Value` method it stands for.
_CALLS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sqrt": Value.sqrt,
    "abs": Value.abs,
}
FUNCTIONS: tuple[str, ...] = tuple(_CALLS)
_GRAMMAR = "numbers, names, + - * / **, parentheses and " + ", ".join(FUNCTIONS)

# The operators of the allow-list. Binary ones: (precedence, right-associative); unary minus
# and plus sit between `*` and `**`, as in Python, so `-x**2` is `-(x**2)`, `-x*y` is `(-x)*y`.
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
        ast.USub: "-", ast.UAdd: "+"}
_BINARY = {"+": (1, False), "-": (1, False), "*": (2, False), "/": (2, False), "**": (4, True)}
_UNARY, _ATOM = 3, 5
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}

_NUMBER_TEXT = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # floats as written
_FLOAT = re.compile(_NUMBER_TEXT)  # a formula's number: Python also reads 1_000, 0x10, 1j
_SIGNED = re.compile(f"[+-]?{_NUMBER_TEXT}")  # a number as --at accepts it
# What the caps count: numbers, names and operators are nodes, and "(" nests.
_COUNTED = re.compile(rf"(?P<open>\()|(?P<close>\))|{_NUMBER_TEXT}|\w+|\*\*|[-+*/]")
# Symbols that have no place in a formula, wherever they stand: characters outside it, Python's
# keywords, and a '.' that is no decimal point.
_KEYWORDS = "|".join(keyword.kwlist)
_STRAY = re.compile(rf"<<|>>|//|:=|(?<![0-9])\.(?![0-9])|[^\w .+\-*/()]|\b(?:{_KEYWORDS})\b")
_HINTS = {symbol: reason for symbols, reason in [
    ("^ ² ³", "for a power write **, as in x**2"),
    ("× ·", "for a product write *"),
    ("÷", "for a division write /"),
    ("−", "for a minus write -"),
    ("//", "floor division is not supported; use /"),
    ("%", "the modulo operator is not supported"),
    ("@", "matrix multiplication is not allowed"),
    ("& ~ << >>", "bitwise operators are not allowed"),
    ("|", "bitwise operators are not allowed (for an absolute value write abs(x))"),
    ("< > ! is in", "comparisons are not allowed"),
    ("=", "assignments, comparisons and keyword arguments are not allowed"),
    (":=", "assignments are not allowed"),
    (":", "lambdas and slices are not allowed"),
    (";", "only one formula is allowed"),
    (",", "a formula is one expression, and a function takes one argument"),
    (".", "a '.' belongs in a number such as 1.5; attribute access is not part of a formula"),
    ("[ ]", "subscripts and lists are not allowed"),
    ("{ }", "braces (sets and dicts) are not allowed"),
    ("' \"", "strings are not allowed"),
    ("#", "comments are not allowed"),
    ("\\", "backslashes are not allowed"),
] for symbol in symbols.split()}
# For a typo that Python's parser calls "invalid syntax": two operands with only spaces
# between them, and a number run into letters or dots ("2x", "1e", "1.2.3").
_GAP = re.compile(r"(?<=[\w.)]) +(?=[\w.])")
_NUMBER_RUN = re.compile(rf"(?<![\w.])(?P<number>{_NUMBER_TEXT})(?P<glue>[\w.]*)")


class FormulaError(ValueError):
    """A formula, or an assignment list, that cannot be parsed or evaluated; says where and why."""

    def __init__(self, message: str, text: str | None = None, position: int | None = None):
        self.reason = message
        self.text = text
        self.position = position  # 0-based index into `text`, or None
        where = f"column {position + 1}: " if position is not None else ""
        super().__init__(f"{where}{message}")

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


def _precedence(node: Node) -> int:
    if node.kind == "binary":
        return _BINARY[node.text][0]
    return _UNARY if node.kind == "unary" else _ATOM


def format_formula(node: Node) -> str:
    """The formula as text with only the parentheses its structure needs; parses back the same."""
    texts: dict[int, str] = {}
    for n in _postorder(node, lambda n: n.args):
        parts = [texts.pop(id(a)) for a in n.args]
        if n.kind in ("number", "name"):
            texts[id(n)] = n.text
        elif n.kind == "call":
            texts[id(n)] = f"{n.text}({parts[0]})"
        elif n.kind == "unary":
            operand = parts[0]
            if _precedence(n.args[0]) < _UNARY:
                operand = f"({operand})"
            elif operand[0] in "+-":
                operand = f" {operand}"  # "- -x" reads better than "--x"
            texts[id(n)] = f"{n.text}{operand}"
        else:
            prec, right_assoc = _BINARY[n.text]
            left, right = parts
            left_prec, right_prec = _precedence(n.args[0]), _precedence(n.args[1])
            # A unary base of ** falls under the first test: `-x**2` means `-(x**2)`.
            if left_prec < prec or (left_prec == prec and right_assoc):
                left = f"({left})"
            if right_prec < prec or (right_prec == prec and not right_assoc):
                right = f"({right})"
            texts[id(n)] = f"{left}**{right}" if n.text == "**" else f"{left} {n.text} {right}"
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
    # One line, column for column (Python's parser would take line breaks only inside
    # parentheses), and printable ASCII only: NUL and lone surrogates never reach the parser,
    # and Python would quietly read a wide 'ｘ' as x.
    source = text.translate({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})
    odd = re.search(r"[^ -~]", source)
    if odd:
        char = odd.group()
        reason = (_HINTS.get(char, f"a formula is ASCII: {_GRAMMAR}") if char.isprintable()
                  else "it is not printable")
        raise _unexpected(char, source, odd.start(), reason)
    _check_size(source)
    body = source.lstrip(" ")  # Python's parser rejects leading spaces
    indent = len(source) - len(body)
    try:
        with warnings.catch_warnings():
            # Python warns about some texts it reads ("2 (x)"); they are rejected below.
            warnings.simplefilter("ignore")
            tree = ast.parse(body, mode="eval").body
    except SyntaxError as error:
        raise _syntax_error(error, source, indent) from None
    except (RecursionError, MemoryError):  # Python's parser gave up on depth
        raise _stray(source) or FormulaError(
            "the formula is nested too deeply for Python's parser; write it with fewer "
            "nested operations"
        ) from None
    for node in ast.walk(tree):  # from now on, node positions index `source`
        if hasattr(node, "col_offset"):
            node.col_offset += indent
            node.end_col_offset += indent
    _check(tree, source)
    return _to_node(tree, source)


def _check_size(text: str) -> None:
    """The caps on nodes and nesting, on the raw text: Python's parser must not reach its own."""
    count = depth = 0
    for match in _COUNTED.finditer(text):
        if match.lastgroup == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise FormulaError(f"parentheses nested deeper than {MAX_NESTING}; drop the "
                                   "ones that are not needed", text, match.start())
        elif match.lastgroup == "close":
            depth = max(0, depth - 1)
        else:
            count += 1
            if count > MAX_NODES:
                raise FormulaError(
                    f"the formula has more than {MAX_NODES:,} numbers, names and operations; "
                    "split it into smaller formulas", text, match.start()
                )


def _unexpected(symbol: str, text: str, position: int, reason: str | None = None):
    kind = "Python keyword " if keyword.iskeyword(symbol) else "character " * (len(symbol) == 1)
    reason = reason or _HINTS.get(symbol, f"a formula allows only {_GRAMMAR}")
    return FormulaError(f"unexpected {kind}{symbol!r}: {reason}", text, position)


def _stray(text: str, start: int = 0, end: int | None = None) -> FormulaError | None:
    """The first symbol between `start` and `end` that has no place in any formula, if any."""
    match = _STRAY.search(text, start, len(text) if end is None else end)
    return match and _unexpected(match.group(), text, match.start())


def _missing_operator(left: str, right: str, text: str, position: int) -> FormulaError:
    return FormulaError(f"missing operator between {_quote(left)} and {_quote(right)} (write * "
                        "for a product)", text, position)


def _syntax_error(error: SyntaxError, text: str, indent: int) -> FormulaError:
    """Why Python's parser said no, at the column it names; a symbol that has no place in a
    formula, or a number too large for a float, comes first."""
    problem = _stray(text)
    if problem:
        return problem
    for run in _NUMBER_RUN.finditer(text):
        if math.isinf(float(run["number"])):  # Python refuses integers of over 4,300 digits
            return FormulaError(f"the number {_quote(run['number'])} is too large for a float",
                                text, run.start())
    position = min(indent + error.offset - 1, len(text)) if error.offset else len(text)
    if not text[position:].strip():
        last = re.search(r"(\*\*|\w+|\S) *$", text).group(1)
        return FormulaError(f"the formula ends after {last!r}; expected a number, a name or "
                            "'('", text, len(text))
    end = max(position + 1, indent + (error.end_offset or 0) - 1)
    gap = _GAP.search(text, position - 1, end)  # Python points at either operand
    if gap and error.msg.startswith("invalid syntax"):
        left = re.search(r"(\w|\.)+$|\)$", text[: gap.start()]).group()
        return _missing_operator(left, re.match(r"[\w.]+", text[gap.end():]).group(),
                                 text, gap.end())
    for run in _NUMBER_RUN.finditer(text):  # a number run into letters or dots: "2x", "1.2.3"
        number, glue = run["number"], run["glue"]
        if run.start() <= position < run.end() + bool(glue) and (glue or "literal" in error.msg):
            if re.match(r"[a-df-zA-DF-Z]|[eE][a-zA-Z]", glue):
                return _missing_operator(number, glue, text, run.start("glue"))
            return FormulaError(f"malformed number {_quote(run.group())}; write a number such "
                                "as 3, 1.5 or 2e-3", text, run.start())
    if error.msg == "invalid syntax":
        symbol = re.match(r"\*\*|\w+|\S", text[position:]).group()
        return FormulaError(f"unexpected {symbol!r}; a formula allows only {_GRAMMAR}", text,
                            position)
    hint = ("add the missing ')'" if "never closed" in error.msg
            else f"a formula allows only {_GRAMMAR}")
    return FormulaError(f"{error.msg}; {hint}", text, position)


def _check(tree: ast.expr, text: str) -> None:
    """Raise the leftmost problem of the tree, if any: every node must be in the allow-list."""
    called: set[int] = set()  # the names that are called, checked with their call
    problems = []
    for node in ast.walk(tree):  # breadth first, without recursion: a call before its name
        if isinstance(node, ast.expr) and id(node) not in called:
            problem = _problem(node, text, called)
            if problem:
                problems.append(problem)
    if problems:
        raise min(problems, key=lambda problem: problem.position)
    problem = _stray(text)  # what leaves no trace in the tree: a comment
    if problem:
        raise problem


def _problem(node: ast.expr, text: str, called: set[int]) -> FormulaError | None:
    """What is wrong with this one node, and where; None when it is in the allow-list."""
    start, end = node.col_offset, node.end_col_offset
    segment = text[start:end]
    if isinstance(node, ast.Name):
        return _name_problem(node.id, text, start)
    if isinstance(node, (ast.BinOp, ast.UnaryOp)) and type(node.op) in _OPS:
        return None
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
        if isinstance(node.value, complex):
            reason = "complex numbers are not allowed"
        elif not _FLOAT.fullmatch(segment):
            reason = f"malformed number {_quote(segment)}; write digits, as in 1000, 1.5 or 2e-3"
        elif math.isinf(float(segment)):
            reason = f"the number {_quote(segment)} is too large for a float"
        else:
            return None
        return FormulaError(reason, text, start)
    if isinstance(node, ast.Call):
        return _call_problem(node, text, called)
    if isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(
            node.value, (str, bytes)):
        return FormulaError("strings are not allowed", text, start)
    if isinstance(node, ast.Starred):
        return FormulaError("starred arguments are not allowed", text, start)
    if isinstance(node, ast.GeneratorExp):
        return FormulaError("generator expressions are not allowed", text, start)
    if isinstance(node, ast.Tuple) and not node.elts:
        return FormulaError("empty parentheses '()'", text, end - 1)
    return _stray(text, start, end) or FormulaError(
        f"{_quote(segment)} is not part of a formula, which has only {_GRAMMAR}", text, start)


def _name_problem(name: str, text: str, start: int) -> FormulaError | None:
    if name.startswith("_"):
        return FormulaError(f"names may not start with '_': {_quote(name)}", text, start)
    if name in _CALLS:
        return FormulaError(f"{name!r} is a function; call it with one argument, as in "
                            f"{name}(x)", text, start)
    return None


def _call_problem(node: ast.Call, text: str, called: set[int]) -> FormulaError | None:
    func = node.func
    if not isinstance(func, ast.Name) or func.col_offset != node.col_offset:
        # "2 (x)" and "(x)(y)": Python reads a call, the user meant a product.
        left = text[func.col_offset : func.end_col_offset]
        return _missing_operator(left, "(", text, text.index("(", func.end_col_offset))
    called.add(id(func))
    name = func.id
    if name not in _CALLS:
        return name.startswith("_") and _name_problem(name, text, node.col_offset) or (
            FormulaError(f"unknown function {_quote(name)}; the functions are "
                         f"{', '.join(FUNCTIONS)}", text, node.col_offset))
    if node.keywords:
        word = node.keywords[0]
        where = word.col_offset if word.arg is None else text.index("=", word.col_offset)
        return FormulaError(f"keyword arguments are not allowed; call {name} with one argument",
                            text, where)
    if not node.args:
        return FormulaError(f"{name}() needs exactly one argument", text, node.end_col_offset - 1)
    if len(node.args) > 1:
        return FormulaError(f"{name}() takes exactly one argument", text,
                            text.index(",", node.args[0].end_col_offset))
    return None


def _operands(node: ast.expr) -> tuple[ast.expr, ...]:
    """The operands of a node that passed `_check`, left to right."""
    if isinstance(node, ast.BinOp):
        return node.left, node.right
    if isinstance(node, ast.UnaryOp):
        return (node.operand,)
    return tuple(node.args) if isinstance(node, ast.Call) else ()


def _to_node(tree: ast.expr, text: str) -> Node:
    """The checked ast as a `Node` tree, built bottom-up in one loop."""
    done: dict[int, Node] = {}
    for node in _postorder(tree, _operands):
        args = tuple(done.pop(id(operand)) for operand in _operands(node))
        span = (node.col_offset, node.end_col_offset)
        if isinstance(node, ast.Constant):
            number = text[slice(*span)]
            done[id(node)] = Node("number", number, (), *span, float(number))
        elif isinstance(node, ast.Name):
            done[id(node)] = Node("name", node.id, (), *span)
        elif isinstance(node, ast.Call):
            done[id(node)] = Node("call", node.func.id, args, *span)
        else:
            kind = "binary" if isinstance(node, ast.BinOp) else "unary"
            done[id(node)] = Node(kind, _OPS[type(node.op)], args, *span)
    return done[id(tree)]


# --- NAME=NUMBER,... ---------------------------------------------------------------------------


def _check_name(name: str, where: str) -> None:
    if name.startswith("_"):
        raise FormulaError(f"names may not start with '_': {_quote(name)}{where}")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise FormulaError(
            f"bad name {_quote(name)}{where}; a name is letters, digits and '_', "
            "starting with a letter"
        )
    if keyword.iskeyword(name):
        raise FormulaError(f"{name!r} is a Python keyword, not a name{where}")
    if name in _CALLS:
        raise FormulaError(f"{name!r} is a function, not a name{where}")


def parse_assignments(text: str) -> dict[str, float]:
    """Read "x=1.5,y=-2e-3" into {"x": 1.5, "y": -0.002}; empty text gives {}."""
    if not isinstance(text, str):
        raise TypeError(f"assignments must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the assignments are {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    values: dict[str, float] = {}
    if not text.strip():
        return values
    for index, item in enumerate(text.split(","), start=1):
        item = item.strip()
        if not item:
            raise FormulaError(
                f"empty assignment (number {index}) in {_quote(text, 60)}; "
                "write NAME=NUMBER,NAME=NUMBER"
            )
        name, equals, number = (part.strip() for part in item.partition("="))
        if not equals:
            raise FormulaError(f"{_quote(item)} is not NAME=NUMBER (the '=' is missing)")
        where = f" in {_quote(item)}"
        _check_name(name, where)
        if name in values:
            raise FormulaError(f"{name!r} is given twice{where}")
        values[name] = _number(number, name)
    return values


def _number(text: str, name: str) -> float:
    try:
        value = float(text)  # also to name inf and nan as what they are
    except ValueError:
        value = None
    if value is not None and not math.isfinite(value):
        raise FormulaError(f"the value of {name!r} must be a finite number, got {_quote(text)}")
    if value is None or not _SIGNED.fullmatch(text):
        raise FormulaError(f"bad number {_quote(text)} for {name!r}; write e.g. 1.5 or -2e-3")
    return value


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
        raise FormulaError(
            "no value given for " + ", ".join(map(repr, missing))
            + "; give every name a value as NAME=NUMBER"
        )
    extra = [name for name in values if name not in names]
    if extra:
        uses = ", ".join(names) if names else "no names"
        raise FormulaError(
            "a value is given for " + ", ".join(map(repr, extra))
            + f", which the formula does not use (it uses {uses})"
        )
    leaves = {name: Value(_leaf_value(name, values), label=name) for name in names}
    return _evaluate(node, leaves, formula if isinstance(formula, str) else None), leaves


def _leaf_value(name: str, values: Mapping[str, float]) -> float:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FormulaError(f"the value of {name!r} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise FormulaError(f"the value of {name!r} must be finite, got {value!r}")
    return value


def _evaluate(root: Node, leaves: dict[str, Value], text: str | None) -> Value:
    """The tree as `Value`s, bottom-up in one loop; an engine error becomes a FormulaError."""
    results: dict[int, tuple[Value, bool]] = {}  # id(node) -> (value, has no names)
    for node in _postorder(root, lambda n: n.args):
        inputs = [results.pop(id(arg)) for arg in node.args]
        if node.kind == "name":
            results[id(node)] = leaves[node.text], False
            continue
        negative = node.kind == "unary" and node.text == "-" and node.args[0].kind == "number"
        if node.kind == "number" or negative:
            # "-3" is drawn as one constant, not as a negation of the constant 3.
            label = "-" + node.args[0].text if negative else node.text
            results[id(node)] = Value(float(label), label=label), True
            continue
        operands = [value for value, _ in inputs]
        try:
            if node.kind == "call":
                out = _CALLS[node.text](operands[0])
            elif node.kind == "unary":
                out = -operands[0] if node.text == "-" else operands[0]
            elif node.text == "**":
                # A constant exponent stays a number (x ** 2, defined for every x), so only an
                # exponent that depends on a name becomes a node (x ** y, defined for x > 0).
                left, right = operands
                out = left ** right.data if inputs[1][1] else left ** right
            else:
                out = _ARITHMETIC[node.text](*operands)
        except (ArithmeticError, ValueError) as exc:
            raise _engine_error(str(exc), node, text) from None
        if not isinstance(out.data, float) or not math.isfinite(out.data):
            raise _engine_error(f"the value {out.data!r} is not a finite number", node, text)
        results[id(node)] = out, all(constant for _, constant in inputs)
    return results[id(root)][0]


def _engine_error(message: str, node: Node, text: str | None) -> FormulaError:
    if text is None:
        return FormulaError(f"{message} in {_quote(format_formula(node), 60)}")
    return FormulaError(f"{message} in {_quote(text[node.start : node.end], 60)}", text,
                        node.start)


def source_for_formula(expr: str, at: dict[str, float]) -> str:
    """The compiled source of a formula at a point (what `autodiff compile EXPR` prints)."""
    root, leaves = build_graph(expr, at)
    return compile_graph(root, list(leaves.values())).source
