"""Saving and loading models: a human-readable JSON file, written atomically.

The file holds the architecture (the class and its constructor arguments) and every
parameter by its dotted name. Floats are written with Python's shortest round-tripping
repr, so they read back bit for bit. The file is first written next to its destination and
then renamed over it, so a crash mid-write leaves either the old file or the new one, never
a truncated mix.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .conv import Conv2d
from .modules import MLP, Layer, Module, Neuron

__all__ = ["save", "load", "FORMAT", "VERSION"]

FORMAT = "autodiff-nn-model"
VERSION = 1
_CLASSES: dict[str, type[Module]] = {
    "MLP": MLP,
    "Layer": Layer,
    "Neuron": Neuron,
    "Conv2d": Conv2d,
}


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's architecture and parameters to `path` as JSON, atomically."""
    kind = type(model).__name__
    if _CLASSES.get(kind) is not type(model):
        raise TypeError(
            f"nn.save can write {', '.join(_CLASSES)}; got {kind}"
        )
    state = model.state_dict()
    for name, value in state.items():
        if type(value) is not float or value - value != 0.0:
            raise ValueError(f"nn.save: parameter {name!r} is {value!r}; only finite "
                             "scalar parameters can be saved")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": kind,
        "config": model.config(),
        "parameters": state,
    }
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    _write_atomically(Path(path), text)


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, flush it to disk, rename it over path."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"nn.save: directory {str(directory)!r} does not exist")
    # The final file gets the old file's permissions, or the usual rw-r--r--.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        # A rename within one directory is atomic: readers see the old file or the new one.
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    # Make the rename itself durable; some systems (Windows) cannot open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path: str | os.PathLike, into: Module | None = None) -> Module:
    """Read a model saved by `save`: a new one, or (with `into`) into a model of the same shape."""
    path = Path(path)
    where = f"nn.load: {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not a text file (not a saved model)") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not valid JSON ({error}); the file is corrupt "
                         "or not a saved model") from None
    kind, config, state = _check_document(document, where)
    if into is not None:
        if type(into).__name__ != kind or into.config() != config:
            raise ValueError(
                f"{where} holds a {kind} {_describe(config)}, which does not match the "
                f"{type(into).__name__} {_describe(into.config())} to load it into"
            )
        model = into
    else:
        try:
            model = _CLASSES[kind](**config)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: the {kind} architecture in the file is invalid: "
                             f"{error}") from None
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _check_document(document: Any, where: str) -> tuple[str, dict, dict]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{where} is not a saved model (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if version != VERSION:
        raise ValueError(f"{where} has format version {version!r}; this version of nn "
                         f"reads version {VERSION}")
    kind = document.get("model")
    if kind not in _CLASSES:
        raise ValueError(f"{where} holds an unknown model {kind!r}; "
                         f"expected one of {', '.join(_CLASSES)}")
    config = document.get("config")
    state = document.get("parameters")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"{where} lacks its \"config\" or \"parameters\" object")
    return kind, config, state


def _describe(config: dict) -> str:
    return "(" + ", ".join(f"{k}={v!r}" for k, v in config.items()) + ")"
