"""Hostile and corrupted model files: nn.load and load_state_dict load correctly or refuse cleanly.

The contract (nn.load's docstring): a file that is not a valid saved model raises ValueError
naming the file; load_state_dict raises ValueError for a bad entry (TypeError when it is not
given a dict). Never another exception, and on any error the model is left as it was.
"""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, Conv2d, Layer, Neuron

BASES = {
    "mlp": lambda: MLP(2, [3, 1], activation="tanh", seed=0),
    "shared": lambda: MLP(2, [2, 2], shared_bias=True, seed=1),
    "layer": lambda: Layer(2, 2, seed=2),
    "neuron": lambda: Neuron(3, "sigmoid", seed=3),
    "conv": lambda: Conv2d(1, 2, (2, 1), stride=(1, 2), padding=1, seed=4),
}

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(),
    st.sampled_from([0, 1, 2, 1500, 10**6, 10**12, 2**63]),
    st.integers(min_value=10**18, max_value=10**400),  # past a float, past any model size
    st.integers(min_value=-(10**400), max_value=-(10**18)),
    st.floats(),  # nan and ±inf too: json writes them as NaN and Infinity
    st.sampled_from([-0.0, 5e-324, 1e308, -1e308, 6e19]),
    st.text(max_size=12),
    st.sampled_from(["relu", "tanh", "MLP", "Conv2d", "autodiff-nn-model", "b", "w.0"]),
)
hostile = st.recursive(
    leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=8,
)

RAW = "\x00raw\x00"  # a string that stands for raw text spliced into the JSON after dumping


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def snapshot(model) -> dict[str, bytes]:
    return {name: bits(value) for name, value in model.state_dict().items()}


def document(model) -> dict:
    return {"format": nn.serialization.FORMAT, "version": nn.serialization.VERSION,
            "model": type(model).__name__, "config": model.config(),
            "parameters": model.state_dict()}


@st.composite
def mutated_document(draw) -> tuple[str, str]:
    """A saved model's JSON with a few of its values (at any depth) replaced by hostile ones."""
    kind = draw(st.sampled_from(sorted(BASES)))
    doc = document(BASES[kind]())
    raw = None
    for _ in range(draw(st.integers(1, 3))):
        # Mostly inside the config or the parameters, where a file is checked the most.
        region = draw(st.sampled_from(["config", "config", "parameters", "parameters", None]))
        node, key = doc, None
        if isinstance(doc.get(region), (dict, list)):
            node = doc[region]
        # Walk down a random path, then replace (or delete, or add) what is there.
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if not isinstance(child, (dict, list)) or not draw(st.booleans()):
                break
            node, key = child, None
        if key is None:
            continue
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "deep", "digits"]))
        if action == "replace":
            node[key] = draw(hostile)
        elif action == "delete":
            del node[key]
        elif action == "add" and isinstance(node, dict):
            node[draw(st.text(max_size=25))] = draw(hostile)
        elif action == "add":
            node.append(draw(hostile))
        elif raw is None:  # raw text json.dumps cannot make: deep nesting, endless digits
            depth = draw(st.integers(1, 20_000))
            digits = draw(st.sampled_from(["9", "-1"])) + "0" * draw(st.integers(300, 6000))
            raw = "[" * depth + "]" * depth if action == "deep" else draw(
                st.sampled_from([digits, "1e999", "-1e999", "1e-999", "NaN", "-Infinity"]))
            node[key] = RAW
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 2])))
    if raw is not None:
        text = text.replace(json.dumps(RAW), raw)
    return kind, text


@st.composite
def damaged_file(draw) -> tuple[str, bytes]:
    """A saved model's bytes, truncated, with bytes flipped, cut out or put in, or plain noise."""
    kind = draw(st.sampled_from(sorted(BASES)))
    data = (json.dumps(document(BASES[kind]()), indent=2) + "\n").encode()
    how = draw(st.sampled_from(["truncate", "edit", "noise"]))
    if how == "noise":
        return kind, draw(st.binary(max_size=300))
    if how == "truncate":
        return kind, data[: draw(st.integers(0, len(data) - 1))]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 3))
        put = draw(st.binary(max_size=3) | st.sampled_from([b"[", b"]", b"{", b"}", b",",
                                                           b'"', b"9", b"-", b".", b"e9"]))
        data = data[:at] + put + data[at + cut:]
    return kind, data


def check_load(path, kind: str) -> None:
    """nn.load, and nn.load into a model of the same kind: a correct load or a clean refusal."""
    try:
        model = nn.load(path)
    except ValueError as error:
        assert str(path) in str(error)  # names the file
        event(f"refused: {str(error)[len(str(path)) + 12:][:24]}")
    else:
        assert_matches_file(model, path)
        event("loaded")
    into = BASES[kind]()
    before = snapshot(into)
    try:
        same = nn.load(path, into=into)
    except ValueError as error:
        assert str(path) in str(error)
        assert snapshot(into) == before  # nothing changed
    else:
        assert same is into
        assert_matches_file(into, path)


def assert_matches_file(model, path) -> None:
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert type(model).__name__ == saved["model"]
    state = model.state_dict()
    assert set(state) == set(saved["parameters"])
    for name, value in saved["parameters"].items():
        assert bits(state[name]) == bits(float(value))
        assert math.isfinite(state[name])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=150, deadline=None)
@given(mutated_document())
def test_load_a_mutated_saved_model(folder, case):
    kind, text = case
    path = folder / "mutated.json"
    path.write_text(text, encoding="utf-8")
    check_load(path, kind)


@settings(max_examples=150, deadline=None)
@given(damaged_file())
def test_load_a_damaged_or_random_file(folder, case):
    kind, data = case
    path = folder / "damaged.json"
    path.write_bytes(data)
    check_load(path, kind)


@st.composite
def hostile_state(draw) -> tuple[str, object]:
    """A model's state dict with entries changed, dropped, added, or not a dict at all."""
    kind = draw(st.sampled_from(sorted(BASES)))
    state = BASES[kind]().state_dict()
    if draw(st.integers(0, 9)) == 0:
        return kind, draw(leaf | st.lists(hostile, max_size=3))
    names = list(state)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["value", "value", "drop", "add"]))
        if action == "value":
            state[draw(st.sampled_from(names))] = draw(hostile)
        elif action == "drop" and state:
            del state[draw(st.sampled_from(list(state)))]
        else:
            state[draw(st.one_of(st.text(max_size=25), st.integers(), st.none(),
                                 st.sampled_from(names).map(lambda n: n + " ")))] = 0.0
    return kind, state


@settings(max_examples=200, deadline=None)
@given(hostile_state())
def test_load_state_dict_of_hostile_entries(case):
    kind, state = case
    model = BASES[kind]()
    before = snapshot(model)
    try:
        model.load_state_dict(state)
    except TypeError:
        assert not isinstance(state, dict)  # only a non-dict is a TypeError
        assert snapshot(model) == before
    except ValueError:
        assert snapshot(model) == before
    else:
        assert isinstance(state, dict) and set(state) == set(before)
        for name, value in state.items():
            assert bits(model.state_dict()[name]) == bits(float(value))
