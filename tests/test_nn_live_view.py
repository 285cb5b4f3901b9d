"""fit(live=True): one picture in the notebook, updated in place, a few times a second."""

import re

import numpy as np
import pytest

import nn
from autodiff.language.numbers import format_number
from nn import SGD, datasets, losses


class _Handle:
    def __init__(self, first):
        self.frames = [first]

    def update(self, obj):
        self.frames.append(obj)


@pytest.fixture
def shown(monkeypatch):
    """What fit displays: the display handle it updates, with every frame it was given."""
    import IPython.display

    handles = []

    def display(obj, display_id=False):
        assert display_id is True  # one display, updated in place
        handles.append(_Handle(obj))
        return handles[-1]

    monkeypatch.setattr(IPython.display, "display", display)
    return handles


def test_live_fit_draws_the_loss_and_the_boundary_in_one_display(shown):
    X, y = datasets.make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 1], activation="tanh", seed=1)
    history = nn.fit(model, X, y, losses.binary_cross_entropy, SGD(model.parameters(), lr=0.5),
                     epochs=30, live=True, progress=False)
    assert len(shown) == 1  # one display for the whole run
    frames = shown[0].frames
    assert 2 <= len(frames) <= 31  # the first, at most a few a second, and always the last
    last = frames[-1].data
    # The last frame says the last epoch and its loss, as the history has it.
    assert f"epoch 30 / 30, train loss {format_number(history.train[-1])}" in last
    assert last.count('class="point"') == 40
    # Its boundary is the model's: orange cells where the trained model scores above 0.
    cell = r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="(#[0-9a-f]+)"'
    cells = re.findall(cell, last)
    from nn.live_view import GRID
    from nn.training import predict

    assert len(cells) == GRID * GRID
    x0, y0 = X.min(axis=0) - 0.3
    x1, y1 = X.max(axis=0) + 0.3
    grid = np.array([(a, b) for b in np.linspace(y0, y1, GRID) for a in np.linspace(x0, x1, GRID)])
    above = predict(model, grid)[:, 0] > 0
    assert [c == "#f6c9a8" for c in cells] == above.tolist()


def test_live_fit_without_ipython_says_how(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ipython(name, *args, **kwargs):
        if name.startswith("IPython"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipython)
    X, y = datasets.xor()
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(ImportError, match=r"fit\(live=True\) shows its picture in Jupyter"):
        nn.fit(model, X, y, losses.binary_cross_entropy, SGD(model.parameters(), lr=0.1),
               epochs=2, live=True, progress=False)
