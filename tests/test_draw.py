"""draw_graph(): what each node and edge shows, highlighting, grouping, and big graphs."""

import html
import json
import re
import shutil

import graphviz
import numpy as np
import pytest

from autodiff import Value, linear
from autodiff.engine import ops
from autodiff.engine.linear import LINEAR
from autodiff.language import reading
from autodiff.see.draw import draw_graph, escape
from autodiff.see.trace import trace
from nn import MLP

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def node_lines(dot: graphviz.Digraph) -> dict[str, str]:
    """Graphviz node id -> its statement, for the value (v…) and op (o…) nodes."""
    found = {}
    for line in dot.body:
        m = re.match(r"\s*([vo]\d+) \[", line)
        if m:
            found[m.group(1)] = line
    return found


def edges(dot: graphviz.Digraph) -> list[str]:
    return [line for line in dot.body if " -> " in line]


def test_value_nodes_show_label_data_and_grad(mazur_traced):
    _, loss, tr = mazur_traced
    dot = draw_graph(loss)
    assert isinstance(dot, graphviz.Digraph)
    assert "rankdir=LR" in dot.source
    lines = node_lines(dot)
    w5 = lines[f"v{tr.index(tr.node('w5'))}"]
    assert "<B>w5</B>" in w5 and "data 0.4000" in w5 and "grad 0.0822" in w5
    assert "#f" in w5  # filled by its (positive) gradient
    w7 = lines[f"v{tr.index(tr.node('w7'))}"]
    assert "grad -0.0226" in w7
    no_grad = node_lines(draw_graph(loss, show_grad=False))[f"v{tr.index(tr.node('w5'))}"]
    assert "grad" not in no_grad and "data 0.4000" in no_grad


def test_op_nodes_read_their_symbol_from_the_op_table(mazur_traced):
    _, loss, tr = mazur_traced
    lines = node_lines(draw_graph(loss))
    for node in tr.nodes:
        if node.inputs:
            line = lines[f"o{tr.index(node)}"]
            assert reading.symbol(node.op_entry, node.exponent) in line
    symbols = " ".join(lines.values())
    assert ops.SIGMOID.symbol in symbols and "**2" in symbols and LINEAR.symbol in symbols
    # Each op node sits between its inputs and its output.
    net = tr.index(tr.node("net_o1"))
    assert any(f"o{net} -> v{net}" in e for e in edges(draw_graph(loss)))


def test_highlight_an_explanation_marks_its_paths(mazur_traced):
    _, loss, tr = mazur_traced
    explanation = tr.explain("w1")
    dot = draw_graph(loss, highlight=explanation)
    purple = [e for e in edges(dot) if "#7b2cbf" in e]
    # Both paths, w1 → … → E_total: every node on them, every edge between them.
    on_path = [n for n in tr.nodes if n in explanation.nodes]
    assert {tr.node(x) for x in ("w1", "net_h1", "out_h1", "out_o1", "out_o2")} <= set(on_path)
    assert tr.node("w5") not in explanation.nodes
    expected = sum(1 for n in on_path if n.inputs) + sum(
        1 for n in on_path for x in n.inputs if x in explanation.nodes)
    assert len(purple) == expected
    lines = node_lines(dot)
    assert "#7b2cbf" in lines[f"v{tr.index(tr.node('w1'))}"]
    assert "#7b2cbf" not in lines[f"v{tr.index(tr.node('w5'))}"]


def test_highlight_by_label_and_bad_highlights(mazur_traced):
    _, loss, tr = mazur_traced
    lines = node_lines(draw_graph(loss, highlight=["w5", tr.node("b2")]))
    assert "#7b2cbf" in lines[f"v{tr.index(tr.node('w5'))}"]
    assert "#7b2cbf" in lines[f"v{tr.index(tr.node('b2'))}"]
    with pytest.raises(ValueError, match="no node labeled 'w9'"):
        draw_graph(loss, highlight="w9")
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw_graph(loss, highlight=Value(1.0))
    with pytest.raises(TypeError, match="highlight takes"):
        draw_graph(loss, highlight=[3.5])


def test_show_local_labels_each_input_edge_with_its_derivative(mazur_traced):
    _, loss, tr = mazur_traced
    dot = draw_graph(loss, show_local=True)
    w5, net = tr.index(tr.node("w5")), tr.index(tr.node("net_o1"))
    edge = next(e for e in edges(dot) if f"v{w5} -> o{net}" in e)
    assert "∂ 0.5933" in edge  # d net_o1 / d w5 = out_h1


def test_groups_are_boxes_and_collapse_makes_one_box_of_each(mazur_traced):
    _, loss, tr = mazur_traced
    inputs = [tr.node("i1"), tr.node("i2")]
    groups = draw_graph(loss, groups={"inputs": inputs}).source
    assert "label=<inputs>" in groups
    nested = {"hidden": {"h1": [tr.node("net_h1"), tr.node("out_h1")]}, "inputs": inputs}
    boxed = draw_graph(loss, groups=nested, collapse=["h1", "inputs"])
    lines = node_lines(boxed)
    assert f"v{tr.index(tr.node('net_h1'))}" not in lines and "<B>i1</B>" not in boxed.source
    # Groups are numbered outer before inner: hidden g0, inputs g1, h1 g2.
    assert re.search(r"g2 \[label=<.*<B>h1</B>.*2 nodes", boxed.source)
    # Edges into and out of a box are joined: one per pair of things drawn.
    assert sum(bool(re.match(r"\s*g1 -> g2 ", e)) for e in edges(boxed)) == 1
    assert any(re.match(r"\s*g2 -> o\d+", e) for e in edges(boxed))
    everything = draw_graph(loss, groups=nested, collapse=True).source
    assert "<B>h1</B>" in everything and "<B>net_h1</B>" not in everything
    with pytest.raises(ValueError, match="no group titled 'h9'"):
        draw_graph(loss, groups=nested, collapse=["h9"])


def test_a_big_graph_collapses_the_groups_away_from_its_focus():
    x = Value(0.3, "x")
    left, right = [], []
    a, b = x, x
    for _ in range(100):
        a = (a * 0.9).tanh()
        b = (b * 1.1).sigmoid()
        left += [a, a.inputs[0]]
        right += [b, b.inputs[0]]
    root = a + b
    root.label = "end"
    groups = {"left": left, "right": right}
    dot = draw_graph(root, groups=groups, focus=left[-1], max_nodes=150)
    assert "<B>right</B>" in dot.source  # the far group is one box
    assert "label=<left>" in dot.source  # the near one is open


def test_unlabeled_nodes_are_named_by_their_formula_everywhere(mazur_traced):
    _, loss, tr = mazur_traced
    lines = node_lines(draw_graph(loss))
    unlabeled = [n for n in tr.nodes if n.inputs and not n.label]
    assert [tr.name(n) for n in unlabeled] == [
        "0.01 − out_o1", "(0.01 − out_o1)²", "0.99 − out_o2", "(0.99 − out_o2)²"]
    for node in unlabeled:
        assert f"<B>{html.escape(tr.name(node))}</B>" in lines[f"v{tr.index(node)}"]
    # Samples that share a label are told apart, in the picture as in the trace.
    w = Value(0.5, "w")
    outs = []
    for x in (1.0, 2.0, 3.0):
        out = (w * x).tanh()
        out.label = "out"
        outs.append(out)
    total = outs[0] + outs[1] + outs[2]
    t = trace(total)
    assert [t.name(o) for o in outs] == ["out[0]", "out[1]", "out[2]"]
    assert t.node("out[1]") is outs[1]
    assert f"<B>{escape('out[2]')}</B>" in draw_graph(total).source


HOSTILE = ["]", "a\nb", "tab\there", "bell\x07", "%%DATA%%", "<img src=x onerror=alert(1)>",
           "back\\slash\\l", '"quoted"', "{braces}", "&amp;", "", "\u2028"]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE)
def test_any_label_draws(label):
    x = Value(1.5, label)
    y = (x * 2.0).tanh()
    y.label = label + "!"
    dot = draw_graph(y, groups={label: [x]}, title=label)
    svg = dot.pipe("svg").decode()
    assert "<svg" in svg
    assert "<img" not in svg and "\x07" not in svg
    text = reading.printable(label)
    if text.isalnum() or text.startswith("<"):
        assert html.escape(text)[:8] in svg


def test_a_big_graph_is_cut_down_around_its_focus():
    x = Value(0.1, "x")
    node = x
    for _ in range(5000):
        node = (node * 0.999).tanh()
    node.label = "end"
    dot = draw_graph(node, max_nodes=40)
    values = [k for k in node_lines(dot) if k.startswith("v")]
    assert len(values) == 40
    assert "showing 40 of 15,001 value nodes, those nearest end" in dot.source
    assert "more input" in dot.source  # the cut edges are marked
    focused = draw_graph(node, focus="x", max_nodes=10)
    assert "<B>x</B>" in focused.source and "<B>end</B>" not in focused.source
    assert "used further on" in focused.source
    everything = draw_graph(x * 2.0, max_nodes=None)
    assert len(node_lines(everything)) == 4


def test_batch_nodes_show_shape_and_summary_not_every_number():
    x = Value(np.linspace(-1.0, 1.0, 10_000), "x")
    w = Value(0.5, "w")
    loss = (w * x).tanh().mean()
    loss.backward()
    dot = draw_graph(loss)
    assert "data shape (10000,)" in dot.source and "mean 0" in dot.source
    assert len(dot.source) < 10_000


def test_labels_are_escaped():
    odd = Value(1.0, "<a & b>") * 2.0
    source = draw_graph(odd).source
    assert "&lt;a &amp; b&gt;" in source


def test_bad_arguments():
    with pytest.raises(TypeError, match="needs a Value"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(Value(1.0), rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(Value(1.0), max_nodes=0)


@needs_dot
def test_renders_to_svg_with_node_ids(mazur_traced):
    _, loss, tr = mazur_traced
    svg = draw_graph(loss, highlight=tr.explain("w5"), title="mazur_traced").pipe("svg").decode()
    assert "<svg" in svg
    assert f'id="v{tr.index(tr.node("w5"))}"' in svg
    assert "grad 0.0822" in svg
    # In a notebook the picture keeps its size but shrinks to fit the column.
    shown = draw_graph(loss)._repr_mimebundle_()["image/svg+xml"]
    assert '<svg style="max-width:100%;height:auto" width="' in shown
    weird = linear([Value(1.0, "<w>")], [2.0], Value(0.0, "b&"))
    assert "<svg" in draw_graph(weird).pipe("svg").decode()


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH without Graphviz's `dot`."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_without_dot_a_notebook_shows_the_dot_source_and_a_hint(mazur_traced, no_dot):
    from IPython.core.formatters import DisplayFormatter

    _, loss, _ = mazur_traced
    dot = draw_graph(loss, title="a <b> & c")
    assert isinstance(dot, graphviz.Digraph)
    with pytest.raises(graphviz.ExecutableNotFound):
        dot.pipe("svg")  # dot really is missing here
    # What Jupyter does to show the value of a cell: no exception, the source and a hint.
    shown, _ = DisplayFormatter().format(dot)
    assert "image/svg+xml" not in shown
    page = shown["text/html"]
    source = page[page.index("<pre>") + 5: page.rindex("</pre>")]
    assert "<" not in source and html.unescape(source) == dot.source  # shown, never run
    assert source.startswith("digraph autodiff {")
    hint = page[: page.index("<pre>")]
    assert "not found" in hint and "apt install graphviz" in hint and "\n" not in hint
    assert "apt install graphviz" in shown["text/plain"]
    # The collapsed view of a big model is the same kind of drawing.
    model = MLP(2, [8, 8, 1], seed=0)
    out = Value(0.0)
    for a in range(20):
        out = out + model([float(a), 1.0])
    assert "<pre>" in DisplayFormatter().format(draw_graph(out, model=model))[0]["text/html"]


@needs_dot
def test_with_dot_a_notebook_shows_the_picture(mazur_traced):
    from IPython.core.formatters import DisplayFormatter

    _, loss, _ = mazur_traced
    shown, _ = DisplayFormatter().format(draw_graph(loss))
    assert "<svg" in shown["image/svg+xml"]


@needs_dot
def test_a_lone_surrogate_label_draws_and_saves(tmp_path):
    x = Value(1.5, "\ud800")
    y = x * x
    y.label = "y\udfff"
    y.backward()
    svg = draw_graph(y, title="t\ud800").pipe(format="svg").decode("utf-8")
    assert "\\ud800" in svg and "y\\udfff" in svg  # shown as its code, as a control is
    path = trace(y).page(title="\ud800").save(tmp_path / "p.html")
    text = path.read_text(encoding="utf-8")
    assert "\\\\ud800" in text or "\\ud800" in text
    # The last guard: a lone surrogate that reaches the page's data is a JSON escape, so the
    # page saves (a slip's sentence once named a gradient by its raw label).
    from autodiff.see.page import _script_json

    data = _script_json({"text": "d(y)/dy\udfff"})
    assert data.encode("utf-8") and json.loads(data) == {"text": "d(y)/dy\udfff"}


def test_a_cut_does_not_walk_through_a_shared_leaf():
    x = Value(0.5, "x")
    node = x
    for _ in range(199):
        node = node + x
    node.label = "end"
    dot = draw_graph(node, max_nodes=40)
    shown = sorted(int(k[1:]) for k in node_lines(dot) if k.startswith("v"))
    # The 39 steps before the end and x: one unbroken stretch, not x's users far and wide.
    assert shown == [0, *range(161, 200)]
    assert "more input" in dot.source
