"""Slips for practise mode: the wrong answers a learner is likely to give for a gradient, each
with its kind (as `check_work` names them) and a sentence naming the nodes involved.

One function, `slip_candidates`, so the page can later take its slips from `check_work`'s
catalog instead without changing anything else.
"""

from __future__ import annotations

from typing import Any

from ..language import reading
from ..language.numbers import format_number

Trace = Any  # a see.trace.Trace (not imported: the trace imports the page, which imports this)

MAX_SLIP_PATHS = 32  # paths looked at for missing paths and factors; beyond, the sign only
__all__ = ["slip_candidates", "MAX_SLIP_PATHS"]


def slip_candidates(trace: Trace, node) -> list[tuple[float, str, str]]:
    """Wrong values of d root / d node and their slip: (value, kind, sentence). Kinds: "sign",
    "missing path", "missing factor", "wrong slope". A scalar graph's; [] in batch mode."""
    grad = trace.grad(node)
    if type(grad) is not float:
        return []
    root, name = trace.name(trace.root), trace.name(node)
    found = [(-grad, "sign", f"the sign is flipped: d{reading.d_name(root)}/"
                             f"d{reading.d_name(name)} is {format_number(grad)}")]
    if trace.count_paths(node, by="ops") > MAX_SLIP_PATHS:
        return _distinct(found, grad)
    paths = trace.explain(node, max_paths=MAX_SLIP_PATHS, by="ops").paths
    for path in paths:
        if len(paths) > 1:
            route = " → ".join(path.names)
            found.append((grad - path.product, "missing path",
                          f"you left out the path {route} (its product "
                          f"{format_number(path.product)} belongs in the sum)"))
        for factor in path.factors:
            if type(factor.local) is not float or factor.local in (0.0, 1.0):
                continue
            rest = path.product / factor.local
            local = _local_text(trace, factor)
            found.append((grad - path.product + rest, "missing factor",
                          f"you left out the factor {factor.name} = {local} = "
                          f"{format_number(factor.local)}"))
            other = _same_op_elsewhere(trace, factor)
            if other is not None:
                slope, where = other
                found.append((grad - path.product + rest * slope, "wrong slope",
                              f"you took the slope of {factor.upper.op} at {where} "
                              f"({format_number(slope)}) for {factor.name}, which is at "
                              f"{factor.upper_name} ({format_number(factor.local)})"))
    return _distinct(found, grad)


def _local_text(trace: Trace, factor) -> str:
    """The local derivative as a reader writes it, with the graph's own names: out·(1 − out)."""
    upper = factor.upper
    if upper.op_entry is None or factor.lower not in upper.inputs:
        return factor.name
    texts = reading.reads_local(upper.op_entry, [trace.name(x) for x in upper.inputs],
                                trace.name(upper), upper.exponent)
    return texts[upper.inputs.index(factor.lower)]


def _same_op_elsewhere(trace: Trace, factor) -> tuple[float, str] | None:
    """The local derivative of another node of the same one-input op (a slope read off the
    wrong node), or None."""
    upper = factor.upper
    if len(upper.inputs) != 1:
        return None
    for other in trace.nodes:
        if other is not upper and other.op == upper.op and len(other.inputs) == 1 and \
                other.exponent == upper.exponent and type(other.local_grads[0]) is float:
            if other.local_grads[0] != factor.local:
                return other.local_grads[0], trace.name(other)
    return None


def _distinct(found: list, grad: float) -> list[tuple[float, str, str]]:
    """Each wrong value once (the first slip that gives it), none equal to the right one."""
    kept: list[tuple[float, str, str]] = []
    for value, kind, text in found:
        close = abs(value - grad) <= 1e-8 + 1e-4 * abs(grad)
        if not close and all(abs(value - v) > 1e-12 * max(1.0, abs(v)) for v, _, _ in kept):
            kept.append((value, kind, text))
    return kept
