"""Derivatives of derivatives, and forward mode, from the same op table rows.

`grad(..., create_graph=True)` runs the backward pass of `backward.py` with each local
derivative evaluated on `Value`s (the row's code, its helpers `Value`'s own methods), so the
gradients are nodes of a new graph: differentiate them again, trace them, draw them. `jvp`
pushes tangents the other way, inputs to output, one sweep in evaluation order, with the same
local derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import errors, ops, rows
from .backward import chain_rule, topological_order, unbroadcast
from .collector import gc_paused
from .numpy_on_demand import is_array, np
from .value import Value

__all__ = ["grad", "hessian", "jvp", "forward_sweep", "tangent"]


def _value_namespace() -> dict[str, object]:
    """The rows' helpers on `Value`s, so that a local derivative is a node of a new graph."""
    def piecewise(name: str) -> Callable:
        # relu's step, abs's sign, a reduction's ones: constant pieces, so a new leaf (their
        # derivative is 0, at a kink too).
        f, g = ops.SCALAR_NAMESPACE[name], ops.ARRAY_NAMESPACE[name]
        return lambda v: Value(f(v.data) if type(v.data) is float else g(v.data))
    return {
        "exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "sqrt": Value.sqrt,
        "sigmoid": Value.sigmoid, "relu": Value.relu, "fabs": Value.abs, "total": Value.sum,
        "power": lambda a, n: a ** n, "size": lambda v: float(np.size(v.data)),
        "step": piecewise("step"), "sign": piecewise("sign"), "ones": piecewise("ones"),
    }


_slopes: dict[tuple, Callable] = {}  # each row's local derivatives (per linear width), on Values


def _local_values(node: Value) -> tuple:
    """The node's local derivatives as `Value`s: its row's code run on its inputs and itself."""
    for d in node.local_grads:
        if isinstance(d, errors.UndefinedDerivative):
            raise d.error
    op = node.op_entry
    key = (op, len(node.inputs) if op.arity < 0 else None)
    if key not in _slopes:
        code = compile(rows.slopes_source(op, len(node.inputs)), op.name, "eval")
        _slopes[key] = eval(code, _value_namespace())  # the op table's own text
    n = [node.exponent] if op.param else []
    return _slopes[key](*node.inputs, *n, node)


def grad(output: Value, inputs: Sequence[Value], *, create_graph: bool = False) -> list:
    """d output / d each input, in input order, leaving every `.grad` as it is.

    Plain numbers by default; with `create_graph=True`, `Value`s of a new graph built from the
    op table's local derivatives, to be differentiated again, traced or drawn. An input that
    does not reach `output` gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(errors.said("grad output", "grad: the output must be a Value, got {kind}",
                                    kind=type(output).__name__))
    inputs = list(inputs)
    for k, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(errors.said("grad input", "grad: inputs[{k}] must be a Value, got "
                                        "{kind}", k=k, kind=type(x).__name__))
    if type(output.data) is not float:
        raise errors.error("not scalar", who="grad()", shape=getattr(output.data, "shape", ()))
    with gc_paused():
        order = topological_order(output)
        found = chain_rule(order, local_grads=_local_values if create_graph else None)
    found = [found.get(x) for x in inputs]
    results = []
    for x, g in zip(inputs, found):
        if g is None:  # x does not reach the output
            g = 0.0 if type(x.data) is float else np.zeros_like(x.data)
        if create_graph and not isinstance(g, Value):
            g = Value(g)  # a constant derivative (d(x + y)/dx = 1) as a leaf of the new graph
        results.append(g)
    return results


def hessian(f: Callable[..., Value], xs: Sequence[float]) -> list[list[float]]:
    """The second derivatives d²f / dxi dxj of the scalar `f(*Values)` at the point `xs`."""
    values = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(errors.said("returns value", "{who}: f must return a Value, got {kind}",
                                    who="hessian", kind=type(out).__name__))
    first = grad(out, values, create_graph=True)
    return [[float(h) for h in grad(g, values)] for g in first]


def forward_sweep(order: list[Value], seeds: dict[Value, object],
                  on_step: Callable | None = None) -> dict[Value, object]:
    """Forward mode: each node's tangent, d node along the seeds' direction, in evaluation order.

    A node's tangent is the sum over its inputs of local derivative × the input's tangent: the
    same numbers as the backward pass, multiplied left to right instead of right to left.
    `on_step(node, tangent, terms)`, if given, sees each step.
    """
    tangent: dict[Value, object] = {}
    for node in order:
        if not node.inputs:
            tangent[node] = seeds.get(node, 0.0)
            continue
        terms = []
        for x, d in zip(node.inputs, node.local_grads):
            t = d * tangent[x]  # the chain rule, left to right
            terms.append(t if type(t) is float else unbroadcast(t, node.data))
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        if not errors.finite(total):  # never a silent inf, as in the backward pass
            terms = " + ".join(f"{errors.show(d)} × {errors.show(tangent[x])}"
                               for x, d in zip(node.inputs, node.local_grads))
            raise OverflowError(errors.said(
                "tangent", "forward mode: the tangent of {node} is not finite ({value}): {terms} "
                "overflows the float range; scale the direction down.",
                node=errors.describe(node, False), value=errors.show(total), terms=terms))
        tangent[node] = total
        if on_step is not None:
            on_step(node, total, terms)
    return tangent


def tangent(v, where: str) -> float | np.ndarray:
    """A direction's component as forward mode takes it: a float, or a float array per sample."""
    if errors.is_number(v):
        v = float(v)
    elif is_array(v) and v.dtype.kind in "fiu":
        v = np.asarray(v, dtype=float)
    else:
        raise TypeError(errors.said("tangent type", "{where} must be a number, got {kind}",
                                    where=where, kind=type(v).__name__))
    if not errors.finite(v):
        raise errors.error("data infinite", where=where, value=errors.show(v))
    return v


def jvp(f: Callable[..., Value], xs: Sequence[float], vs: Sequence[float]) -> tuple:
    """Forward mode: `(f(xs), the derivative of f at xs along vs)`, in one sweep."""
    if len(xs) != len(vs):
        raise ValueError(errors.said("jvp count", "jvp: {inputs} inputs but {tangents} tangents; "
                                     "give one per input", inputs=len(xs), tangents=len(vs)))
    values = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(errors.said("returns value", "{who}: f must return a Value, got {kind}",
                                    who="jvp", kind=type(out).__name__))
    where = errors.said("jvp tangent", "jvp: a tangent")
    seeds = {x: tangent(v, where) for x, v in zip(values, vs)}
    tangents = forward_sweep(topological_order(out), seeds)
    return out.data, tangents[out]
