"""nn.drawing: what an MLP's graph groups into, and the summary of a model too big to draw."""

import json
import re
import shutil

import numpy as np
import pytest

from autodiff import Value, topological_order
from autodiff.see.draw import draw_graph
from autodiff.see.page import page_html
from autodiff.see.trace import trace
from nn import MLP, drawing, losses

# Where a neuron's leaves stand is Graphviz's layout: these read it, so they need `dot`.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def test_grouping_by_layer_and_neuron(mazur_traced):
    example, loss, tr = mazur_traced
    source = draw_graph(loss, model=example.model).source
    # Clusters nest: layer 1 holds neuron h1, which holds w1, its linear node and out_h1.
    h1 = source[source.index("label=<h1>"):]
    h1 = h1[: h1.index("}")]
    for label in ("w1", "w2", "net_h1", "out_h1"):
        assert f"<B>{label}</B>" in h1
    assert "<B>w3</B>" not in h1
    assert "label=<layer 1>" in source and "label=<layer 2 (output)>" in source
    with pytest.raises(TypeError, match="layers"):
        draw_graph(loss, model=object())
    with pytest.raises(TypeError, match="layers"):
        drawing.groups(object(), tr.nodes)
    # What nn says belongs together is plain data, for groups= (and the page) to use.
    found = drawing.groups(example.model, tr.nodes)
    assert set(found) == {"layer 1", "layer 2 (output)"}
    assert [tr.name(n) for n in found["layer 1"]["h1"]] == ["w1", "w2", "net_h1", "out_h1"]
    assert found["layer 1"]["b1 (shared)"] == [tr.node("b1")]


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




def test_several_samples_get_a_box_each_and_share_the_neurons():
    model = MLP(2, [3, 1], seed=0)
    loss = Value(0.0)
    for a, b in ((0.1, 0.2), (0.3, -0.4), (-0.5, 0.6)):
        out = model([a, b])
        loss = loss + (out - 1.0) ** 2
    loss.label = "loss"
    tr = trace(loss)
    found = drawing.groups(model, tr.nodes)
    assert list(found) == ["layer 1", "layer 2 (output)", "sample 0", "sample 1", "sample 2"]
    # A neuron's box holds its parameters and its nodes for every sample.
    h1 = [tr.name(n) for n in found["layer 1"]["h1"]]
    assert h1[:3] == ["h1.w1", "h1.w2", "h1.b"]
    assert {"net_h1[0]", "out_h1[0]", "net_h1[2]", "out_h1[2]"} <= set(h1)
    assert [tr.name(n) for n in found["sample 1"]][:2] == ["x1[1]", "x2[1]"]
    assert tr.node("loss") not in {n for nodes in found.values() if isinstance(nodes, list)
                                   for n in nodes}


def _one_sample_mlp() -> tuple[Value, MLP]:
    """MLP(2, [4, 4, 1]) on one sample with binary cross-entropy: the reported drawing."""
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([Value(0.5, "x1"), Value(-1.0, "x2")])
    loss = losses.binary_cross_entropy(out, 1)
    loss.label = "loss"
    loss.backward()
    return loss, model


def _laid_out(dot) -> dict[str, tuple[float, float]]:
    """Each node's centre in Graphviz's own layout (y pointing up)."""
    laid = json.loads(dot.pipe(format="json0"))
    return {o["name"]: tuple(map(float, o["pos"].split(","))) for o in laid["objects"]
            if "pos" in o}


def _out_of_order(model, position, index, own_bias: bool = True) -> list[str]:
    """The neurons whose w1, w2, …, b do not stand in that order, as `position` reads them:
    each neuron's parameters sorted by where they stand must come out w1 first, b last."""
    wrong = []
    for layer in model.layers:
        for neuron in layer.neurons:
            params = [*neuron.w, neuron.b] if own_bias else list(neuron.w)
            places = [position(f"v{index[p]}") for p in params]
            if sorted(places) != places or len(set(places)) < len(places):
                wrong.append(f"{neuron.name}: " + ", ".join(
                    p.label for _, p in sorted(zip(places, params), key=lambda t: t[0])))
    return wrong


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_neurons_weights_and_bias_stand_in_order(rankdir):
    # Graphviz used to shuffle them: layer 2 read h2_1.w3, w4, b, w1, w2 top to bottom.
    loss, model = _one_sample_mlp()
    index = {n: i for i, n in enumerate(topological_order(loss))}
    at = _laid_out(draw_graph(loss, model=model, rankdir=rankdir))
    if rankdir == "LR":  # top to bottom
        wrong = _out_of_order(model, lambda name: -at[name][1], index)
    else:  # left to right
        wrong = _out_of_order(model, lambda name: at[name][0], index)
    assert wrong == []


@needs_dot
def test_each_samples_neurons_and_the_textbook_network_keep_their_weights_in_order(
        mazur_traced, three_samples):
    model, loss = three_samples
    index = {n: i for i, n in enumerate(topological_order(loss))}
    at = _laid_out(draw_graph(loss, model=model))
    assert _out_of_order(model, lambda name: -at[name][1], index) == []
    # The textbook's biases are shared by a layer: its weights stand in order, w1 over w2.
    example, textbook_loss, _ = mazur_traced
    index = {n: i for i, n in enumerate(topological_order(textbook_loss))}
    at = _laid_out(draw_graph(textbook_loss, model=example.model))
    assert _out_of_order(example.model, lambda name: -at[name][1], index, own_bias=False) == []


@needs_dot
def test_the_pages_picture_keeps_a_neurons_weights_in_order():
    loss, model = _one_sample_mlp()
    index = {n: i for i, n in enumerate(topological_order(loss))}
    text = page_html(trace(loss), model=model)
    data = json.loads(re.search(r'id="trace-data" type="application/json">(.*?)</script>',
                                text, re.S).group(1))
    (view,) = data["picture"]["views"]  # 68 nodes: one view, left to right
    y = {name: top for name, _, top, *_ in view["nodes"]}  # y pointing down
    assert _out_of_order(model, y.__getitem__, index) == []
