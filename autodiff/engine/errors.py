"""What the engine says when something is wrong: which op, which node, and what to do."""

from __future__ import annotations

from .numpy_on_demand import is_array, is_numpy_scalar, np

#  mistake            raised as          message, filled in by `error(mistake, **fields)`
MESSAGES: dict[str, tuple[type[Exception], str]] = {
    "label":          (TypeError,        "Value label must be a str, got {kind}"),
    "data type":      (TypeError,        "{where} must be an int, a float, a NumPy scalar or a NumPy float array (batch mode), got {kind}"),
    "data too big":   (ValueError,       "{where} must be finite, but this int of {digits} digits is beyond the float range (about 1.8e308)"),
    "data infinite":  (ValueError,       "{where} must be finite, got {value}"),
    "exponent":       (TypeError,        "**: the exponent must be a number or a Value, got {kind}"),
    "input infinite": (ValueError,       "{op}: {node} holds a value that is not finite ({value}); was its data set directly?"),
    "overflow":       (OverflowError,    "{op}: the result is not finite (it overflows the float range) for {where}; scale the inputs down"),
    "shapes":         (ValueError,       "{op}: batch shapes do not match ({shapes}); every batch array must have one value per sample, the same number of samples"),
    "undefined":      (ValueError,       "{op}: the derivative is not finite at {where}; the gradient cannot flow through this node"),
    "gradient":       (OverflowError,    "backward: the gradient reaching {node} is not finite ({value}): {where} overflows the float range (dividing by a number near zero does this). No grad was changed; rescale the computation."),
    "cycle":          (ValueError,       "the graph has a cycle: {node} is among its own inputs, directly or through other nodes; a recorded graph never loops: was `inputs` edited by hand?"),
    "not scalar":     (ValueError,       "{who} needs a scalar, but this node holds an array of shape {shape} (batch mode); reduce it first with .sum() or .mean(), or hand backward() the upstream gradient, an array of that shape"),
    "upstream shape": (ValueError,       "backward(gradient): {node} has shape {shape}, but the upstream gradient has shape {got}; pass one number per entry of the node"),
    "float batch":    (TypeError,        "float() of a batch-mode Value: reduce it with sum() or mean() first"),
    "not a value":    (TypeError,        "{who} needs a Value, got {kind}"),
}
# The messages, and the pieces `said` below, in the reader's language (autodiff.set_language).
TRANSLATED: dict[str, str] = {}


def error(mistake: str, **fields) -> Exception:
    """The exception for one kind of mistake, its message filled in from `fields`."""
    return MESSAGES[mistake][0](said(mistake, MESSAGES[mistake][1], **fields))


def said(key: str, english: str, **fields) -> str:
    """A message or a piece of one in the reader's language (`TRANSLATED[key]`), else `english`."""
    return TRANSLATED.get(key, english).format(**fields)


def is_number(x: object) -> bool:
    """An int, float or NumPy real scalar; never a bool (True is not a number a user means)."""
    return (isinstance(x, (int, float)) or is_numpy_scalar(x)) and not isinstance(x, bool)


def finite(x) -> bool:
    """Whether a number, or every entry of an array, is finite (neither inf nor nan)."""
    return x - x == 0.0 if type(x) is float or is_number(x) else bool(np.all(np.isfinite(x)))


def show(x) -> str:
    """A value in a message: a number as it is, a small array whole, a big one summed up."""
    if is_number(x):
        return repr(float(x))
    if not is_array(x) or x.ndim == 0:
        return repr(x)
    if np.size(x) <= 6:
        return np.array2string(np.asarray(x), precision=6, separator=", ")
    return (f"array(shape={np.shape(x)}, mean={np.mean(x):.6g}, min={np.min(x):.6g}, "
            f"max={np.max(x):.6g})")


def describe(v, value: bool = True) -> str:
    """A node as messages name it: by its label, else by its value or its op."""
    if v.label:
        return said("node", "node {label!r}", label=v.label) + (f" = {show(v.data)}" * value)
    if value:
        return said("unlabeled node", "an unlabeled node of value {value}", value=show(v.data))
    return said("unlabeled op", "an unlabeled {op} node", op=v.op or said("leaf", "leaf"))


def op_failed(op, inputs: tuple, n: float | None) -> Exception:
    """Why an op's forward value failed: a bad input, outside the op's domain, or an overflow."""
    where = ", ".join(map(describe, inputs))
    where += "" if n is None else said("with exponent", " with exponent {n!r}", n=n)
    for v in inputs:
        if not finite(v.data):
            return error("input infinite", op=op.name, node=describe(v, False), value=show(v.data))
    if not op.in_domain([v.data for v in inputs], n):
        domain = said("domain " + op.reads[0], op.domain_message)
        return op.domain_error(said("domain", "{op}: {domain}; got {where}", op=op.name,
                                    domain=domain, where=where))
    return error("overflow", op=op.name, where=where)  # in the domain, finite inputs: overflow


def gradient_overflow(node, order: list, found: dict) -> Exception:
    """Where the gradient reaching `node` overflowed: one share (local × upstream), or the sum."""
    # A gradient is a number, an array or (gradients of gradients) a Value: its number. Not
    # getattr(g, "data"): an array's .data is its buffer, a memoryview.
    shares = [(u, d, g.data if hasattr(g := found[u], "local_grads") else g) for u in order
              if u in found for child, d in zip(u.inputs, u.local_grads) if child is node]
    bad = [share for share in shares if not finite(share[1] * share[2])]
    where = said("share", "the share from {user}, its local derivative {local} × its gradient "
                 "{grad},", user=describe(bad[0][0], False), local=show(bad[0][1]),
                 grad=show(bad[0][2])) if bad else said(
        "sum of shares", "the sum of its shares ({shares})",
        shares=", ".join(show(d * g) for _, d, g in shares[:4]))
    value = found[node] if type(found[node]) is float else said("in some", "in some samples")
    return error("gradient", node=describe(node, False), where=where, value=value)


class UndefinedDerivative:
    """An infinite local derivative (sqrt at 0): the value stands, a gradient through it raises."""

    __slots__ = ("error",)

    def __init__(self, op, inputs: tuple) -> None:
        self.error = error("undefined", op=op.name, where=", ".join(map(describe, inputs)))

    def __mul__(self, other):
        raise self.error

    __rmul__ = __mul__
