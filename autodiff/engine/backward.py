"""The backward pass: a topological order, then the chain rule, written once, in one loop."""

from __future__ import annotations

import threading
from collections.abc import Callable

from . import errors
from .numpy_on_demand import is_array, np

_adding = threading.Lock()  # held while a pass adds its gradients to the nodes' `grad`


def topological_order(root) -> list:
    """Every node of root's graph once, inputs before the nodes made from them, root last."""
    if not hasattr(root, "local_grads"):
        raise errors.error("not a value", who="topological_order", kind=type(root).__name__)
    order, seen, placed = [], {root}, set()
    stack = [(root, iter(root.inputs))]  # a stack, not recursion: a million-node chain is fine
    while stack:
        node, inputs = stack[-1]
        for child in inputs:  # the node's next input not seen yet goes on top of the stack
            if child not in seen:
                seen.add(child)
                if child.inputs:
                    stack.append((child, iter(child.inputs)))
                    break
                order.append(child)  # a leaf has nothing to wait for
                placed.add(child)
            elif child not in placed:  # seen, still waiting for its inputs: a loop
                raise errors.error("cycle", node=errors.describe(child, False))
        else:  # every input placed: the node follows them
            stack.pop()
            order.append(node)
            placed.add(node)
    return order


def backward(root, on_step: Callable | None = None, gradient=None) -> list:
    """Add d(root)/d(node) to every node's `grad`, once the whole pass has succeeded (a failed
    pass changes none); return the nodes in topological order. `gradient`: the upstream
    d(something)/d(root), 1.0 when None (then root must be a scalar)."""
    if gradient is None and type(root.data) is not float:
        raise errors.error("not scalar", who="backward()", shape=getattr(root.data, "shape", ()))
    order = topological_order(root)
    found = chain_rule(order, on_step=on_step, seed=1.0 if gradient is None else gradient)
    with _adding:  # grad + g, then a write: two threads at once would lose a share
        for node in order:
            node.grad = node.grad + found[node]
    return order


def chain_rule(order: list, local_grads: Callable | None = None,
               on_step: Callable | None = None, seed=1.0) -> dict:
    """{node: d root/d node} (root = order[-1], its own `seed`), a dict of this pass's own, so
    passes in several threads never mix; `local_grads(node)` may stand in for the recorded local
    derivatives (on `Value`s, for gradients of gradients); `on_step(node, g, input, local, c)`
    sees each edge."""
    found = {order[-1]: seed}
    for node in reversed(order):  # every user of a node comes before it
        g = found[node]  # final: every user has added its share
        if (g - g != 0.0) if type(g) is float else not errors.finite(getattr(g, "data", g)):
            raise errors.gradient_overflow(node, order, found)
        if not node.inputs:
            continue  # a leaf: nothing flows further
        local = node.local_grads if local_grads is None else local_grads(node)
        for child, d in zip(node.inputs, local):
            c = d * g  # the chain rule: d root/d child += d node/d child · d root/d node
            if type(c) is not float:
                c = unbroadcast(c, child.data)  # batch mode: back to the child's shape
            found[child] = found[child] + c if child in found else c
            if on_step is not None:
                on_step(node, g, child, d, c)
    return found


def unbroadcast(c, like):
    """Sum a broadcast contribution `c` back to the shape of the node that receives it."""
    if hasattr(c, "local_grads"):  # a Value, in a graph of gradients
        return c.sum() if type(like) is float and type(c.data) is not float else c
    if not is_array(like):
        return float(np.sum(c))
    c = np.asarray(c, dtype=float)
    while c.ndim > like.ndim:
        c = c.sum(axis=0)
    ones = tuple(i for i, size in enumerate(like.shape) if size == 1 and c.shape[i] != 1)
    return c.sum(axis=ones, keepdims=True) if ones else c
