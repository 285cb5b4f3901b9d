"""Every notebook in notebooks/ runs top to bottom on a fresh kernel without an error."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted(p for p in (Path(__file__).resolve().parent.parent / "notebooks").rglob(
    "*.ipynb") if ".ipynb_checkpoints" not in p.parts)  # notebooks/zh/ too

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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_clean(path, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    # Locally a notebook that needs an optional extra is skipped without it; CI installs
    # them, and there a skip counts as a failure (conftest.py).
    for name in optional_imports(notebook):
        if importlib.util.find_spec(name) is None:
            pytest.skip(f"{path.name} needs {name}: {OPTIONAL[name]}")
    # A fresh kernel, started from the notebook's own folder, as a reader would run it.
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []


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
