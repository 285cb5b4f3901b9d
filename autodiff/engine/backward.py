"""Graph walks: the topological order, the backward pass (written once, iteratively), no_grad."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator

import numpy as np

from .value import Value, _set_grad_enabled

__all__ = ["topological_order", "backward", "no_grad", "gc_paused"]


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph once, inputs before the nodes made from them, root last."""
    if not isinstance(root, Value):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order: list[Value] = []
    expanded: set[Value] = set()
    emitted: set[Value] = set()
    # An explicit stack instead of recursion: a chain of a million nodes is fine.
    # A node is popped twice: first it is expanded (pushed back, with its inputs above it),
    # then, once everything above it (its inputs) has been emitted, it is emitted itself.
    # Leaves skip the second visit (half the nodes of a typical graph are leaves).
    stack = [root]
    push = stack.append
    pop = stack.pop
    emit = order.append
    expand = expanded.add
    done = emitted.add
    while stack:
        node = pop()
        if node in expanded:
            if node not in emitted:
                done(node)
                emit(node)
            continue
        expand(node)
        push(node)
        inputs = node.inputs
        for child in inputs:
            # A leaf needs no second visit: it is emitted at once, in argument order.
            if not child.inputs and child not in expanded:
                expand(child)
                emit(child)
        for child in reversed(inputs):  # reversed: inputs come out in argument order
            if child not in expanded:
                push(child)
    return order


StepHook = Callable[[Value, object, tuple], None]


def backward(root: Value, on_step: StepHook | None = None) -> list[Value]:
    """Add d(root)/d(node) to every node's `grad`; return the nodes in topological order.

    Gradients flow through a scratch slot `_g` (0.0 at rest) and reach `grad` only once the
    whole pass has succeeded, so a failed pass changes no `grad`, and calling backward twice on
    the same graph adds the same gradients twice (as PyTorch does) instead of compounding them.
    `on_step(node, upstream, contributions)`, if given, sees each step (the tracer uses it).
    """
    if type(root.data) is not float:
        raise ValueError(
            f"backward() needs a scalar, but this node holds an array of shape {root.data.shape}"
            " (batch mode); reduce it first with .sum() or .mean()"
        )
    # The graph is acyclic and freed by reference counting; the cyclic collector would only
    # rescan it over and over while we walk it, so it pauses here and resumes as it was.
    with gc_paused():
        order = topological_order(root)
        root._g = 1.0
        try:
            for node in reversed(order):
                g = node._g
                inputs = node.inputs
                # Every consumer has been processed, so g is final: check it once, here.
                if type(g) is float:
                    if g - g != 0.0:
                        raise _not_finite(node, g)
                    if inputs and on_step is None:
                        # A scalar node's local derivatives already have its inputs' shapes
                        # (a reduction's is ones_like(input)): nothing to sum, the fast path.
                        for child, local in zip(inputs, node._local):
                            child._g += local * g
                        continue
                elif not np.isfinite(g).all():
                    raise _not_finite(node, g)
                if not inputs:
                    continue
                contributions = []
                for child, local in zip(inputs, node._local):
                    c = local * g
                    if type(c) is not float:
                        c = _reduce_to(c, child.data)
                    child._g += c
                    contributions.append(c)
                if on_step is not None:
                    on_step(node, g, tuple(contributions))
            for node in order:
                node.grad = node.grad + node._g
                node._g = 0.0
        except BaseException:
            for node in order:
                node._g = 0.0
            raise
    return order


def _not_finite(node: Value, g) -> ArithmeticError:
    where = f"node {node.label!r}" if node.label else f"an unlabeled {node.op or 'leaf'} node"
    shown = g if type(g) is float else "in some samples"
    return OverflowError(
        f"backward: the gradient reaching {where} is not finite ({shown});"
        " a local derivative or a product of them overflowed the float range (dividing by a"
        " number near zero does this). No grad was changed; rescale the computation."
    )


def _reduce_to(contribution, like):
    """Sum a broadcast contribution back to the shape of the node that receives it."""
    if type(like) is float:
        return float(contribution.sum())
    contribution = np.asarray(contribution, dtype=float)
    if contribution.shape == like.shape or contribution.ndim == 0:
        return contribution
    while contribution.ndim > like.ndim:
        contribution = contribution.sum(axis=0)
    for axis, size in enumerate(like.shape):
        if size == 1 and contribution.shape[axis] != 1:
            contribution = contribution.sum(axis=axis, keepdims=True)
    return contribution


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, results record no inputs: nothing to backpropagate, less to keep."""
    previous = _set_grad_enabled(False)
    try:
        yield
    finally:
        _set_grad_enabled(previous)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one block, e.g. one training step.

    Graphs are acyclic and freed by reference counting, but while a large graph is alive the
    collector keeps rescanning all of it (more than half the time of a training step built
    node by node). Pausing it for a step is safe: cycles made meanwhile by other code are
    collected as usual once the block ends.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
