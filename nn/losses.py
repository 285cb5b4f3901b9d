"""Losses: each returns one scalar `Value`; in batch mode it is the mean over the batch, or the
sum with `reduction="sum"` (as PyTorch's losses). `softmax` gives the probabilities themselves.

Every loss is written with the engine's own ops, so its graph can be drawn and traced, and
each is arranged so that no op ever sees an argument that overflows: exp only of numbers
<= 0, log only of numbers >= 1 (or of a sum that includes 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autodiff import Value, linear
from autodiff.engine.numpy_on_demand import is_array, is_numpy_scalar, np

__all__ = ["half_sse", "mse", "binary_cross_entropy", "softmax_cross_entropy", "hinge", "l2",
           "softmax", "log_softmax"]

Output = Value | Sequence[Value]
REDUCTIONS = ("mean", "sum")


def _check_reduction(reduction: Any, what: str) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{what}: reduction must be 'mean' or 'sum', got {reduction!r}")
    return reduction


def _batch_mean(total: Value, reduction: str = "mean", what: str = "loss") -> Value:
    """Average (or sum) over the batch in batch mode; a scalar loss is returned as it is."""
    _check_reduction(reduction, what)
    if type(total.data) is float:
        return total
    return total.mean() if reduction == "mean" else total.sum()


def _as_list(outputs: Output, what: str) -> list[Value]:
    if type(outputs) is Value:
        return [outputs]
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Iterable):
        raise TypeError(f"{what}: outputs must be a Value or a list of Values, "
                        f"got {type(outputs).__name__}")
    outputs = list(outputs)
    for k, y in enumerate(outputs):
        if type(y) is not Value:
            raise TypeError(f"{what}: output {k} must be a Value, got {type(y).__name__}")
    if not outputs:
        raise ValueError(f"{what}: no outputs")
    return outputs


def _constant(t: Any, what: str) -> Value:
    """A target as a leaf node: a number, or an array with one value per sample."""
    if type(t) is Value:
        return t
    try:
        return Value(np.asarray(t, dtype=float) if isinstance(t, (list, tuple)) else t)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{what}: bad target: {error}") from None


def _targets(targets: Any, n: int, what: str) -> list[Value]:
    """One target node per output: targets may be one number/array (one output) or a list."""
    if n == 1 and (type(targets) is Value or not _is_list(targets) and np.ndim(targets) <= 1):
        return [_constant(targets, what)]
    if is_array(targets):
        if targets.ndim == 2:
            # (samples, outputs), the layout of a data set's y: one column per output.
            targets = list(targets.T)
        elif targets.ndim == 1:  # one number per output
            targets = list(targets)
    if not _is_list(targets) or len(targets) != n:
        count = len(targets) if _is_list(targets) else 1
        raise ValueError(f"{what}: {n} outputs but {count} targets")
    return [_constant(t, what) for t in targets]


def _is_list(x: Any) -> bool:
    return isinstance(x, (list, tuple))


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def half_sse(outputs: Output, targets: Any, reduction: str = "mean") -> Value:
    """Σ_k ½ (t_k - y_k)², the textbook's E_total (averaged, or summed, over the batch)."""
    ys = _as_list(outputs, "half_sse")
    ts = _targets(targets, len(ys), "half_sse")
    return _batch_mean(_sum([0.5 * (t - y) ** 2 for y, t in zip(ys, ts)]), reduction, "half_sse")


def mse(outputs: Output, targets: Any, reduction: str = "mean") -> Value:
    """The mean over outputs and over the batch of (t - y)²; with "sum", the sum over both."""
    ys = _as_list(outputs, "mse")
    ts = _targets(targets, len(ys), "mse")
    total = _sum([(t - y) ** 2 for y, t in zip(ys, ts)])
    if len(ys) > 1 and _check_reduction(reduction, "mse") == "mean":
        total = total / len(ys)
    return _batch_mean(total, reduction, "mse")


def _check_binary(target: Any, allowed: tuple[float, ...], what: str) -> Any:
    value = target.data if type(target) is Value else target
    if type(value) in (int, float) and value in allowed:  # one sample's number: no NumPy
        return target
    values = np.asarray(value, dtype=float)
    if not np.all(np.isin(values, allowed)):
        bad = values[~np.isin(values, allowed)].ravel()[0] if values.ndim else float(values)
        raise ValueError(
            f"{what}: targets must be {' or '.join(map(_fmt, allowed))}, got {bad!r}"
        )
    return target


def _fmt(x: float) -> str:
    return str(int(x))


def binary_cross_entropy(logit: Value, target: Any, reduction: str = "mean") -> Value:
    """-[t log σ(z) + (1 - t) log(1 - σ(z))] for the logit z and t in {0, 1}, stable for any z.

    Written as (½ - t)·z + ½|z| + log(1 + e^-|z|): exp only ever sees -|z| <= 0, so nothing
    overflows, and the derivative is σ(z) - t everywhere, also at z = 0 (where |z|'s derivative
    is 0 and the ½·z term alone gives σ(0) = ½).
    """
    if type(logit) is not Value:
        raise TypeError(
            f"binary_cross_entropy: the logit must be a Value, got {type(logit).__name__}"
        )
    _check_binary(target, (0.0, 1.0), "binary_cross_entropy")
    if isinstance(target, (int, float)) or is_numpy_scalar(target):
        slope = 0.5 - float(target)  # a number: one node fewer than a constant leaf
    else:
        slope = 0.5 - _constant(target, "binary_cross_entropy")
    magnitude = logit.abs()
    loss = slope * logit + 0.5 * magnitude + ((-magnitude).exp() + 1.0).log()
    return _batch_mean(loss, reduction, "binary_cross_entropy")


def softmax_cross_entropy(logits: Sequence[Value], label: Any, reduction: str = "mean") -> Value:
    """-log softmax(logits)[label] = log Σ_k e^(z_k) - z_label, stable for any finite logits.

    `label` is an int class index, an int array (batch mode), or a list of one `Value` per
    class holding 0/1 indicators (so labels can be inputs of a compiled graph).

    With numbers, log Σ e^z = log Σ e^(z_k - m) + m with m the largest logit, a constant (the
    drawing stays small): the largest term is exactly e^0 = 1. In batch mode the largest logit
    differs from sample to sample and the graph must stay right when it is run again on other
    data (a compiled graph), so the log-sum-exp is built with graph ops, one class at a time:
    LSE(r, z) = max(r, z) + log(1 + e^(-|r - z|)), with max(r, z) = r/2 + z/2 + |r/2 - z/2|.
    exp only ever sees a number <= 0 and log one in [1, 2], whatever rounding did to the
    logits (a running maximum built as r + relu(z - r) is off by an ulp of the logits, which
    near 1e19 is thousands, and then every exponential under- or overflows). Its gradient is
    the softmax p - onehot, also at ties, where |·|' = 0 leaves each half.
    """
    zs = _logits(logits, "softmax_cross_entropy")
    classes = len(zs)
    _check_reduction(reduction, "softmax_cross_entropy")
    batch = any(type(z.data) is not float for z in zs)
    if _is_list(label) and all(type(v) is Value for v in label):
        if len(label) != classes:
            raise ValueError(f"softmax_cross_entropy: {classes} logits but {len(label)} "
                             "one-hot indicators")
        onehot = list(label)
    else:
        labels = _check_labels(label, classes, batch)
        if not batch:
            return _log_sum_exp(zs, shift=True) - zs[int(labels)]
        size = max(np.size(z.data) for z in zs)
        if labels.ndim and labels.size != size:
            raise ValueError(f"softmax_cross_entropy: {labels.size} labels for a batch of "
                             f"{size} samples")
        onehot = [Value((labels == k).astype(float)) for k in range(classes)]
    log_sum = _log_sum_exp(zs, shift=False)  # graph ops only: right for any data it runs on
    # The logit of each sample's own class: Σ_k onehot_k · z_k, one node.
    picked = linear(onehot, zs, Value(0.0))
    return _batch_mean(log_sum - picked, reduction, "softmax_cross_entropy")


def _logits(logits: Sequence[Value], what: str) -> list[Value]:
    zs = _as_list(logits, what)
    if len(zs) < 2:
        raise ValueError(f"{what} needs at least 2 logits (one per class)")
    return zs


def _log_sum_exp(zs: list[Value], shift: bool) -> Value:
    """log Σ_k e^(z_k), stable: with `shift`, shifted by the largest logit (a constant: a small
    drawing, for numbers); else built from `_log_add_exp`, right for any data it runs on."""
    if shift:
        shift = max(z.data for z in zs)
        return _sum([(z - shift).exp() for z in zs]).log() + shift
    log_sum = zs[0]
    for z in zs[1:]:
        log_sum = _log_add_exp(log_sum, z)
    return log_sum


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log p_k = z_k - log Σ_j e^(z_j) for each class k, stable for any finite logits."""
    zs = _logits(logits, "log_softmax")
    log_sum = _log_sum_exp(zs, shift=all(type(z.data) is float for z in zs))
    return [z - log_sum for z in zs]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """The probabilities p_k = e^(z_k) / Σ_j e^(z_j), one Value per class (one per sample in
    batch mode): e^(log p_k), so exp only sees numbers <= 0 and never overflows."""
    probabilities = [z.exp() for z in log_softmax(logits)]
    for k, p in enumerate(probabilities):
        p.label = f"p{k + 1}"
    return probabilities


def _log_add_exp(r: Value, z: Value) -> Value:
    """log(e^r + e^z) with graph ops: exp sees only numbers <= 0, log only numbers in [1, 2]."""
    half_r, half_z = 0.5 * r, 0.5 * z
    gap = (half_r - half_z).abs()  # |r - z| / 2, which never overflows
    top = half_r + half_z + gap  # max(r, z)
    tail = (-gap).exp()  # e^(-|r - z| / 2), squared below: e^(-|r - z|) without 2·gap
    return top + (tail * tail + 1.0).log()


def _check_labels(label: Any, classes: int, batch: bool) -> Any:
    if isinstance(label, bool) or type(label) is Value:
        raise TypeError("softmax_cross_entropy: the label must be an int class index "
                        f"(or an int array in batch mode), got {type(label).__name__}")
    if isinstance(label, int) or is_numpy_scalar(label, ("integer",)):
        labels = np.asarray(int(label))
    else:
        labels = np.asarray(label)
        if labels.dtype.kind not in "iu":
            raise TypeError("softmax_cross_entropy: labels must be ints (class indices), "
                            f"got an array of {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].ravel()[0]
        raise ValueError(
            f"softmax_cross_entropy: label {int(bad)} is not a class index in 0..{classes - 1}"
        )
    if not batch:
        if labels.ndim != 0:
            raise ValueError("softmax_cross_entropy: scalar logits take one int label")
        return int(labels)
    return labels


def hinge(score: Value, y: Any, reduction: str = "mean") -> Value:
    """max(0, 1 - y·score) with y = ±1 (averaged, or summed, over the batch in batch mode)."""
    if type(score) is not Value:
        raise TypeError(f"hinge: the score must be a Value, got {type(score).__name__}")
    _check_binary(y, (-1.0, 1.0), "hinge")
    if isinstance(y, (int, float)) or is_numpy_scalar(y):
        margin = 1.0 - float(y) * score
    else:
        margin = 1.0 - _constant(y, "hinge") * score
    return _batch_mean(margin.relu(), reduction, "hinge")


def l2(params: Iterable[Value]) -> Value:
    """Σ p², one node: the linear op Σ w·x + b with w = x = p (its gradient is 2p)."""
    params = list(params)
    for k, p in enumerate(params):
        if type(p) is not Value:
            raise TypeError(f"l2: parameter {k} must be a Value, got {type(p).__name__}")
    if not params:
        return Value(0.0)
    out = linear(params, params, Value(0.0))
    if type(out.data) is not float:
        out = out.sum()
    out.label = out.label or "l2"
    return out
