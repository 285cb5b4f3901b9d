"""draw_graph(): what each node and edge shows, highlighting, grouping, and big graphs."""

import html
import re
import shutil

import graphviz
import numpy as np
import pytest

from autodiff import Value, linear
from autodiff.engine import ops
from autodiff.engine.linear import LINEAR
from autodiff.see import reading
from autodiff.see.draw import draw_graph
from autodiff.see.trace import trace
from nn import MLP
from nn.examples import mazur

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


@pytest.fixture
def textbook():
    example = mazur()
    loss = example.loss()
    return example, loss, trace(loss)


def test_value_nodes_show_label_data_and_grad(textbook):
    _, loss, tr = textbook
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


def test_op_nodes_read_their_symbol_from_the_op_table(textbook):
    _, loss, tr = textbook
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


def test_highlight_an_explanation_marks_its_paths(textbook):
    _, loss, tr = textbook
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


def test_highlight_by_label_and_bad_highlights(textbook):
    _, loss, tr = textbook
    lines = node_lines(draw_graph(loss, highlight=["w5", tr.node("b2")]))
    assert "#7b2cbf" in lines[f"v{tr.index(tr.node('w5'))}"]
    assert "#7b2cbf" in lines[f"v{tr.index(tr.node('b2'))}"]
    with pytest.raises(ValueError, match="no node labeled 'w9'"):
        draw_graph(loss, highlight="w9")
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw_graph(loss, highlight=Value(1.0))
    with pytest.raises(TypeError, match="highlight takes"):
        draw_graph(loss, highlight=[3.5])


def test_show_local_labels_each_input_edge_with_its_derivative(textbook):
    _, loss, tr = textbook
    dot = draw_graph(loss, show_local=True)
    w5, net = tr.index(tr.node("w5")), tr.index(tr.node("net_o1"))
    edge = next(e for e in edges(dot) if f"v{w5} -> o{net}" in e)
    assert "∂ 0.5933" in edge  # d net_o1 / d w5 = out_h1


def test_grouping_by_layer_and_neuron(textbook):
    example, loss, tr = textbook
    source = draw_graph(loss, model=example.model).source
    # Clusters nest: layer 1 holds neuron h1, which holds w1, its linear node and out_h1.
    h1 = source[source.index("label=h1"):]
    h1 = h1[: h1.index("}")]
    for label in ("w1", "w2", "net_h1", "out_h1"):
        assert f"<B>{label}</B>" in h1
    assert "<B>w3</B>" not in h1
    assert "label=\"layer 1\"" in source and "label=\"layer 2 (output)\"" in source
    groups = draw_graph(loss, groups={"inputs": [tr.node("i1"), tr.node("i2")]}).source
    assert "label=inputs" in groups
    with pytest.raises(TypeError, match="layers"):
        draw_graph(loss, model=object())


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


def test_a_big_model_is_collapsed_to_one_box_per_neuron():
    model = MLP(2, [8, 8, 1], seed=0)
    rng = np.random.default_rng(0)
    loss = Value(0.0)
    for a, b in rng.normal(size=(20, 2)):
        out = model([float(a), float(b)])
        loss = loss + out * out
    loss.label = "loss"
    loss.backward()
    dot = draw_graph(loss, model=model)
    source = dot.source
    assert "drawn as one box per neuron" in source
    assert source.count("weights</FONT>") == 17  # 8 + 8 + 1 neurons
    assert "layer 3 (output) · 1 neuron" in source
    assert len(source) < 20_000
    # With a focus, the nodes themselves are drawn instead.
    focused = draw_graph(loss, model=model, focus=model.layers[0].neurons[0].w[0], max_nodes=30)
    assert "one box per neuron" not in focused.source


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
def test_renders_to_svg_with_node_ids(textbook):
    _, loss, tr = textbook
    svg = draw_graph(loss, highlight=tr.explain("w5"), title="textbook").pipe("svg").decode()
    assert "<svg" in svg
    assert f'id="v{tr.index(tr.node("w5"))}"' in svg
    assert "grad 0.0822" in svg
    weird = linear([Value(1.0, "<w>")], [2.0], Value(0.0, "b&"))
    assert "<svg" in draw_graph(weird).pipe("svg").decode()


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH without Graphviz's `dot`."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_without_dot_a_notebook_shows_the_dot_source_and_a_hint(textbook, no_dot):
    from IPython.core.formatters import DisplayFormatter

    _, loss, _ = textbook
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
def test_with_dot_a_notebook_shows_the_picture(textbook):
    from IPython.core.formatters import DisplayFormatter

    _, loss, _ = textbook
    shown, _ = DisplayFormatter().format(draw_graph(loss))
    assert "<svg" in shown["image/svg+xml"]
