"""A model's drawings and pages in Chinese: group titles, the words beside the numbers, the
summary of a big model and the caption of a cut, from the tables; English as before."""

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from autodiff import Value, language
from autodiff.language import say
from autodiff.see.draw import GRAPHVIZ_HINT, draw_graph
from autodiff.see.page import page_data
from autodiff.see.trace import trace
from nn import MLP, drawing

# Words the drawings wrote in English outside the tables; none may show in a Chinese one.
ENGLISH = re.compile(r"\blayer\b|\bsample\b|\bneurons?\b|\(shared\)|\bweights\b|\binputs?\b|"
                     r"\bmore\b|used further on|\bnodes?\b|\bdata\b|(?<!\|)\bgrad\b(?!\|)|\bmean\b|"
                     r"\bshape\b|"
                     r"loss and the rest|\bshowing\b|\bedges?\b|\boutput\b")


def labels(source: str) -> str:
    """Every text a DOT source shows (its labels and tooltips), one line each."""
    return "\n".join(html or quoted for html, quoted in
                     re.findall(r'(?:label|tooltip)=(?:<(.*)>|"([^"]*)")', source))


def test_group_titles_in_chinese_in_a_drawing(mazur_traced):
    example, loss, _ = mazur_traced
    with language("zh"):
        source = draw_graph(loss, model=example.model).source
    assert "label=<第 1 层>" in source and "label=<第 2 层（输出）>" in source
    assert "label=<h1>" in source  # a neuron's own name is a label: it stays
    assert "label=<b1（共享）>" in source
    assert '<FONT POINT-SIZE="10">值 0.5933</FONT>' in source  # out_h1's value
    assert '<FONT POINT-SIZE="10">梯度 ' in source
    assert not ENGLISH.search(labels(source)), ENGLISH.search(labels(source))
    english = draw_graph(loss, model=example.model).source
    assert "label=<layer 1>" in english and "label=<layer 2 (output)>" in english
    assert "label=<b1 (shared)>" in english
    assert '<FONT POINT-SIZE="10">data 0.5933</FONT>' in english
    assert not re.search(r"[\u4e00-\u9fff]", english)


def test_sample_and_layer_groups_in_chinese(three_samples):
    model, loss = three_samples
    order = trace(loss).nodes
    with language("zh"):
        found = drawing.groups(model, order)
        collapsed = draw_graph(loss, model=model, collapse=["样本 0", "第 1 层"]).source
    assert list(found) == ["第 1 层", "第 2 层（输出）", "样本 0", "样本 1", "样本 2"]
    assert list(found["第 1 层"]) == ["h1", "h2", "h3"]  # neuron names stay
    assert "<B>样本 0</B>" in collapsed and re.search(r"<B>第 1 层</B>.*?\d+ 个节点", collapsed)
    assert '"3 条边"' in collapsed or "3 条边" in collapsed
    assert not ENGLISH.search(labels(collapsed)), ENGLISH.search(labels(collapsed))
    assert list(drawing.groups(model, order)) == ["layer 1", "layer 2 (output)", "sample 0",
                                                  "sample 1", "sample 2"]


def test_a_neuron_without_a_name_and_a_cut_drawing_in_chinese(three_samples):
    model, loss = three_samples
    # An MLP-like model (nn.drawing reads .layers, .neurons, .w, .b) whose neurons have no name.
    unnamed = SimpleNamespace(layers=[
        SimpleNamespace(activation=layer.activation,
                        neurons=[SimpleNamespace(w=n.w, b=n.b) for n in layer.neurons])
        for layer in model.layers])
    with language("zh"):
        found = drawing.groups(unnamed, trace(loss).nodes)
        cut = draw_graph(loss, max_nodes=8).source
    assert list(found["第 1 层"]) == ["神经元 1", "神经元 2", "神经元 3"]
    assert "显示 " in cut and "个值节点中离 loss 最近的 8 个；用 focus= 看别处" in cut
    assert "后面还会用到" in cut or "另有" in cut
    assert not ENGLISH.search(labels(cut)), ENGLISH.search(labels(cut))
    english = draw_graph(loss, max_nodes=8).source
    assert "value nodes, those nearest loss; pass focus= to look elsewhere" in english


def test_a_big_model_summed_up_in_chinese():
    model = MLP(2, [8, 8, 1], seed=0)
    loss = Value(0.0)
    for a, b in np.random.default_rng(0).normal(size=(20, 2)):
        out = model([float(a), float(b)])
        loss = loss + out * out
    loss.label = "loss"
    loss.backward()
    with language("zh"):
        source = draw_graph(loss, model=model).source
    assert "第 3 层（输出） · 1 个神经元" in source and "第 1 层 · 8 个神经元" in source
    assert source.count("2 个权重") == 8 and source.count("8 个权重") == 9
    assert "每个神经元画成一个框；填充色：其权重的 ‖∇w‖" in source
    assert "输入\n2" in source and "损失及其余部分" in source
    assert not ENGLISH.search(labels(source)), ENGLISH.search(labels(source))
    assert "layer 3 (output) · 1 neuron" in draw_graph(loss, model=model).source


def test_group_titles_in_chinese_in_a_pages_data(mazur_traced):
    example, loss, tr = mazur_traced
    with language("zh"):
        data = page_data(tr, model=example.model)
    assert data["groups"]["titles"] == ["第 1 层", "第 2 层（输出）", "h1", "h2", "b1（共享）",
                                        "o1", "o2", "b2（共享）"]
    assert page_data(tr, model=example.model)["groups"]["titles"][:2] == ["layer 1",
                                                                          "layer 2 (output)"]


def test_a_batch_page_in_chinese():
    model = MLP(2, [3, 1], seed=0)
    x1, x2 = Value(np.array([0.1, 0.3, -0.5]), "x1"), Value(np.array([0.2, -0.4, 0.6]), "x2")
    loss = ((model([x1, x2]) - 1.0) ** 2).mean()
    loss.label = "loss"
    page = trace(loss).page(model=model, lang="zh").html
    data = json.loads(re.search(r'<script id="trace-data"[^>]*>(.*?)</script>', page,
                                re.DOTALL).group(1))
    assert data["groups"]["titles"][:2] == ["第 1 层", "第 2 层（输出）"]
    assert data["texts"]["data_line"] == "值 {value}"
    assert data["texts"]["grad_line"] == "梯度 {value}"
    assert '"data " +' not in page and '"grad " +' not in page  # the script asks the texts
    english = trace(loss).page(model=model).html
    assert '"layer 1"' in english and '"data {value}"' in english


@pytest.mark.parametrize("lang, words", [("en", ["data shape (3,)", "mean 0.", "grad shape"]),
                                          ("zh", ["值 形状 (3,)", "均值 0.", "梯度 形状"])])
def test_the_lines_of_a_batch_node(lang, words):
    x = Value(np.array([0.1, 0.3, 0.5]), "x")
    y = (x * 2.0).sum()
    y.label = "y"
    y.backward()
    with language(lang):
        source = draw_graph(y).source
    for word in words:
        assert word in source


def test_without_graphviz_a_chinese_page_says_so_in_chinese(mazur_traced, tmp_path, monkeypatch):
    example, _, tr = mazur_traced
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on it
    assert say("draw.graphviz_hint") == GRAPHVIZ_HINT  # the command line's note, in English
    with language("zh"):
        note = tr.page(model=example.model).html
        hint = draw_graph(tr.root)._repr_mimebundle_()["text/plain"]
    assert "没有找到 Graphviz 的 `dot` 程序；要画图请先安装它" in note
    assert "下面的步骤不需要图也能看" in note and "was not found" not in note
    assert hint.startswith("没有找到 Graphviz 的 `dot` 程序") and "DOT 源码：\ndigraph" in hint
