"""Practise mode's questions for the step-through page: at each backward step the gradient, and
each edge's local derivative and contribution, each with the slips of check_work's catalog
that give another number.

A graph of numbers is asked as it is (`Practice` on its own sheet). A batch graph is asked one
sample at a time, the sample the page shows: each shown sample's graph of numbers
(`work.one_sample`), whose gradients are the batch page's numbers for that sample, gets its
own sheet, and its slips are written back onto the batch graph's steps and edges. A
gradient that is a sum over the samples (a weight's, a bias's) is not asked: the step asks
what the page shows of one sample, and an edge into a weight asks its sample's share.
"""

from __future__ import annotations

from typing import Any

from ..engine.value import Value
from ..language import say
from ..work.edge_slips import edge_candidates
from ..work.one_sample import OneSample, batch_size, one_sample, summed_nodes
from ..work.practise import MAX_CANDIDATES, Practice

Trace = Any  # a see.trace.Trace (not imported: the trace imports its page)

__all__ = ["Questions", "questions", "PRACTISE_NODES", "PRACTISE_BATCH"]

PRACTISE_NODES = 400  # practise mode asks each gradient of graphs up to this size
PRACTISE_BATCH = 1000  # a batch graph: nodes × samples shown, each sample a sheet of its own
# A batch page asks every question once per sample: fewer slips per number, the likeliest
# (check_work's order), keep it small (the 6-sample MLP's page: 1,021 kB with all, 597 with these).
BATCH_SLIPS = 16  # per gradient, of practise.MAX_CANDIDATES
BATCH_EDGE_SLIPS = 5  # per local derivative or contribution, of edge_slips.MAX_EDGE_SLIPS


class Questions:
    """What practise mode asks of one page's graph: `step(node)` and `edge(user, k)` give a
    question as the page ships it, or, on a batch page, one per shown sample (None: not asked)."""

    def __init__(self, tr: Trace, index: dict, copies: list[OneSample] | None = None) -> None:
        self.index = index
        # Every kind and sentence once, the slips naming them by number: a batch page's
        # samples share most of them.
        self.texts: list[str] = []
        self._text_at: dict[str, int] = {}
        self.batch = copies is not None
        if copies is None:
            self.sheets: list[tuple[Practice, OneSample | None]] = [
                (Practice(tr.root, tr.names), None)]
            self.summed: set[Value] = set()
            self.most, self.most_edge = MAX_CANDIDATES, None
            return
        self.most, self.most_edge = BATCH_SLIPS, BATCH_EDGE_SLIPS
        self.sheets = [(Practice(c.root, c.names), c) for c in copies]
        self.summed = summed_nodes(tr.nodes, tr.root)
        # The copy's nodes and edges back to the batch graph's, for the slips' pictures.
        self.back: list[tuple[dict, dict]] = [
            ({v: k for k, v in c.copy.items()}, {v: k for k, v in c.edge.items()})
            for c in copies]

    def _each(self, ask) -> list | None:
        if not self.batch:
            return ask(*self.sheets[0], None)
        return [ask(practice, copy, back) for (practice, copy), back in
                zip(self.sheets, self.back)]

    def step(self, node: Value) -> list | None:
        """The gradient asked at node's step: [its value, its slips], each slip [value, kind,
        sentence (these two by their number in `texts`), rank, the edge it sits on (its id in
        the picture, or None), the nodes whose gradients inherit it], best first."""
        if node in self.summed:
            return None

        def ask(practice: Practice, copy: OneSample | None, back) -> list:
            mine = node if copy is None else copy.copy[node]
            slips = []
            for c in practice.candidates(mine, self.most):
                slips.append([_short(c.value), self._text(say(f"work.kind.{c.kind}")),
                              self._text(c.text), c.rank, self._edge_id(c.edge, back),
                              [self.index[n] for n in self._nodes(c.carried, back)]])
            return [practice.sheet.truth[practice.sheet.grad_step[mine].index], slips]

        return self._each(ask)

    def edge(self, user: Value, k: int) -> list | None:
        """What practise mode asks of one edge, if the learner likes: its local derivative and
        its contribution (on a batch page, the shown sample's share of it), each with the
        slips that give another number: [value, kind, sentence], each on this edge."""
        if user in self.summed:
            return None

        def ask(practice: Practice, copy: OneSample | None, back) -> list:
            mine = (user, k) if copy is None else copy.edge[user, k]
            found = edge_candidates(practice.sheet, *mine)

            def slips(candidates) -> list:  # each on this edge, ranked as listed
                return [[_short(c.value), self._text(say(f"work.kind.{c.kind}")),
                         self._text(c.text)] for c in candidates[:self.most_edge]]

            return [found.local, slips(found.local_slips), found.contribution,
                    slips(found.contribution_slips)]

        return self._each(ask)

    def _text(self, text: str) -> int:
        if text not in self._text_at:
            self._text_at[text] = len(self.texts)
            self.texts.append(text)
        return self._text_at[text]

    def _edge_id(self, edge: tuple[Value, int] | None, back) -> str | None:
        if edge is not None and back is not None:
            edge = back[1].get(edge)  # None: an edge of the copy's own (the other samples')
        return None if edge is None else f"e{self.index[edge[0]]}_{edge[1]}"

    @staticmethod
    def _nodes(nodes, back) -> list[Value]:
        return list(nodes) if back is None else [back[0][n] for n in nodes if n in back[0]]


def _short(value: float) -> float:
    """A slip's number to 11 significant digits: the page tells a slip by 4 (and an exact
    one within 1e-9), and the page ships thousands of them."""
    return float(f"{value:.11g}")


def questions(tr: Trace, index: dict, samples: int) -> Questions | None:
    """Practise mode's questions for a graph small enough to practise on (a batch graph: one
    number per sample per node, reduced by a mean or a sum), else None."""
    if len(tr.nodes) > PRACTISE_NODES:
        return None
    if all(type(n.data) is float for n in tr.nodes):
        return Questions(tr, index)
    if samples == 0 or len(tr.nodes) * samples > PRACTISE_BATCH or batch_size(tr.nodes) is None:
        return None
    copies = [one_sample(tr.nodes, tr.root, s, tr.names) for s in range(samples)]
    if any(c is None for c in copies):
        return None
    return Questions(tr, index, copies)
