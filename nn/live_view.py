"""`fit(..., live=True)` in Jupyter: one picture, updated in place while the network trains.

The picture is an SVG written here (no plotting library): the loss curve (train, and test
where given) and, for a model of two inputs, the decision boundary over the data's points.
It is redrawn at most `fps` times a second, and once more at the end, so a fast run never
floods the notebook with frames.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable

from autodiff.engine.numpy_on_demand import np
from autodiff.language import say
from autodiff.language.numbers import format_number

__all__ = ["LiveView", "svg_frame"]

GRID = 24  # cells per side of the decision boundary
_SIZE = 220


class LiveView:
    """One display in the notebook, updated in place as training goes."""

    def __init__(self, outputs: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray,
                 fps: float = 4.0) -> None:
        """`outputs(rows)`: the model's outputs for rows of inputs, shape (rows, outputs)."""
        try:
            from IPython.display import SVG, display
        except ImportError:
            raise ImportError("fit(live=True) shows its picture in Jupyter, which needs IPython; "
                              "train with live=False, or inside a notebook") from None
        self._svg, self.outputs, self.X, self.y = SVG, outputs, X, y
        self.interval, self.last, self.frames = 1.0 / fps, -math.inf, 0
        self.handle = display(SVG(svg_frame(outputs, X, y, [], [], 0, 0)), display_id=True)

    def update(self, train: list[float], test: list[float], epoch: int, epochs: int,
               final: bool = False) -> None:
        """Redraw, unless the last frame is younger than 1/fps seconds (the last one always)."""
        now = time.perf_counter()
        if not final and now - self.last < self.interval:
            return
        self.last = now
        self.frames += 1
        frame = svg_frame(self.outputs, self.X, self.y, train, test, epoch, epochs)
        self.handle.update(self._svg(frame))


def svg_frame(outputs: Callable, X: np.ndarray, y: np.ndarray, train: list[float],
              test: list[float], epoch: int, epochs: int) -> str:
    """One frame: the loss curve beside the decision boundary (for two inputs)."""
    parts = [_loss_curve(train, test, epoch, epochs)]
    if X.shape[1] == 2:
        parts.append(_boundary(outputs, X, y))
    width = _SIZE * len(parts) + 20 * (len(parts) - 1)
    body = "".join(f'<g transform="translate({k * (_SIZE + 20)},0)">{p}</g>'
                   for k, p in enumerate(parts))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_SIZE + 30}" '
            f'font-family="sans-serif" font-size="11">{body}</svg>')


def _loss_curve(train: list[float], test: list[float], epoch: int, epochs: int) -> str:
    shown = [v for v in (*train, *test) if v > 0 and math.isfinite(v)]
    text = (say("train.live_epoch", epoch=epoch, epochs=epochs, loss=format_number(train[-1]))
            if train else say("train.live_start"))
    out = [f'<rect width="{_SIZE}" height="{_SIZE}" fill="#fafafa" stroke="#ccc"/>',
           f'<text x="2" y="{_SIZE + 16}">{html.escape(text)}</text>']
    if len(shown) < 2:
        return "".join(out)
    low, high = math.log(min(shown)), math.log(max(shown))
    span = high - low or 1.0
    for values, colour in ((train, "#1f5fa8"), (test, "#c2571a")):
        points = [(k, v) for k, v in enumerate(values) if v > 0 and math.isfinite(v)]
        if len(points) < 2:
            continue
        step = _SIZE / max(1, max(len(train), len(test)) - 1)
        xy = " ".join(f"{k * step:.1f},{_SIZE - (math.log(v) - low) / span * _SIZE:.1f}"
                      for k, v in points)
        out.append(f'<polyline points="{xy}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    return "".join(out)


def _boundary(outputs: Callable, X: np.ndarray, y: np.ndarray) -> str:
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    grid = np.array([(a, b) for b in ys for a in xs])
    out = outputs(grid)
    score = out[:, 0] if out.shape[1] == 1 else out[:, 1] - out[:, 0]
    cell = _SIZE / GRID
    parts = []
    for k, s in enumerate(score):
        colour = "#f6c9a8" if s > 0 else "#c3cff4"
        col, row = k % GRID, k // GRID
        parts.append(f'<rect x="{col * cell:.1f}" y="{_SIZE - (row + 1) * cell:.1f}" '
                     f'width="{cell + 0.5:.1f}" height="{cell + 0.5:.1f}" fill="{colour}"/>')
    for (a, b), label in zip(X, y):
        cx, cy = (a - x0) / (x1 - x0) * _SIZE, _SIZE - (b - y0) / (y1 - y0) * _SIZE
        fill = "#c2571a" if label else "#1f5fa8"
        parts.append(f'<circle class="point" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{fill}" '
                     'stroke="white"/>')
    return "".join(parts)

