"""The backward pass: a topological order, then the chain rule, written once, in one loop."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator

import numpy as np

from . import errors

__all__ = ["topological_order", "backward", "chain_rule", "unbroadcast", "gc_paused"]


def topological_order(root) -> list:
    """Every node of root's graph once, inputs before the nodes made from them, root last."""
    if not hasattr(root, "inputs") or not hasattr(root, "local_grads"):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order, expanded, placed = [], set(), set()
    # An explicit stack, not recursion: a chain of a million nodes is fine. A node is popped
    # twice: first it is expanded (pushed back under its inputs), then, once its inputs are
    # placed, it is placed itself. Leaves are placed at once, in argument order.
    stack = [root]
    push, pop, place, expand = stack.append, stack.pop, order.append, expanded.add  # hot loop
    while stack:
        node = pop()
        if node in expanded:
            if node not in placed:
                placed.add(node)
                place(node)
            continue
        expand(node)
        push(node)
        inputs = node.inputs
        for child in inputs:
            if not child.inputs and child not in expanded:
                expand(child)
                place(child)
        for child in reversed(inputs):  # reversed: popped, and so placed, in order
            if child not in expanded:
                push(child)
    return order


def backward(root, on_step: Callable | None = None) -> list:
    """Add d(root)/d(node) to every node's `grad`; return the nodes in topological order.

    Gradients gather in a scratch slot `_g` and reach `grad` only once the whole pass has
    succeeded: a failed pass changes no `grad`, and a second call adds the same gradients again.
    `on_step(node, upstream, contributions)`, if given, sees each step (the tracer uses it).
    """
    if type(root.data) is not float:
        raise errors.not_scalar("backward()", np.shape(root.data))
    # The graph is acyclic and freed by reference counting: the cyclic collector would only
    # rescan it over and over while we walk it.
    with gc_paused():
        order = topological_order(root)
        try:
            chain_rule(order, on_step=on_step)
            for node in order:
                node.grad = node.grad + node._g
        finally:
            for node in order:
                node._g = None  # at rest again, whatever happened
    return order


def chain_rule(order: list, local_grads: Callable | None = None,
               on_step: Callable | None = None) -> None:
    """Leave d root/d node in each node's `_g`, root = order[-1]; the caller resets them.

    `local_grads(node)`, if given, stands in for the recorded local derivatives: gradients of
    gradients evaluate them on `Value`s, so that the gradients are nodes of a new graph.
    """
    order[-1]._g = 1.0
    for node in reversed(order):  # every user of a node comes before the node
        g = node._g  # final: every user has added its share
        if (g - g != 0.0) if type(g) is float else not np.isfinite(getattr(g, "data", g)).all():
            raise errors.not_finite_gradient(node, g)
        if not node.inputs:
            continue  # a leaf: its gradient is complete, nothing flows further
        shares = [] if on_step is not None else None  # only the tracer wants them
        local = node.local_grads if local_grads is None else local_grads(node)
        for child, d in zip(node.inputs, local):
            # The chain rule: d root/d child += d node/d child · d root/d node.
            c = d * g
            if type(c) is not float:
                c = unbroadcast(c, child.data)  # batch mode: back to the child's shape
            child._g = c if child._g is None else child._g + c
            if shares is not None:
                shares.append(c)
        if shares is not None:
            on_step(node, g, shares)


def unbroadcast(contribution, like):
    """Sum a broadcast contribution back to the shape of the node that receives it."""
    if hasattr(contribution, "local_grads"):  # a Value, in a graph of gradients
        scalar = type(like) is not np.ndarray and type(contribution.data) is not float
        return contribution.sum() if scalar else contribution
    if type(like) is not np.ndarray:
        return float(np.sum(contribution))
    contribution = np.asarray(contribution, dtype=float)
    if contribution.shape == like.shape:
        return contribution
    while contribution.ndim > like.ndim:
        contribution = contribution.sum(axis=0)
    for axis, size in enumerate(like.shape):
        if size == 1 and contribution.shape[axis] != 1:
            contribution = contribution.sum(axis=axis, keepdims=True)
    return contribution


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one block, e.g. one training step.

    Graphs are acyclic and freed by reference counting, but while a large graph is alive the
    collector keeps rescanning all of it. Cycles made meanwhile by other code are collected as
    usual once the block ends.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
