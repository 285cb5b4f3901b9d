"""nn.to_torch / nn.from_torch: the same network in PyTorch, with the same numbers."""

import collections
import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nn  # noqa: E402
from nn import MLP, SGD, examples, losses  # noqa: E402
from nn.torch_bridge import INSTALL_HINT  # noqa: E402

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
F64 = torch.float64


def ours_forward(model, X):
    """Our batch-mode outputs as an array of shape (batch, nout)."""
    out = model(list(X.T))
    out = out if isinstance(out, list) else [out]
    return np.stack([o.data for o in out], axis=1)


def state_in_torch_order(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


# --- the same outputs ------------------------------------------------------------------------


@pytest.mark.parametrize("shared_bias", [False, True])
@pytest.mark.parametrize("out_activation", ACTIVATIONS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_outputs_equal_for_every_activation(activation, out_activation, shared_bias):
    model = MLP(3, [5, 4, 2], activation=activation, out_activation=out_activation,
                shared_bias=shared_bias, seed=7)
    # Give the biases values too: a fresh model has them all at 0.
    rng = np.random.default_rng(3)
    for p in model.parameters():
        p.data = float(rng.normal())
    X = rng.normal(size=(9, 3)) * 2.0
    torch_model = nn.to_torch(model)
    got = torch_model(torch.tensor(X, dtype=F64))
    assert got.dtype == F64
    assert tuple(got.shape) == (9, 2)
    expected = ours_forward(model, X)
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=0, atol=1e-12)
    # Not a trivially constant network: the outputs differ from sample to sample.
    assert np.ptp(expected, axis=0).max() > 1e-3


def test_one_output_gives_a_batch_by_one_tensor():
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    X = np.random.default_rng(0).normal(size=(6, 2))
    got = nn.to_torch(model)(torch.tensor(X, dtype=F64))
    assert tuple(got.shape) == (6, 1)
    np.testing.assert_allclose(got.detach().numpy()[:, 0], model(list(X.T)).data,
                               rtol=0, atol=1e-12)


def test_the_torch_module_is_a_sequential_of_linear_layers_and_activations():
    model = MLP(2, [3, 3, 1], activation="tanh", out_activation="sigmoid", seed=0)
    torch_model = nn.to_torch(model)
    assert isinstance(torch_model, torch.nn.Sequential)
    assert [type(m).__name__ for m in torch_model] == [
        "Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    first = model.layers[0]
    assert torch_model[0].weight.tolist() == [[w.data for w in n.w] for n in first.neurons]
    assert torch_model[0].bias.tolist() == [n.b.data for n in first.neurons]
    assert all(p.dtype == F64 and p.requires_grad for p in torch_model.parameters())
    # A linear activation is no module at all.
    linear = nn.to_torch(MLP(2, [3, 1], activation="linear", seed=0))
    assert [type(m).__name__ for m in linear] == ["Linear", "Linear"]


def test_to_torch_leaves_torchs_random_stream_alone():
    before = torch.random.get_rng_state()
    nn.to_torch(MLP(4, [8, 8, 2], shared_bias=True, seed=0))
    nn.to_torch(MLP(4, [8, 2], seed=0))
    assert torch.equal(before, torch.random.get_rng_state())


# --- a shared bias stays shared --------------------------------------------------------------


def test_shared_bias_is_one_scalar_parameter_per_layer():
    model = MLP(3, [4, 2], activation="tanh", shared_bias=True, seed=0)
    model.layers[0].b.data = 0.25
    model.layers[1].b.data = -0.5
    torch_model = nn.to_torch(model)
    layer = torch_model[0]
    assert type(layer).__name__ == "SharedBiasLinear"
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert tuple(layer.bias.shape) == ()
    assert layer.bias.item() == 0.25 and torch_model[2].bias.item() == -0.5
    assert sum(p.numel() for p in torch_model.parameters()) == len(model.parameters())
    assert "bias=shared" in repr(layer)


def test_shared_bias_stays_shared_through_torch_training_and_back():
    model = MLP(2, [3, 2], activation="sigmoid", out_activation="sigmoid", shared_bias=True,
                seed=2)
    torch_model = nn.to_torch(model)
    opt = torch.optim.SGD(torch_model.parameters(), lr=0.5)
    X = torch.tensor([[0.5, -1.0], [1.5, 0.25]], dtype=F64)
    target = torch.tensor([[0.1, 0.9], [0.8, 0.2]], dtype=F64)
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.mse_loss(torch_model(X), target).backward()
        opt.step()
    back = nn.from_torch(torch_model)
    assert back.shared_bias
    for layer, torch_layer in zip(back.layers, (torch_model[0], torch_model[2])):
        assert all(n.b is layer.b for n in layer.neurons)  # one Value, not copies
        assert layer.b.data == torch_layer.bias.item()
        assert layer.b.data != 0.0  # it was trained


# --- training side by side -------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, out_activation, shared_bias, momentum",
    [
        ("relu", "linear", False, 0.0),
        ("tanh", "sigmoid", False, 0.9),
        ("sigmoid", "linear", True, 0.0),
        ("tanh", "tanh", True, 0.5),
    ],
)
def test_five_sgd_steps_give_the_same_weights(activation, out_activation, shared_bias,
                                              momentum):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(16, 3))
    T = rng.normal(size=(16, 2)) * 0.5
    model = MLP(3, [6, 5, 2], activation=activation, out_activation=out_activation,
                shared_bias=shared_bias, seed=5)
    for p in model.parameters():  # non-zero biases, so that their gradients matter
        p.data += 0.1 * float(rng.normal())
    torch_model = nn.to_torch(model)
    before = dict(model.state_dict())

    ours_opt = SGD(model.parameters(), lr=0.2, momentum=momentum)
    torch_opt = torch.optim.SGD(torch_model.parameters(), lr=0.2, momentum=momentum)
    Xt, Tt = torch.tensor(X, dtype=F64), torch.tensor(T, dtype=F64)
    for _ in range(5):
        loss = losses.mse(model(list(X.T)), list(T.T))
        ours_opt.zero_grad()
        loss.backward()
        ours_opt.step()

        torch_loss = torch.nn.functional.mse_loss(torch_model(Xt), Tt)
        torch_opt.zero_grad()
        torch_loss.backward()
        torch_opt.step()
        assert torch_loss.item() == pytest.approx(loss.data, abs=1e-12)

    after = model.state_dict()
    torch_after = nn.from_torch(torch_model).state_dict()
    assert torch_after.keys() == after.keys()
    assert max(abs(after[k] - torch_after[k]) for k in after) < 1e-10
    # The weights did move, so the comparison compares something.
    assert max(abs(after[k] - before[k]) for k in after) > 1e-3


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nin, nouts, activation, out_activation, shared_bias",
    [
        (2, [16, 16, 1], "relu", "linear", False),
        (3, [4, 2], "tanh", "sigmoid", True),
        (1, [1], "sigmoid", "tanh", False),
        (5, [3, 3, 3, 4], "linear", "relu", True),
    ],
)
def test_round_trip_is_exact(nin, nouts, activation, out_activation, shared_bias):
    model = MLP(nin, nouts, activation=activation, out_activation=out_activation,
                shared_bias=shared_bias, seed=9)
    awkward = [0.1, 1 / 3, -2.5e-300, 5e-324, 1e300, -0.0, np.nextafter(1.0, 2.0)]
    rng = np.random.default_rng(4)
    for k, p in enumerate(model.parameters()):
        p.data = float(awkward[k]) if k < len(awkward) else float(rng.normal())
    back = nn.from_torch(nn.to_torch(model))
    assert type(back) is MLP
    ours, theirs = model.state_dict(), back.state_dict()
    assert list(theirs) == list(ours)
    # Bit for bit (float.hex also tells 0.0 from -0.0).
    assert [v.hex() for v in theirs.values()] == [v.hex() for v in ours.values()]
    assert back.out_activation == out_activation and back.shared_bias == shared_bias
    # The whole config, a one-layer network's hidden activation too (no module shows it).
    assert back.config() == model.config()


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shared_bias", [False, True])
def test_a_one_layer_network_keeps_its_config_through_torch(activation, shared_bias):
    model = MLP(3, [2], activation=activation, out_activation="tanh",
                shared_bias=shared_bias, seed=5)
    torch_model = nn.to_torch(model)
    for module in (torch_model, pickle.loads(pickle.dumps(torch_model))):
        back = nn.from_torch(module)
        assert back.config() == model.config()
        assert back.state_dict() == model.state_dict()


def test_from_torch_reads_a_handmade_sequential():
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 5), torch.nn.Tanh(),
        torch.nn.Linear(5, 3), torch.nn.Identity(),
        torch.nn.Linear(3, 1), torch.nn.Sigmoid(),
    ).to(F64)
    # Identity is a linear activation; so the hidden layers differ: tanh, then linear.
    with pytest.raises(TypeError, match=r"different activations \(tanh, linear\)"):
        nn.from_torch(module)
    module[3] = torch.nn.Tanh()
    model = nn.from_torch(module)
    assert model.config() == {"nin": 2, "nouts": [5, 3, 1], "activation": "tanh",
                              "out_activation": "sigmoid", "shared_bias": False}
    X = np.random.default_rng(2).normal(size=(8, 2))
    expected = module(torch.tensor(X, dtype=F64)).detach().numpy()[:, 0]
    np.testing.assert_allclose(model(list(X.T)).data, expected, rtol=0, atol=1e-12)
    # ... and back to torch: the same tensors, exactly.
    again = nn.to_torch(model).state_dict()
    for key, value in module.state_dict().items():
        assert torch.equal(again[key], value), key


def test_from_torch_converts_float32_weights_exactly():
    torch.manual_seed(1)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    assert module[0].weight.dtype == torch.float32
    model = nn.from_torch(module)
    assert [w.data for w in model.layers[0].neurons[1].w] == \
        module[0].weight[1].double().tolist()
    assert model.layers[1].neurons[0].b.data == module[2].bias.double().item()
    assert model.layers[1].neurons[0].b.data != 0.0


def test_from_torch_with_identity_output_and_one_layer():
    module = torch.nn.Sequential(torch.nn.Linear(4, 2, dtype=F64), torch.nn.Identity())
    model = nn.from_torch(module)
    assert (model.nin, model.nouts, model.out_activation) == (4, [2], "linear")


def test_a_whole_converted_module_pickles():
    model = examples.mazur().model
    torch_model = pickle.loads(pickle.dumps(nn.to_torch(model)))
    assert nn.from_torch(torch_model).state_dict() == model.state_dict()


# --- the textbook network, in PyTorch --------------------------------------------------------


def test_mazur_network_in_torch_gives_the_textbooks_numbers():
    ex = examples.mazur()
    torch_model = nn.to_torch(ex.model)
    out = torch_model(torch.tensor([ex.x], dtype=F64))
    target = torch.tensor([ex.target], dtype=F64)
    out_o1, out_o2 = out[0].tolist()
    assert f"{out_o1:.8f}" == "0.75136507"
    assert f"{out_o2:.8f}" == "0.77292847"
    E_total = (0.5 * (target - out) ** 2).sum()
    # The textbook prints 0.298371109; to 8 decimals that is 0.29837111.
    assert E_total.item() == pytest.approx(0.298371109, abs=1e-9)
    assert E_total.item() == pytest.approx(ex.loss().data, abs=1e-15)

    # One SGD step on the weights only (lr 0.5, biases as they are), as the textbook does.
    opt = torch.optim.SGD([torch_model[0].weight, torch_model[2].weight], lr=0.5)
    opt.zero_grad()
    E_total.backward()
    opt.step()
    assert f"{torch_model[2].weight[0, 0].item():.8f}" == "0.35891648"  # w5
    assert f"{torch_model[0].weight[0, 0].item():.8f}" == "0.14978072"  # w1
    assert torch_model[0].bias.item() == 0.35  # b1 untouched
    with torch.no_grad():
        after = (0.5 * (target - torch_model(torch.tensor([ex.x], dtype=F64))) ** 2).sum()
    assert f"{after.item():.8f}" == "0.29102777"


# --- clear errors ----------------------------------------------------------------------------


def unsupported_cases():
    lin = lambda i, o, **kw: torch.nn.Linear(i, o, dtype=F64, **kw)  # noqa: E731
    return [
        (torch.nn.Conv2d(1, 1, 3), r"got Conv2d"),
        (lin(2, 3), r"got Linear; wrap the layers in torch.nn.Sequential"),
        (torch.nn.Sequential(lin(2, 3), torch.nn.Dropout(0.5), lin(3, 1)),
         r"Dropout at position 1 is not supported"),
        (torch.nn.Sequential(lin(2, 3), torch.nn.ReLU(), torch.nn.Conv2d(1, 1, 3)),
         r"Conv2d at position 2 is not supported"),
        (torch.nn.Sequential(collections.OrderedDict(
            fc=lin(2, 3), act=torch.nn.GELU(), out=lin(3, 1))),
         r"GELU at position 1 \(named 'act'\) is not supported"),
        (torch.nn.Sequential(lin(2, 3, bias=False), torch.nn.ReLU(), lin(3, 1)),
         r"Linear at position 0 has no bias \(bias=False\)"),
        (torch.nn.Sequential(torch.nn.ReLU(), lin(2, 1)),
         r"ReLU at position 0 comes before any Linear"),
        (torch.nn.Sequential(lin(2, 3), torch.nn.ReLU(), torch.nn.Sigmoid(), lin(3, 1)),
         r"Sigmoid at position 2 follows another activation"),
        (torch.nn.Sequential(lin(2, 3), torch.nn.Identity(), torch.nn.Tanh()),
         r"Tanh at position 2 follows another activation"),
        (torch.nn.Sequential(lin(2, 3), torch.nn.ReLU(), lin(3, 3), torch.nn.Tanh(),
                             lin(3, 1)),
         r"different activations \(relu, tanh\)"),
        (torch.nn.Sequential(torch.nn.Sequential(lin(2, 1))),
         r"Sequential at position 0 is not supported"),
        (torch.nn.Sequential(), r"the Sequential is empty"),
        (torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.complex128), torch.nn.ReLU(),
                             lin(3, 1)),
         r"Linear at position 0 has a weight of dtype complex128"),
        (torch.nn.Sequential(lin(2, 3), torch.nn.Tanh(),
                             torch.nn.Linear(3, 1, dtype=torch.complex64)),
         r"Linear at position 2 has a weight of dtype complex64"),
        (ScaledSequential(lin(2, 3), torch.nn.ReLU(), lin(3, 1)),
         r"ScaledSequential has a forward of its own"),
        (with_own_forward(torch.nn.Sequential(lin(2, 1))),
         r"Sequential has a forward of its own"),
        (MLP(2, [1], seed=0), r"already an nn.MLP"),
    ]


class ScaledSequential(torch.nn.Sequential):
    """Its layers, then twice the result: not what the layers alone compute."""

    def forward(self, x):
        return 2.0 * super().forward(x)


class NamedSequential(torch.nn.Sequential):
    """A subclass that adds nothing to what it computes."""


def with_own_forward(module):
    plain = module.forward
    module.forward = lambda x: -plain(x)
    return module


@pytest.mark.parametrize("module, message", unsupported_cases(),
                         ids=lambda x: type(x).__name__ if not isinstance(x, str) else None)
def test_from_torch_rejects_what_an_mlp_cannot_be(module, message):
    with pytest.raises(TypeError, match=message):
        nn.from_torch(module)


def test_from_torch_reads_a_sequential_subclass_that_keeps_torchs_forward():
    module = NamedSequential(torch.nn.Linear(2, 3, dtype=F64), torch.nn.Tanh(),
                             torch.nn.Linear(3, 1, dtype=F64))
    X = np.random.default_rng(6).normal(size=(4, 2))
    expected = module(torch.tensor(X, dtype=F64)).detach().numpy()[:, 0]
    np.testing.assert_allclose(nn.from_torch(module)(X).data, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shared_bias", [False, True])
def test_from_torch_refuses_parameters_on_the_meta_device(shared_bias):
    if shared_bias:
        module = nn.to_torch(MLP(2, [3, 1], shared_bias=True, seed=0)).to("meta")
    else:
        module = torch.nn.Sequential(torch.nn.Linear(2, 3, device="meta"), torch.nn.ReLU(),
                                     torch.nn.Linear(3, 1, device="meta"))
    assert module[0].weight.is_meta
    with pytest.raises(ValueError, match=r"Linear at position 0 has its weight on the meta "
                                         r"device.*materialise them first.*to_empty"):
        nn.from_torch(module)
    # Materialised and initialised, it reads.
    module = module.to_empty(device="cpu")
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(0.25)
    assert nn.from_torch(module).layers[1].neurons[0].w[2].data == 0.25


def test_from_torch_rejects_mixed_shared_and_separate_biases():
    shared = nn.to_torch(MLP(2, [3, 1], shared_bias=True, seed=0))
    separate = nn.to_torch(MLP(2, [3, 1], seed=0))
    mixed = torch.nn.Sequential(shared[0], shared[1], separate[2])
    with pytest.raises(TypeError, match=r"some layers share their bias and some do not"):
        nn.from_torch(mixed)


def test_from_torch_rejects_layer_sizes_that_do_not_chain():
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"layer 1 takes 4 inputs but layer 0 gives 3 outputs"):
        nn.from_torch(module)


def test_from_torch_rejects_non_finite_weights():
    module = torch.nn.Sequential(torch.nn.Linear(2, 1, dtype=F64))
    with torch.no_grad():
        module[0].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match=r"layers.0.neurons.0.w.1.*not finite"):
        nn.from_torch(module)


@pytest.mark.parametrize("thing", [nn.Conv2d(1, 1, 2, seed=0), nn.Layer(2, 2, seed=0), "mlp"])
def test_to_torch_takes_only_an_mlp(thing):
    with pytest.raises(TypeError, match=rf"converts an nn.MLP, got {type(thing).__name__}"):
        nn.to_torch(thing)


# --- without torch ---------------------------------------------------------------------------


@pytest.mark.parametrize("convert", ["to_torch", "from_torch"])
def test_missing_torch_says_how_to_install_it(monkeypatch, convert):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError) as caught:
        getattr(nn, convert)(MLP(2, [1], seed=0))
    message = str(caught.value)
    assert "\n" not in message
    assert f"nn.{convert} needs PyTorch" in message
    assert message.endswith('pip install "backprop-autodiff[torch]"')
    assert INSTALL_HINT == 'pip install "backprop-autodiff[torch]"'
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_nn_imports_and_works_without_torch():
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "import nn\n"
        "m = nn.MLP(2, [3, 1], seed=0)\n"
        "print(round(m([1.0, 2.0]).data, 6), callable(nn.to_torch))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = round(MLP(2, [3, 1], seed=0)([1.0, 2.0]).data, 6)
    assert done.stdout.split() == [str(expected), "True"]


def test_importing_nn_does_not_import_torch():
    code = "import sys, nn; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
