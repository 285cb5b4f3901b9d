"""Every notebook in notebooks/ runs top to bottom on a fresh kernel without an error, and
shows what is committed: each cell's text outputs the same as a fresh run's, word for word
and number for number (addresses, timings and pictures' bytes aside: notebook_outputs.py).

After a change that alters what a notebook shows, refresh the committed outputs, one command:

    .venv/bin/python tests/notebook_outputs.py
"""

import functools
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from notebook_outputs import NOTEBOOKS, REFRESH_COMMAND, differences, execute

# Packages of an optional extra that a notebook may import, and how to install each.
OPTIONAL = {"torch": 'pip install "backprop-autodiff[torch]"'}


def optional_imports(notebook) -> list[str]:
    """The optional packages that the notebook's code cells import."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return [
        name for name in OPTIONAL
        if re.search(rf"^\s*(import|from)\s+{name}\b", code, flags=re.MULTILINE)
    ]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4, [p.name for p in NOTEBOOKS]


def _skip_without_its_extras(notebook, path: Path) -> None:
    # Locally a notebook that needs an optional extra is skipped without it; CI installs
    # them, and there a skip counts as a failure (conftest.py).
    for name in optional_imports(notebook):
        if importlib.util.find_spec(name) is None:
            pytest.skip(f"{path.name} needs {name}: {OPTIONAL[name]}")


@functools.cache
def _run(path: Path):
    """The notebook run once on a fresh kernel from its own folder, as a reader would run it,
    shared by the tests below."""
    return execute(path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_clean(path):
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    _skip_without_its_extras(notebook, path)
    fresh = _run(path)  # raises CellExecutionError, naming the cell, on any error
    errors = [
        output
        for cell in fresh.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_shows_its_committed_outputs(path):
    import nbformat

    committed = nbformat.read(path, as_version=4)
    _skip_without_its_extras(committed, path)
    fresh = _run(path)
    if shutil.which("dot") is None:
        # Without Graphviz a drawing shows its DOT source instead of a picture: the run
        # differs from the committed one by design (CI installs Graphviz).
        pytest.skip("Graphviz's dot is not installed: the drawings differ from the committed")
    found = differences(committed, fresh, path.name)
    assert not found, (
        f"{len(found)} cell(s) of {path.name} show other outputs than are committed; if the "
        f"change is meant, refresh them with `{REFRESH_COMMAND} notebooks/{path.name}`:\n\n"
        + "\n\n".join(found)
    )


def test_notebooks_needing_an_optional_extra_are_found():
    import nbformat

    by_name = {p.name: optional_imports(nbformat.read(p, as_version=4)) for p in NOTEBOOKS}
    assert by_name["06_to_pytorch.ipynb"] == ["torch"]
    assert by_name["01_backprop_by_hand.ipynb"] == []


def test_the_notebooks_extra_opens_and_converts_them():
    # README: the [notebooks] extra, then `.venv/bin/jupyter lab notebooks/`.
    jupyter = Path(sys.executable).parent / "jupyter"
    assert jupyter.exists(), f"no {jupyter}: install the extra, pip install -e \".[notebooks]\""
    for command in ("lab", "nbconvert"):
        done = subprocess.run([str(jupyter), command, "--version"], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"jupyter {command} --version: {done.stderr.strip()}"
        assert done.stdout.strip()[:1].isdigit(), done.stdout
