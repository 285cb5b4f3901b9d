"""What a compiled graph accepts as input: exactly what `Value` accepts, and it answers floats."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff import Value, compile_graph


def scalar_graph(backend: str):
    x, y = Value(2.0, "x"), Value(3.0, "y")
    return compile_graph(x * y + x.tanh(), [x, y], backend=backend)


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("number", [np.float32(2.0), np.float16(2.0), np.int8(2), np.int64(2), 2,
                                    np.array(2.0), np.array(2, dtype=np.int32), np.float64(2.0)])
def test_numbers_of_every_kind_give_plain_floats(backend, number):
    compiled = scalar_graph(backend)
    value, grads = compiled(number, 3.0)
    want_value, want_grads = compiled(2.0, 3.0)
    assert type(value) is float and value == want_value
    assert [type(g) for g in grads] == [float, float] and grads == want_grads


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("bad", [True, False, np.True_, "2", None, 1 + 2j, np.complex128(1.0),
                                 [2.0], Value(2.0)])
def test_what_value_rejects_is_rejected(backend, bad):
    with pytest.raises(TypeError) as caught:
        Value(bad)
    compiled = scalar_graph(backend)
    with pytest.raises(TypeError, match="input 'x'") as ours:
        compiled(bad, 3.0)
    assert type(ours.value) is type(caught.value)
    assert type(bad).__name__ in str(ours.value)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_an_int_beyond_the_float_range_is_a_value_error(backend):
    with pytest.raises(ValueError):
        Value(10 ** 400)
    with pytest.raises(ValueError, match="input 'x'.*float range"):
        scalar_graph(backend)(10 ** 400, 3.0)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_non_finite_numbers_are_refused_as_the_engine_does(backend):
    with pytest.raises(ValueError, match="finite"):
        scalar_graph(backend)(np.float32("inf"), 3.0)


def test_a_batch_input_takes_float_arrays_as_value_does():
    x = Value(np.array([1.0, 2.0, 3.0]), "x")
    w = Value(0.5, "w")
    compiled = compile_graph((x * w).tanh().sum(), [w, x], backend="numpy")
    want = compiled(0.5, np.array([1.0, 2.0, 3.0]))
    for same in (np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0], dtype=np.float32)):
        value, grads = compiled(0.5, same)
        assert value == want[0] and type(value) is float
        assert grads[1].dtype == np.float64
        np.testing.assert_array_equal(grads[1], want[1][1])
    for bad in (np.array([True, False, True]), np.array([1j, 2j, 3j]), [1.0, 2.0, 3.0],
                np.array(["a", "b", "c"])):
        with pytest.raises(TypeError) as caught:
            Value(bad)
        with pytest.raises(TypeError, match="input 'x'"):
            compiled(0.5, bad)
        assert type(caught.value) is TypeError
