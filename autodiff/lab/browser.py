"""The lab's Python side for a formula, called by the site's script in the browser: its
gradients, its graph, its step-through page and a check of the learner's numbers, as JSON."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..cli.formula import FormulaError, build_graph, parse_assignments
from ..engine.value import Value
from ..see import draw, draw_graph, layout, trace
from ..work import check_work
from ..work.answers import read_answers

__all__ = ["use_graphviz", "evaluate", "page", "check", "DRAWING_FONT"]

# The font the lab's drawings are laid out and shown in. Graphviz compiled for the browser
# cannot measure text: it estimates a label's width from tables of a few fonts' widths, and
# "Helvetica" there is Helvetica's, while a browser without Helvetica (Linux) shows DejaVu
# Sans or Noto, wider, and the labels spill out of their boxes. DejaVu Sans has a table
# there and is the wide one: where the browser has it (lab.css asks for it) the boxes fit
# their labels, and where it falls back to Helvetica or Arial the labels are narrower still.
DRAWING_FONT = "DejaVu Sans"

_GRAPH_START = re.compile(r"(?m)^(?=(?:strict )?(?:di)?graph\b)")
_MISTAKES = (FormulaError, ValueError, ArithmeticError, TypeError, KeyError)


def use_graphviz(render: Callable[[str, str], str]) -> None:
    """Graphviz's `dot` program, where there is none (the browser): `render(source, format)`
    lays out one graph (Graphviz compiled for the browser); `graphviz.pipe`, which the
    step-through page calls with several graphs at once, goes through it one graph at a time.
    Drawings are laid out for DRAWING_FONT from then on (the lab's page shows them in it)."""
    import graphviz

    def pipe(engine: str, format: str, data: bytes, **_options) -> bytes:
        graphs = [g for g in _GRAPH_START.split(data.decode("utf-8")) if g.strip()]
        return "\n".join(str(render(g, format)) for g in graphs).encode("utf-8")

    graphviz.pipe = pipe
    layout.RENDERER = lambda source, fmt: pipe("dot", fmt, source.encode("utf-8"))
    draw.FONT = DRAWING_FONT


def _graph(formula: str, at: str) -> Value:
    root, _ = build_graph(formula, parse_assignments(at))
    return root


def evaluate(formula: str, at: str) -> str:
    """The formula at the point `at` ("x=1.5, y=2"): its value, every node's value and
    gradient (named as the page names them) and its drawing's Graphviz source; or the error."""
    try:
        tr = trace(_graph(formula, at))
    except _MISTAKES as error:
        return json.dumps({"error": f"{type(error).__name__}: {error}"})
    rows = [{"name": tr.name(node), "data": node.data, "grad": node.grad,
             "leaf": not node.inputs} for node in tr.nodes]
    return json.dumps({"value": tr.root.data, "rows": rows,
                       "dot": draw_graph(tr.root).source})


def page(formula: str, at: str) -> str:
    """The step-through page of the formula at `at` (practise mode included), as HTML."""
    try:
        return trace(_graph(formula, at)).page().html
    except _MISTAKES as error:
        return f"<p>{type(error).__name__}: {error}</p>"


def check(formula: str, at: str, answers: str, lr: float | None = None) -> str:
    """The learner's numbers (CSV lines `name,value`: `y`, `dy/dx`, `x_new` with lr) checked
    against the formula at `at`: the report as HTML."""
    try:
        root = _graph(formula, at)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "answers.csv"
            path.write_text(answers, encoding="utf-8")
            report = check_work(root, read_answers(path), lr=lr)
    except _MISTAKES as error:
        return f"<p class='error'>{type(error).__name__}: {error}</p>"
    return report._repr_html_()
