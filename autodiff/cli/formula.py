"""The formula language of `autodiff draw EXPR --at NAME=NUMBER,...`: parse, check, build a graph.

A formula is numbers, names, `+ - * / **`, unary `-` and `+`, parentheses and one-argument
calls of `exp log tanh sigmoid relu sqrt abs`. Python's own parser reads it
(`ast.parse(text, mode="eval")`), so precedence and associativity are Python's (`-x**2` is
`-(x**2)`, `2**3**2` is `2**(3**2)`); the tree it returns is checked against an allow-list of
node types and turned into a `Node` tree. The text is never run: it never reaches `eval`,
`exec` or a compiler, and anything outside the grammar is a `FormulaError` pointing at the
offending column.

Nothing here recurses: every tree walk is a loop with an explicit stack. Python's parser does
recurse, so length, node count and nesting are capped on the raw text before it runs (the
measurements are by the caps). Numbers are floats (never big ints), and every intermediate
value must stay finite, so `9**9**9**9` is a clean error rather than a long computation.
"""

from __future__ import annotations

import ast
import keyword
import math
import numbers
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

# Binary operators: (precedence, right-associative). Unary minus and plus sit between `*` and
# `**`, as in Python, so `-x**2` is `-(x**2)` while `-x*y` is `(-x)*y`.
_BINARY = {"+": (1, False), "-": (1, False), "*": (2, False), "/": (2, False), "**": (4, True)}
_UNARY = 3
_ATOM = 5
_BINARY_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY_OPS = {ast.USub: "-", ast.UAdd: "+"}

# Operators Python knows and a formula does not, with what to write instead.
_BITWISE = "bitwise operators are not allowed"
_OTHER_OPS = {
    ast.FloorDiv: "floor division '//' is not supported; use /",
    ast.Mod: "the modulo operator '%' is not supported",
    ast.BitXor: "'^' is not a power; for a power write **, as in x**2",
    ast.MatMult: "matrix multiplication '@' is not allowed",
    ast.BitOr: _BITWISE + " (for an absolute value write abs(x))",
    ast.BitAnd: _BITWISE,
    ast.LShift: _BITWISE,
    ast.RShift: _BITWISE,
    ast.Invert: _BITWISE,
}

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_NUMBER_TEXT = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(rf"[+-]?{_NUMBER_TEXT}\Z")  # a number as --at accepts it
_FORMULA_NUMBER = re.compile(rf"{_NUMBER_TEXT}\Z")  # no 1_000, 0x10, 1j: floats as written
_LEADING_ZERO = re.compile(r"0[0-9]+\Z")  # "01": Python rejects it, and it is no float syntax
_NUMBER_TAIL = re.compile(r"[._][0-9A-Za-z_.]*")  # what may not follow a number: 1.2.3, 1_000
_BARE_EXPONENT = re.compile(r"[eE][+-]?(?![A-Za-z_])")  # 1e, 1e+ (but 2exp(x) is 2 exp(x))

# Counting before Python's parser runs: numbers, names and operators are nodes, and `(` nests.
_COUNTED = re.compile(
    rf"(?P<number>{_NUMBER_TEXT})|(?P<name>[^\W\d]\w*)|(?P<op>\*\*|[-+*/])|(?P<open>\()"
    r"|(?P<close>\))"
)
# Tokens, only to say why Python's parser rejected a text (it says "invalid syntax").
_TOKEN = re.compile(
    rf"(?P<space> +)|(?P<number>{_NUMBER_TEXT})|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|[-+*/(),])|(?P<other>.)",
    re.DOTALL,
)

# Characters outside the grammar that users (or attackers) are likely to type, with the reason.
_REJECTED = {
    ".": "attribute access is not allowed",
    "[": "subscripts and lists are not allowed",
    "]": "subscripts and lists are not allowed",
    "{": "braces are not allowed",
    "}": "braces are not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "=": "assignments, comparisons and keyword arguments are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    ":": "lambdas, slices and annotations are not allowed",
    ";": "only one formula is allowed",
    "^": "for a power write **, as in x**2",
    "%": "the modulo operator is not supported",
    "@": "matrix multiplication and decorators are not allowed",
    "&": "bitwise operators are not allowed",
    "|": "bitwise operators are not allowed (for an absolute value write abs(x))",
    "~": "bitwise operators are not allowed",
    "#": "comments are not allowed",
    "\\": "backslashes are not allowed",
    "²": "for a power write **, as in x**2",
    "³": "for a power write **, as in x**3",
    "×": "for a product write *",
    "·": "for a product write *",
    "÷": "for a division write /",
    "−": "for a minus write -",
}


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


def _precedence(node: Node) -> int:
    if node.kind == "binary":
        return _BINARY[node.text][0]
    return _UNARY if node.kind == "unary" else _ATOM


def _postorder(root: Node) -> Iterator[Node]:
    """Every node, operands before the node itself, without recursion."""
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded or not node.args:
            yield node
        else:
            stack.append((node, True))
            stack.extend((arg, False) for arg in reversed(node.args))


def format_formula(node: Node) -> str:
    """The formula as text with only the parentheses its structure needs; parses back the same."""
    texts: dict[int, str] = {}
    for n in _postorder(node):
        if n.kind in ("number", "name"):
            texts[id(n)] = n.text
            continue
        parts = [texts.pop(id(a)) for a in n.args]
        if n.kind == "call":
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


def _keyword_message(word: str) -> str:
    return f"{word!r} is a Python keyword; a formula allows only {_GRAMMAR}"


# Python expressions that are no formula: what to say, pointed at the node's start ...
_REJECTED_AT_START: dict[type, str] = {
    ast.List: "lists and comprehensions are not allowed",
    ast.ListComp: "lists and comprehensions are not allowed",
    ast.Set: "braces (sets and dicts) are not allowed",
    ast.SetComp: "braces (sets and dicts) are not allowed",
    ast.Dict: "braces (sets and dicts) are not allowed",
    ast.DictComp: "braces (sets and dicts) are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.Lambda: _keyword_message("lambda"),
    ast.Await: _keyword_message("await"),
    ast.Yield: _keyword_message("yield"),
    ast.YieldFrom: _keyword_message("yield"),
    ast.Starred: "starred arguments are not allowed",
    ast.JoinedStr: "strings are not allowed",
}
# ... or at the symbol after its first part (`x.y`, `x[0]`, `x < y`, `x if y else z`, `x := 1`).
_REJECTED_AFTER: dict[type, tuple[str, str]] = {
    ast.Attribute: ("attribute access is not allowed", "value"),
    ast.Subscript: ("subscripts are not allowed", "value"),
    ast.Compare: ("comparisons are not allowed", "left"),
    ast.IfExp: (_keyword_message("if"), "body"),
    ast.NamedExpr: ("assignments are not allowed", "target"),
}


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
    # One line, column for column: a formula may run over several lines, which Python's
    # parser would only accept inside parentheses.
    source = text.translate({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})
    for position, char in enumerate(source):
        if not char.isprintable():  # NUL, form feed, lone surrogates: none reach the parser
            raise FormulaError(f"unexpected character {char!r} (not printable)", source, position)
    _check_size(source)
    indent = len(source) - len(source.lstrip(" "))  # Python's parser rejects leading spaces
    try:
        with warnings.catch_warnings():
            # Python warns about some texts it accepts ("2 (x)", "'\d'"); they are rejected
            # below with a better message, and a warning must not turn into an error first.
            warnings.simplefilter("ignore")
            tree = ast.parse(source[indent:], mode="eval").body
    except SyntaxError as error:
        raise _diagnose(source) or _python_says(error, source, indent) from None
    except (RecursionError, MemoryError):
        # Python's parser gave up on depth: "[" * 300 is better told as the "[" it is.
        raise _diagnose(source) or FormulaError(
            "the formula is nested too deeply for Python's parser; write it with fewer "
            "nested operations"
        ) from None
    columns = _Columns(source, indent)
    _check_tree(tree, columns)
    if "#" in source:  # a comment leaves no trace in the tree
        raise FormulaError("unexpected character '#' (comments are not allowed)", source,
                           source.index("#"))
    return _to_node(tree, columns)


def _check_size(text: str) -> None:
    """The caps on nodes and nesting, on the raw text: Python's parser must not reach its own."""
    count = depth = 0
    for match in _COUNTED.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise FormulaError(f"parentheses nested deeper than {MAX_NESTING}; drop the "
                                   "ones that are not needed", text, match.start())
        elif kind == "close":
            depth = max(0, depth - 1)
        else:
            count += 1
            if count > MAX_NODES:
                raise FormulaError(
                    f"the formula has more than {MAX_NODES:,} numbers, names and operations; "
                    "split it into smaller formulas", text, match.start()
                )


class _Columns:
    """Character positions of ast nodes, whose offsets count UTF-8 bytes of the one line parsed,
    `text[indent:]`."""

    def __init__(self, text: str, indent: int) -> None:
        self.text = text
        self.indent = indent
        self.by_byte: list[int] | None = None
        if not text.isascii():
            self.by_byte = [i for i, char in enumerate(text[indent:], indent)
                            for _ in char.encode("utf-8")]
            self.by_byte.append(len(text))

    def start(self, node: ast.AST) -> int:
        return self._char(node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self._char(node.end_col_offset)

    def after(self, node: ast.AST) -> int:
        """Where the next symbol after `node` begins (past spaces and closing parentheses)."""
        index = self.end(node)
        while index < len(self.text) and self.text[index] in " )":
            index += 1
        return index

    def segment(self, node: ast.AST) -> str:
        return self.text[self.start(node) : self.end(node)]

    def _char(self, offset: int) -> int:
        return offset + self.indent if self.by_byte is None else self.by_byte[offset]


def _check_tree(tree: ast.expr, columns: _Columns) -> None:
    """Raise the leftmost FormulaError of the tree, if any: every node must be in the grammar."""
    errors: list[FormulaError] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        problem = _problem(node, columns)
        if problem is not None:
            errors.append(FormulaError(problem[0], columns.text, problem[1]))
            continue  # what lies inside a rejected node does not matter
        stack.extend(reversed(_operands(node)))
    if errors:
        raise min(errors, key=lambda error: error.position)


def _operands(node: ast.AST) -> list[ast.expr]:
    """The operands of a node that passed `_problem`, left to right."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return node.args[:1] if isinstance(node, ast.Call) else []


def _problem(node: ast.AST, at: _Columns) -> tuple[str, int] | None:
    """What is wrong with this one node, and where; None when it is in the grammar."""
    start = at.start(node)
    if isinstance(node, ast.Name):
        return _name_problem(at.segment(node), start)
    if isinstance(node, ast.Constant):
        return _constant_problem(node.value, at.segment(node), start)
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINARY_OPS:
            return None
        return _OTHER_OPS.get(type(node.op), "this operator is not allowed"), at.after(node.left)
    if isinstance(node, ast.UnaryOp):
        if type(node.op) in _UNARY_OPS:
            return None
        if isinstance(node.op, ast.Not):
            return _keyword_message("not"), start
        return _OTHER_OPS.get(type(node.op), "this operator is not allowed"), start
    if isinstance(node, ast.Call):
        return _call_problem(node, at)
    if isinstance(node, ast.Tuple):
        if not node.elts:
            return "empty parentheses '()'", at.end(node) - 1
        return "unexpected ','; a formula is one expression", at.after(node.elts[0])
    if type(node) in _REJECTED_AT_START:
        return _REJECTED_AT_START[type(node)], start
    if type(node) in _REJECTED_AFTER:  # pointed at the symbol after the node's first part
        reason, first = _REJECTED_AFTER[type(node)]
        return reason, at.after(getattr(node, first))
    if isinstance(node, ast.BoolOp):
        word = "and" if isinstance(node.op, ast.And) else "or"
        return _keyword_message(word), at.after(node.values[0])
    return f"{_quote(at.segment(node))} is not part of a formula, which has only {_GRAMMAR}", start


def _name_problem(name: str, start: int) -> tuple[str, int] | None:
    """A name is ASCII letters, digits and '_', not starting with '_', and not a function."""
    if not name.isascii():
        offset = next(i for i, char in enumerate(name) if not char.isascii())
        return (f"unexpected character {name[offset]!r} (a name is ASCII letters, digits and "
                "'_')", start + offset)
    if name.startswith("_"):
        return f"names may not start with '_': {_quote(name)}", start
    if name in _CALLS:
        return f"{name!r} is a function; call it with one argument, as in {name}(x)", start
    return None


def _constant_problem(value: object, text: str, start: int) -> tuple[str, int] | None:
    if isinstance(value, (str, bytes)):
        return "strings are not allowed", start
    if isinstance(value, bool) or value is None:
        return _keyword_message(text), start
    if isinstance(value, complex):
        return "complex numbers are not allowed", start
    if not isinstance(value, (int, float)):
        return f"{_quote(text)} is not part of a formula, which has only {_GRAMMAR}", start
    if not _FORMULA_NUMBER.match(text):  # Python also reads 1_000, 0x10 and 0o7
        return f"malformed number {_quote(text)}; write digits, as in 1000, 1.5 or 2e-3", start
    if math.isinf(float(text)):
        return f"the number {_quote(text)} is too large for a float", start
    return None


def _call_problem(node: ast.Call, at: _Columns) -> tuple[str, int] | None:
    func = node.func
    if not isinstance(func, ast.Name) or at.start(func) != at.start(node):
        # "2 (x)" and "(x)(y)": Python reads a call, the user meant a product.
        return (f"missing operator between {_quote(at.segment(func))} and '(' (write * for a "
                "product)", at.after(func))
    name, start = at.segment(func), at.start(func)
    problem = _name_problem(name, start)
    if problem is not None and name not in _CALLS:
        return problem
    if name not in _CALLS:
        return f"unknown function {_quote(name)}; the functions are {', '.join(FUNCTIONS)}", start
    if node.keywords:
        word = node.keywords[0]
        where = at.start(word) if word.arg is None else at.text.index("=", at.start(word))
        return f"keyword arguments are not allowed; call {name} with one argument", where
    if not node.args:
        return f"{name}() needs exactly one argument", at.end(node) - 1
    if len(node.args) > 1:
        return f"{name}() takes exactly one argument", at.after(node.args[0])
    return None


def _to_node(tree: ast.expr, at: _Columns) -> Node:
    """The checked ast as a `Node` tree, built bottom-up in one loop."""
    done: dict[int, Node] = {}
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        operands = _operands(node)
        if operands and not expanded:
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands))
            continue
        args = tuple(done.pop(id(operand)) for operand in operands)
        span = (at.start(node), at.end(node))
        if isinstance(node, ast.Constant):
            number = at.segment(node)
            done[id(node)] = Node("number", number, (), *span, float(number))
        elif isinstance(node, ast.Name):
            done[id(node)] = Node("name", node.id, (), *span)
        elif isinstance(node, ast.BinOp):
            done[id(node)] = Node("binary", _BINARY_OPS[type(node.op)], args, *span)
        elif isinstance(node, ast.UnaryOp):
            done[id(node)] = Node("unary", _UNARY_OPS[type(node.op)], args, *span)
        else:
            done[id(node)] = Node("call", node.func.id, args, *span)
    return done[id(tree)]


# --- why Python's parser said no -----------------------------------------------------------------


def _diagnose(text: str) -> FormulaError | None:
    """The first token that breaks the grammar, read left to right; None where none does."""
    expect_operand = True  # a number, a name, '(' or a sign must come next
    opens: list[tuple[int, str | None]] = []  # open parentheses: position, function called
    previous: re.Match | None = None
    for token in _TOKEN.finditer(text):
        kind, word, pos = token.lastgroup, token.group(), token.start()
        if kind == "space":
            continue
        problem = _token_problem(token, text)
        if problem is not None:
            return FormulaError(problem, text, pos)
        before = "" if previous is None else f" after {_quote(previous.group())}"
        if expect_operand:
            if kind in ("number", "name"):
                expect_operand = False
            elif word == "(":
                opens.append((pos, None))
            elif word == ")" and previous is not None and previous.group() == "(":
                func = opens[-1][1]
                message = f"{func}() needs exactly one argument" if func else (
                    "empty parentheses '()'")
                return FormulaError(message, text, pos)
            elif word not in ("+", "-"):
                return FormulaError(f"unexpected {_quote(word)}{before}; expected a number, a "
                                    "name or '('", text, pos)
        elif word in _BINARY:
            expect_operand = True
        elif word == "(" and previous.lastgroup == "name":
            if previous.group() not in _CALLS:
                return FormulaError(f"unknown function {_quote(previous.group())}; the "
                                    f"functions are {', '.join(FUNCTIONS)}", text, previous.start())
            opens.append((pos, previous.group()))
            expect_operand = True
        elif word == ")":
            if not opens:
                return FormulaError("unmatched ')'", text, pos)
            opens.pop()
        elif word == ",":
            func = next((f for _, f in reversed(opens) if f is not None), None)
            message = f"{func}() takes exactly one argument" if func else (
                "unexpected ','; a formula is one expression")
            return FormulaError(message, text, pos)
        elif word == "//":
            return FormulaError("floor division '//' is not supported; use /", text, pos)
        else:
            hint = "*"
            if previous.lastgroup in ("number", "name") and kind in ("number", "name"):
                hint = _quote(f"{previous.group()}*{word}")
            return FormulaError(f"missing operator between {_quote(previous.group())} and "
                                f"{_quote(word)} (write {hint} for a product)", text, pos)
        previous = token
    if expect_operand:
        after = "" if previous is None else f" after {_quote(previous.group())}"
        return FormulaError(f"the formula ends{after}; expected a number, a name or '('",
                            text, len(text))
    if opens:
        return FormulaError("unclosed '('; add the missing ')'", text, opens[-1][0])
    return None


def _token_problem(token: re.Match, text: str) -> str | None:
    """What is wrong with one token on its own: a stray character, a bad number or name."""
    kind, word = token.lastgroup, token.group()
    if kind == "other":
        reason = _REJECTED.get(word)
        return f"unexpected character {word!r}" + (f" ({reason})" if reason else "")
    if kind == "number":
        # "1.2.3", "1_000", "1e" and "1e+" must not quietly split into several tokens. A letter
        # after a number ("2x") is a missing operator, which the caller reports.
        bad = _NUMBER_TAIL.match(text, token.end())
        if bad is None and "e" not in word.lower():
            bad = _BARE_EXPONENT.match(text, token.end())
        if bad is not None:
            return f"malformed number {_quote(word + bad.group())}"
        if _LEADING_ZERO.match(word):
            return f"malformed number {_quote(word)}; write it without the leading 0"
        if math.isinf(float(word)):  # Python refuses whole numbers of over 4,300 digits
            return f"the number {_quote(word)} is too large for a float"
    if kind == "name":
        if word.startswith("_"):
            return f"names may not start with '_': {_quote(word)}"
        if keyword.iskeyword(word):
            return _keyword_message(word)
    return None


def _python_says(error: SyntaxError, text: str, indent: int) -> FormulaError:
    """Python's own reason, where the tokens alone do not show what is wrong."""
    offset = error.offset + indent if error.offset and error.lineno == 1 else len(text) + 1
    return FormulaError(f"{error.msg} (Python's parser); a formula allows only {_GRAMMAR}",
                        text, min(max(offset - 1, 0), len(text)))


# --- NAME=NUMBER,... ---------------------------------------------------------------------------


def _check_name(name: str, where: str) -> None:
    if name.startswith("_"):
        raise FormulaError(f"names may not start with '_': {_quote(name)}{where}")
    if not _NAME.match(name):
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
    if not _NUMBER.match(text):
        try:
            value = float(text)  # only to name inf and nan properly
        except ValueError:
            value = 0.0
        if math.isfinite(value):
            raise FormulaError(f"bad number {_quote(text)} for {name!r}; write e.g. 1.5 or -2e-3")
    else:
        value = float(text)
    if not math.isfinite(value):
        raise FormulaError(f"the value of {name!r} must be a finite number, got {_quote(text)}")
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
    leaves = {name: Value(_leaf_value(name, values), label=name) for name in names
              if name in values}
    missing = [name for name in names if name not in values]
    if missing:
        raise FormulaError(
            "no value given for " + ", ".join(map(repr, missing))
            + "; give every name a value as NAME=NUMBER"
        )
    extra = [name for name in values if name not in leaves]
    if extra:
        uses = ", ".join(names) if names else "no names"
        raise FormulaError(
            "a value is given for " + ", ".join(map(repr, extra))
            + f", which the formula does not use (it uses {uses})"
        )
    return _Builder(formula if isinstance(formula, str) else None, leaves).build(node), leaves


def _leaf_value(name: str, values: Mapping[str, float]) -> float:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FormulaError(f"the value of {name!r} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise FormulaError(f"the value of {name!r} must be finite, got {value!r}")
    return value


class _Builder:
    """Evaluates a tree bottom-up into `Value`s, one loop, turning engine errors into ours."""

    def __init__(self, text: str | None, leaves: dict[str, Value]) -> None:
        self.text = text
        self.leaves = leaves

    def build(self, root: Node) -> Value:
        results: dict[int, tuple[Value, bool]] = {}  # id(node) -> (value, has no names)
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if not expanded and node.args and not _negative_number(node):
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args))
                continue
            inputs = [results.pop(id(arg)) for arg in node.args] if expanded else []
            results[id(node)] = self.evaluate(node, inputs)
        return results[id(root)][0]

    def evaluate(self, node: Node, inputs: list[tuple[Value, bool]]) -> tuple[Value, bool]:
        if node.kind == "name":
            return self.leaves[node.text], False
        if node.kind == "number":
            return Value(node.value, label=node.text), True
        if _negative_number(node):
            # "-3" is drawn as one constant, not as a negation of the constant 3.
            number = node.args[0]
            return Value(-number.value, label="-" + number.text), True
        constant = all(c for _, c in inputs)
        operands = [v for v, _ in inputs]
        try:
            out = self.apply(node, operands, inputs)
        except (ArithmeticError, ValueError) as exc:
            raise self.error(f"{exc}", node) from None
        if not isinstance(out.data, float) or not math.isfinite(out.data):
            raise self.error(f"the value {out.data!r} is not a finite number", node)
        return out, constant

    def apply(self, node: Node, operands: list[Value], inputs: list[tuple[Value, bool]]) -> Value:
        if node.kind == "call":
            return _CALLS[node.text](operands[0])
        if node.kind == "unary":
            return -operands[0] if node.text == "-" else operands[0]
        left, right = operands
        if node.text == "+":
            return left + right
        if node.text == "-":
            return left - right
        if node.text == "*":
            return left * right
        if node.text == "/":
            return left / right
        # A constant exponent stays a number (x ** 2, defined for every x), so only an
        # exponent that depends on a name becomes a node (x ** y, defined for x > 0).
        return left ** right.data if inputs[1][1] else left ** right

    def error(self, message: str, node: Node) -> FormulaError:
        if self.text is None:
            return FormulaError(f"{message} in {_quote(format_formula(node), 60)}")
        part = self.text[node.start : node.end]
        return FormulaError(f"{message} in {_quote(part, 60)}", self.text, node.start)


def _negative_number(node: Node) -> bool:
    return node.kind == "unary" and node.text == "-" and node.args[0].kind == "number"


def source_for_formula(expr: str, at: dict[str, float]) -> str:
    """The compiled source of a formula at a point (what `autodiff compile EXPR` prints)."""
    root, leaves = build_graph(expr, at)
    return compile_graph(root, list(leaves.values())).source
