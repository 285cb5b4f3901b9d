"""A network learning live, as the lab in the browser shows it: a data set of labeled points
in the plane (XOR, two moons, or points the learner adds), an MLP, one update at a time, and
after each batch of updates its weights, their gradients and the loss, as plain numbers."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence

from autodiff import Value

from .checks import positive_number, whole_number
from .losses import binary_cross_entropy
from .modules import MLP
from .optim import SGD, Adam

__all__ = ["Live", "xor_points", "moon_points", "DATA_SETS", "from_settings"]

Point = tuple[float, float, int]  # x, y and the class, 0 or 1


def xor_points() -> list[Point]:
    """The four corners of the square [-1, 1]², class 1 where exactly one coordinate is 1."""
    return [(-1.0, -1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, 0)]


def moon_points(n: int = 48, noise: float = 0.12, seed: int = 0) -> list[Point]:
    """Two interleaving half circles (as `datasets.make_moons` draws them), centred on 0."""
    rng, points = random.Random(seed), []
    for k in range(n):
        upper, t = k % 2 == 0, math.pi * (k // 2) / max(1, (n - 1) // 2)
        x, y = (math.cos(t), math.sin(t)) if upper else (1.0 - math.cos(t), 0.5 - math.sin(t))
        points.append((x - 0.5 + rng.gauss(0.0, noise), y - 0.25 + rng.gauss(0.0, noise),
                       0 if upper else 1))
    return points


DATA_SETS = {"xor": xor_points, "moons": moon_points, "points": lambda: []}


class Live:
    """An MLP 2-…-1 learning to tell the classes apart (its output is the logit of class 1),
    one update (a step of the optimizer on one batch) at a time."""

    def __init__(self, points: Sequence[Point], hidden: Sequence[int] = (8, 8),
                 activation: str = "tanh", lr: float = 0.1, optimizer: str = "sgd",
                 batch: int = 64, seed: int = 0) -> None:
        self.model = MLP(2, [*hidden, 1], activation=activation, seed=seed)
        lr = positive_number(lr, "learning rate")
        if optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
        params = self.model.parameters()
        self.optimizer = SGD(params, lr=lr, momentum=0.9) if optimizer == "sgd" else Adam(
            params, lr=lr)
        self.points = [self._point(p) for p in points]
        self.batch = whole_number(batch, "batch", 1)
        self.steps = 0
        self.loss = math.nan  # the loss of the last update's batch
        self._rng = random.Random(seed)
        self._new_losses: list[float] = []

    @staticmethod
    def _point(p: Sequence) -> Point:
        x, y, label = p
        if label not in (0, 1):
            raise ValueError(f"a point's class must be 0 or 1, got {label!r}")
        return float(x), float(y), int(label)

    def add_point(self, x: float, y: float, label: int) -> None:
        """One more point to learn from (the learner's click)."""
        self.points.append(self._point((x, y, label)))

    def batch_loss(self, points: Sequence[Point]) -> Value:
        """The mean binary cross-entropy of the network's logits on these points."""
        total = Value(0.0)
        for x, y, label in points:
            total = total + binary_cross_entropy(self.model([x, y]), label)
        return total / len(points)

    def update(self, count: int = 1) -> float:
        """`count` updates: the loss on a batch (all points, if they fit in one), backward, a
        step of the optimizer. Returns the last batch's loss (nan with no points)."""
        for _ in range(count):
            if not self.points:
                return math.nan
            batch = self.points if len(self.points) <= self.batch else self._rng.sample(
                self.points, self.batch)
            loss = self.batch_loss(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.steps += 1
            self.loss = loss.data
            self._new_losses.append(loss.data)
        return self.loss

    def state(self) -> dict:
        """What the lab draws: each layer's weights and gradients (rows: neurons), the loss,
        the losses since the last call (the curve), the number of updates and the points."""
        layers = [{"w": [[w.data for w in n.w] for n in layer.neurons],
                   "b": [n.b.data for n in layer.neurons],
                   "gw": [[w.grad for w in n.w] for n in layer.neurons],
                   "gb": [n.b.grad for n in layer.neurons],
                   "activation": layer.activation} for layer in self.model.layers]
        new, self._new_losses = self._new_losses, []
        return {"layers": layers, "loss": self.loss, "losses": new, "steps": self.steps,
                "points": self.points}

    def state_json(self) -> str:
        """`state()` as JSON (nan, where no update has run yet, as null)."""
        state = self.state()
        if math.isnan(state["loss"]):
            state["loss"] = None
        return json.dumps(state)


def from_settings(text: str) -> Live:
    """A `Live` from the lab's settings, a JSON object: `data` ("xor", "moons" or "points"),
    `points` (the learner's, added to the data set's), `hidden` (layer sizes), `activation`,
    `optimizer` and `lr`."""
    given = json.loads(text)
    data = given.get("data", "xor")
    if data not in DATA_SETS:
        raise ValueError(f"data must be one of {', '.join(DATA_SETS)}, got {data!r}")
    points = DATA_SETS[data]() + [tuple(p) for p in given.get("points", [])]
    return Live(points, hidden=given.get("hidden", [8, 8]),
                activation=given.get("activation", "tanh"), lr=given.get("lr", 0.1),
                optimizer=given.get("optimizer", "sgd"))
