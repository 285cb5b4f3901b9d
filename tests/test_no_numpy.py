"""The scalar core runs without NumPy (as in the browser, where NumPy is a separate download):
importing and using `autodiff` and `nn` on numbers never loads it; batch mode loads it."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP, pcg64
from nn.modules import init_bound

_SCALAR_WORK = """
import sys
class NoNumPy:  # as in the browser: NumPy cannot be imported at all
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "numpy":
            raise ImportError("no NumPy here")
sys.meta_path.insert(0, NoNumPy())
import autodiff, nn
from autodiff import Value, trace, check_work, grad, jvp, gradcheck, hessian, compile_graph
from autodiff import draw_graph
from nn import MLP, SGD, Adam, losses
model = MLP(2, [4, 1], seed=0)
loss = losses.mse([model([0.5, -1.0])], [1.0])
loss.backward()
SGD(model.parameters(), lr=0.1).step()
trace(loss).page()
losses.binary_cross_entropy(model([1.0, 2.0]), 1).backward()
from nn import live
lab = live.from_settings('{"data": "moons", "hidden": [4]}')
lab.update(2)
assert lab.steps == 2 and lab.state()["layers"][0]["w"]
trace(loss).explain(trace(loss).forward[0].node)
x = Value(2.0, label="x")
y = (x * x).log()
y.backward()
assert grad(y, [x]) == [1.0]
assert gradcheck(lambda v: (v * v).tanh(), [0.3])
assert compile_graph(y, [x])(2.0) == (y.data, [1.0])  # the Python backend
assert hessian(lambda a: a ** 3, [2.0]) == [[12.0]] and jvp(lambda a: a * a, [3.0], [1.0])[1] == 6.0
assert draw_graph(y).source.startswith("digraph")
Adam(model.parameters(), lr=0.01).step()
for bad in (lambda: Value(-1.0).log(), lambda: Value(1.0) / 0, lambda: Value(800.0).exp(),
            lambda: Value(-8.0) ** 0.5, lambda: Value(0.0).sqrt() * 1.0):
    try:
        bad().backward()
    except (ValueError, ArithmeticError) as error:
        assert str(error)
print("numpy" in sys.modules)
"""


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_scalar_core_never_loads_numpy():
    assert _run(_SCALAR_WORK) == "False"


def test_batch_mode_loads_numpy_when_used():
    code = ("import sys, autodiff; import numpy as np\n"
            "v = autodiff.Value(np.array([1.0, 4.0])).sqrt().sum(); v.backward()\n"
            "print(v.data, 'numpy' in sys.modules)")
    assert _run(code) == "3.0 True"


@pytest.mark.parametrize("formula, error", [("Value(-1.0).log()", ValueError),
                                            ("Value(1.0) / 0", ZeroDivisionError),
                                            ("Value(800.0).exp()", OverflowError)])
def test_float_errors_without_numpy_match_the_contract(formula, error):
    code = (f"import sys\nfrom autodiff import Value\ntry:\n    {formula}\n"
            f"except {error.__name__} as e:\n    print(type(e).__name__, 'numpy' in sys.modules)")
    assert _run(code) == f"{error.__name__} False"


@given(seed=st.integers(0, 2**130), low=st.floats(-3, 0), width=st.floats(0.1, 3),
       rows=st.integers(1, 4), cols=st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_the_plain_generator_draws_what_numpy_draws(seed, low, width, rows, cols):
    ours = pcg64.default_rng(seed)
    numpys = np.random.default_rng(seed)
    assert ours.uniform(low, low + width, size=(rows, cols)) == numpys.uniform(
        low, low + width, size=(rows, cols)).tolist()
    assert ours.uniform(low, low + width, size=cols) == numpys.uniform(
        low, low + width, size=cols).tolist()  # the stream goes on alike


def test_a_seeded_mlp_has_numpys_weights():
    model = MLP(2, [3, 1], activation="tanh", seed=7)
    rng = np.random.default_rng(7)
    expected = [rng.uniform(-b, b, size=(nout, nin)).tolist()
                for nin, nout, b in ((2, 3, init_bound("tanh", 2, 3)),
                                     (3, 1, init_bound("linear", 3, 1)))]
    assert [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers] == expected
