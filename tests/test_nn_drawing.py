"""nn.drawing: what an MLP's graph groups into, and the summary of a model too big to draw."""

import numpy as np
import pytest

from autodiff import Value
from autodiff.see.draw import draw_graph
from autodiff.see.trace import trace
from nn import MLP, drawing


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
