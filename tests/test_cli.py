"""The command line: textbook numbers, files written, and clean exit-2 errors for bad input."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nn.training
from autodiff.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH without Graphviz's `dot`."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


# --- trace ------------------------------------------------------------------------------------


def test_trace_prints_the_textbook_numbers(capsys):
    code, out, err = run(capsys, "trace")
    assert code == 0 and err == ""
    lines = [line.strip() for line in out.splitlines()]
    for expected in (
        "net_h1  = 0.37750000",
        "out_h1  = 0.59326999",
        "out_o1  = 0.75136507",
        "out_o2  = 0.77292847",
        "E_total = 0.29837111",
        "dE_total/dw5 = 0.74136507 × 0.18681560 × 0.59326999 = 0.08216704",
        "dE_total/dw6 = 0.74136507 × 0.18681560 × 0.59688438 = 0.08266763",
        "dE_total/dw7 = -0.21707153 × 0.17551005 × 0.59326999 = -0.02260254",
        "dE_total/dw1 = 0.00066840 - 0.00022983 = 0.00043857",
        "w1 = 0.14978072",
        "w5 = 0.35891648",
        "w8 = 0.56137012",
        "E_total = 0.29102777 (was 0.29837111)",
    ):
        assert expected in lines, expected
    # Every labeled node's gradient has its line; the biases stay as they were.
    for name in ("w2", "w3", "w4", "w8", "b1", "b2", "out_h1", "net_o2", "i1"):
        assert any(line.startswith(f"dE_total/d{name} = ") for line in lines), name
    assert not any(line.startswith("b1 = ") for line in lines[lines.index(
        "After one SGD step (lr 0.5; the biases stay as they are, as in the textbook)"):])


@needs_dot
def test_trace_out_writes_graph_and_page(capsys, tmp_path):
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "trace", "--out", str(out_dir), "--highlight", "w5")
    assert code == 0
    svg = (out_dir / "graph.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "grad 0.0822" in svg and "#7b2cbf" in svg
    page = (out_dir / "trace.html").read_text(encoding="utf-8")
    assert "<svg" in page and "0.08216704" in page and "src=" not in page
    assert f"Wrote {out_dir / 'graph.svg'} and {out_dir / 'trace.html'}" in out
    # The page's SGD panel takes the textbook's step: w5 0.4 - 0.5 x 0.08216704 = 0.35891648.
    import json
    import re

    rows = json.loads(re.search(r'"sgd":\{"lr":"0.5","rows":(\[\[.*?\]\])', page).group(1))
    assert len(rows) == 8 and ["0.40000000", "0.08216704", "0.35891648"] in [r[1:] for r in rows]


def test_trace_without_graphviz_writes_dot_and_a_hint(capsys, tmp_path, no_dot):
    code, out, err = run(capsys, "trace", "--out", str(tmp_path / "out"))
    assert code == 0
    assert (tmp_path / "out" / "graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "out" / "graph.svg").exists()
    page = (tmp_path / "out" / "trace.html").read_text(encoding="utf-8")
    assert "0.08216704" in page and "Graphviz" in page  # the steps work without the picture
    assert len(err.strip().splitlines()) == 1 and "install" in err and "graphviz" in err
    assert "E_total = 0.29102777" in out


def test_trace_bad_highlight_and_unwritable_out(capsys, tmp_path):
    code, _, err = run(capsys, "trace", "--highlight", "w9")
    assert_clean_error(code, err, "w9")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = run(capsys, "trace", "--out", str(blocker / "sub"))
    assert_clean_error(code, err, "autodiff trace")


# --- draw -------------------------------------------------------------------------------------


def test_draw_prints_each_gradient(capsys):
    code, out, err = run(capsys, "draw", "x*y + exp(x)", "--at", "x=1,y=2")
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "f = x*y + exp(x) = 4.71828183",
        "df/dx = 4.71828183",  # y + e
        "df/dy = 1.00000000",  # x
    ]


@needs_dot
@pytest.mark.parametrize("suffix, start", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                           (".dot", b"digraph")])
def test_draw_writes_the_file_by_suffix(capsys, tmp_path, suffix, start):
    target = tmp_path / f"graph{suffix}"
    code, out, _ = run(capsys, "draw", "tanh(w*x + b)", "--at", "w=-1.5,x=0.5,b=0.3",
                       "-o", str(target))
    assert code == 0 and target.read_bytes().startswith(start)
    assert f"Wrote {target}" in out


def test_draw_without_graphviz_writes_dot(capsys, tmp_path, no_dot):
    code, out, err = run(capsys, "draw", "x**2", "--at", "x=3", "-o", str(tmp_path / "g.svg"))
    assert code == 0 and "df/dx = 6.00000000" in out
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert "Graphviz" in err and len(err.strip().splitlines()) == 1


HOSTILE = [
    "__import__('os').system('touch pwned')",
    "open('pwned', 'w')",
    "exec('open(\"pwned\", \"w\")')",
    "eval('1')",
    "x.__class__",
    "x.real",
    "print(x)",
    "lambda: 1",
    "(lambda q: q)(x)",
    "[x for x in range(3)]",
    "(x for x in y)",
    "{x: 1}",
    "x if x else 1",
    "x; import os",
    "import os",
    "(x + 1",
    "x + 1)",
    "exp(x",
    "x +",
    "",
    "x" + " + x" * 6000,  # longer than any formula needs
    "x+" * 3000 + "x",  # more nodes than any formula needs
    "(" * 500 + "x" + ")" * 500,
]

# Formulas that parse but whose value is beyond reason, with what the message must name.
ABSURD = [
    ("9**9**9**9", "finite"),
    ("2**2**2**2**2**2", "finite"),
    ("exp(1000)", "exp"),
    ("10**400", "finite"),
    ("1/0", "division by zero"),
    ("log(0)", "log"),
    ("sqrt(-1)", "sqrt"),
]


@pytest.mark.parametrize("expr", HOSTILE, ids=range(len(HOSTILE)))
def test_draw_rejects_hostile_formulas(capsys, tmp_path, monkeypatch, expr):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "system", lambda *a: pytest.fail("os.system was called"))
    code, out, err = run(capsys, "draw", expr, "--at", "x=1", "-o", "g.dot")
    assert_clean_error(code, err, "autodiff draw")
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # no side effect, not even the drawing


@pytest.mark.parametrize("expr, named", ABSURD)
def test_draw_turns_overflow_into_a_clean_error(capsys, tmp_path, monkeypatch, expr, named):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "draw", expr, "-o", "g.dot")
    assert_clean_error(code, err, "autodiff draw", named)
    assert out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("at", ["x=1e999", "x=nan", "x", "x=1,x=2", "y=1", "x=1;y=2", "x=0x10"])
def test_draw_rejects_bad_points(capsys, at):
    code, _, err = run(capsys, "draw", "x*2", "--at", at)
    assert_clean_error(code, err, "autodiff draw")


def test_draw_rejects_a_bad_suffix_and_an_undefined_derivative(capsys, tmp_path):
    code, _, err = run(capsys, "draw", "x", "--at", "x=1", "-o", str(tmp_path / "g.gif"))
    assert_clean_error(code, err, ".svg, .png or .dot")
    code, _, err = run(capsys, "draw", "sqrt(x)", "--at", "x=0")
    assert_clean_error(code, err, "sqrt")


def test_python_m_autodiff_rejects_an_import_in_a_subprocess(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "autodiff", "draw", "__import__('os').system('touch pwned')"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "__import__" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- usage, train, compile --------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["draw"], ["trace", "--bogus"], ["train"], ["train", "cats"],
    ["train", "xor", "--epochs", "many"], ["train", "xor", "--lr", "fast"],
    ["compile", "--at", "x=1"],
])
def test_bad_usage_is_one_line_and_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert_clean_error(code, err, "autodiff")


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "trace" in out and "draw" in out


def test_train_passes_its_options_through(capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(nn.tasks, "run_task", lambda task, **kw: calls.append((task, kw)))
    code, _, _ = run(capsys, "train", "moons", "--epochs", "3", "--lr", "0.1", "--seed", "7",
                     "--plot", "p.png")
    assert code == 0
    assert calls == [("moons", {"epochs": 3, "lr": 0.1, "seed": 7, "plot": "p.png"})]
    code, _, _ = run(capsys, "train", "xor")
    assert calls[-1] == ("xor", {})


def test_train_runs_for_real_and_rejects_bad_values(capsys):
    code, out, _ = run(capsys, "train", "xor", "--epochs", "2", "--seed", "0")
    assert code == 0 and "accuracy" in out
    code, _, err = run(capsys, "train", "xor", "--epochs", "0")
    assert_clean_error(code, err, "--epochs")
    code, _, err = run(capsys, "train", "xor", "--lr", "-1")
    assert_clean_error(code, err, "--lr")


def test_compile_prints_source(capsys):
    code, out, _ = run(capsys, "compile")
    assert code == 0 and "def value_and_grad(w1, w2, w3, w4, w5, w6, w7, w8):" in out
    assert "dE_total_dw5 = dE_total_dnet_o1 * out_h1" in out
    code, out, _ = run(capsys, "compile", "x*y", "--at", "x=1", "--at", "y=2")
    assert code == 0 and "def value_and_grad(x, y):" in out
    code, out, _ = run(capsys, "compile", "x*y", "--at", "x=1,y=2")
    assert code == 0 and "def " in out
    code, _, err = run(capsys, "compile", "x*", "--at", "x=1")
    assert_clean_error(code, err, "autodiff compile")
    code, _, err = run(capsys, "compile", "__import__('os')")
    assert_clean_error(code, err, "autodiff compile")


def test_a_formula_may_start_with_a_minus(capsys, tmp_path):
    code, out, _ = run(capsys, "draw", "-x**2", "--at", "x=3", "-o", str(tmp_path / "g.dot"))
    assert code == 0 and "= -9.00000000" in out and "df/dx = -6.00000000" in out
    code, out, _ = run(capsys, "compile", "-x*y", "--at", "x=1,y=2")
    assert code == 0 and "def value_and_grad(x, y):" in out


@pytest.mark.parametrize("argv", [
    ["draw", "-omega", "--at", "omega=1"],  # not `-o mega`
    ["draw", "--at", "omega=1", "-omega"],
    ["draw", "--at=omega=1", "-omega"],
    ["draw", "--a", "omega=1", "-omega"],  # argparse's prefix of --at
    ["draw", "-omega", "-o", "g.dot", "--at", "omega=1"],
    ["draw", "--at", "omega=1", "--", "-omega"],
])
def test_a_formula_starting_with_minus_o_is_a_formula(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 0 and err == ""
    assert out.splitlines()[:2] == ["f = -omega = -1.00000000", "df/domega = -1.00000000"]
    assert ("-o" in argv) == (tmp_path / "g.dot").exists()


def test_a_formula_starting_with_minus_keeps_its_columns(capsys):
    code, _, err = run(capsys, "draw", "-x +", "--at", "x=1")
    assert_clean_error(code, err, "column 5", "ends after '+'")
    code, _, err = run(capsys, "compile", "--at", "x=1", "-x y")
    assert_clean_error(code, err, "column 4", "missing operator")
    code, _, err = run(capsys, "draw", "--x", "--at", "x=2")  # a double minus, not an option
    assert code == 0 and err == ""


@pytest.mark.parametrize("output", ["", "  ", "--output="])
def test_draw_to_an_empty_file_name_is_an_error(capsys, tmp_path, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    argv = ["draw", "x", "--at", "x=1", *(["-o", output] if output != "--output=" else [output])]
    code, out, err = run(capsys, *argv)
    assert_clean_error(code, err, "autodiff draw: -o needs a file name", ".svg")
    assert out == "" and list(tmp_path.iterdir()) == []


def test_trace_into_an_empty_directory_name_is_an_error(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "trace", "--out", "")
    assert_clean_error(code, err, "autodiff trace: --out needs a directory")
    assert out == "" and list(tmp_path.iterdir()) == []


def test_a_place_that_cannot_be_written_fails_before_anything_is_printed(capsys, tmp_path):
    code, out, err = run(capsys, "draw", "x", "--at", "x=1", "-o", str(tmp_path / "no" / "g.svg"))
    assert_clean_error(code, err, "there is no directory")
    assert out == ""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, err = run(capsys, "trace", "--out", str(blocker / "sub"))
    assert_clean_error(code, err, "autodiff trace")
    assert out == ""
    code, out, err = run(capsys, "trace", "--highlight", "")
    assert_clean_error(code, err, "--highlight needs a node's label")


def test_train_that_overflows_is_one_line_naming_the_cure(capsys):
    code, out, err = run(capsys, "train", "xor", "--lr", "1e308", "--epochs", "3")
    assert code == 2 and "Traceback" not in err
    message = err.strip().splitlines()[-1]  # the progress bar's line may stand above it
    assert message.startswith("autodiff train: training xor diverged at --lr 1e+308")
    assert "overflow" in message and "choose a smaller --lr (the default is 0.05)" in message
    assert "accuracy" not in out


def test_the_command_line_loads_nn_only_inside_a_command():
    probe = ("import sys, autodiff.cli.main, autodiff.cli.demos; "
             "print(sorted(m for m in sys.modules if m == 'nn' or m.startswith('nn.')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr


def test_a_reader_that_goes_away_ends_the_trace_quietly(tmp_path):
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as with `| head -0`
    done = subprocess.run([sys.executable, "-m", "autodiff", "trace", "--out",
                           str(tmp_path / "out")], stdout=write, stderr=subprocess.PIPE,
                          timeout=60)
    os.close(write)
    assert done.returncode == 1
    assert b"Broken pipe" not in done.stderr and b"Traceback" not in done.stderr


# --- hostile input, round 3: Graphviz, where to write, what a message quotes ------------------


def visible(err: str) -> list[str]:
    """The lines a terminal shows of `err`: a carriage return redraws its line."""
    return [line.rsplit("\r", 1)[-1].strip() for line in err.split("\n")
            if line.rsplit("\r", 1)[-1].strip()]


def sleeping_dot(folder: Path) -> Path:
    """A Graphviz `dot` that records its pid and sleeps: a layout that never ends."""
    folder.mkdir()
    dot = folder / "dot"
    dot.write_text(f'#!/bin/sh\necho $$ > "{folder}/pid"\nexec sleep 120\n')
    dot.chmod(0o755)
    return folder


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except FileNotFoundError:
        return False


def cli(*argv: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autodiff", *argv], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_a_failed_training_run_shows_its_error_and_no_progress_bar(capsys):
    code, out, err = run(capsys, "train", "moons", "--lr", "1e300", "--epochs", "3")
    assert code == 2 and out == ""
    assert len(visible(err)) == 1, err  # the bar is wiped, not left drawn above the error
    assert visible(err)[0].startswith("autodiff train: training moons diverged")


def test_an_error_quoting_a_huge_text_stays_readable(capsys, tmp_path):
    huge = "a" * 10_000
    for argv in (["draw", huge], ["draw", "x", "--at", "x=1", "--page", f"/{huge}/p.html"],
                 ["draw", "x", "--at", "x=1", "-o", f"{tmp_path}/{huge}/g.svg"],
                 ["trace", "--highlight", huge], ["train", "xor", "--lr", huge]):
        code, _, err = run(capsys, *argv)
        assert_clean_error(code, err)
        assert len(err) < 600 and "…" in err, err[:200]  # the quote, shortened


def test_every_place_to_write_is_checked_before_any_work(capsys, tmp_path):
    big = "+".join(["x"] * 30)
    missing = tmp_path / "no" / "p.html"
    code, out, err = run(capsys, "draw", big, "--at", "x=1", "--page", str(missing))
    assert_clean_error(code, err, "--page", "there is no directory")
    assert out == ""  # nothing evaluated, nothing printed
    folder = tmp_path / "g.svg"
    folder.mkdir()
    code, out, err = run(capsys, "draw", big, "--at", "x=1", "-o", str(folder))
    assert_clean_error(code, err, "is a directory")
    assert out == ""
    code, out, err = run(capsys, "draw", big, "--at", "x=1", "--page", str(tmp_path))
    assert_clean_error(code, err, "is a directory")
    assert out == ""


def test_graphviz_past_its_time_limit_is_one_line_and_exit_2(tmp_path):
    fake = sleeping_dot(tmp_path / "bin")
    done = cli("draw", "x*y", "--at", "x=1,y=2", "-o", str(tmp_path / "g.svg"), timeout=60,
               PATH=f"{fake}{os.pathsep}{os.environ['PATH']}", AUTODIFF_DOT_TIMEOUT="1")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "took longer than 1 s" in done.stderr and ".dot" in done.stderr
    assert not running(int((fake / "pid").read_text()))
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_ending_the_command_ends_its_dot(tmp_path, how):
    fake = sleeping_dot(tmp_path / "bin")
    expr = "+".join(["x"] * 200)  # the graph that once kept dot busy for minutes
    process = subprocess.Popen(
        [sys.executable, "-m", "autodiff", "draw", expr, "--at", "x=1", "-o",
         str(tmp_path / "g.svg")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT),
             "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
    pid_file = fake / "pid"
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline and process.poll() is None, "dot never started"
        time.sleep(0.05)
    dot = int(pid_file.read_text())
    assert running(dot)
    process.send_signal(how)
    _, err = process.communicate(timeout=30)
    assert process.returncode in (128 + how, 130), err
    assert b"Traceback" not in err
    deadline = time.monotonic() + 10
    while running(dot) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(dot)


# The size ladder through the command line: formulas of growing size, drawn and paged; each
# run finishes (within the subprocess's bound) or is refused with exit 2 and one line.
LADDER = [("+", n) for n in (10, 100, 200, 1000)] + [("**", n) for n in (10, 60, 200, 1000)]


@needs_dot
@pytest.mark.parametrize("sep, terms", LADDER, ids=[f"{s}{n}" for s, n in LADDER])
def test_the_size_ladder_finishes_or_is_refused_in_one_line(tmp_path, sep, terms):
    expr = sep.join(["x"] * terms)
    svg, page = tmp_path / "g.svg", tmp_path / "p.html"
    done = cli("draw", expr, "--at", "x=0.9", "-o", str(svg), "--page", str(page),
               timeout=240, AUTODIFF_DOT_TIMEOUT="100")
    if done.returncode == 2:
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert svg.read_bytes().startswith(b"<?xml") and "Wrote" in done.stdout
        assert '"picture":{' in page.read_text(encoding="utf-8")
