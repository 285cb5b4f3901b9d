"""The compiled source where Python's tools read it: `inspect`, tracebacks, one name per graph."""

from __future__ import annotations

import gc
import inspect
import linecache
import traceback

import numpy as np

from autodiff import Value, compile_graph
from nn import MLP, examples, losses


def test_getsource_of_the_function_is_the_source():
    example = examples.mazur()
    compiled = compile_graph(example.loss(), example.weights())
    assert inspect.getsource(compiled.function) == compiled.source
    assert inspect.getsourcefile(compiled.function).startswith("<compiled E_total #")


def test_each_compiled_graph_has_its_own_name_and_lines():
    x = Value(2.0, "x")
    first = compile_graph(x * x, [x])
    second = compile_graph(x * x + x.exp(), [x])  # the same root name, another source
    names = {inspect.getsourcefile(c.function) for c in (first, second)}
    assert len(names) == 2
    assert inspect.getsource(first.function) == first.source
    assert inspect.getsource(second.function) == second.source


def test_a_traceback_into_the_function_shows_the_generated_line():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    compiled = compile_graph((x * y).log(), [x, y])
    try:
        compiled.function("a", "b")  # a str times a str: fails on the first statement
    except TypeError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
    else:
        raise AssertionError("a str input must fail inside the compiled function")
    assert frame.filename == inspect.getsourcefile(compiled.function)
    assert frame.line == compiled.source.splitlines()[frame.lineno - 1].strip()
    assert "x * y" in frame.line


def test_the_lines_live_as_long_as_the_function():
    x = Value(2.0, "x")
    compiled = compile_graph(x * x, [x])
    filename = inspect.getsourcefile(compiled.function)
    linecache.checkcache()  # what tools call before reading: our entry stays
    assert filename in linecache.cache
    del compiled
    gc.collect()  # the function's globals hold it: a cycle, collected by the collector
    assert filename not in linecache.cache


def test_the_vector_function_reads_back_too():
    model = MLP(2, [16, 1], activation="tanh", out_activation="linear")
    X = np.random.default_rng(0).normal(size=(10, 2))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    loss = losses.hinge(model([X[:, 0], X[:, 1]]), y) + 1e-4 * losses.l2(model.parameters())
    compiled = compile_graph(loss, model.parameters(), backend="numpy")
    assert compiled.source.startswith("def value_and_grad_p(p):")  # two functions
    lines, start = inspect.findsource(compiled.function)
    assert "".join(lines) == compiled.source
    assert compiled.source.endswith(inspect.getsource(compiled.function))
    vector = compiled.function.__globals__["value_and_grad_p"]
    assert compiled.source.startswith(inspect.getsource(vector))
