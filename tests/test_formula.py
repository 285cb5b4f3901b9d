"""The formula parser behind `autodiff draw`: values, gradients, precedence, hostile input."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from autodiff import trace
from autodiff.cli.formula import (
    FUNCTIONS,
    MAX_LENGTH,
    MAX_NESTING,
    MAX_NODES,
    FormulaError,
    Node,
    build_graph,
    format_formula,
    formula_names,
    parse_assignments,
    parse_formula,
)
from autodiff.engine.backward import topological_order
from autodiff.engine.value import Value


def evaluate(text: str, **values: float) -> float:
    return build_graph(text, values)[0].data


def gradients(text: str, **values: float) -> dict[str, float]:
    root, leaves = build_graph(text, values)
    root.backward()
    return {name: leaf.grad for name, leaf in leaves.items()}


def central_differences(text: str, values: dict[str, float], eps: float = 1e-6) -> dict:
    grads = {}
    for name in values:
        up = dict(values, **{name: values[name] + eps})
        down = dict(values, **{name: values[name] - eps})
        grads[name] = (evaluate(text, **up) - evaluate(text, **down)) / (2 * eps)
    return grads


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- values and gradients ----------------------------------------------------------------------


def test_polynomial_value_and_gradient():
    assert evaluate("x**2 + 3*x", x=2.0) == 10.0
    assert gradients("x**2 + 3*x", x=2.0) == {"x": 7.0}


def test_product_with_reused_name_accumulates():
    # f = x*y + x: df/dx = y + 1 = 4, df/dy = x = 2.
    assert evaluate("x*y + x", x=2.0, y=3.0) == 8.0
    assert gradients("x*y + x", x=2.0, y=3.0) == {"x": 4.0, "y": 2.0}


def test_each_name_is_one_leaf_labeled_with_it():
    root, leaves = build_graph("x*x + x", {"x": 3.0})
    nodes = topological_order(root)
    assert [n for n in nodes if n.label == "x"] == [leaves["x"]]
    root.backward()
    assert leaves["x"].grad == 7.0  # 2x + 1
    assert root.label == ""


def test_constants_are_leaves_labeled_with_their_text():
    root, _ = build_graph("2.5e-1*x + x * -3 + 1", {"x": 4.0})
    labels = {n.label: n.data for n in topological_order(root) if n.op == ""}
    assert labels == {"2.5e-1": 0.25, "x": 4.0, "-3": -3.0, "1": 1.0}
    assert root.data == 1.0 - 12.0 + 1.0


def test_constant_exponent_is_a_number_not_a_node():
    # x ** 2 is defined for negative x; only a name in the exponent makes it x ** y (x > 0).
    root, leaves = build_graph("x**2", {"x": -3.0})
    assert root.data == 9.0
    assert root.op == "**" and root.inputs == (leaves["x"],) and root.exponent == 2.0
    root, _ = build_graph("x**(1/2)", {"x": 16.0})
    assert root.data == 4.0 and root.exponent == 0.5


def test_name_exponent_gradient():
    # d/dx x**y = y x**(y-1) = 12, d/dy = x**y ln x = 8 ln 2.
    grads = gradients("x**y", x=2.0, y=3.0)
    assert grads["x"] == pytest.approx(12.0)
    assert grads["y"] == pytest.approx(8 * math.log(2))


def test_functions_against_hand_values():
    x, y = 0.7, -1.3
    assert evaluate("exp(x)*sigmoid(y)", x=x, y=y) == pytest.approx(math.exp(x) * sigmoid(y))
    assert evaluate("log(x) + tanh(y)", x=x, y=y) == pytest.approx(math.log(x) + math.tanh(y))
    assert evaluate("sqrt(x) - abs(y) + relu(y) + relu(x)", x=x, y=y) == pytest.approx(
        math.sqrt(x) - 1.3 + 0.0 + 0.7
    )
    # d/dx tanh(x)**2 = 2 tanh(x) (1 - tanh(x)**2)
    t = math.tanh(x)
    assert gradients("tanh(x)**2", x=x)["x"] == pytest.approx(2 * t * (1 - t * t))
    # d/dy sigmoid(y) = s (1 - s); d/dx log(x) = 1/x
    s = sigmoid(y)
    grads = gradients("sigmoid(y) + log(x)", x=x, y=y)
    assert grads["y"] == pytest.approx(s * (1 - s))
    assert grads["x"] == pytest.approx(1 / x)


FD_CASES = [
    ("x*y + x", {"x": 2.0, "y": 3.0}),
    ("exp(x) * sigmoid(y) / (1 + x**2)", {"x": 0.3, "y": -0.8}),
    ("log(x*y) - sqrt(x + y**2)", {"x": 1.7, "y": 0.9}),
    ("tanh(a*w1 + b*w2 + c) ** 2", {"a": 0.5, "w1": -1.2, "w2": 0.4, "b": 2.0, "c": 0.1}),
    ("-x**3 + abs(x - y) * relu(y)", {"x": -0.6, "y": 1.1}),
    ("x ** y + y ** x", {"x": 1.3, "y": 2.1}),
    ("(x - y) / (x + y) - 2**-x", {"x": 3.0, "y": 0.5}),
    ("sigmoid(x)*sigmoid(-x) + x*x*x", {"x": 0.25}),
]


@pytest.mark.parametrize("text, values", FD_CASES)
def test_gradients_match_finite_differences(text, values):
    analytic = gradients(text, **values)
    numeric = central_differences(text, values)
    assert set(analytic) == set(values)
    for name in values:
        assert analytic[name] == pytest.approx(numeric[name], rel=1e-5, abs=1e-7), name


# --- precedence and associativity ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("-2**2", -4.0),  # ** binds tighter than unary minus
        ("(-2)**2", 4.0),
        ("2**3**2", 512.0),  # right-associative
        ("(2**3)**2", 64.0),
        ("2**-1", 0.5),
        ("2**-1**2", 0.5),  # 2 ** (-(1 ** 2))
        ("8 - 4 - 2", 2.0),  # left-associative
        ("8 / 4 / 2", 1.0),
        ("2 + 3 * 4", 14.0),
        ("(2 + 3) * 4", 20.0),
        ("2 * -3", -6.0),
        ("- -3", 3.0),
        ("--3", 3.0),
        ("+3 - +2", 1.0),
        ("-3 * 2 ** 2", -12.0),
        ("1 - 2 + 3", 2.0),
        ("2 ** 2 * 3", 12.0),
        ("1.5e1 + .5 + 2. + 1E-1", 17.6),
        ("exp(0) + log(1) * 5", 1.0),
        ("sqrt(16) ** 2 / 4", 4.0),
    ],
)
def test_precedence_matches_python(text, value):
    assert evaluate(text) == pytest.approx(value)


def test_unary_minus_binds_looser_than_power_with_names():
    assert evaluate("-x**2", x=3.0) == -9.0
    assert gradients("-x**2", x=3.0) == {"x": -6.0}


def test_formula_names_in_first_appearance_order():
    assert formula_names(parse_formula("y*x + z*y - exp(x) + a")) == ["y", "x", "z", "a"]
    assert formula_names(parse_formula("2 + 3")) == []


def test_format_formula_keeps_needed_parentheses_only():
    cases = {
        "((x))": "x",
        "-x**2": "-x**2",
        "(-x)**2": "(-x)**2",
        "(a**b)**c": "(a**b)**c",
        "a**(b**c)": "a**b**c",
        "a-(b-c)": "a - (b - c)",
        "(a-b)-c": "a - b - c",
        "a/(b*c)": "a / (b * c)",
        "-(-x)": "- -x",
        "exp((x+1))*2": "exp(x + 1) * 2",
    }
    for text, formatted in cases.items():
        assert format_formula(parse_formula(text)) == formatted
        assert str(parse_formula(formatted)) == formatted


# --- hostile and malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("__import__('os')", 1, "'_'"),
        ("x.__class__", 2, "attribute access"),
        ("open('f')", 1, "unknown function 'open'"),
        ("lambda: 1", 1, "keyword"),
        ("[x for x in y]", 1, "lists"),
        ("x[0]", 2, "subscripts"),
        ("'s'", 1, "strings"),
        ('"s"', 1, "strings"),
        ("(x+1", 1, "'(' was never closed"),
        ("x+1)", 4, "unmatched ')'"),
        ("exp(x, y)", 6, "exactly one argument"),
        ("exp(x=1)", 6, "keyword arguments"),
        ("exp()", 5, "exactly one argument"),
        ("exp", 1, "is a function"),
        ("exp + 1", 1, "is a function"),
        ("foo(x)", 1, "unknown function 'foo'"),
        ("x(1)", 1, "unknown function 'x'"),
        ("import os", 1, "keyword"),
        ("x if y else z", 3, "keyword"),
        ("x and y", 3, "keyword"),
        ("_x + 1", 1, "'_'"),
        ("x + _", 5, "'_'"),
        ("x ^ 2", 3, "**"),
        ("x // 2", 3, "floor division"),
        ("x % 2", 3, "modulo"),
        ("x == 1", 3, "comparisons"),
        ("x; y", 2, "one formula"),
        ("{1: 2}", 1, "braces"),
        ("x @ y", 3, "matrix"),
        ("2x", 2, "missing operator"),
        ("x y", 3, "missing operator"),
        ("2 (x)", 3, "missing operator"),
        ("x +", 4, "ends after '+'"),
        ("* x", 1, "unexpected '*'"),
        ("x * * y", 5, "unexpected '*'"),
        ("()", 2, "empty parentheses"),
        ("x, y", 2, "one expression"),
        ("1e", 1, "malformed number"),
        ("1.2.3", 1, "malformed number"),
        ("1_000", 1, "malformed number"),
        ("1e999", 1, "too large"),
        ("x\x00", 2, "unexpected character"),
        ("x²", 2, "unexpected character"),
        ("exp(x y)", 7, "missing operator"),  # Python points at the x and suggests a comma
        ("log x", 5, "call it with parentheses"),
        ("2exp(x)", 2, "missing operator"),
        ("x +  ", 6, "ends after '+'"),
    ],
)
def test_hostile_input_is_rejected_at_the_right_column(text, column, words):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.column == column
    assert words in str(error)
    assert str(error).startswith(f"column {column}: ")
    assert "\n" not in str(error)
    assert error.pointer().splitlines()[1] == " " * (column - 1) + "^"


# Python reads all of these; a formula is far less than Python, so each is rejected.
@pytest.mark.parametrize(
    "text, column, words",
    [
        ("1j", 1, "complex numbers"),
        ("0x10", 1, "malformed number"),
        ("0o17", 1, "malformed number"),
        ("01", 1, "malformed number"),
        ("True + x", 1, "keyword"),
        ("not x", 1, "keyword"),
        ("await x", 1, "keyword"),
        ("(yield x)", 2, "keyword"),
        ("x is y", 3, "comparisons"),
        ("x < y", 3, "comparisons"),
        ("(x := 1)", 4, "assignments"),
        ("exp(*x)", 5, "starred"),
        ("exp(**k)", 5, "keyword arguments"),
        ("exp(x, k=1)", 9, "keyword arguments"),
        ("f'{x}'", 1, "strings"),
        ("b'x'", 1, "strings"),
        ("...", 1, "not part of a formula"),
        ("~x", 1, "bitwise"),
        ("x | y", 3, "abs(x)"),
        ("x << 1", 3, "bitwise"),
        ("x # comment", 3, "comments"),
        ("(x)(y)", 4, "missing operator"),
        ("exp(x)(y)", 7, "missing operator"),
        ("x[1:2]", 2, "subscripts"),
        ("{x}", 1, "braces"),
        ("(x for x in y)", 1, "generator"),
        ("x..y", 2, "attribute access"),
        ("x if", 3, "keyword"),
        ("1" * 5000, 1, "too large for a float"),  # Python refuses over 4,300 digits
        ("[" * 3000, 1, "lists"),  # the parser gives up on depth; the "[" is what is wrong
        ("0b2", 1, "malformed number"),  # Python: "invalid digit '2' in binary literal"
        ("x = 1", 3, "assignments"),
    ],
)
def test_python_beyond_the_grammar_is_rejected(text, column, words):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert info.value.column == column
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("ω + 1", 1, "ASCII"),
        ("x + ｘ", 5, "ASCII"),  # Python would quietly read the wide letter as x
        ("2 × x", 3, "write *"),
        ("x − 1", 3, "write -"),
        ("x\udcff", 2, "not printable"),  # a lone surrogate, as a bad UTF-8 argv gives
        ("x\u2028", 2, "not printable"),
        ("x\x0c", 2, "not printable"),
    ],
)
def test_characters_outside_ascii_are_pointed_at(text, column, words):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert info.value.column == column and words in str(info.value)


def test_spaces_and_line_breaks_are_just_spaces():
    assert evaluate("  -x", x=2.0) == -2.0  # Python's parser alone rejects a leading space
    assert evaluate("x +\n  2 *\r\n\tx", x=1.0) == 3.0
    with pytest.raises(FormulaError) as info:
        parse_formula("  x y")
    assert info.value.column == 5


def test_the_text_is_never_run(monkeypatch):
    import builtins

    def refuse(*args, **kwargs):
        raise AssertionError("the formula text was run")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert evaluate("exp(x) * 2", x=0.0) == 2.0
    with pytest.raises(FormulaError):
        parse_formula("__import__('os').system('true')")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_formula(text):
    with pytest.raises(FormulaError, match="empty formula"):
        parse_formula(text)


def test_non_string_formula_is_a_type_error():
    with pytest.raises(TypeError, match="int"):
        parse_formula(42)


def test_megabyte_string_is_rejected_by_length():
    with pytest.raises(FormulaError, match="1,000,000 characters long; the limit is 10,000"):
        parse_formula("x" * 1_000_000)
    with pytest.raises(FormulaError, match="characters long"):
        parse_formula("x+" * 500_000 + "x")


def test_hundred_thousand_deep_parentheses_are_rejected():
    text = "(" * 100_000 + "x" + ")" * 100_000
    with pytest.raises(FormulaError, match="limit is 10,000"):
        parse_formula(text)
    with pytest.raises(FormulaError, match="limit is 10,000"):
        build_graph(text, {"x": 1.0})


def test_nesting_limit_within_the_length_limit():
    depth = MAX_NESTING
    assert evaluate("(" * depth + "x" + ")" * depth, x=2.0) == 2.0
    assert evaluate("abs(" * (depth - 1) + "(x)" + ")" * (depth - 1), x=-2.0) == 2.0
    with pytest.raises(FormulaError, match="nested deeper than 100") as info:
        parse_formula("(" * 4000 + "x" + ")" * 4000)
    assert info.value.column == depth + 1
    with pytest.raises(FormulaError, match="nested deeper"):
        parse_formula("sqrt(" * 150 + "x")


def test_node_limit_and_long_chains_without_recursion():
    # A left-deep chain as deep as the node limit allows: every walk is a loop.
    chain = "+".join(["x"] * ((MAX_NODES + 1) // 2))
    root, leaves = build_graph(chain, {"x": 1.0})
    root.backward()
    assert root.data == (MAX_NODES + 1) // 2 and leaves["x"].grad == root.data
    assert formula_names(parse_formula(chain)) == ["x"]
    assert format_formula(parse_formula(chain)) == chain.replace("+", " + ")
    negations = "-" * (MAX_NODES - 1) + "x"
    assert evaluate(negations, x=1.0) == -1.0  # an even number of minus signs would give 1
    with pytest.raises(FormulaError, match="more than 2,000"):
        parse_formula("+".join(["x"] * MAX_NODES))
    with pytest.raises(FormulaError, match="more than 2,000"):
        parse_formula("-" * MAX_NODES + "x")


def test_the_deepest_formulas_within_the_node_limit():
    # The shapes that take Python's parser deepest, each just inside MAX_NODES.
    assert evaluate("-" * (MAX_NODES - 1) + "x", x=1.0) == -1.0
    powers = "x**" * ((MAX_NODES - 1) // 2) + "x"
    assert evaluate(powers, x=1.0) == 1.0
    mixed = "-x**" * ((MAX_NODES - 1) // 3) + "x"
    assert evaluate(mixed, x=1.0) == -1.0
    with pytest.raises(FormulaError, match="more than 2,000"):
        parse_formula("x**" * MAX_NODES + "x")


def test_a_deep_caller_stack_gives_a_formula_error_at_worst():
    # On Python 3.11 the parser's depth limit shrinks with the caller's stack: called from deep
    # inside a program, the deepest formula may not parse, but it fails cleanly.
    import sys

    def nested(depth):
        return parse_formula("-" * (MAX_NODES - 1) + "x") if depth == 0 else nested(depth - 1)

    frame, used = sys._getframe(), 0
    while frame is not None:
        frame, used = frame.f_back, used + 1
    try:
        result = nested(sys.getrecursionlimit() - used - 50)
    except FormulaError as error:
        assert "nested too deeply" in str(error)
    else:
        assert isinstance(result, Node)


def test_exponent_tower_is_a_clean_error():
    node = parse_formula("9**9**9**9")  # parses: only its value is beyond reason
    with pytest.raises(FormulaError, match=r"\*\*") as info:
        build_graph(node, {})
    assert "9**9**9" in str(info.value)
    with pytest.raises(FormulaError) as info:
        build_graph("9**9**9**9", {})
    assert info.value.column is not None


@pytest.mark.parametrize(
    "text, values, words",
    [
        ("exp(exp(exp(x)))", {"x": 10.0}, "exp"),
        ("x * 1e300 * 1e300", {"x": 1.0}, "overflow"),
        ("x ** y", {"x": 10.0, "y": 400.0}, "**"),
        ("10 ** 400", {}, "**"),
        ("log(x - 2)", {"x": 1.0}, "log"),
        ("sqrt(-x)", {"x": 1.0}, "sqrt"),
        ("x / (y - y)", {"x": 1.0, "y": 2.0}, "division by zero"),
        ("(-8) ** (1/3)", {}, "**"),
        ("0 ** -1", {}, "**"),
    ],
)
def test_engine_errors_become_formula_errors(text, values, words):
    with pytest.raises(FormulaError) as info:
        build_graph(text, values)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_engine_error_quotes_the_failing_part():
    with pytest.raises(FormulaError) as info:
        build_graph("x + log(y - 3) * 2", {"x": 1.0, "y": 1.0})
    assert info.value.column == 5
    assert "'log(y - 3)'" in str(info.value)


def test_missing_and_extra_names():
    with pytest.raises(FormulaError, match="no value given for 'y', 'z'"):
        build_graph("x + y * z", {"x": 1.0})
    with pytest.raises(FormulaError, match="'w', which the formula does not use"):
        build_graph("x", {"x": 1.0, "w": 2.0})
    with pytest.raises(FormulaError, match="finite"):
        build_graph("x", {"x": math.inf})
    with pytest.raises(FormulaError, match="number"):
        build_graph("x", {"x": "1"})
    with pytest.raises(FormulaError, match="number"):
        build_graph("x", {"x": True})


# --- NAME=NUMBER,... -----------------------------------------------------------------------------


def test_parse_assignments():
    assert parse_assignments("x=1.5,y=-2e-3") == {"x": 1.5, "y": -0.002}
    assert parse_assignments(" w1 = 3 , b_2=+.5 ") == {"w1": 3.0, "b_2": 0.5}
    assert parse_assignments("") == {}
    assert list(parse_assignments("b=1,a=2")) == ["b", "a"]


@pytest.mark.parametrize(
    "text, words",
    [
        ("1x=2", "bad name '1x'"),
        ("_x=1", "'_'"),
        ("x.y=1", "bad name"),
        ("lambda=1", "keyword"),
        ("exp=1", "function"),
        ("x=abc", "bad number 'abc'"),
        ("x=1_000", "bad number"),
        ("x=0x10", "bad number"),
        ("x=", "bad number ''"),
        ("=1", "bad name ''"),
        ("x", "'=' is missing"),
        ("x=1,x=2", "'x' is given twice"),
        ("x=inf", "finite"),
        ("x=-Infinity", "finite"),
        ("x=nan", "finite"),
        ("x=1e999", "finite"),
        ("x=1,,y=2", "empty assignment"),
        ("x=1,", "empty assignment"),
        ("x=1=2", "bad number '1=2'"),
    ],
)
def test_parse_assignments_errors(text, words):
    with pytest.raises(FormulaError) as info:
        parse_assignments(text)
    assert words in str(info.value)


def test_parse_assignments_length_limit():
    with pytest.raises(FormulaError, match="limit"):
        parse_assignments("x=1," * MAX_LENGTH)


# --- properties --------------------------------------------------------------------------------

NAMES = ("x", "y", "z", "w1", "b_2")
POINT = {"x": 0.7, "y": -1.3, "z": 2.2, "w1": -0.4, "b_2": 1.9}
NUMBERS = ("0", "1", "2", "3", "0.5", "1.5e1", "2.", ".25", "1e-3", "7E+0")
EXPONENTS = ("2", "3", "0.5", "1", "0", "-1", "-2")

# A generated formula is a tree of tuples: ("num", text), ("name", name), ("unary", sign, t),
# ("bin", op, left, right), ("pow", base, exponent text), ("call", function, t); each carries
# its own choice of redundant parentheses and spacing, so the text varies as users write it.
leaf = st.one_of(
    st.tuples(st.just("num"), st.sampled_from(NUMBERS)),
    st.tuples(st.just("name"), st.sampled_from(NAMES)),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.just("unary"), st.sampled_from("-+"), children),
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children, st.booleans()),
        st.tuples(st.just("pow"), children, st.sampled_from(EXPONENTS)),
        st.tuples(st.just("call"), st.sampled_from(FUNCTIONS), children),
    )


trees = st.recursive(leaf, _extend, max_leaves=12)
wrapped = st.tuples(trees, st.booleans())

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def render(tree) -> tuple[str, int]:
    """Text with just the parentheses Python's precedence needs, and the text's precedence."""
    kind = tree[0]
    if kind in ("num", "name"):
        return tree[1], 5
    if kind == "call":
        return f"{tree[1]}({render(tree[2])[0]})", 5
    if kind == "unary":
        text, prec = render(tree[2])
        return tree[1] + (f"({text})" if prec < 3 else text), 3
    if kind == "pow":
        text, prec = render(tree[1])
        exponent = tree[2]
        return (f"({text})" if prec < 5 else text) + "**" + exponent, 4
    _, op, left, right, spaced = tree
    p = _PREC[op]
    lt, lp = render(left)
    rt, rp = render(right)
    lt = f"({lt})" if lp < p else lt
    rt = f"({rt})" if rp <= p else rt
    return f"{lt} {op} {rt}" if spaced else f"{lt}{op}{rt}", p


def reference(tree) -> float | None:
    """The value with plain floats and `math`, or None where the formula has no finite value."""
    try:
        value = _reference(tree)
    except (ArithmeticError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise OverflowError
    return value


def _reference(tree) -> float:
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "name":
        return POINT[tree[1]]
    if kind == "unary":
        value = _reference(tree[2])
        return -value if tree[1] == "-" else value
    if kind == "pow":
        return _finite(math.pow(_reference(tree[1]), float(tree[2])))
    if kind == "call":
        x = _reference(tree[2])
        functions = {
            "exp": math.exp,
            "log": math.log,
            "tanh": math.tanh,
            "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (
                1 + math.exp(v)),
            "relu": lambda v: v if v > 0 else 0.0,
            "sqrt": math.sqrt,
            "abs": abs,
        }
        return _finite(functions[tree[1]](x))
    a, b = _reference(tree[2]), _reference(tree[3])
    op = tree[1]
    result = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    return _finite(result)


def names_in_order(tree) -> list[str]:
    found: list[str] = []
    stack = [tree]
    while stack:
        t = stack.pop()
        if t[0] == "name":
            if t[1] not in found:
                found.append(t[1])
        elif t[0] in ("unary", "call"):
            stack.append(t[2])
        elif t[0] == "pow":
            stack.append(t[1])
        elif t[0] == "bin":
            stack.extend([t[3], t[2]])
    return found


@settings(max_examples=400, deadline=None)
@given(wrapped)
def test_random_formulas_match_a_math_reference(case):
    tree, in_parens = case
    text, _ = render(tree)
    if in_parens:
        text = f"( {text} )"
    node = parse_formula(text)
    names = formula_names(node)
    assert names == names_in_order(tree)
    values = {name: POINT[name] for name in names}
    expected = reference(tree)
    if expected is None:
        with pytest.raises(FormulaError):
            build_graph(node, values)
        return
    root, leaves = build_graph(text, values)
    assert list(leaves) == names
    assert root.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # The canonical text parses back to the same tree and value.
    again = parse_formula(format_formula(node))
    assert format_formula(again) == format_formula(node)
    assert build_graph(again, values)[0].data == pytest.approx(expected, rel=1e-9, abs=1e-12)


# Pieces of the grammar and of what lies just outside it, glued at random.
GRAMMAR_SOUP = st.lists(
    st.sampled_from(list("xy12.e+-*/() ,_=[]'\"^%:") + list(FUNCTIONS) + ["**", "9**9"]),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(GRAMMAR_SOUP)
def test_any_text_parses_or_raises_formula_error(text):
    try:
        node = parse_formula(text)
    except FormulaError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(node, Node)
    values = {name: 0.5 for name in formula_names(node)}
    try:
        root, _ = build_graph(node, values)
    except FormulaError:
        return
    assert math.isfinite(root.data)
    assert parse_formula(format_formula(node)) is not None


# --- fuzzing -------------------------------------------------------------------------------------

# Pieces of the grammar, of the Python just outside it, and of what is no Python at all.
PIECES = [
    *"xy12.e+-*/() ,_=[]'\"^%:;#@!~<>{}\\$`\t\n", *FUNCTIONS, "**", "//", "9**9", "1e999",
    "lambda", "not", "if", "else", "for", "in", "import", "await", "__import__", "True", "None",
    "...", "1j", "0x1", "1_0", "01", "f'", "\x00", "\x0c", "²", "ω", "ｘ", "−", "×", "\udcff",
    "\u2028", "\ufeff", "🙂",
]
SOUP = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
SIZES = st.one_of(st.integers(0, 6000), st.sampled_from([99, 100, 101, 199, 200, 201, 999, 1000,
                                                        1999, 2000, 2001, 2980, 2981, 5000]))
NESTED = st.builds(
    lambda opener, depth, inner, closing: opener * depth + inner + ")" * closing,
    st.sampled_from(["(", "-(", "exp(", "sqrt(abs(", "(-", "[", "x**(", "((x)+"]),
    SIZES, SOUP, SIZES,
)
CHAINS = st.one_of(
    st.builds(lambda op, n: "x" + (op + "x") * n,
              st.sampled_from(["+", "-", "*", "/", "**", "+-", "**-", "*exp", " + "]), SIZES),
    st.builds(lambda sign, n: sign * n + "x", st.sampled_from(["-", "+", "+-", "- "]), SIZES),
)
ANY_TEXT = st.one_of(
    st.text(max_size=200),  # any unicode
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200),
    SOUP, NESTED, CHAINS,
)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_fuzz_every_text_is_a_graph_or_a_formula_error(text):
    started = time.perf_counter()
    try:
        node = parse_formula(text)
        root, leaves = build_graph(node, {name: 0.5 for name in formula_names(node)})
    except FormulaError as error:
        message = str(error)
        assert message and "\n" not in message
        if error.column is not None:
            assert 1 <= error.column <= len(text) + 1
            assert error.pointer().splitlines()[1].endswith("^")
    else:
        assert isinstance(root, Value) and math.isfinite(root.data)
        assert set(leaves) == set(formula_names(node))
        assert format_formula(parse_formula(format_formula(node))) == format_formula(node)
    assert time.perf_counter() - started < 2.0  # generous: each text takes milliseconds


# Random well-formed formulas over x and y, as trees: ("num", text), ("var", name),
# ("neg", t), ("pos", t), ("bin", op, left, right), ("pow", base, exponent), ("call", f, t).
XY_LEAVES = st.one_of(
    st.tuples(st.just("num"), st.sampled_from(("0", "1", "2", "3", "0.5", "2.5e-1", "1E1"))),
    st.tuples(st.just("var"), st.sampled_from("xy")),
)
SMALL_EXPONENTS = st.tuples(st.just("num"), st.sampled_from(("2", "3", "0.5", "1", "0")))


def _xy_extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(("neg", "pos")), children),
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children),
        st.tuples(st.just("pow"), children, st.one_of(SMALL_EXPONENTS, children)),
        st.tuples(st.just("call"), st.sampled_from(FUNCTIONS), children),
    )


XY_TREES = st.recursive(XY_LEAVES, _xy_extend, max_leaves=10)
COORDINATE = st.floats(-3.0, 3.0, allow_nan=False)

# Precedence levels as Python has them: + - < * / < unary < ** < atoms.
_LEVEL = {"bin+": 1, "bin-": 1, "bin*": 2, "bin/": 2, "neg": 3, "pos": 3, "pow": 4}


def _level(tree) -> int:
    return _LEVEL.get(tree[0] + (tree[1] if tree[0] == "bin" else ""), 5)


def xy_text(tree) -> str:
    """The tree as text, with the parentheses Python's precedence needs and no more."""
    kind = tree[0]
    if kind in ("num", "var"):
        return tree[1]
    if kind == "call":
        return f"{tree[1]}({xy_text(tree[2])})"
    if kind in ("neg", "pos"):
        inner = xy_text(tree[1])
        return ("-" if kind == "neg" else "+") + (f"({inner})" if _level(tree[1]) < 3 else inner)
    if kind == "pow":
        base, exponent = xy_text(tree[1]), xy_text(tree[2])
        base = base if _level(tree[1]) == 5 else f"({base})"  # -x**2 is -(x**2)
        exponent = exponent if _level(tree[2]) >= 3 else f"({exponent})"  # 2**-x, 2**x**y
        return f"{base}**{exponent}"
    _, op, left, right = tree
    level = _level(tree)
    left_text, right_text = xy_text(left), xy_text(right)
    left_text = left_text if _level(left) >= level else f"({left_text})"
    right_text = right_text if _level(right) > level else f"({right_text})"
    return f"{left_text} {op} {right_text}"


def _has_name(tree) -> bool:
    return tree[0] == "var" or any(_has_name(t) for t in tree[1:] if isinstance(t, tuple))


class Trail:
    """What an evaluation passed through: the arguments of relu and abs (a kink at 0), and
    the largest magnitude of any value on the way (rounding in a difference grows with it)."""

    def __init__(self) -> None:
        self.kinks: list[float] = []
        self.largest = 0.0


def xy_value(tree, point: dict[str, float], trail: Trail | None = None) -> float:
    """Plain floats and `math`; raises ArithmeticError or ValueError where the formula has no
    finite value."""
    trail = Trail() if trail is None else trail
    kind = tree[0]
    if kind == "num":
        value = float(tree[1])
    elif kind == "var":
        value = point[tree[1]]
    elif kind in ("neg", "pos"):
        value = xy_value(tree[1], point, trail)
        value = -value if kind == "neg" else value
    elif kind == "pow":
        base, exponent = xy_value(tree[1], point, trail), xy_value(tree[2], point, trail)
        if _has_name(tree[2]) and base <= 0:
            raise ValueError("x ** y is defined for x > 0")  # as the engine has it
        value = _finite(math.pow(base, exponent))
    elif kind == "call":
        x = xy_value(tree[2], point, trail)
        if tree[1] in ("relu", "abs"):
            trail.kinks.append(x)
            value = abs(x) if tree[1] == "abs" else max(x, 0.0)
        elif tree[1] == "sigmoid":
            value = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        else:
            value = _finite(getattr(math, tree[1])(x))
    else:
        a, b = xy_value(tree[2], point, trail), xy_value(tree[3], point, trail)
        op = tree[1]
        value = _finite(a + b if op == "+" else a - b if op == "-" else a * b if op == "*"
                        else a / b)
    trail.largest = max(trail.largest, abs(value))
    return value


def xy_central_difference(tree, point: dict[str, float], name: str, step: float) -> float:
    up, down = dict(point), dict(point)
    up[name] += step
    down[name] -= step
    return (xy_value(tree, up) - xy_value(tree, down)) / (2 * step)


def gradient_terms(root: Value) -> dict[int, float]:
    """Run the backward pass; for each node (by id), its gradient's terms summed in absolute
    value: how large the numbers are that the pass adds up, and so how far rounding reaches."""
    size = {id(root): 1.0}
    for step in trace(root).backward:
        for edge in step.edges:
            size[id(edge.input)] = (size.get(id(edge.input), 0.0)
                                    + abs(edge.local) * size.get(id(step.node), 0.0))
    return size


@settings(max_examples=300, deadline=None)
@given(XY_TREES, COORDINATE, COORDINATE)
def test_random_formulas_over_x_and_y_match_values_and_finite_differences(tree, x, y):
    text = xy_text(tree)
    point = {"x": x, "y": y}
    names = [name for name in ("x", "y") if name in formula_names(text)]
    values = {name: point[name] for name in names}
    trail = Trail()
    try:
        expected = xy_value(tree, point, trail)
    except (ArithmeticError, ValueError):
        event("no finite value")
        with pytest.raises(FormulaError):
            build_graph(text, values)
        return
    root, leaves = build_graph(text, values)
    assert root.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    try:
        terms = gradient_terms(root)  # runs the backward pass
    except (ArithmeticError, ValueError):
        event("a derivative is not finite")  # sqrt at 0, ...: the engine says so
        return
    if any(abs(k) < 1e-3 for k in trail.kinks):
        event("near a kink")  # of relu or abs: no finite difference means anything there
        return
    for name in names:
        # A step relative to the coordinate, so that it never reaches across 0, where a
        # tiny coordinate may sit next to a pole (x*x/y at y = 1e-70).
        step = 1e-5 * (abs(point[name]) or 1.0)
        try:
            central = xy_central_difference(tree, point, name, step)
            coarse = xy_central_difference(tree, point, name, 10 * step)
            forward = (xy_value(tree, dict(point, **{name: point[name] + step})) - expected
                       ) / step
            backward = (expected - xy_value(tree, dict(point, **{name: point[name] - step}))
                        ) / step
        except (ArithmeticError, ValueError):
            event("no finite value a step away")
            continue
        # A difference quotient says something about the derivative only where the function
        # is smooth across the step: both steps agree, and so do both sides (they do not
        # where a pole, a kink or steep curvature lies within the step).
        scale = 1 + abs(central)
        if 1e-15 * trail.largest / step > 1e-6 * scale:
            event("rounding swamps the differences")  # x + 1/y with y near 0, ...
            continue
        if abs(central - coarse) > 1e-5 * scale or abs(forward - backward) > 1e-3 * scale:
            event("finite differences not converged")
            continue
        if 1e-12 * terms[id(leaves[name])] > 1e-5 * (1 + abs(leaves[name].grad)):
            event("the gradient's terms cancel")  # x/x at x = 1e-26: 1e26 - 1e26 in floats
            continue
        event("compared with finite differences")
        assert leaves[name].grad == pytest.approx(central, rel=1e-4, abs=1e-6), (text, name)
