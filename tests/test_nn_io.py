"""nn.save / nn.load: readable JSON, bit-for-bit round trips, atomic writes, clear refusals."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, Conv2d, Layer, Neuron
from nn.module import layout_count, layout_names


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


any_finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(any_finite, min_size=13, max_size=13))
def test_round_trip_is_bit_for_bit(tmp_path, values):
    model = MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", seed=0)
    model.load_state_dict(dict(zip(model.state_dict(), values)))
    path = tmp_path / "model.json"
    nn.save(model, path)
    again = nn.load(path)
    assert type(again) is MLP and again.config() == model.config()
    assert [bits(v) for v in again.state_dict().values()] == [bits(v) for v in values]


def test_tricky_floats_survive(tmp_path):
    model = MLP(1, [1, 1])
    tricky = [0.1, 5e-324, -0.0, 1 / 3]
    model.load_state_dict(dict(zip(model.state_dict(), tricky)))
    nn.save(model, tmp_path / "m.json")
    assert [bits(v) for v in nn.load(tmp_path / "m.json").state_dict().values()] == [
        bits(v) for v in tricky]


def test_file_is_human_readable_json_with_the_architecture(tmp_path):
    model = nn.examples.mazur().model
    path = tmp_path / "mazur.json"
    nn.save(model, str(path))
    text = path.read_text()
    assert text.count("\n") > 10  # indented, one entry a line
    document = json.loads(text)
    assert document["format"] == "autodiff-nn-model" and document["version"] == 1
    assert document["model"] == "MLP"
    assert document["config"] == {"nin": 2, "nouts": [2, 2], "activation": "sigmoid",
                                  "out_activation": "sigmoid", "shared_bias": True}
    assert document["parameters"]["layers.0.neurons.0.w.0"] == 0.15
    assert document["parameters"]["layers.1.b"] == 0.6
    loaded = nn.load(path)
    x = [0.05, 0.10]
    assert [o.data for o in loaded(x)] == [o.data for o in model(x)]


@pytest.mark.parametrize(
    "model",
    [Conv2d(2, 3, (2, 1), stride=(1, 2), padding=1, seed=0), Layer(3, 2, "tanh", seed=0),
     Neuron(4, "sigmoid", seed=0), MLP(3, [4, 4, 2], shared_bias=True, seed=0)],
    ids=["Conv2d", "Layer", "Neuron", "MLP"],
)
def test_every_module_kind_round_trips(tmp_path, model):
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert type(loaded) is type(model)
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()


def test_load_into_an_existing_model(tmp_path):
    source = MLP(2, [3, 1], seed=1)
    nn.save(source, tmp_path / "m.json")
    target = MLP(2, [3, 1], seed=2)
    same = nn.load(tmp_path / "m.json", into=target)
    assert same is target and target.state_dict() == source.state_dict()
    other = MLP(2, [4, 1], seed=2)
    before = other.state_dict()
    with pytest.raises(ValueError, match="does not match"):
        nn.load(tmp_path / "m.json", into=other)
    assert other.state_dict() == before


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = MLP(2, [2, 1], seed=0)
    nn.save(old, path)
    good = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(MLP(2, [5, 5, 1], seed=1), path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind
    assert nn.load(path).state_dict() == old.state_dict()


def test_an_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "new.json"

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        nn.save(MLP(2, [2]), path)
    assert os.listdir(tmp_path) == []


def test_saved_file_keeps_readable_permissions(tmp_path):
    nn.save(MLP(2, [1]), tmp_path / "m.json")
    assert (tmp_path / "m.json").stat().st_mode & 0o444 == 0o444


@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_read_only_file_is_not_replaced(tmp_path, through_a_link):
    path = tmp_path / "m.json"
    old = MLP(2, [1], seed=0)
    nn.save(old, path)
    before = path.read_bytes()
    path.chmod(0o444)
    given = path
    if through_a_link:
        given = tmp_path / "link.json"
        given.symlink_to(path)
    with pytest.raises(PermissionError, match=r"m\.json.* is read-only.*chmod u\+w"):
        nn.save(MLP(2, [1], seed=1), given)
    assert path.read_bytes() == before and path.stat().st_mode & 0o777 == 0o444
    assert _temporaries(tmp_path) == []
    path.chmod(0o644)  # writable again: saved as usual
    nn.save(MLP(2, [1], seed=1), given)
    assert nn.load(path).state_dict() == MLP(2, [1], seed=1).state_dict()


def _write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


def _good_document():
    model = MLP(2, [2, 1], seed=0)
    return {"format": "autodiff-nn-model", "version": 1, "model": "MLP",
            "config": model.config(), "parameters": model.state_dict()}


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: "", "not valid JSON"),
        (lambda text: b"\xff\xfe\x00garbage", "not a text file"),
        (lambda text: json.dumps([1, 2, 3]), "not a saved model"),
        (lambda text: text.replace('"version": 1', '"version": 2'), "version 2"),
        (lambda text: text.replace('"model": "MLP"', '"model": "Transformer"'), "unknown model"),
        (lambda text: text.replace('"nin": 2', '"nin": -2'), "architecture"),
        (lambda text: text.replace('"nin": 2', '"nin": 3'), "missing"),
        (lambda text: text.replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.b": NaN'),
         "not finite"),
        (lambda text: text.replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.c": 0.0'),
         "unexpected"),
        (lambda text: text.replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.b": "x"'),
         "must be a number"),
    ],
)
def test_corrupt_or_mismatched_files_give_clear_errors(tmp_path, corrupt, message):
    text = json.dumps(_good_document(), indent=2)
    assert '"layers.1.neurons.0.b": 0.0' in text
    path = _write(tmp_path, corrupt(text))
    with pytest.raises(ValueError, match=message) as info:
        nn.load(path)
    assert str(path) in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nothing.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.save(MLP(2, [1]), tmp_path / "no" / "such" / "dir.json")


def test_only_known_modules_and_finite_parameters_are_saved(tmp_path):
    class Custom(nn.Module):
        pass

    with pytest.raises(TypeError, match="can write"):
        nn.save(Custom(), tmp_path / "c.json")
    model = MLP(1, [1])
    model.parameters()[0].data = math.inf  # only possible by assigning data directly
    with pytest.raises(ValueError, match="finite"):
        nn.save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_a_small_file_declaring_a_huge_model_is_refused_before_building_it(tmp_path,
                                                                          monkeypatch):
    document = _good_document()
    document["config"]["nouts"] = [1500, 1500]
    path = _write(tmp_path, json.dumps(document))
    assert path.stat().st_size < 1000

    def no_building(*args, **kwargs):
        raise AssertionError("a layer was built before the file was checked")

    monkeypatch.setattr(nn.modules.Layer, "__init__", no_building)
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        nn.load(path)
    assert time.perf_counter() - start < 0.5
    message = str(info.value)
    assert str(path) in message
    assert "declares 2,256,000 parameters" in message and "carries 9" in message
    assert "missing 'layers.0.neurons.0.w.0'" not in message  # that one is there
    assert "missing 'layers.0.neurons.2.w.0'" in message


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("nin", True, "nin must be a whole number"),
        ("nin", 2.0, "nin must be a whole number"),
        ("nin", 10**30, "declares"),
        ("nouts", [], "at least one layer"),
        ("nouts", 2, "nouts must be a list"),
        ("nouts", [2, "1"], "layer size"),
        ("activation", ["relu"], "activation"),
        ("activation", "gelu", "unknown activation"),
        ("shared_bias", "no", "shared_bias must be true or false"),
    ],
)
def test_a_bad_config_is_refused_naming_its_field(tmp_path, field, value, message):
    document = _good_document()
    document["config"][field] = value
    path = _write(tmp_path, json.dumps(document))
    with pytest.raises(ValueError, match=message) as info:
        nn.load(path)
    assert str(path) in str(info.value)


def test_unknown_or_missing_config_fields_and_odd_kinds(tmp_path):
    document = _good_document()
    document["config"]["depth"] = 3
    with pytest.raises(ValueError, match="unknown field 'depth'"):
        nn.load(_write(tmp_path, json.dumps(document)))
    del document["config"]["depth"], document["config"]["activation"]
    with pytest.raises(ValueError, match="lacks the field 'activation'"):
        nn.load(_write(tmp_path, json.dumps(document)))
    for kind in (["MLP"], {"a": 1}, None, 3):
        document = _good_document()
        document["model"] = kind
        with pytest.raises(ValueError, match="unknown model"):
            nn.load(_write(tmp_path, json.dumps(document)))


@pytest.mark.parametrize(
    "model",
    [MLP(3, [4, 2, 1], seed=0), MLP(2, [2, 2], shared_bias=True), Layer(3, 2, shared_bias=True),
     Layer(1, 4), Neuron(5), Conv2d(2, 3, (2, 1), stride=2, padding=(0, 1), seed=0)],
    ids=repr,
)
def test_the_names_a_config_declares_are_the_names_the_model_has(model):
    kind = type(model)
    config = model.config()
    names = [name for name, _ in model.named_parameters()]
    layout = kind.parameter_layout(config)
    assert list(layout_names(layout)) == names
    assert layout_count(layout) == len(names)


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        path = _write(tmp_path, text)
        with pytest.raises(ValueError, match="nested too deeply") as info:
            nn.load(path)
        assert str(path) in str(info.value)


def test_a_number_too_big_for_a_float_is_a_value_error_naming_the_entry(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = dict(before)
    state["layers.0.neurons.1.b"] = 10**400
    with pytest.raises(ValueError, match="'layers.0.neurons.1.b' is too large"):
        model.load_state_dict(state)
    assert model.state_dict() == before
    path = _write(tmp_path, _document_with_bias_digits(400))
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' is too large") as info:
        nn.load(path)
    assert str(path) in str(info.value)
    target = MLP(2, [2, 1], seed=3)
    kept = target.state_dict()
    with pytest.raises(ValueError, match="too large"):
        nn.load(path, into=target)
    assert target.state_dict() == kept


def _document_with_bias_digits(digits: int) -> str:
    """A good file whose last bias is an integer of `digits` nines."""
    return json.dumps(_good_document()).replace('"layers.1.neurons.0.b": 0.0',
                                                '"layers.1.neurons.0.b": ' + "9" * digits)


def test_an_integer_of_too_many_digits_is_a_clear_error(tmp_path):
    path = _write(tmp_path, _document_with_bias_digits(5000))
    with pytest.raises(ValueError, match="integer too long") as info:
        nn.load(path)
    assert str(path) in str(info.value)


def test_a_parameter_given_an_int_or_a_numpy_scalar_saves_as_a_float(tmp_path):
    import numpy as np

    model = MLP(2, [2, 1], seed=0)
    w, b, v, u = model.parameters()[:4]
    w.data = 3  # what a user or an optimizer may well assign
    b.data = np.int64(-2)
    v.data = np.float32(0.5)
    u.data = np.float64(0.25)
    state = model.state_dict()
    assert [state[name] for name in list(state)[:4]] == [3.0, -2.0, 0.5, 0.25]
    assert all(type(x) is float for x in state.values())
    path = tmp_path / "m.json"
    nn.save(model, path)
    assert '"layers.0.neurons.0.w.0": 3.0' in path.read_text()
    again = nn.load(path)
    assert again.state_dict() == state
    assert all(type(p.data) is float for p in again.parameters())


def test_parameters_that_cannot_be_saved_are_refused_by_name(tmp_path):
    model = MLP(1, [1])
    for bad, shown in ((True, "True"), (10**400, "an integer of about 401 digits"),
                       ("3", "'3'")):
        model.parameters()[0].data = bad
        with pytest.raises(ValueError, match="'layers.0.neurons.0.w.0' is " + shown) as info:
            nn.save(model, tmp_path / "m.json")
        assert "finite" in str(info.value)
        assert not (tmp_path / "m.json").exists()


def _temporaries(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


@pytest.mark.parametrize(
    "where, error",
    [("fsync", KeyboardInterrupt), ("chmod", SystemExit), ("replace", OSError("read-only")),
     ("fdopen", OSError("too many open files"))],
)
def test_a_failing_save_leaves_no_temporary_file_and_the_old_file(tmp_path, monkeypatch,
                                                                  where, error):
    path = tmp_path / "model.json"
    old = MLP(2, [2, 1], seed=0)
    nn.save(old, path)
    good = path.read_bytes()
    opened = []
    real_fdopen = os.fdopen

    def fail(*args, **kwargs):
        if where == "fdopen":
            opened.append(args[0])
        raise error

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(type(error) if isinstance(error, BaseException) else error):
        nn.save(MLP(2, [3, 1], seed=1), path)
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert os.listdir(tmp_path) == ["model.json"]
    assert path.read_bytes() == good
    for fd in opened:  # the temporary file's descriptor was closed, not leaked
        with pytest.raises(OSError):
            os.fstat(fd)


def test_saving_through_a_symlink_writes_its_target(tmp_path):
    real = tmp_path / "store" / "model.json"
    real.parent.mkdir()
    nn.save(MLP(2, [2, 1], seed=0), real)
    link = tmp_path / "current.json"
    link.symlink_to(os.path.relpath(real, tmp_path))
    chain = tmp_path / "latest.json"
    chain.symlink_to(link)
    new = MLP(2, [2, 1], seed=5)
    nn.save(new, chain)
    assert chain.is_symlink() and link.is_symlink()
    assert os.readlink(link) == os.path.relpath(real, tmp_path)
    assert nn.load(real).state_dict() == new.state_dict()
    assert _temporaries(tmp_path) == [] and _temporaries(real.parent) == []
    # A link to a file not written yet: the file is made where the link points.
    dangling = tmp_path / "next.json"
    dangling.symlink_to(real.parent / "next-model.json")
    nn.save(new, dangling)
    assert dangling.is_symlink()
    assert nn.load(real.parent / "next-model.json").state_dict() == new.state_dict()


KILLED_MID_SAVE = """
import os, sys, time
import nn

def hang(fd):
    print("writing", flush=True)
    time.sleep(120)

os.fsync = hang
nn.save(nn.MLP(2, [2, 1], seed=1), sys.argv[1])
"""


def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    path = tmp_path / "model.json"
    nn.save(MLP(2, [2, 1], seed=0), path)
    child = subprocess.Popen([sys.executable, "-c", KILLED_MID_SAVE, str(path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.kill()  # SIGKILL: no finally clause, no handler runs
        child.wait(timeout=30)
        child.stdout.close()
    left = _temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".model.json.")
    # A save in progress elsewhere (a live process) and another file's temporary are kept.
    live = tmp_path / f".model.json.{os.getpid()}.abcdefgh.tmp"
    live.write_text("{}")
    other = tmp_path / f".other.json.{child.pid}.abcdefgh.tmp"
    other.write_text("{}")
    new = MLP(2, [2, 1], seed=2)
    nn.save(new, path)
    assert _temporaries(tmp_path) == sorted([live.name, other.name])
    assert nn.load(path).state_dict() == new.state_dict()
