"""Backward passes in several threads at once over graphs that share nodes give exactly what the
same passes give one after another (each pass keeps its numbers in a dict of its own)."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, grad, trace


def _chain(w: Value, x0: float, length: int) -> Value:
    """A long graph that reads the shared parameter w at every step."""
    y = Value(x0)
    for _ in range(length):
        y = (y * 0.5 + w * 0.01).tanh()
    return y


def _run_in_threads(jobs) -> list:
    results, errors = [None] * len(jobs), []
    start = threading.Barrier(len(jobs))

    def run(k):
        try:
            start.wait()
            results[k] = jobs[k]()
        except BaseException as error:  # noqa: BLE001 (reported below, in the main thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_backward_from_four_threads_on_graphs_sharing_a_parameter():
    w = Value(0.3, "w")
    roots = [_chain(w, 0.1 * k, 5000) for k in range(4)]
    for r in roots:  # one after another: the reference
        r.backward()
    expected = w.grad
    assert expected != 0.0
    for _ in range(3):
        w.grad = 0.0
        _run_in_threads([r.backward for r in roots])
        assert w.grad == pytest.approx(expected, rel=1e-12)


def test_grad_from_four_threads_on_one_graph():
    x = Value(0.7, "x")
    y = _chain(x, 0.2, 5000) * x
    expected = grad(y, [x])[0]
    results = _run_in_threads([lambda: grad(y, [x])[0]] * 4)
    assert results == [expected] * 4


def test_traces_in_threads_over_shared_inputs_agree_with_one_thread():
    x = Value(np.array([0.5, -0.25, 1.5]), "x")  # a batch input every graph reads
    ws = [Value(0.1 * (k + 1), "w") for k in range(4)]
    roots = [_chain(w * x, 0.0, 2000).sum() for w in ws]
    expected = [grad(r, [w])[0] for r, w in zip(roots, ws)]
    traces = _run_in_threads([(lambda r=r: trace(r)) for r in roots])
    assert [t.grad("w") for t in traces] == expected


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(st.floats(-2, 2), min_size=2, max_size=4))
def test_threads_sum_like_one_after_another(xs):
    w = Value(0.4, "w")
    roots = [_chain(w, x, 300) for x in xs]
    for r in roots:
        r.backward()
    expected, w.grad = w.grad, 0.0
    _run_in_threads([r.backward for r in roots])
    assert w.grad == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_no_grad_in_many_threads_at_once_leaves_recording_on_after():
    # _make asks a thread's own flag only while some thread has recording off: the count of
    # such threads must come back to 0 however their switches interleave.
    from autodiff import no_grad
    from autodiff.engine import value
    from autodiff.engine.mode import set_grad_enabled

    def switch():
        for _ in range(2000):
            with no_grad():
                assert (Value(2.0) * 3.0).inputs == ()
                set_grad_enabled(False)  # off twice counts once
            assert (Value(2.0) * 3.0).inputs != ()

    _run_in_threads([switch] * 4)
    assert value.threads_not_recording == 0
    x = Value(3.0)
    assert (x * x).inputs == (x, x)
