"""trace(): the recorded passes, and explain(): the chain rule, checked on the textbook network."""

import math

import numpy as np
import pytest
from conftest import random_graphs
from hypothesis import given

from autodiff import Value
from autodiff.language.numbers import format_number
from autodiff.see.trace import Explanation, trace
from nn.examples import mazur

# --- the record -------------------------------------------------------------------------------


def test_public_names_come_from_the_package():
    import autodiff

    root = Value(2.0, "x") * Value(3.0, "y")
    tr = autodiff.trace(root)
    assert isinstance(tr, autodiff.Trace)
    from autodiff import Trace as PublicTrace
    from autodiff import trace as public_trace

    assert isinstance(public_trace(root), PublicTrace)


def test_forward_steps_are_the_evaluation_order(textbook):
    steps = textbook.forward
    assert steps[-1].node is textbook.root
    seen = set()
    for step in steps:
        assert all(x in seen for x in step.inputs)  # inputs come first
        assert step.op == step.node.op
        assert step.inputs == step.node.inputs
        assert step.value == step.node.data
        seen.add(step.node)
    values = {s.node.label: s.value for s in steps if s.node.label}
    assert values["net_h1"] == pytest.approx(0.3775)
    assert values["out_h1"] == pytest.approx(0.593269992, abs=1e-9)
    assert values["out_o1"] == pytest.approx(0.75136507, abs=1e-8)
    assert values["E_total"] == pytest.approx(0.298371109, abs=1e-9)


def test_backward_steps_record_upstream_local_and_contribution(textbook):
    first = textbook.backward[0]
    assert first.node is textbook.root and first.upstream == 1.0
    for step in textbook.backward:
        assert step.upstream == step.node.grad  # a node passes on its complete gradient
        assert len(step.edges) == len(step.node.inputs)
        for edge, child, local in zip(step.edges, step.node.inputs, step.node.local_grads):
            assert edge.input is child and edge.local == local
            assert edge.contribution == local * step.upstream
    # Summing every contribution a node received gives its gradient.
    received: dict = {}
    for step in textbook.backward:
        for edge in step.edges:
            received[edge.input] = received.get(edge.input, 0.0) + edge.contribution
    w5 = textbook.node("w5")
    assert received[w5] == w5.grad == pytest.approx(0.082167041, abs=1e-9)


def test_trace_zeroes_the_gradients_first():
    example = mazur()
    loss = example.loss()
    loss.backward()
    loss.backward()  # gradients now doubled
    tr = trace(loss)
    assert tr.node("w5").grad == pytest.approx(0.082167041, abs=1e-9)
    assert tr.grad("w1") == pytest.approx(0.000438568, abs=1e-9)


def test_node_lookup_errors_name_the_problem(textbook):
    with pytest.raises(KeyError, match="no node labeled 'w9'.*w1"):
        textbook.node("w9")
    a = Value(1.0, "a")
    twice = Value(2.0, "a") * a
    with pytest.raises(KeyError, match="2 nodes are labeled 'a'"):
        trace(twice).node("a")
    with pytest.raises(TypeError, match="label"):
        textbook.node(3)
    with pytest.raises(ValueError, match="not a node of this graph"):
        textbook.explain(Value(1.0, "elsewhere"))
    with pytest.raises(TypeError, match="needs a Value"):
        trace(1.0)


def test_text_and_html_tables(textbook):
    text = str(textbook)
    assert text.startswith("Forward pass")
    assert "Backward pass" in text
    assert "out_o1" in text and "0.18681560" in text and "0.08216704" in text
    page = textbook._repr_html_()
    assert page.count("<table>") == 2 and "0.08216704" in page
    # Labels are escaped, never markup.
    odd = Value(1.0, "<b>x</b>") * 2.0
    assert "&lt;b&gt;x&lt;/b&gt;" in trace(odd)._repr_html_()
    assert "Trace of" in repr(textbook)


# --- explain ---------------------------------------------------------------------------------


def test_explain_w5_is_the_textbook_line(textbook):
    explanation = textbook.explain("w5")
    assert isinstance(explanation, Explanation)
    assert str(explanation) == "dE_total/dw5 = 0.74136507 × 0.18681560 × 0.59326999 = 0.08216704"
    (path,) = explanation.paths
    # dE_total/dE_o1 = 1 is kept as a factor, only left out of the printed line.
    assert [f.name for f in path.factors] == [
        "dE_total/dE_o1", "dE_o1/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5"]
    assert [f.local for f in path.factors][0] == 1.0
    # The factor across the unlabeled nodes of E_o1 = ½ (target - out_o1)² is their product.
    assert path.factors[1].local == pytest.approx(0.74136507, abs=1e-8)
    assert explanation.total == textbook.node("w5").grad


def test_explain_w1_sums_two_paths(textbook):
    explanation = textbook.explain("w1")
    assert len(explanation.paths) == 2
    assert [p.names for p in explanation.paths] == [
        ["E_total", "E_o1", "out_o1", "net_o1", "out_h1", "net_h1", "w1"],
        ["E_total", "E_o2", "out_o2", "net_o2", "out_h1", "net_h1", "w1"],
    ]
    assert sum(p.product for p in explanation.paths) == pytest.approx(explanation.total)
    assert explanation.total == pytest.approx(textbook.node("w1").grad, rel=1e-12)
    assert format_number(explanation.total) == "0.00043857"
    lines = str(explanation).splitlines()
    assert lines[0] == "dE_total/dw1 = 0.00066840 - 0.00022983 = 0.00043857"
    assert lines[2].strip() == (
        "0.74136507 × 0.18681560 × 0.40000000 × 0.24130071 × 0.05000000 = 0.00066840")


def test_explain_a_node_one_step_away_and_the_root(textbook):
    assert str(textbook.explain("E_o1")) == "dE_total/dE_o1 = 1.00000000"
    assert str(textbook.explain("net_o1")) == (
        "dE_total/dnet_o1 = 0.74136507 × 0.18681560 = 0.13849856")
    assert str(textbook.explain("E_total")) == "dE_total/dE_total = 1.00000000"


def test_paths_are_counted_without_listing_them_and_formulas_are_bracketed(textbook):
    assert textbook.count_paths("b1") == 4 == len(textbook.explain("b1").paths)
    assert textbook.count_paths("w5") == 1
    square = textbook.node("(0.01 − out_o1)²")  # an unlabeled node, found by its name
    explanation = textbook.explain(square)
    assert explanation.name == "dE_total/d((0.01 − out_o1)²)"
    assert str(explanation) == "dE_total/d((0.01 − out_o1)²) = 0.50000000"


def test_a_reused_node_is_one_factor_with_the_summed_derivative():
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    explanation = trace(y).explain(x)
    (path,) = explanation.paths
    assert path.factors[0].local == 6.0  # d(x·x)/dx = 2x, both edges between the same labels
    assert explanation.total == x.grad == 6.0


def test_a_diamond_has_one_path_per_branch():
    a = Value(0.7, "a")
    b = a.tanh()
    b.label = "b"
    c = a.exp()
    c.label = "c"
    d = b * c
    d.label = "d"
    explanation = trace(d).explain("a")
    assert [p.names for p in explanation.paths] == [["d", "b", "a"], ["d", "c", "a"]]
    expected = (1 - math.tanh(0.7) ** 2) * math.exp(0.7) + math.tanh(0.7) * math.exp(0.7)
    assert explanation.total == pytest.approx(expected, rel=1e-12)


def test_too_many_paths_are_refused_with_advice():
    x = Value(1.0, "x")
    node = x
    for i in range(12):  # each level doubles the number of labeled paths: 2**12
        left = node * 1.0
        left.label = f"l{i}"
        right = node * 1.0
        right.label = f"r{i}"
        node = left + right
        node.label = f"s{i}"
    tr = trace(node)
    with pytest.raises(ValueError, match="4,096 paths.*max_paths"):
        tr.explain("x")
    assert tr.explain("x", max_paths=5000).total == x.grad == 4096.0


def _many_paths_below_a_formula():
    """A root 2**7 labeled paths above `x − y`, an unlabeled node named by its formula."""
    x, y = Value(3.0, "x"), Value(1.0, "y")
    node = x - y
    for i in range(7):
        left = node * 2.0
        left.label = f"l{i}"
        right = node * 3.0
        right.label = f"r{i}"
        node = left + right
        node.label = f"s{i}"
    node.label = "loss"
    return node


def test_a_formula_name_after_d_is_bracketed_everywhere():
    # d(x − y), never dx − y: the latter reads as a difference of dx and y.
    from autodiff.language.reading import derivative_name
    from autodiff.see.page import page_data

    assert derivative_name("E_total", "w5") == "dE_total/dw5"
    assert derivative_name("E_total", "0.99 − out_o2") == "dE_total/d(0.99 − out_o2)"
    assert derivative_name("(0.99 − out_o2)²", "0.99 − out_o2") == \
        "d((0.99 − out_o2)²)/d(0.99 − out_o2)"  # not (d(0.99 − out_o2))²
    tr = trace(_many_paths_below_a_formula())
    target = tr.node("x − y")
    assert tr.count_paths(target) == 128 and tr.grad(target) == 5.0 ** 7
    with pytest.raises(ValueError, match=r"^dloss/d\(x − y\) runs along 128 paths"):
        tr.explain(target, max_paths=100)
    # The page's line for a node with too many paths to list (more than 64).
    entry = page_data(tr)["explain"][str(tr.index(target))]
    assert entry["line"] == "dloss/d(x − y) = the sum of 128 paths = 78125.00000000"
    assert tr.explain(target, max_paths=128).name == "dloss/d(x − y)"


def test_batch_mode_explain_sums_over_samples():
    w = Value(0.5, "w")
    xs = Value(np.array([1.0, 2.0, 3.0]), "x")
    loss = (w * xs).tanh().sum()
    loss.label = "L"
    tr = trace(loss)
    explanation = tr.explain(w)
    assert explanation.total == pytest.approx(w.grad, rel=1e-12)
    expected = float(np.sum((1 - np.tanh(0.5 * np.array([1.0, 2.0, 3.0])) ** 2) * [1, 2, 3]))
    assert w.grad == pytest.approx(expected, rel=1e-12)
    assert "shape (3,)" in str(tr)


@given(random_graphs(batch=None))  # every op, some nodes labeled, numbers or batches
def test_explain_total_is_the_gradient_on_random_graphs(graph):
    leaves = graph.leaves()
    tr = trace(graph.build(*leaves))
    for leaf in leaves:
        if leaf not in tr._index:
            continue
        explanation = tr.explain(leaf)
        assert np.allclose(explanation.total, leaf.grad, rtol=1e-9, atol=1e-12)
        assert np.shape(explanation.total) == np.shape(leaf.grad)


def test_explain_through_a_reduction_in_batch_mode():
    # A path through sum() mixes the samples: each sample's share is the sum over all of them.
    x = Value(np.array([1.0, 2.0, 3.0]), "x")
    root = (x.sum() * x).mean()
    tr = trace(root)
    assert x.grad.tolist() == [4.0, 4.0, 4.0]
    assert tr.explain(x).total.tolist() == [4.0, 4.0, 4.0]  # one stretch, nothing labeled
    s = x.sum()
    s.label = "s"
    root = (s * x).mean()
    explanation = trace(root).explain(x)  # two paths: through s, and straight to x
    assert explanation.total.tolist() == [4.0, 4.0, 4.0]
    assert [p.product.tolist() for p in explanation.paths] == [[2.0, 2.0, 2.0]] * 2


def test_format_number():
    assert format_number(0.082167041) == "0.08216704"
    assert format_number(-0.0) == "0.00000000"
    assert format_number(1.5e-7) == "1.50000000e-07"
    assert format_number(np.array([1.0, 3.0])).startswith("shape (2,), mean 2.00000000")


@given(random_graphs(batch=False))  # numbers only: each path one product to rank
def test_top_paths_are_the_largest_of_every_path_on_random_graphs(graph):
    leaves = graph.leaves()
    tr = trace(graph.build(*leaves))
    for leaf in leaves:
        if leaf not in tr._index or tr.count_paths(leaf) > 200:
            continue
        every = tr.explain(leaf, max_paths=200).paths
        found = tr.top_paths(leaf, 3)
        if found is None:  # an undefined slope on the way: nothing to rank
            continue
        top, count = found
        assert count == len(every)
        want = sorted((abs(p.product) for p in every), reverse=True)[:3]
        assert [abs(p.product) for p in top] == pytest.approx(want, rel=1e-9, abs=1e-300)
        names = {tuple(p.names) for p in every}
        assert all(tuple(p.names) in names for p in top)


def test_top_paths_rank_the_textbook_paths_without_listing_them(textbook):
    top, count = textbook.top_paths("b1", 2)
    assert count == 4 and [p.product for p in top] == pytest.approx([0.01499608, 0.01336792],
                                                                    abs=1e-8)
    assert top[0].names[:3] == ["E_total", "E_o1", "out_o1"] and top[0].names[-1] == "b1"
