"""Where the engine refuses an op's inputs, the compiled code refuses them too (issue 13).

Calling a compiled graph equals building the graph anew and calling backward(): so where
building it raises (an input outside an op's `domain` in the op table), the compiled function
raises the same error class, with the engine's message naming the op and the node, even where
the bad value would not show in the answer (masked here by `** 0.0`, and no gradient asked).
"""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Value, compile_graph
from autodiff.engine import ops

# case: (the op, a graph of x, a good x, a bad x, the engine's error at the bad x)
SCALAR_CASES = {
    "/": ("/", lambda x: (1.0 / x) ** 0.0, 2.0, 0.0, ZeroDivisionError),
    "log": ("log", lambda x: x.log() ** 0.0, 2.0, -1.0, ValueError),
    "sqrt": ("sqrt", lambda x: x.sqrt() ** 0.0, 2.0, -1.0, ValueError),
    "** const": ("**", lambda x: (x ** 0.5) ** 0.0, 2.0, -4.0, ValueError),
    "** const, zero base": ("**", lambda x: (x ** -1.0) ** 0.0, 2.0, 0.0, ValueError),
    # The issue's case: x ** c and d/dx exist at x = -2, but d/dc = x**c log x does not.
    "** Value": ("**", lambda x: x ** Value(3.0), 2.0, -2.0, ValueError),
    "** Value, zero base": ("**", lambda x: x ** Value(2.0), 2.0, 0.0, ValueError),
}
BATCH_CASES = {
    **{name: (op, lambda x, f=f: f(x).sum(), np.array([good, good]), np.array([good, bad]),
              error)
       for name, (op, f, good, bad, error) in SCALAR_CASES.items()},
    "mean of empty": ("mean", lambda x: x.mean() ** 0.0, np.array([1.0, 2.0]), np.array([]),
                      ValueError),
}
CASES = [("python", name, *case) for name, case in SCALAR_CASES.items()]
CASES += [("numpy", name, *case) for name, case in SCALAR_CASES.items()]  # floats, numpy
CASES += [("numpy", f"{name}, batch", *case) for name, case in BATCH_CASES.items()]


def engine_error(graph, bad) -> Exception:
    """What building the graph anew at `bad` and calling backward() raises."""
    with pytest.raises(Exception) as caught:
        graph(Value(bad, "x")).backward()
    return caught.value


@pytest.mark.parametrize("backend, name, op, graph, good, bad, error", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_compiled_code_refuses_where_the_engine_does(backend, name, op, graph, good, bad,
                                                         error):
    x = Value(good, "x")
    root = graph(x)
    # No gradient asked for where the value is masked: nothing but the check can refuse.
    compiled = compile_graph(root, [x], backend=backend, wrt=[x] if "Value" in name else [])
    assert compiled(good)[0] == root.data
    want = engine_error(graph, bad)
    assert type(want) is error
    with pytest.raises(error) as through_call:
        compiled(bad)
    assert str(through_call.value) == str(want)  # rebuilt by the engine: its very words
    with pytest.raises(error) as through_function:
        compiled.function(bad)  # the raw function, no fallback: it refuses by itself
    assert str(through_function.value).startswith(f"{op}: ")
    assert "node 'x'" in str(through_function.value)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_the_issue_example(backend):
    # x ** c with a constant Value exponent: the forward value and d/dx exist at x = -2, but
    # the engine refuses (d/dc = x**c log x needs x > 0), so the compiled code must too.
    x, c = Value(2.0, "x"), Value(3.0)
    compiled = compile_graph(x ** c, [x], backend=backend)
    assert compiled(2.0) == (8.0, [12.0])
    with pytest.raises(ValueError, match=r"\*\*: x \*\* y with a Value exponent needs x > 0"):
        compiled(-2.0)
    with pytest.raises(ValueError, match="needs x > 0"):
        Value(-2.0) ** c


def test_every_op_with_a_domain_is_covered_here():
    with_domain = {op for op in ops.OPS if op.domain}
    covered = {ops.DIV, ops.LOG, ops.SQRT, ops.POW, ops.POW_VALUE, ops.MEAN}
    assert with_domain == covered
    assert {case[0] for case in BATCH_CASES.values()} == {op.name for op in covered}


def test_no_check_where_the_domain_always_holds():
    # x ** 2 takes any x, a constant divisor is not zero, a scalar's mean has one sample: no
    # check is written for them, so the textbook's code reads as before.
    x = Value(1.5, "x")
    source = compile_graph((x ** 2 + x / 2.0 + x.mean()) * 3.0, [x]).source
    assert "out_of_domain" not in source and "if " not in source
    checked = compile_graph(x.log() + x ** 0.5, [x]).source
    assert "    if not x > 0:" in checked and "    if not (x > 0) | (x == 0):" in checked

