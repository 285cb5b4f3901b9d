"""The backward pass: a topological order, then the chain rule, written once, in one loop."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from . import errors


def topological_order(root) -> list:
    """Every node of root's graph once, inputs before the nodes made from them, root last."""
    if not hasattr(root, "local_grads"):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order, placed, stack = [], {}, [(root, False)]  # placed[node]: False while on the path
    while stack:  # a stack of (node, inputs placed?), not recursion: a million-node chain is fine
        node, inputs_placed = stack.pop()
        if inputs_placed:
            order.append(node)  # after its inputs, which were pushed above it
            placed[node] = True
        elif node not in placed:  # a node reached twice is placed at its first visit
            if not node.inputs:
                order.append(node)  # a leaf has nothing to wait for
                placed[node] = True
                continue
            placed[node] = False
            stack.append((node, True))
            for child in reversed(node.inputs):  # reversed: popped, and so placed, in order
                if child not in placed:
                    stack.append((child, False))
                elif not placed[child]:  # an input still waiting for its own inputs
                    raise _cycle(child)
    return order


def _cycle(node) -> ValueError:
    """A graph whose `inputs` were edited into a loop has no order to differentiate in."""
    return ValueError(f"the graph has a cycle: {errors.describe(node, False)} is among its own "
                      "inputs, directly or through other nodes; a recorded graph never loops: "
                      "was `inputs` edited by hand?")


def backward(root, on_step: Callable | None = None, gradient=None) -> list:
    """Add d(root)/d(node) to every node's `grad`, once the whole pass has succeeded (a failed
    pass changes none); return the nodes in topological order. `gradient`: the upstream
    d(something)/d(root), 1.0 when None (then root must be a scalar)."""
    if gradient is not None:
        seed = upstream_gradient(root, gradient)
    elif type(root.data) is float:
        seed = 1.0  # d root/d root
    else:
        raise errors.error("not scalar", who="backward()", shape=np.shape(root.data))
    order = topological_order(root)
    found = chain_rule(order, on_step=on_step, seed=seed)
    with _accumulating:  # passes in several threads may share nodes: add one pass at a time
        for node in order:
            node.grad = node.grad + found[node]
    return order


# `grad += g` is a read and a write: two threads adding into a shared parameter between them
# would lose one share. The chain rule itself keeps its numbers in a dict of its own.
_accumulating = threading.Lock()


def upstream_gradient(root, gradient) -> float | np.ndarray:
    """`gradient` checked against root: a finite number for a scalar node, a finite array of
    root's shape for a batch node (a copy: the caller's array may change after)."""
    shape = np.shape(root.data)
    if isinstance(gradient, bool) or not (errors.is_number(gradient) or (
            isinstance(gradient, np.ndarray) and gradient.dtype.kind in "fiu")):
        raise errors.error("upstream type", node=errors.describe(root, False), shape=shape,
                           kind=type(gradient).__name__)
    if np.shape(gradient) != shape:
        raise errors.error("upstream shape", node=errors.describe(root, False), shape=shape,
                           got=np.shape(gradient))
    seed = float(gradient) if shape == () else np.array(gradient, dtype=float)
    if not np.isfinite(seed).all():
        raise errors.error("upstream infinite", node=errors.describe(root, False),
                           value=errors.show(seed))
    return seed


def chain_rule(order: list, local_grads: Callable | None = None,
               on_step: Callable | None = None, seed=1.0) -> dict:
    """d root/d node for every node of `order` (root = order[-1]), as a dict of this pass's own,
    so passes in several threads over shared nodes never mix; `local_grads(node)` may stand in
    for the recorded local derivatives (gradients of gradients evaluate them on `Value`s);
    `on_step(node, g, input, local, contribution)` sees each edge; `seed` is root's own
    gradient (1.0, or the upstream gradient handed to backward)."""
    found = {order[-1]: seed}
    for node in reversed(order):  # every user of a node comes before it
        g = found[node]  # final: every user has added its share
        if (g - g != 0.0) if type(g) is float else not np.isfinite(getattr(g, "data", g)).all():
            raise errors.gradient_overflow(node, order, found)
        if not node.inputs:
            continue  # a leaf: nothing flows further
        local = node.local_grads if local_grads is None else local_grads(node)
        for child, d in zip(node.inputs, local):
            c = d * g  # the chain rule: d root/d child += d node/d child · d root/d node
            if type(c) is not float:
                c = unbroadcast(c, child.data)  # batch mode: back to the child's shape
            before = found.get(child)
            found[child] = c if before is None else before + c
            if on_step is not None:
                on_step(node, g, child, d, c)
    return found


def unbroadcast(c, like):
    """Sum a broadcast contribution `c` back to the shape of the node that receives it."""
    if hasattr(c, "local_grads"):  # a Value, in a graph of gradients
        return c.sum() if type(like) is float and type(c.data) is not float else c
    if type(like) is not np.ndarray:
        return float(np.sum(c))
    c = np.asarray(c, dtype=float)
    while c.ndim > like.ndim:
        c = c.sum(axis=0)
    ones = tuple(i for i, size in enumerate(like.shape) if size == 1 and c.shape[i] != 1)
    return c.sum(axis=ones, keepdims=True) if ones else c
