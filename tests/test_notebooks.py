"""Every notebook in notebooks/ runs top to bottom on a fresh kernel without an error, and
shows what is committed: each cell's text outputs the same as a fresh run's, word for word
and number for number (addresses, timings and pictures' bytes aside: notebook_outputs.py).

After a change that alters what a notebook shows, refresh the committed outputs, one command:

    .venv/bin/python tests/notebook_outputs.py
"""

import functools
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from notebook_outputs import NOTEBOOKS, REFRESH_COMMAND, differences, execute, refreshed

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


# --- what the comparison lets through, and what it does not -----------------------------------


def _notebook(*outputs_per_cell):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"cell_{k}()", outputs=list(outputs))
                      for k, outputs in enumerate(outputs_per_cell)]
    return notebook


def _stream(text, name="stdout"):
    import nbformat

    return nbformat.v4.new_output("stream", name=name, text=text)


def _result(data):
    import nbformat

    return nbformat.v4.new_output("execute_result", data=data, execution_count=1)


def _page(label: str, x: int) -> str:
    # A framed step-through page as TracePage shows it: its data, and Graphviz's layout
    # (an edge's path of x curve pieces).
    data = json.dumps({"nodes": [[label, "0.50000000"]],
                       "picture": {"views": [{"nodes": [[label, x, 20, 54, 36]],
                                              "edges": [["e1_0", f"M{x} 4" + "c1 2 3 4 5 6" * x,
                                                         x, 4, x, 9]]}]}})
    page = f'<p>the page</p><script id="trace-data" type="application/json">{data}</script>'
    return "<iframe srcdoc='" + page.replace("&", "&amp;").replace("'", "&#39;") + "'></iframe>"


def test_outputs_that_differ_only_in_what_varies_between_runs_agree():
    committed = _notebook(
        [_stream("loss 0.25\n"), _stream("took 12.5 ms\n")],
        [_result({"image/svg+xml": "<svg>one layout</svg>",
                  "text/plain": "<autodiff.see.draw.Drawing at 0x7f515054e1d0>"})],
        [_result({"text/html": _page("w5", 120), "text/plain": "<TracePage at 0x7f51aa>"})],
        [_result({"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 700x360 with 1 Axes>"})],
    )
    fresh = _notebook(
        [_stream("loss 0.25\ntook 3 ms\n")],
        [_result({"image/svg+xml": "<svg>another layout</svg>",
                  "text/plain": "<autodiff.see.draw.Drawing at 0x7fdd341f0cd0>"})],
        [_result({"text/html": _page("w5", 131), "text/plain": "<TracePage at 0x7fcc01>"})],
        [_result({"image/png": "AAAA", "text/plain": "<Figure size 700x360 with 1 Axes>"})],
    )
    assert differences(committed, fresh, "nb.ipynb") == []



def _beside(picture: str, text: str) -> str:
    # A drawing inlined beside its text, as a notebook shows a graph next to an equation.
    return (f'<div><img src="data:image/svg+xml;base64,{picture}"/>'
            f"<pre>{text}</pre></div>")


def test_a_picture_inlined_in_html_is_compared_by_presence_but_its_text_word_for_word():
    committed = _notebook([_result({"text/html": _beside("PHN2Zz5vbmU8L3N2Zz4=", "δ = 0.1385")})])
    redrawn = _notebook([_result({"text/html": _beside("PHN2Zz50d288L3N2Zz4=\n", "δ = 0.1385")})])
    assert differences(committed, redrawn, "nb.ipynb") == []
    changed = _notebook([_result({"text/html": _beside("PHN2Zz5vbmU8L3N2Zz4=", "δ = 0.1386")})])
    found = differences(committed, changed, "nb.ipynb")
    assert len(found) == 1 and "δ = 0.1386" in found[0]


@pytest.mark.parametrize("committed, fresh, shown", [
    ([_stream("loss 0.25\n")], [_stream("loss 0.26\n")], "+loss 0.26"),
    ([_stream("d(0.99 − out_o2)\n")], [_stream("d0.99 − out_o2\n")], "+d0.99 − out_o2"),
    ([], [_stream("loss 0.25\n")],
     "nb.ipynb, cell 2 ('cell_1()'): no outputs are committed, but a fresh run shows some"),
    ([_stream("loss 0.25\n")], [], "-loss 0.25"),
    ([_stream("a warning\n", "stderr")], [_stream("a warning\n")], "+[stdout]"),
    ([_result({"image/svg+xml": "<svg/>"})], [_result({"text/plain": "digraph {}"})],
     "-[execute_result image/svg+xml: compared by presence only]"),
    ([_result({"text/html": "<td>0.0822</td>"})], [_result({"text/html": "<td>0.0823</td>"})],
     "+<td>0.0823</td>"),
    ([_result({"text/html": _page("w5", 120)})], [_result({"text/html": _page("w6", 120)})],
     '+"w6",'),
])
def test_a_different_number_word_or_output_fails_naming_notebook_and_cell(committed, fresh,
                                                                         shown):
    found = differences(_notebook([], committed), _notebook([], fresh), "nb.ipynb")
    assert len(found) == 1
    assert found[0].startswith("nb.ipynb, cell 2 ('cell_1()')")
    assert shown in found[0].splitlines()


def test_a_refresh_keeps_outputs_that_agree_and_takes_those_that_do_not():
    committed = _notebook([_stream("at 0x7f01\n")], [_stream("loss 0.25\n")],
                          [_result({"image/svg+xml": "<svg>old</svg>"})])
    committed.cells[0].metadata["execution"] = {"iopub.status.idle": "2026-12-02T05:04:44Z"}
    fresh = _notebook([_stream("at 0x7f02\n")], [_stream("loss"), _stream(" 0.26\n")],
                      [_result({"image/svg+xml": "<svg>new</svg>"})])
    result = refreshed(committed, fresh)
    assert result.cells[0].outputs == committed.cells[0].outputs  # only an address changed
    assert [o["text"] for o in result.cells[1].outputs] == ["loss 0.26\n"]  # joined
    assert result.cells[2].outputs[0]["data"]["image/svg+xml"] == "<svg>new</svg>"
    assert "execution" not in result.cells[0].metadata
    assert differences(result, fresh, "nb.ipynb") == []
