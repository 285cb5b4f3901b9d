"""One replay of a recorded graph: the engine rebuilds it at other values (engine/replay.py)."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Value, no_grad
from autodiff.engine.backward import topological_order
from autodiff.engine.replay import record, replay
from nn import examples


def test_replay_at_the_recorded_values_is_the_graph_itself():
    example = examples.mazur()
    loss, weights = example.loss(), example.weights()
    loss.backward()
    root, inputs = replay(record(topological_order(loss), weights), [w.data for w in weights])
    root.backward()
    assert root.data == loss.data
    assert [node.grad for node in inputs] == [w.grad for w in weights]
    assert [node.label for node in inputs] == [w.label for w in weights]


def test_replay_with_one_leaf_moved_equals_a_graph_built_there():
    x, y = Value(1.5, "x"), Value(-0.5, "y")
    records = record(topological_order((x * y + x.exp()).tanh()), [x])
    root, (moved,) = replay(records, [2.0])  # y keeps its data
    want = (Value(2.0) * -0.5 + Value(2.0).exp()).tanh()
    assert root.data == want.data
    root.backward()
    assert moved.grad == pytest.approx((1 - want.data ** 2) * (-0.5 + np.exp(2.0)), rel=1e-12)


def test_replay_records_inside_no_grad_and_on_arrays():
    x = Value(np.array([1.0, 2.0, 3.0]), "x")
    records = record(topological_order((x * x).sum()), [x])
    with no_grad():
        root, (leaf,) = replay(records, [np.array([0.5, -1.0, 4.0])])
    root.backward()
    assert root.data == 0.25 + 1.0 + 16.0
    assert leaf.grad.tolist() == [1.0, -2.0, 8.0]


def test_replay_raises_the_engines_error_outside_a_domain():
    x = Value(2.0, "x")
    records = record(topological_order(x.log()), [x])
    with pytest.raises(ValueError, match="log"):
        replay(records, [-1.0])


def test_an_input_the_graph_does_not_hold_replays_as_none():
    x, unused = Value(2.0, "x"), Value(3.0, "u")
    root, inputs = replay(record(topological_order(x * x), [x, unused]), [3.0, 1.0])
    assert root.data == 9.0 and inputs[1] is None
