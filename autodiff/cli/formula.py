"""The formula language of `autodiff draw EXPR --at NAME=NUMBER,...`: parse, check, build a graph.

A formula is numbers, names, `+ - * / **`, unary `-` and `+`, parentheses and one-argument
calls of `exp log tanh sigmoid relu sqrt abs`; precedence and associativity are Python's
(`-x**2` is `-(x**2)`, `2**3**2` is `2**(3**2)`). The text is never handed to Python's
`eval`, `exec` or `compile`: a small tokenizer and an operator-precedence parser read it,
and anything outside the grammar is a `FormulaError` pointing at the offending column.

Nothing here recurses: parsing uses explicit stacks and every tree walk is a loop, so no input
can hit Python's recursion limit. Length, node count and nesting are capped, numbers are floats
(never big ints), and every intermediate value must stay finite, so `9**9**9**9` is a clean
error rather than a long computation.
"""

from __future__ import annotations

import keyword
import math
import numbers
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

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
]

MAX_LENGTH = 10_000  # characters of formula (or assignment) text
MAX_NODES = 2_000  # numbers, names, operators and calls in one formula
MAX_NESTING = 100  # parentheses (including a call's) open at once

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

# Binary operators: (precedence, right-associative). Unary minus and plus sit between `*` and
# `**`, as in Python, so `-x**2` is `-(x**2)` while `-x*y` is `(-x)*y`.
_BINARY = {"+": (1, False), "-": (1, False), "*": (2, False), "/": (2, False), "**": (4, True)}
_UNARY = 3
_ATOM = 5

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/(),])"
)
_NUMBER_TAIL = re.compile(r"[._][0-9A-Za-z_.]*")  # what may not follow a number: 1.2.3, 1_000
_BARE_EXPONENT = re.compile(r"[eE][+-]?(?![A-Za-z_])")  # 1e, 1e+ (but 2exp(x) is 2 exp(x))

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
        line = self.text[start : start + width].replace("\n", " ").replace("\t", " ")
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


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    pos: int


def _quote(text: str, limit: int = 24) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _describe(token: _Token) -> str:
    return "the end of the formula" if token.kind == "end" else _quote(token.text)


class _Tokens:
    """Reads tokens one at a time, so the first error in the text is the one reported."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.ahead: _Token | None = None

    def peek(self) -> _Token:
        if self.ahead is None:
            self.ahead = self._read()
        return self.ahead

    def next(self) -> _Token:
        token = self.peek()
        self.ahead = None
        return token

    def _read(self) -> _Token:
        text = self.text
        while True:
            if self.pos >= len(text):
                return _Token("end", "", len(text))
            match = _TOKEN.match(text, self.pos)
            if match is None:
                raise self._bad_character()
            self.pos = match.end()
            if match.lastgroup != "space":
                break
        kind, word, start = match.lastgroup, match.group(), match.start()
        if kind == "number":
            self._check_number_end(word, start)
        elif kind == "name":
            if word.startswith("_"):
                raise FormulaError(
                    f"names may not start with '_': {_quote(word)}", text, start
                )
            if keyword.iskeyword(word):
                raise FormulaError(
                    f"{word!r} is a Python keyword; a formula allows only numbers, names, "
                    "+ - * / **, parentheses and " + ", ".join(FUNCTIONS),
                    text,
                    start,
                )
        elif word == "/" and text.startswith("/", self.pos):
            raise FormulaError("floor division '//' is not supported; use /", text, start)
        return _Token(kind, word, start)

    def _check_number_end(self, word: str, start: int) -> None:
        # "1.2.3", "1_000", "1e" and "1e+" must not quietly split into several tokens. A letter
        # after a number ("2x") is left to the parser, which reports the missing operator.
        bad = _NUMBER_TAIL.match(self.text, self.pos)
        if bad is None and "e" not in word.lower():
            bad = _BARE_EXPONENT.match(self.text, self.pos)
        if bad is not None:
            raise FormulaError(f"malformed number {_quote(word + bad.group())}", self.text, start)

    def _bad_character(self) -> FormulaError:
        char = self.text[self.pos]
        reason = _REJECTED.get(char)
        message = f"unexpected character {char!r}" + (f" ({reason})" if reason else "")
        return FormulaError(message, self.text, self.pos)


# --- the parser --------------------------------------------------------------------------------


@dataclass
class _Open:
    """An open parenthesis on the operator stack; `func` is set for a call's parenthesis."""

    func: str | None
    pos: int


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
    return _Parser(text).parse()


class _Parser:
    """Operator precedence with two explicit stacks (shunting-yard): no recursion at all."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _Tokens(text)
        self.output: list[Node] = []
        self.ops: list[_Token | _Open] = []  # operators (kind "op" or "unary"), open parentheses
        self.count = 0
        self.nesting = 0
        self.position = 0  # of the token being read, for the node-count error

    def error(self, message: str, position: int) -> FormulaError:
        return FormulaError(message, self.text, position)

    def parse(self) -> Node:
        expect_operand = True
        previous: _Token | None = None
        while True:
            token = self.tokens.next()
            self.position = token.pos
            if expect_operand:
                expect_operand = self.operand(token, previous)
            elif token.kind == "end":
                self.finish()
                return self.output[0]
            else:
                expect_operand = self.operator(token, previous)
            previous = token

    def operand(self, token: _Token, previous: _Token | None) -> bool:
        """Handle a token where a number, name, '(' or unary sign must come; True: still so."""
        if token.kind == "number":
            value = float(token.text)
            if math.isinf(value):
                raise self.error(f"the number {_quote(token.text)} is too large for a float",
                                 token.pos)
            self.push(Node("number", token.text, (), token.pos, token.pos + len(token.text),
                           value))
            return False
        if token.kind == "name":
            return self.name(token)
        if token.text == "(":
            self.open(None, token.pos)
            return True
        if token.text in ("+", "-"):
            self.ops.append(_Token("unary", token.text, token.pos))
            return True
        if token.kind == "end":
            raise self.error(
                f"the formula ends after {_describe(previous)}; "
                "expected a number, a name or '('",
                token.pos,
            )
        if token.text == ")" and self.ops and isinstance(self.ops[-1], _Open):
            func = self.ops[-1].func
            if func is not None:
                raise self.error(f"{func}() needs exactly one argument", token.pos)
            raise self.error("empty parentheses '()'", token.pos)
        after = f" after {_describe(previous)}" if previous is not None else ""
        raise self.error(
            f"unexpected {_quote(token.text)}{after}; expected a number, a name or '('",
            token.pos,
        )

    def name(self, token: _Token) -> bool:
        follows = self.tokens.peek()
        if follows.text == "(":
            if token.text not in _CALLS:
                raise self.error(
                    f"unknown function {_quote(token.text)}; the functions are "
                    + ", ".join(FUNCTIONS),
                    token.pos,
                )
            self.tokens.next()
            self.open(token.text, token.pos)
            return True
        if token.text in _CALLS:
            raise self.error(
                f"{token.text!r} is a function; call it with one argument, "
                f"as in {token.text}(x)",
                token.pos,
            )
        self.push(Node("name", token.text, (), token.pos, token.pos + len(token.text)))
        return False

    def operator(self, token: _Token, previous: _Token) -> bool:
        """Handle a token where an operator, ')' or ',' must come; True: an operand is next."""
        if token.kind == "op" and token.text in _BINARY:
            prec, right_assoc = _BINARY[token.text]
            while self.ops and not isinstance(self.ops[-1], _Open):
                top = self.ops[-1]
                top_prec = _UNARY if top.kind == "unary" else _BINARY[top.text][0]
                if top_prec > prec or (top_prec == prec and not right_assoc):
                    self.reduce()
                else:
                    break
            self.ops.append(token)
            return True
        if token.text == ")":
            self.close(token)
            return False
        if token.text == ",":
            inner = next((op for op in reversed(self.ops) if isinstance(op, _Open)), None)
            if inner is not None and inner.func is not None:
                raise self.error(f"{inner.func}() takes exactly one argument", token.pos)
            raise self.error("unexpected ','; a formula is one expression", token.pos)
        hint = "*"
        if previous.kind in ("number", "name") and token.kind in ("number", "name"):
            hint = _quote(f"{previous.text}*{token.text}")
        raise self.error(
            f"missing operator between {_describe(previous)} and {_describe(token)} "
            f"(write {hint} for a product)",
            token.pos,
        )

    def open(self, func: str | None, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"parentheses nested deeper than {MAX_NESTING}", pos)
        self.ops.append(_Open(func, pos))

    def close(self, token: _Token) -> None:
        while self.ops and not isinstance(self.ops[-1], _Open):
            self.reduce()
        if not self.ops:
            raise self.error("unmatched ')'", token.pos)
        group = self.ops.pop()
        self.nesting -= 1
        inner = self.output.pop()
        if group.func is not None:
            self.push(Node("call", group.func, (inner,), group.pos, token.pos + 1))
        else:
            # The group's span takes in its parentheses, so an error quotes "(x + 1)" whole.
            self.output.append(replace(inner, start=group.pos, end=token.pos + 1))

    def finish(self) -> None:
        while self.ops:
            if isinstance(self.ops[-1], _Open):
                raise self.error("unclosed '('; add the missing ')'", self.ops[-1].pos)
            self.reduce()

    def reduce(self) -> None:
        """Apply the operator on top of the stack to the operands on top of the output."""
        token = self.ops.pop()
        if token.kind == "unary":
            operand = self.output.pop()
            self.push(Node("unary", token.text, (operand,), token.pos, operand.end))
        else:
            right = self.output.pop()
            left = self.output.pop()
            self.push(Node("binary", token.text, (left, right), left.start, right.end))

    def push(self, node: Node) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(
                f"the formula has more than {MAX_NODES:,} numbers, names and operations",
                self.position,
            )
        self.output.append(node)


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
