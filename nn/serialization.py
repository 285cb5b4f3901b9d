"""Saving and loading models: a human-readable JSON file, written atomically.

The file holds the architecture (the class and its constructor arguments) and every
parameter by its dotted name. Floats are written with Python's shortest round-tripping
repr, so they read back bit for bit. The file is first written next to its destination and
then renamed over it, so a crash mid-write leaves either the old file or the new one, never
a truncated mix; saving through a symlink replaces the file it points to. A read-only file
is not replaced (`PermissionError`). A save that fails removes its temporary file; one whose
process was killed outright cannot, and the next save to the same file removes it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from itertools import islice
from pathlib import Path
from typing import Any

from .checks import short_repr
from .conv import Conv2d
from .module import Module, layout_count, layout_names, listing, state_mismatch, state_values
from .modules import MLP, Layer, Neuron

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
            raise ValueError(f"nn.save: parameter {short_repr(name)} is {short_repr(value)}; "
                             "only finite scalar parameters can be saved: assign it a finite "
                             "number")
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
    """Write to a temporary file beside the target, flush it to disk, rename it over the target.

    A symlink is followed: the file it points to is replaced, and the link stays a link. The
    temporary file is removed on any failure, an interrupt (KeyboardInterrupt, SystemExit)
    too. A process killed outright (kill -9) runs nothing; its temporary file, named after the
    target and the process, is removed by the next save to the same target.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"nn.save: directory {str(directory)!r} does not exist")
    _refuse_read_only(target, path)
    _remove_stale_temporaries(target)
    # The final file gets the old file's permissions, or the usual rw-r--r--.
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp",
                                         dir=directory)
        try:
            f = os.fdopen(fd, "w", encoding="utf-8")
        except BaseException:
            os.close(fd)
            raise
        with f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        # A rename within one directory is atomic: readers see the old file or the new one.
        os.replace(temporary, target)
        temporary = None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    _sync_directory(directory)


def _refuse_read_only(target: Path, given: Path) -> None:
    """Refuse to replace a file that may not be written (a rename would replace it anyway).

    Read-only means: this user may not write it, or it has no write permission for anyone
    (so a superuser, whom the first test never stops, does not replace it either).
    """
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    if not os.access(target, os.W_OK) or not mode & 0o222:
        shown = str(given) if target == Path(os.path.abspath(given)) else \
            f"{str(given)} (-> {str(target)})"
        raise PermissionError(
            errno.EACCES,
            f"nn.save: {shown!r} is read-only, so it is not replaced; make it writable "
            "(chmod u+w) or save to another file")


def _temporary_prefix(target: Path) -> str:
    """.NAME.PID. : whose temporary file it is, so a later save knows when it is stale."""
    return f".{target.name}.{os.getpid()}."


# mkstemp's names: the prefix, 8 characters of its own, the suffix.
_TEMPORARY = re.compile(r"(\d+)\.[A-Za-z0-9_]{8}\.tmp")


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files of saves to `target` by processes no longer running."""
    if os.name != "posix":  # os.kill(pid, 0) only asks whether a process lives on POSIX
        return
    start = f".{target.name}."
    try:
        names = [n for n in os.listdir(target.parent) if n.startswith(start)]
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.fullmatch(name, len(start))
        if match is None or _process_alive(int(match.group(1))):
            continue
        stale = target.parent / name
        try:
            if stat.S_ISREG(stale.lstat().st_mode):
                stale.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: the save goes on


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a number that is not a pid: keep the file
    return True


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
    """Read a model saved by `save`: a new one, or (with `into`) into a model of the same shape.

    A file that is not a saved model, or is damaged, raises `ValueError` naming the file and
    what is wrong with it; one that cannot be read raises `OSError` (`FileNotFoundError`, ...).
    Everything in the file is checked before a model is built or `into` is changed: on an
    error, `into` is left as it was.
    """
    path = Path(path)
    where = f"nn.load: {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not a text file (not a saved model)") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply to be a saved model; the file is "
                         "corrupt or not a saved model") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not valid JSON ({error}); the file is corrupt "
                         "or not a saved model") from None
    except ValueError:  # an integer of more digits than Python converts
        raise ValueError(f"{where} holds an integer too long to read; the file is corrupt "
                         "or not a saved model") from None
    kind, config, state = _check_document(document, where)
    cls = _CLASSES[kind]
    if into is not None:
        if type(into) is not cls or into.config() != config:
            raise ValueError(
                f"{where} holds a {kind} {_describe(config)}, which does not match the "
                f"{type(into).__name__} {_describe(into.config())} to load it into"
            )
        model = into
    else:
        _check_parameters(cls, kind, config, state, where)
        try:
            model = cls(**config)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: the {kind} architecture in the file is invalid: "
                             f"{error}") from None
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _check_parameters(cls: type[Module], kind: str, config: Any, state: dict,
                      where: str) -> None:
    """The config, and the file's parameters against it (count, names, values), unbuilt.

    The count comes first, from the config alone, so a small file declaring a huge model is
    refused at once; after that every step is bounded by the size of the file.
    """
    try:
        cls.check_config(config)
    except ValueError as error:
        raise ValueError(f"{where}: the {kind} architecture in the file is invalid: "
                         f"{error}") from None
    layout = cls.parameter_layout(config)
    declared = layout_count(layout)
    carried = len(state)
    if declared > carried:
        missing = list(islice((n for n in layout_names(layout) if n not in state), 5))
        raise ValueError(
            f"{where}: its {kind} config declares {_count(declared)} parameters but the file "
            f"carries {carried:,}; missing {listing(missing)} and more. The file is cut short "
            "or was edited: save the model again"
        )
    names = list(layout_names(layout))  # no more than the file carries
    mismatch = state_mismatch(names, state)
    if mismatch:
        raise ValueError(f"{where}: its parameters do not match its {kind} config: {mismatch}. "
                         "The file was edited or is damaged: save the model again")
    try:
        state_values(names, state)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _count(n: int) -> str:
    if n < 10**15:
        return f"{n:,}"
    try:
        return f"about {float(n):.3g}"
    except OverflowError:
        return "more than 1e308"


def _check_document(document: Any, where: str) -> tuple[str, dict, dict]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{where} is not a saved model (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f"{where} has format version {short_repr(version)}; this version of "
                         f"nn reads version {VERSION}")
    kind = document.get("model")
    if not isinstance(kind, str) or kind not in _CLASSES:
        raise ValueError(f"{where} holds an unknown model {short_repr(kind)}; "
                         f"expected one of {', '.join(_CLASSES)}")
    config = document.get("config")
    state = document.get("parameters")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"{where} lacks its \"config\" or \"parameters\" object")
    return kind, config, state


def _describe(config: dict) -> str:
    return "(" + ", ".join(f"{short_repr(k)}={short_repr(v)}" for k, v in config.items()) + ")"
