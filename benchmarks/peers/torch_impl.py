"""PyTorch (CPU, float64): scalar tensors where the workload is scalar, batches where not."""

from __future__ import annotations

import same_code
import torch
from workloads import Chain, Mazur, Moons, Outcome, moons_lr

NAME = "torch"
F64 = torch.float64
# Tensor storage lives on torch's own C++ heap, which tracemalloc does not see.
MEMORY_TRACED = False


def _warm_up() -> None:
    """One small batched forward and backward, so torch's one-time set-up is not timed."""
    w = torch.ones(4, 4, dtype=F64, requires_grad=True)
    torch.relu(torch.ones(8, 4, dtype=F64) @ w.T).mean().backward()


torch.set_num_threads(1)  # like every other implementation here
_warm_up()


def _scalar(x: float, grad: bool = False) -> torch.Tensor:
    return torch.tensor(x, dtype=F64, requires_grad=grad)


def mazur(spec: Mazur) -> Outcome:
    """The 2-2-2 network on 0-d tensors with autograd; SGD on w1..w8."""
    w = [_scalar(v, grad=True) for v in spec.w]
    b1, b2 = _scalar(spec.b[0]), _scalar(spec.b[1])
    i1, i2 = spec.x
    t1, t2 = spec.target

    def loss() -> torch.Tensor:
        h1 = torch.sigmoid(w[0] * i1 + w[1] * i2 + b1)
        h2 = torch.sigmoid(w[2] * i1 + w[3] * i2 + b1)
        o1 = torch.sigmoid(w[4] * h1 + w[5] * h2 + b2)
        o2 = torch.sigmoid(w[6] * h1 + w[7] * h2 + b2)
        return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    for _ in range(spec.steps):
        E = loss()
        E.backward()
        with torch.no_grad():
            for p in w:
                p -= spec.lr * p.grad
                p.grad = None
    with torch.no_grad():
        return Outcome(loss().item(), graphs=spec.steps)


def moons(spec: Moons) -> Outcome:
    """The same MLP as batched matrix products; autograd does the backward pass."""
    arrays = [a for layer in spec.weights for a in layer]  # W1, b1, W2, b2, W3, b3
    params = [torch.tensor(a, dtype=F64, requires_grad=True) for a in arrays]
    W1, b1, W2, b2, W3, b3 = params
    X, y = torch.tensor(spec.X, dtype=F64), torch.tensor(spec.y, dtype=F64)

    def loss() -> torch.Tensor:
        h = torch.relu(X @ W1.T + b1)
        h = torch.relu(h @ W2.T + b2)
        score = (h @ W3.T + b3)[:, 0]
        return torch.relu(1 - y * score).mean() + spec.alpha * sum((p * p).sum() for p in params)

    for k in range(spec.steps):
        total = loss()
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= moons_lr(k) * p.grad
                p.grad = None
    with torch.no_grad():
        return Outcome(loss().item(), graphs=spec.steps)


def chain(spec: Chain) -> Outcome:
    """x * c + d repeated on 0-d tensors; torch's backward runs in C++ without recursion."""
    x0, c, d = _scalar(spec.x0, True), _scalar(spec.c, True), _scalar(spec.d, True)
    x = x0
    for _ in range(spec.length):
        x = x * c + d
    x.backward()
    return Outcome(x0.grad.item())


def count_nodes(root: object) -> int | None:
    """Torch's graph holds different nodes (one per backward function); not counted."""
    return None


def _leaf(x: float) -> torch.Tensor:
    """A Value for the shared code: a 0-d float64 tensor that records its gradient."""
    return _scalar(x, grad=True)


def _zero_grad(p: torch.Tensor) -> None:
    p.grad = None


def mazur_same(spec: Mazur) -> Outcome:
    """The shared 2-2-2 code (benchmarks/same_code.py) on 0-d tensors, with torch.exp."""
    return same_code.mazur(spec, _leaf, torch.exp, _zero_grad)


def moons_same(spec: Moons) -> Outcome:
    """The shared moons code (benchmarks/same_code.py) on 0-d tensors, one per scalar."""
    return same_code.moons(spec, _leaf, torch.exp, _zero_grad)


RUNS = {
    NAME: {"mazur": mazur, "moons": moons, "chain": chain},
    "torch-same": {"mazur": mazur_same, "moons": moons_same},
}
