"""What `autodiff trace` prints and writes: the hand-worked 2-2-2 network, every number of one step.

The network comes from `nn.examples`, imported inside the function that needs it: the engine
never depends on `nn`, and `autodiff --help` does not load it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import graphviz

from ..language import say
from ..language.numbers import format_number
from ..see.draw import draw_graph
from ..see.layout import run_dot
from ..see.page import GRAPHVIZ_HINT, page_html
from ..see.trace import Trace, trace

__all__ = ["textbook_trace", "write_drawing"]


def textbook_trace(out: Path | None = None, highlight: str | None = None) -> list[Path]:
    """Print the forward pass, every gradient by the chain rule and one SGD step of the 2-2-2
    network; with `out`, also write its graph and step-through page there. Returns the files.

    Raises ValueError for a `highlight` label the graph does not have, and OSError for an
    `out` that cannot be made, before printing anything.
    """
    from nn import SGD
    from nn.examples import mazur

    example = mazur()
    loss = example.loss()
    tr = trace(loss)
    if highlight is not None:
        try:
            tr.node(highlight)
        except KeyError as error:
            raise ValueError(say("demo.highlight", error=error.args[0])) from None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)  # fails, if it must, before anything is printed

    targets = ", ".join(format_number(t) for t in example.target)
    inputs = ", ".join(format_number(x) for x in example.x)
    print(say("demo.heading", inputs=inputs, targets=targets))
    print("\n" + say("demo.given"))
    params = [*example.weights(), *example.biases()]
    given = [n for n in tr.nodes if n.label and not n.inputs and n not in set(params)] + params
    _print_values([(n.label, tr.forward[tr.index(n)].value) for n in given])
    print("\n" + say("demo.forward_pass"))
    _print_values([(s.node.label, s.value) for s in tr.forward if s.node.label and s.inputs])

    print("\n" + say("demo.backward_pass", root=tr.name(loss)))
    for node in _gradient_order(tr, params):
        for line in tr.explain(node).lines():
            print("  " + line)

    written = [] if out is None else _write_trace_files(tr, out, highlight)

    before = loss.data
    weights = example.weights()
    lr = 0.5  # the textbook's
    SGD(weights, lr=lr).step()
    print("\n" + say("demo.after_step", lr=lr))
    _print_values([(w.label, w.data) for w in weights])
    after = example.loss().data
    print("  " + say("demo.error_after", root=tr.name(loss), after=format_number(after),
                     before=format_number(before)))
    print("  " + say("demo.textbook_note", printed="0.291027924", ours="0.29102777"))
    if written:
        print("\n" + say("cli.wrote", files=say("cli.and").join(map(str, written))))
    return written


def write_drawing(dot: graphviz.Digraph, path: Path) -> Path:
    """Write the drawing at `path` by its suffix; without Graphviz, the .dot and a hint.

    Raises GraphTooBig or LayoutTimeout (from `run_dot`) before writing anything."""
    if path.suffix == ".dot":
        path.write_text(dot.source, encoding="utf-8")
        return path
    try:
        picture = run_dot(dot.source, path.suffix[1:], what="the drawing")
    except graphviz.ExecutableNotFound:
        fallback = path.with_suffix(".dot")
        fallback.write_text(dot.source, encoding="utf-8")
        print(f"note: {GRAPHVIZ_HINT}; then: dot -T{path.suffix[1:]} {fallback} -o {path}",
              file=sys.stderr)
        return fallback
    path.write_bytes(picture)
    return path


def _print_values(pairs: list[tuple[str, object]]) -> None:
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        print(f"  {name.ljust(width)} = {format_number(value)}")


def _gradient_order(tr: Trace, params: list) -> list:
    """Computed nodes nearest the root first (as the textbook goes), then w1..w8, b, inputs."""
    depth = {tr.root: 0}
    for node in reversed(tr.nodes):  # users before their inputs
        for child in node.inputs:
            depth[child] = max(depth.get(child, 0), depth[node] + 1)
    computed = [n for n in tr.nodes if n.label and n.inputs and n is not tr.root]
    computed.sort(key=lambda n: (depth[n], tr.index(n)))
    inputs = [n for n in tr.nodes if n.label and not n.inputs and n not in set(params)]
    return computed + params + inputs


def _write_trace_files(tr: Trace, out: Path, highlight: str | None) -> list[Path]:
    lit = tr.explain(highlight) if highlight else ()
    title = say("demo.graph_title")
    written = write_drawing(draw_graph(tr.root, highlight=lit, title=title), out / "graph.svg")
    page = out / "trace.html"
    # The page's SGD panel takes the textbook's step: lr 0.5, the weights only.
    weights = [tr.node(f"w{i}") for i in range(1, 9)]
    page.write_text(page_html(tr, highlight=lit, params=weights, lr=0.5,
                              title=say("demo.page_title")),
                    encoding="utf-8")
    return [written, page]
