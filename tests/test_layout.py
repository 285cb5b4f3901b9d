"""layout.run_dot: every Graphviz run has a time limit, dies with its caller, and a big graph
is laid out cheaply or refused in one line."""

import os
import shutil
import signal
import time
from pathlib import Path

import graphviz
import pytest

from autodiff import Value, trace
from autodiff.see import layout
from autodiff.see.draw import draw_graph
from autodiff.see.layout import GraphTooBig, LayoutTimeout, layout_work, run_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def fake_dot(folder: Path, script: str) -> Path:
    """A `dot` on PATH that runs `script` (sh): it records its pid and its arguments."""
    folder.mkdir(exist_ok=True)
    dot = folder / "dot"
    dot.write_text(f'#!/bin/sh\necho $$ > "{folder}/pid"\necho "$@" > "{folder}/args"\n{script}\n')
    dot.chmod(0o755)
    return folder


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped, counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def sum_ladder(terms: int) -> Value:
    x = Value(0.9, "x")
    node = x
    for _ in range(terms - 1):
        node = node + x
    node.backward()
    return node


def test_layout_work_counts_the_ranks_a_long_edge_crosses():
    # a -> b -> c, and a -> c crosses b's rank: one hidden node.
    assert layout_work("digraph {\n\ta -> b\n\tb -> c\n\ta -> c\n}") == (3, 3, 4)
    # A leaf is ranked beside its first use (as dot does), not at rank 0: x crosses nothing.
    assert layout_work("digraph {\n\ta -> b\n\tb -> c\n\tx -> c\n}").work == 4
    # Two graphs in one run: nodes add up, the largest is one graph's.
    two = "digraph {\n\ta -> b\n}\ndigraph {\n\ta -> b\n\tb -> c\n}"
    assert layout_work(two) == (5, 3, 5)


def test_a_shared_leaf_makes_the_layout_grow_with_the_square_of_the_steps():
    small = layout_work(draw_graph(sum_ladder(20), max_nodes=None).source)
    big = layout_work(draw_graph(sum_ladder(40), max_nodes=None).source)
    assert big.nodes < 2.2 * small.nodes
    assert big.work > 3.5 * small.work  # x's edges cross every rank before them


def test_a_huge_drawing_is_refused_in_one_line_before_dot_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(fake_dot(tmp_path / "bin", "exit 1")))
    monkeypatch.setattr(layout, "REFUSE_ABOVE", 1_000)
    source = draw_graph(sum_ladder(60), max_nodes=None).source
    with pytest.raises(GraphTooBig) as refused:
        run_dot(source, "svg")
    message = str(refused.value)
    assert "\n" not in message and "the limit is 1,000" in message and ".dot" in message
    assert f"{layout_work(source).work:,} nodes" in message
    assert not (tmp_path / "bin" / "pid").exists()  # dot never ran
    monkeypatch.setattr(layout, "REFUSE_NODES_ABOVE", 10)
    # 60 value nodes, 59 op nodes, the caption
    with pytest.raises(GraphTooBig, match="120 nodes .the limit is 10."):
        run_dot(draw_graph(sum_ladder(60), max_nodes=None).source, "svg")


def test_a_big_layout_is_capped_and_a_small_one_is_not(tmp_path, monkeypatch):
    folder = fake_dot(tmp_path / "bin", "cat > /dev/null; echo '<svg/>'")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    assert run_dot(draw_graph(sum_ladder(5)).source, "svg") == b"<svg/>\n"
    assert (folder / "args").read_text().split() == ["-Tsvg"]
    run_dot(draw_graph(sum_ladder(150)).source, "svg")
    assert (folder / "args").read_text().split() == [*layout.CHEAP_OPTIONS, "-Tsvg"]


def test_dot_that_runs_too_long_is_stopped(tmp_path, monkeypatch):
    folder = fake_dot(tmp_path / "bin", "sleep 60")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    with pytest.raises(LayoutTimeout, match="longer than 0.5 s") as stopped:
        run_dot("digraph { a -> b }", "svg", timeout=0.5)
    assert time.monotonic() - start < 30  # not the fake's 60 s
    assert "\n" not in str(stopped.value) and ".dot" in str(stopped.value)
    # The whole process group is gone: the shell and the sleep it started.
    pid = int((folder / "pid").read_text())
    assert not alive(pid)
    monkeypatch.setenv("AUTODIFF_DOT_TIMEOUT", "0.3")
    with pytest.raises(LayoutTimeout, match="longer than 0.3 s"):
        run_dot("digraph { a -> b }", "svg")


def test_ctrl_c_while_dot_runs_ends_dot(tmp_path, monkeypatch):
    folder = fake_dot(tmp_path / "bin", "exec sleep 60")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(KeyboardInterrupt):
            run_dot("digraph { a -> b }", "svg", timeout=30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not alive(int((folder / "pid").read_text()))


def test_without_graphviz_the_error_is_graphviz_own(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(graphviz.ExecutableNotFound):
        run_dot("digraph { a -> b }", "svg")


@needs_dot
def test_a_notebook_drawing_goes_through_run_dot_and_says_why_it_is_not_shown(monkeypatch):
    drawing = draw_graph(sum_ladder(3))
    assert drawing.pipe(format="svg").startswith(b"<?xml")
    assert drawing._repr_image_svg_xml().count("max-width:100%") == 1
    monkeypatch.setattr(layout, "REFUSE_ABOVE", 5)
    shown = drawing._repr_mimebundle_()
    assert "too big for Graphviz" in shown["text/plain"] and "\n" not in shown["text/plain"]


@needs_dot
def test_the_sum_ladder_that_took_minutes_lays_out(tmp_path):
    # x+x+...+x of 200 terms: default dot did not finish in minutes; capped, it does.
    svg = draw_graph(sum_ladder(200)).pipe(format="svg")
    assert svg.count(b'class="node"') > 300
    page = trace(sum_ladder(120)).page()
    # Drawn: a picture, and no note saying why there is none (the texts hold that sentence).
    assert '"picture":{' in page.html and '"note":""' in page.html
    assert os.path.getsize(page.save(tmp_path / "p.html")) > 10_000
