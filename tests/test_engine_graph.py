"""Graph walks: topological order, deep chains, random graphs against finite differences."""

import gc

import pytest
from conftest import FORMS, away_from_kinks, random_graphs
from hypothesis import assume, given, settings

from autodiff import Value, gradcheck, topological_order
from autodiff.engine.linear import LINEAR
from autodiff.engine.ops import OPS


def test_topological_order_inputs_first_root_last_each_once():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node.inputs:
            assert position[id(child)] < position[id(node)]


def test_topological_order_is_deterministic():
    def labels():
        x = Value(1.0, "x")
        y = Value(2.0, "y")
        z = (x * y + y).tanh() * x
        return [n.label or n.op for n in topological_order(z)]

    assert labels() == labels() == ["x", "y", "*", "+", "tanh", "*"]


def test_million_node_chain_backward_without_recursion():
    x = Value(1.0, "x")
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y = y + 0.0
    y.backward()
    assert x.grad == 1.0
    del y  # freeing the chain must not overflow the C stack either
    gc.collect()


def test_backward_restores_the_garbage_collector_state():
    x = Value(2.0)
    assert gc.isenabled()
    (x * x).backward()
    assert gc.isenabled()
    gc.disable()
    try:
        (x * x).backward()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_graph_has_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Value(1.0)
        y = ((x * 2).tanh() + x).exp()
        y.backward()
        del x, y
        assert gc.collect() == 0
    finally:
        gc.enable()


@settings(max_examples=150, deadline=None)
@given(graph=random_graphs())
def test_random_graphs_match_central_differences(graph):
    xs = list(graph.point)
    assume(away_from_kinks(graph.build, xs))  # a filtered example is not counted as a pass
    assert gradcheck(graph.build, xs, eps=1e-6, atol=1e-4, rtol=1e-3)


@settings(max_examples=50, deadline=None)
@given(graph=random_graphs())
def test_second_backward_adds_the_same_gradients(graph):
    values = graph.leaves()
    root = graph.build(*values)  # builds at its own point: a step that overflows is left out
    root.backward()
    first = [v.grad for v in values]
    root.backward()
    assert [v.grad for v in values] == pytest.approx([2 * g for g in first], rel=1e-12, abs=1e-12)


def test_random_graphs_cover_every_op_of_the_table():
    """The shared strategy draws every op the engine has: a new row needs a form in conftest."""
    made = set()
    for name, form in FORMS.items():
        inputs = [Value(0.5 + k / 10) for k in range(max(form.reads))]  # inside every domain
        for make in (form.raw, form.safe or form.raw):
            node = make(0.5, *inputs)
            assert node.op_entry is form.op, (name, node.op_entry)
            made.add(node.op_entry)
    assert made == {*OPS, LINEAR}


def test_gc_paused_pauses_and_restores():
    from autodiff import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        x = Value(1.0)
        (x * x).backward()
    assert gc.isenabled() and x.grad == 2.0
    with pytest.raises(ZeroDivisionError), gc_paused():
        x / 0
    assert gc.isenabled()
