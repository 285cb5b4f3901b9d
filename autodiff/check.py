"""Checking gradients against finite differences: `numerical_grad`, `gradcheck`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .engine.higher import hessian
from .engine.mode import no_grad
from .engine.value import Value

__all__ = ["numerical_grad", "gradcheck", "GradcheckError"]

Function = Callable[..., Value]


class GradcheckError(AssertionError):
    """Analytic and numerical gradients differ; `.mismatches` lists (index, analytic, numeric)."""

    def __init__(self, message: str, mismatches: list[tuple[int, float, float]]) -> None:
        super().__init__(message)
        self.mismatches = mismatches


def _scalar_output(f: Function, values: list[Value]) -> Value:
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(f"the function must return a Value, got {type(out).__name__}")
    if type(out.data) is not float:
        raise ValueError("the function must return a scalar Value; reduce with .sum() or .mean()")
    return out


def numerical_grad(f: Function, xs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps of f(*values) at the point xs."""
    point = [float(x) for x in xs]
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    grads = []
    with no_grad():  # only values are needed: record no graph
        for i in range(len(point)):
            up = point.copy()
            down = point.copy()
            up[i] += eps
            down[i] -= eps
            f_up = _scalar_output(f, [Value(x) for x in up]).data
            f_down = _scalar_output(f, [Value(x) for x in down]).data
            grads.append((f_up - f_down) / (2.0 * eps))
    return grads


def analytic_grad(f: Function, xs: Sequence[float]) -> list[float]:
    """The engine's gradient of f(*values) at the point xs (one backward pass)."""
    values = [Value(float(x), label=f"x{i}") for i, x in enumerate(xs)]
    _scalar_output(f, values).backward()
    return [v.grad for v in values]


def gradcheck(
    f: Function,
    xs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """True if backward() agrees with central differences at xs; else raise GradcheckError.

    With `order=2`, the second derivatives (`hessian`) are checked too, against central
    differences of the engine's own gradient.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    checks = [("input", [(i,) for i in range(len(xs))], analytic_grad(f, xs),
               numerical_grad(f, xs, eps))]
    if order == 2:
        pairs = [(i, j) for i in range(len(xs)) for j in range(len(xs))]
        second = hessian(lambda *v: _scalar_output(f, list(v)), xs)
        numeric = _numerical_hessian(f, xs, eps)
        checks.append(("second derivative", pairs, [second[i][j] for i, j in pairs],
                       [numeric[i][j] for i, j in pairs]))
    lines, mismatches = [], []
    for what, where, analytic, numeric in checks:
        for k, a, n in zip(where, analytic, numeric):
            if not abs(a - n) <= atol + rtol * abs(n):
                mismatches.append((k[0] if len(k) == 1 else k, a, n))
                names = " ".join(f"x{i} = {float(xs[i])!r}" for i in k)
                lines.append(f"{what} {', '.join(map(str, k))} (d/{'d'.join(f'x{i}' for i in k)}"
                             f" at {names}): analytic {a!r}, numeric {n!r}, "
                             f"difference {abs(a - n):.3g}")
    if mismatches:
        total = sum(len(c[1]) for c in checks)
        raise GradcheckError(
            f"gradcheck failed for {len(mismatches)} of {total} "
            f"{'derivatives' if order == 2 else 'inputs'} "
            f"(atol={atol}, rtol={rtol}, eps={eps}):\n  " + "\n  ".join(lines),
            mismatches,
        )
    return True


def _numerical_hessian(f: Function, xs: Sequence[float], eps: float) -> list[list[float]]:
    """Central differences of the engine's gradient: row i is d grad / d xi."""
    point = [float(x) for x in xs]
    rows = []
    for i in range(len(point)):
        up, down = point.copy(), point.copy()
        up[i] += eps
        down[i] -= eps
        g_up, g_down = analytic_grad(f, up), analytic_grad(f, down)
        rows.append([(a - b) / (2.0 * eps) for a, b in zip(g_up, g_down)])
    return rows
