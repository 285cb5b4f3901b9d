"""Running Graphviz's `dot`: every picture of the project is laid out through `run_dot`.

Graphviz's time does not grow with the node count alone: an edge that spans many ranks (a
leaf such as `x` in `x+x+...+x`, used at every step) becomes a chain of hidden nodes, and the
positioning pass is superlinear in those. So `layout_work` estimates the nodes `dot` really
lays out; above `CHEAP_ABOVE` the drawing is laid out with capped iterations (the same
picture, less polished); above `REFUSE_ABOVE` laid-out nodes, or `REFUSE_NODES_ABOVE` drawn
nodes in one graph (dot's ranking grows with their square), it is refused at once with
`GraphTooBig`. Every
run has a time limit (`LayoutTimeout`), runs in its own process group, and is killed with its
caller: on a timeout, on Ctrl-C, on any exception while it runs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

import graphviz

__all__ = ["run_dot", "layout_work", "check_size", "dot_timeout", "LayoutSize", "GraphTooBig",
           "LayoutTimeout", "DOT_TIMEOUT", "CHEAP_ABOVE", "REFUSE_ABOVE", "REFUSE_NODES_ABOVE",
           "CHEAP_OPTIONS"]

DOT_TIMEOUT = 30.0  # seconds; the environment variable AUTODIFF_DOT_TIMEOUT overrides it
CHEAP_ABOVE = 3_000  # laid-out nodes (drawn and hidden) above which the layout is capped
# Measured with Graphviz 2.43, capped: about 0.4 s per 100,000 laid-out nodes, but the
# ranking of one graph grows with the square of its nodes (5,000: 3.5 s; 15,000: > 60 s).
REFUSE_ABOVE = 1_000_000  # laid-out nodes, over all graphs of one run
REFUSE_NODES_ABOVE = 5_000  # drawn nodes of one graph
# Few network-simplex iterations (ranking, positioning) and crossing-reduction passes: the
# same picture, a little less tidy, in a tenth of the time or less.
CHEAP_OPTIONS = ("-Gnslimit=0.02", "-Gnslimit1=0.1", "-Gmclimit=0.1")

_EDGE = re.compile(r"^\s+(\w+) -> (\w+)", re.MULTILINE)
_NODE = re.compile(r"^\s+(\w+)(?: \[|$)", re.MULTILINE)
_KEYWORDS = {"graph", "node", "edge", "subgraph"}


class LayoutSize(NamedTuple):
    """What Graphviz would lay out: drawn nodes (all graphs, and the largest graph's), and
    laid-out nodes (drawn, plus a hidden one on each rank an edge crosses)."""

    nodes: int
    largest: int
    work: int


class GraphTooBig(ValueError):
    """A drawing too big for Graphviz to lay out in a time anyone would wait."""


class LayoutTimeout(RuntimeError):
    """Graphviz's `dot` ran past its time limit and was stopped."""


def layout_work(source: str) -> LayoutSize:
    """How much a DOT source asks of `dot` (ranks estimated as `dot` would choose them)."""
    drawn = largest = work = 0
    for graph in re.split(r"^(?=(?:di)?graph\b)", source, flags=re.MULTILINE):
        nodes = {n for n in _NODE.findall(graph) if n not in _KEYWORDS}
        edges = _EDGE.findall(graph)
        nodes.update(n for edge in edges for n in edge)
        rank = _ranks(nodes, edges)
        drawn += len(nodes)
        largest = max(largest, len(nodes))
        work += len(nodes) + sum(max(0, rank[h] - rank[t] - 1) for t, h in edges)
    return LayoutSize(drawn, largest, work)


def _ranks(nodes: set[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path ranks, then each node pulled up to just before its nearest user (as
    network simplex does: a leaf sits beside its first use, not at rank 0)."""
    heads, indegree = defaultdict(list), dict.fromkeys(nodes, 0)
    for tail, head in edges:
        heads[tail].append(head)
        indegree[head] += 1
    rank = dict.fromkeys(nodes, 0)
    order = [n for n in nodes if indegree[n] == 0]
    for node in order:  # grows as it goes: Kahn's algorithm
        for head in heads[node]:
            rank[head] = max(rank[head], rank[node] + 1)
            indegree[head] -= 1
            if indegree[head] == 0:
                order.append(head)
    for node in reversed(order):
        if heads[node]:
            rank[node] = max(rank[node], min(rank[h] for h in heads[node]) - 1)
    return rank


def check_size(size: LayoutSize, what: str = "the graph") -> None:
    """Raise GraphTooBig, in one line saying what to do, for a drawing `dot` would take
    minutes over."""
    if size.largest > REFUSE_NODES_ABOVE:
        amount = f"{size.largest:,} nodes (the limit is {REFUSE_NODES_ABOVE:,})"
    elif size.work > REFUSE_ABOVE:
        amount = (f"{size.work:,} nodes with the ranks its long edges cross (the limit is "
                  f"{REFUSE_ABOVE:,})")
    else:
        return
    raise GraphTooBig(f"{what} is too big for Graphviz to lay out in reasonable time: "
                      f"{amount}; draw fewer nodes, or write a .dot file instead")


def dot_timeout() -> float:
    """The time limit of one `dot` run: AUTODIFF_DOT_TIMEOUT seconds if set, else DOT_TIMEOUT."""
    text = os.environ.get("AUTODIFF_DOT_TIMEOUT", "")
    try:
        seconds = float(text)
    except ValueError:
        return DOT_TIMEOUT
    return seconds if seconds > 0 else DOT_TIMEOUT


# Where there is no `dot` program to run (the lab, in the browser): `RENDERER(source, fmt)`
# lays out the DOT source and returns the output's bytes (autodiff.lab sets it).
RENDERER: Callable[[str, str], bytes] | None = None


def run_dot(source: str, fmt: str, *, engine: str = "dot", timeout: float | None = None,
            what: str = "the graph") -> bytes:
    """Lay out `source` with Graphviz and return the output in format `fmt` (svg, png, json0).

    Raises GraphTooBig before starting for a drawing beyond REFUSE_ABOVE laid-out nodes,
    LayoutTimeout after `timeout` seconds (default: `dot_timeout()`), graphviz's
    ExecutableNotFound without Graphviz, and its CalledProcessError if `dot` fails.
    """
    size = layout_work(source)
    check_size(size, what)
    if RENDERER is not None:  # no `dot` program here (the browser): the one set for it
        return RENDERER(source, fmt)
    drawn = size.nodes
    limit = dot_timeout() if timeout is None else timeout
    command = [engine, *(CHEAP_OPTIONS if size.work > CHEAP_ABOVE else ()), f"-T{fmt}"]
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True,
                                   preexec_fn=_die_with_parent)
    except FileNotFoundError:
        raise graphviz.ExecutableNotFound(command) from None
    try:
        # Invalid text (a lone surrogate) is replaced, never a crash halfway through a write.
        out, err = process.communicate(source.encode("utf-8", "replace"), timeout=limit)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise LayoutTimeout(
            f"Graphviz took longer than {limit:g} s to lay out {what} ({drawn:,} nodes) and "
            "was stopped; draw fewer nodes, or write a .dot file and lay it out yourself"
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM turned into an exception: no dot outlives us
        _kill(process)
        raise
    if process.returncode != 0:
        raise graphviz.CalledProcessError(process.returncode, command, output=out, stderr=err)
    return out


def _kill(process: subprocess.Popen) -> None:
    """End `dot` and anything it started (its process group), and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _parent_death_signal():
    """Linux's prctl, found once in the parent (importing in the forked child could hang)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _parent_death_signal()


def _die_with_parent() -> None:
    """In the child: be killed if our process dies without a chance to clean up (SIGKILL)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
