"""The step-through page: one self-contained HTML file that plays a traced backward pass.

The page holds the drawn graph as inline SVG, the trace as JSON and a small script, and
needs no network: previous / next / a slider walk the backward pass one node at a time,
showing the node's upstream gradient, its local derivatives (numbers, and the formulas from
the op table), the contributions it adds, and every gradient as it grows. Every number is
computed here, in Python, by the same arithmetic as the backward pass; the script only shows.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from ..engine.numbers import format_number, short_number
from . import reading
from .draw import draw_graph

# A see.trace.Trace. Not imported: the trace imports its page, and imports run one way.
Trace = Any

__all__ = ["TracePage", "page_html", "page_data", "GRAPHVIZ_HINT", "MAX_PAGE_NODES"]

GRAPHVIZ_HINT = (
    "Graphviz's `dot` program was not found; install it for pictures "
    "(apt install graphviz, brew install graphviz, conda install graphviz, "
    "or https://graphviz.org/download/)"
)

_DIGITS = 4  # decimals inside the picture; the panels show 8, as the textbook does
MAX_PAGE_NODES = 5000  # a page steps through one node at a time: beyond this, nobody would
PICTURE_NODES = 300  # value nodes drawn in the page's picture (the steps cover them all)


def page_data(tr: Trace) -> dict:
    """The trace as plain data for the page: nodes, and the state after each step."""
    if not all(hasattr(tr, a) for a in ("forward", "backward", "explain")):
        raise TypeError(f"page_data needs a Trace, got {type(tr).__name__}")
    if len(tr.forward) > MAX_PAGE_NODES:
        raise ValueError(
            f"this graph has {len(tr.forward):,} nodes; a step-through page is for up to "
            f"{MAX_PAGE_NODES:,}. Trace a smaller piece (one sample, a small model), or use "
            "draw_graph(..., focus=...) and Trace.explain for the big one"
        )
    index = {node: i for i, node in enumerate(tr.nodes)}
    root = index[tr.root]
    nodes = []
    for step in tr.forward:
        node = step.node
        op = node.op_entry
        nodes.append({
            "name": tr.name(node),
            "labeled": bool(node.label),
            "constant": not node.inputs and not node.label,
            "op": node.op,
            "symbol": reading.symbol(op, node.exponent) if op is not None else "",
            "describe": reading.reads(op, n=node.exponent) if op is not None else "",
            "data": format_number(step.value),
            "grad": format_number(tr.grad(node)),
            "inputs": [index[x] for x in step.inputs],
        })

    # The running gradients, summed in the order the backward pass summed them.
    running: dict[int, object] = {root: 1.0}
    final_at = {root: 0}
    steps = [{
        "node": root,
        "seed": True,
        "upstream": format_number(1.0),
        "changes": [[root, format_number(1.0), short_number(1.0, _DIGITS)]],
    }]
    for k, step in enumerate(tr.backward, start=1):
        node = step.node
        i = index[node]
        names = [tr.name(x) for x in node.inputs]
        texts = reading.reads_local(node.op_entry, names, tr.name(node), node.exponent)
        edges, changes = [], []
        for e, (edge, text) in enumerate(zip(step.edges, texts)):
            j = index[edge.input]
            running[j] = running.get(j, 0.0) + edge.contribution
            final_at[j] = k
            after = running[j]
            changes.append([j, format_number(after), short_number(after, _DIGITS)])
            edges.append({
                "input": j,
                "edge": f"e{i}_{e}",
                "local": format_number(edge.local),
                "localText": text,
                "contribution": format_number(edge.contribution),
                "after": format_number(after),
            })
        steps.append({
            "node": i,
            "upstream": format_number(step.upstream),
            "forward": f"{tr.name(node)} = {reading.reads(node.op_entry, names, node.exponent)}",
            "value": nodes[i]["data"],
            "edges": edges,
            "changes": changes,
        })
    for i, node in enumerate(nodes):
        node["finalAt"] = final_at.get(i, 0 if not node["inputs"] else len(steps) - 1)
    return {"root": root, "rootName": tr.name(tr.root), "nodes": nodes, "steps": steps}


def page_html(tr: Trace, *, title: str | None = None, **draw_options) -> str:
    """The whole page as one HTML string; `draw_options` go to `draw_graph`."""
    data = page_data(tr)
    svg, note = _svg(tr, draw_options)
    template = resources.files(__package__).joinpath("templates/trace_page.html").read_text(
        encoding="utf-8")
    title = title or f"Backpropagation through {data['rootName']}, step by step"
    # JSON inside <script>: "</" would end the script early, so it is escaped.
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    return (template.replace("%%TITLE%%", html.escape(title))
            .replace("%%NOTE%%", html.escape(note))
            .replace("%%SVG%%", svg)
            .replace("%%DATA%%", payload))


def _svg(tr: Trace, draw_options: dict) -> tuple[str, str]:
    """The drawn graph as inline SVG, or "" and a note saying how to get it."""
    import graphviz

    options = {"digits": _DIGITS, "max_nodes": PICTURE_NODES, **draw_options}
    dot = draw_graph(tr.root, **options)
    try:
        svg = dot.pipe(format="svg").decode("utf-8")
    except graphviz.ExecutableNotFound:
        return "", GRAPHVIZ_HINT + "; the steps below work without the picture."
    svg = svg[svg.index("<svg"):]
    # Graphviz titles every node with its internal id ("v12"), which tooltips would show.
    svg = re.sub(r"<title>[^<]*</title>", "", svg)
    return svg, ""


class TracePage:
    """The step-through page of a trace: `.html`, `.save(path)`, and it shows in Jupyter."""

    def __init__(self, tr: Trace, **draw_options) -> None:
        self.html = page_html(tr, **draw_options)

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` (one file, no network needed to view it)."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and styles apart from the notebook's.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'style="width:100%;height:820px;border:1px solid #ddd" '
                'title="backward pass, step by step"></iframe>')
