"""The lab in both languages, in headless Chromium: its labels fit their boxes (Graphviz for
the browser estimates text widths from a font's table; the page must show that font), and
`autodiff lab --lang zh` speaks Chinese with the same numbers. Served from 127.0.0.1 only."""

import contextlib
import re

import pytest
from test_lab import NODE_MODULES, needs_browser, open_lab

from autodiff import Value
from autodiff.cli import main
from autodiff.language import language, say

# Each text of a drawn node: its text, its width, its box's width and how far it reaches out
# of the box (negative: inside), in CSS pixels. Graphviz's nodes (g.node) and the page's own.
OVERFLOW = """(root) => {
  const rows = [];
  for (const g of root.querySelectorAll("g.node, g.value, g.op, g.constant, g.box")) {
    const shape = g.querySelector(
      ":scope > polygon, :scope > path, :scope > ellipse, :scope > rect, :scope > circle");
    if (!shape) continue;  // a caption: no box
    const box = shape.getBBox();
    for (const t of g.querySelectorAll("text")) {
      if (!t.textContent.trim()) continue;
      const b = t.getBBox();
      rows.push([t.textContent, b.width, box.width,
                 Math.max(box.x - b.x, b.x + b.width - box.x - box.width)]);
    }
  }
  return rows;
}"""
# The textbook's 2-2-2 network as one formula: its error E_total at the textbook's numbers.
_H1, _H2 = "sigmoid(w1*i1 + w2*i2 + b1)", "sigmoid(w3*i1 + w4*i2 + b1)"
TEXTBOOK = (f"0.5*(0.01 - sigmoid(w5*{_H1} + w6*{_H2} + b2))**2"
            f" + 0.5*(0.99 - sigmoid(w7*{_H1} + w8*{_H2} + b2))**2")
TEXTBOOK_AT = ("w1=0.15, w2=0.2, w3=0.25, w4=0.3, w5=0.4, w6=0.45, w7=0.5, w8=0.55, "
               "b1=0.35, b2=0.6, i1=0.05, i2=0.1")
FORMULAS = [("(0.99 - out_o2)**2", "out_o2=0.7729284653214625"),
            ("sigmoid(net_h1)", "net_h1=0.3775"), (TEXTBOOK, TEXTBOOK_AT)]
# A graph whose labels are Chinese (names a formula cannot take), drawn by draw_graph in the page.
CHINESE_GRAPH = """
from autodiff import Value
from autodiff.see import draw_graph
w, x, b = Value(0.5, label="权重"), Value(2.0, label="输入"), Value(-1.0, label="偏置")
h = (w * x + b).tanh(); h.label = "隐藏层的输出激活值"
loss = (h - Value(0.5, label="目标值")) ** 2; loss.label = "损失（平方误差）"
loss.backward()
draw_graph(loss).source
"""


@contextlib.contextmanager
def _lab(folder, lang: str):
    """The lab written by `autodiff lab --lang LANG`, open in Chromium, Python started."""
    assert main(["lab", "--out", str(folder), "--pyodide", str(NODE_MODULES / "pyodide"),
                 "--lang", lang]) == 0
    with open_lab(folder, height=1000) as opened:
        yield opened


@pytest.fixture(scope="module", params=["en", "zh"])
def lab(request, tmp_path_factory):
    with _lab(tmp_path_factory.mktemp(f"lab_{request.param}"), request.param) as (page, failed):
        yield request.param, page, failed


def _run(page, formula: str, at: str) -> None:
    page.fill("#formula", formula)
    page.fill("#at", at)
    page.click("#run")
    page.wait_for_selector("#graph svg g.node")


def _overflowing(rows: list) -> list:
    return [(text, round(reach, 1)) for text, _, _, reach in rows if reach > 1]


@needs_browser
@pytest.mark.parametrize("formula, at", FORMULAS, ids=["square", "sigmoid", "textbook"])
def test_no_label_is_wider_than_its_box(lab, formula, at):
    lang, page, failed = lab
    _run(page, formula, at)
    drawn = page.locator("#graph").evaluate(OVERFLOW)
    assert len(drawn) >= 6 and _overflowing(drawn) == []
    page.click("#open-page")  # the step-through page's picture, laid out by the same Graphviz
    frame = page.frame_locator("#page")
    frame.locator("#picture g.value").first.wait_for()
    pictured = frame.locator("#picture").evaluate(OVERFLOW)
    assert len(pictured) >= 3 and _overflowing(pictured) == []
    assert failed == []


@needs_browser
def test_chinese_labels_fit_their_boxes(lab):
    _, page, failed = lab
    page.evaluate("""(source) => document.getElementById("graph").replaceChildren(
                         viz.renderSVGElement(py.runPython(source)))""", CHINESE_GRAPH)
    drawn = page.locator("#graph").evaluate(OVERFLOW)
    assert "隐藏层的输出激活值 − 目标值" in [text for text, *_ in drawn]
    assert _overflowing(drawn) == []
    assert failed == []


def _said(lang: str, key: str, **fields) -> str:
    with language(lang):
        return say(key, **fields)


@needs_browser
def test_the_lab_speaks_its_language_with_the_same_numbers(lab):
    lang, page, failed = lab
    assert page.get_attribute("html", "lang") == lang
    assert page.inner_text("h1") == _said(lang, "lab.heading")
    assert page.inner_text("#status") == _said(lang, "lab.ready")
    assert page.inner_text("#run") == _said(lang, "lab.run")
    assert page.inner_text("#train") == _said(lang, "lab.train")
    _run(page, "x*y + exp(x) / sqrt(y)", "x=0.5, y=2")
    chinese = re.compile(r"[\u4e00-\u9fff]")
    words = page.inner_text("header") + page.inner_text("main")
    assert bool(chinese.search(words)) == (lang == "zh")
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    (x * y + x.exp() / y.sqrt()).backward()
    cells = {name: float(page.inner_text(f'#grads tr[data-name="{name}"] .grad'))
             for name in ("x", "y")}
    assert cells == {"x": pytest.approx(x.grad, abs=1e-8), "y": pytest.approx(y.grad, abs=1e-8)}
    page.click("#open-page")  # the page in the frame speaks the lab's language too
    frame = page.frame_locator("#page")
    assert frame.locator("#next").inner_text().strip() == _said(lang, "page.next")
    assert frame.locator("html").get_attribute("lang") == lang
    page.fill("#at", "x=0.5, y=-2")  # Python's messages too
    page.click("#run")
    error = page.inner_text("#formula-error")
    assert "sqrt" in error and bool(chinese.search(error)) == (lang == "zh")
    assert failed == []
