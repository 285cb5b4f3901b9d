"""Time this project's engine beside micrograd, PyTorch and hand-written code, in one run.

    python benchmarks/run.py [--quick | --repeats N] [--no-torch] [--only NAME[,NAME...]]

The peers live in their own environment, benchmarks/.venv, made on first use; the script
installs this project (editable), micrograd and, if it can, PyTorch there, then runs itself
again inside it. It prints one table and writes benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
VENV_PYTHON = VENV / ("Scripts" if os.name == "nt" else "bin") / "python"
# The "+cpu" build is the one cached on the development machines; pinning it means pip can
# never fall back to a CUDA build of several GB.
TORCH_REQUIREMENT = "torch==2.13.0+cpu"
TORCH_FAILED = VENV / "torch-install-failed"  # delete this file to try installing torch again
IN_VENV_FLAG = "BENCHMARKS_IN_VENV"
SEEDS_GROUP = "seeds"  # --only seeds: the seeds' programs alone (benchmarks/seeds.py)

# Each peer module maps its implementation names to one function per workload (its RUNS).
PEERS = {
    "peers.ours": ("ours", "ours+gc_paused", "ours-batch", "ours-same"),
    "peers.ours_compiled": ("ours-compiled", "ours-batch-compiled"),
    "peers.micrograd_impl": ("micrograd", "micrograd-same"),
    "peers.torch_impl": ("torch", "torch-same"),
    "peers.handwritten": ("handwritten",),
}
# Row order: each library's own code first, then the rows that run the same code.
IMPLEMENTATIONS = (
    "ours", "ours+gc_paused", "ours-batch", "ours-compiled", "ours-batch-compiled",
    "micrograd", "torch", "handwritten", "ours-same", "micrograd-same", "torch-same",
)
# What code each row runs: "same" is benchmarks/same_code.py, node for node the same
# expressions on every engine; "own" is each library's own way to write the model.
CODE = {impl: "same" if impl.endswith("-same") else "own" for impl in IMPLEMENTATIONS}
# The implementations that do not run every workload (the others run all three); only used
# to say which rows are missing when a peer module cannot be imported.
PARTIAL = {
    "ours+gc_paused": ("moons",),
    "ours-batch": ("moons",),
    "ours-compiled": ("mazur", "moons"),
    "ours-batch-compiled": ("moons",),
    "ours-same": ("mazur", "moons"),
    "micrograd-same": ("mazur", "moons"),
    "torch-same": ("mazur", "moons"),
}


# --- the environment ---------------------------------------------------------------------


def _pip(*args: str) -> bool:
    return subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", *args]).returncode == 0


def _venv_runs(code: str) -> bool:
    # -I and a neutral cwd: find only what is installed in the venv, not this checkout.
    probe = [str(VENV_PYTHON), "-I", "-c", code]
    return subprocess.run(probe, cwd=VENV, capture_output=True).returncode == 0


def _importable(module: str) -> bool:
    return _venv_runs(f"import {module}")


def _project_installed() -> bool:
    # Both packages, as regular packages, from this very checkout (not a stale or moved one).
    return _venv_runs(
        "import sys, autodiff, nn\n"
        f"sys.exit(not all(str(m.__file__).startswith({str(REPO)!r}) for m in (autodiff, nn)))"
    )


def ensure_venv(with_torch: bool) -> None:
    """Create benchmarks/.venv and install what is missing from it."""
    if not VENV_PYTHON.exists():
        print(f"creating {VENV} ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    if not _project_installed():
        if not _pip("-e", str(REPO)):
            sys.exit(f"error: could not install this project into {VENV} (pip install -e {REPO})")
    if not _importable("micrograd") and not _pip("micrograd==0.1.0"):
        sys.exit(f"error: could not install micrograd into {VENV}")
    if with_torch and not _importable("torch") and not TORCH_FAILED.exists():
        if not _pip(TORCH_REQUIREMENT):
            TORCH_FAILED.write_text(f"pip install {TORCH_REQUIREMENT} failed\n")
            print(
                f"note: {TORCH_REQUIREMENT} could not be installed; its rows say "
                f"'not installed' (delete {TORCH_FAILED} to try again)",
                file=sys.stderr,
            )


def reexec_in_venv(args: argparse.Namespace) -> None:
    """Run this script again with the venv's Python, unless that is what is running."""
    if os.environ.get(IN_VENV_FLAG) or Path(sys.prefix).resolve() == VENV.resolve():
        return
    ensure_venv(with_torch=not args.no_torch)
    os.environ[IN_VENV_FLAG] = "1"
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


# --- running -----------------------------------------------------------------------------


@dataclass
class Row:
    """One implementation on one workload, and what was measured."""

    workload: str
    impl: str
    fn: object = None
    peer: object = None  # the module fn comes from: count_nodes(), MEMORY_TRACED
    status: str = ""  # set when there is no time to report: "not installed", "RecursionError"
    value: float | None = None
    times: list[float] = field(default_factory=list)
    gc_times: list[float] = field(default_factory=list)
    nodes: int | None = None  # nodes in one graph (one training step's, or the chain's)
    graphs: int = 1
    peak: int | None = None
    peak_of_setup: bool = False  # the memory run recorded and compiled only (peers' MEMORY)
    setups: list[float] = field(default_factory=list)  # recording + compiling, per timed run
    compilings: list[float] = field(default_factory=list)  # compile_graph alone, per timed run

    @property
    def time(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def notes(self) -> list[str]:
        """For a compiled row: the share of time/run spent compiling, the time per step."""
        notes = []
        if self.setups and self.times:
            setup = statistics.median(self.setups)
            step = statistics.median(t - s for t, s in zip(self.times, self.setups)) / self.graphs
            compiling = ""
            if self.compilings and self.nodes:
                c = statistics.median(self.compilings)
                compiling = (f", of which compile_graph {_seconds(c)} "
                             f"({c / self.nodes * 1e6:.1f} µs per node)")
            notes.append(
                f"{self.workload} / {self.impl}: time/run includes building the model, recording "
                f"and compiling the graph once, {_seconds(setup)} ({100 * setup / self.time:.0f}%)"
                f"{compiling}; after that, {_seconds(step)} per step ({self.graphs:,} steps)"
            )
        if self.peak_of_setup and self.peak is not None:
            notes.append(
                f"{self.workload} / {self.impl}: {SETUP_MARK} peak MB covers recording and "
                "compiling only; tracemalloc makes a function this long too slow to run"
            )
        return notes


def load_rows(workloads: list[str], impls: list[str], no_torch: bool) -> list[Row]:
    """One Row per (workload, implementation) wanted, with its function or why there is none."""
    found: dict[str, object] = {}
    missing: dict[str, str] = {}
    for name, names in PEERS.items():
        if name == "peers.torch_impl" and no_torch:
            missing["torch"] = "skipped (--no-torch)"
            continue
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            root = (error.name or "").split(".")[0]
            why = "not installed" if root in ("torch", "micrograd") else f"import failed: {error}"
            missing.update(dict.fromkeys(names, why))
            continue
        found.update(dict.fromkeys(module.RUNS, module))
    rows = []
    for workload in workloads:
        for impl in impls:
            if impl in found and workload in found[impl].RUNS[impl]:
                peer = found[impl]
                rows.append(Row(workload, impl, peer.RUNS[impl][workload], peer))
            elif impl in missing and workload in PARTIAL.get(impl, (workload,)):
                rows.append(Row(workload, impl, status=missing[impl]))
    return rows


def run_workload(rows: list[Row], spec: object, expected: float, repeats: int) -> None:
    """Time every row round-robin (so drift on a busy machine hits all alike), then memory."""
    from harness import peak_memory, timed_run
    from workloads import check

    for r in range(repeats):
        for row in rows:
            if row.status:
                continue
            try:
                outcome, seconds, in_gc = timed_run(lambda row=row: row.fn(spec))
            except RecursionError:
                row.status = "RecursionError"
                continue
            check(f"{row.impl} on {row.workload}", outcome.value, expected, spec)
            row.value, row.graphs = outcome.value, outcome.graphs
            row.times.append(seconds)
            row.gc_times.append(in_gc)
            if outcome.setup is not None:
                row.setups.append(outcome.setup)
            if outcome.compiling is not None:
                row.compilings.append(outcome.compiling)
            if row.nodes is None and outcome.root is not None:
                row.nodes = row.peer.count_nodes(outcome.root)
            del outcome  # drop the graph before the next run
            print(
                f"  {row.workload}/{row.impl} run {r + 1}/{repeats}: {seconds:.3f} s",
                file=sys.stderr,
            )
    for row in rows:
        if not row.status and getattr(row.peer, "MEMORY_TRACED", True):
            fn = getattr(row.peer, "MEMORY", {}).get(row.impl, {}).get(row.workload)
            row.peak_of_setup = fn is not None
            row.peak = peak_memory(lambda fn=fn or row.fn: fn(spec))
            print(
                f"  {row.workload}/{row.impl} peak memory: {row.peak / 1e6:.1f} MB", file=sys.stderr
            )


# --- reporting ---------------------------------------------------------------------------

SETUP_MARK = "†"  # by a peak that covers recording and compiling only

HEADER = (
    "workload",
    "implementation",
    "code",
    "result",
    "time/run",
    "nodes/graph",
    "nodes/s",
    "peak MB",
    "B/node",
    "GC %",
    "micrograd÷ours",
    "ours÷hand",
)


def _seconds(s: float | None) -> str:
    if s is None:
        return "—"
    if s < 0.001:
        return f"{s * 1e6:.1f} µs"
    return f"{s:.3f} s" if s >= 1 else f"{s * 1e3:.1f} ms"


def break_even_notes(rows: list[Row]) -> list[str]:
    """For each compiled row: after how many steps it is as fast as PyTorch's own row of the
    same workload, in this run (PyTorch has no set-up to pay; a compiled row pays it once)."""
    notes = []
    torch_rows = {r.workload: r for r in rows if r.impl == "torch" and r.time is not None}
    for r in rows:
        peer = torch_rows.get(r.workload)
        if not r.setups or not r.times or peer is None:
            continue
        setup = statistics.median(r.setups)
        step = statistics.median(t - s for t, s in zip(r.times, r.setups)) / r.graphs
        torch_step = peer.time / peer.graphs
        if torch_step <= step:
            notes.append(f"{r.workload} / {r.impl}: a step costs more than PyTorch's "
                         f"({_seconds(step)} against {_seconds(torch_step)}): never even")
            continue
        even = setup / (torch_step - step)
        notes.append(
            f"{r.workload} / {r.impl}: {r.time / peer.time:.2f}× PyTorch's time at "
            f"{r.graphs:,} steps; a step is {torch_step / step:.1f}× faster than PyTorch's "
            f"({_seconds(step)} against {_seconds(torch_step)}), so it breaks even after "
            f"{even:.0f} steps"
        )
    return notes


def table(rows: list[Row]) -> list[tuple[str, ...]]:
    """The table's cells, one tuple of strings per row."""
    times = {(r.workload, r.impl): r.time for r in rows}
    cells = []
    for r in rows:
        t = r.time
        ratio_mg = ratio_hand = "—"
        if r.impl.startswith("ours") and t:
            # Against micrograd running the same kind of code: the shared code for "-same".
            peer = "micrograd-same" if CODE[r.impl] == "same" else "micrograd"
            mg, hand = times.get((r.workload, peer)), times.get((r.workload, "handwritten"))
            ratio_mg = f"{mg / t:.2f}×" if mg else "—"
            ratio_hand = f"{t / hand:.1f}×" if hand else "—"
        nodes = r.nodes
        cells.append(
            (
                r.workload,
                r.impl,
                CODE[r.impl],
                r.status or f"{r.value:.10g}",
                _seconds(t),
                f"{nodes:,}" if nodes else "—",
                f"{nodes * r.graphs / t:,.0f}" if nodes and t else "—",
                f"{r.peak / 1e6:.2f}{SETUP_MARK if r.peak_of_setup else ''}"
                if r.peak is not None
                else ("n/a" if r.times else "—"),
                f"{r.peak / nodes:,.0f}" if r.peak is not None and nodes else "—",
                f"{100 * sum(r.gc_times) / sum(r.times):.1f}" if r.times else "—",
                ratio_mg,
                ratio_hand,
            )
        )
    return cells


def plain(cells: list[tuple[str, ...]]) -> str:
    """Fixed-width text for the terminal."""
    widths = [max(len(c[i]) for c in [HEADER, *cells]) for i in range(len(HEADER))]
    fmt = lambda row: "  ".join(
        c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
    )
    return "\n".join([fmt(HEADER), "  ".join("-" * w for w in widths), *map(fmt, cells)])


def plain_cells(header: tuple[str, ...], cells: list[tuple[str, ...]]) -> str:
    """Any table as fixed-width text: text columns left, numbers right."""
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    fmt = lambda row: "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                                for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, cells)])


def seed_markdown(cells: list[tuple[str, ...]]) -> str:
    """results.md's section on the seeds' programs."""
    if not cells:
        return ""
    from seeds import SEED_HEADER

    lines = ["## The seeds' programs", "",
             "Each seed's own program (examples/seeds/, as its post writes it) against ours with "
             "this project's API: eager (a graph built every step) and compiled (the graph "
             "recorded once and compiled; recording and compiling are inside the time). The "
             "same steps from the same start; ours are checked to reach the seed's weights "
             "(1e-9) before the times are kept. Ratios: ours ÷ the seed's (below 1: ours is "
             "faster).", "",
             "| " + " | ".join(SEED_HEADER) + " |", "|" + "---|" * len(SEED_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join([*lines, ""])


def markdown(cells: list[tuple[str, ...]], about: list[str], notes: list[str]) -> str:
    """results.md: what ran where, then the table and the notes on its compiled rows."""
    from workloads import WORKLOADS

    lines = ["# Benchmark results", "", *(f"- {line}" for line in about), ""]
    lines += [f"- `{name}`: {text}" for name, text in WORKLOADS.items()]
    lines += ["", "- code `same`: every engine runs benchmarks/same_code.py, the same expressions "
              "node for node (no `linear` node; sigmoid as 1 / (1 + exp(-x))); `own`: each "
              "library's own way to write the model (ours: `nn`, with one `linear` node per "
              "neuron; micrograd: `micrograd.nn.MLP`; PyTorch: tensors; or by hand). "
              "micrograd÷ours compares rows of the same code."]
    lines += ["", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    lines += ["", "See README.md in this folder for how to read each column.", ""]
    return "\n".join(lines)


def environment(repeats: int) -> list[str]:
    """Date, Python, machine and versions, for the record."""
    versions = []
    for name in ("numpy", "micrograd", "torch"):
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    return [
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        ", ".join(versions),
        f"median of {repeats} runs per row; peak memory from one more run under tracemalloc; "
        "one thread each (torch and BLAS limited to 1)",
    ]


# --- entry point -------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    from_here = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from_here.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    from_here.add_argument("--quick", action="store_true", help="1 run per row instead of 3")
    from_here.add_argument("--repeats", type=int, default=3, metavar="N", help="runs per row")
    from_here.add_argument(
        "--only",
        metavar="NAME[,NAME...]",
        help="workloads (mazur, moons, chain, seeds) and/or implementations "
        f"({', '.join(IMPLEMENTATIONS)}) to run; "
        "results.md is left as it is",
    )
    return from_here.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark: 0 on success, 1 if an implementation got a wrong answer, 2 bad usage."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.repeats < 1:
        print(f"error: --repeats must be at least 1, got {args.repeats}", file=sys.stderr)
        return 2
    reexec_in_venv(args)
    # One thread everywhere: the engines compared are single-threaded, and on a busy machine
    # a BLAS or OpenMP pool waiting for its second core costs more than it gains.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    # From here on this is the venv's Python, with NumPy and the peers installed.
    import workloads as w
    from peers import handwritten

    names = set(args.only.split(",")) if args.only else set()
    groups = {*w.WORKLOADS, SEEDS_GROUP}
    unknown = names - groups - set(IMPLEMENTATIONS)
    if unknown:
        print(
            f"error: --only: unknown name(s) {', '.join(sorted(unknown))}; choose from "
            f"{', '.join([*w.WORKLOADS, SEEDS_GROUP, *IMPLEMENTATIONS])}",
            file=sys.stderr,
        )
        return 2

    workloads = [n for n in w.WORKLOADS if not names & groups or n in names]
    run_seed_group = SEEDS_GROUP in names or not names & groups
    impls = [n for n in IMPLEMENTATIONS if not names & set(IMPLEMENTATIONS) or n in names]
    specs = {"mazur": w.Mazur(), "moons": w.Moons.make(), "chain": w.Chain()}
    expected = {
        "mazur": specs["mazur"].expected,
        "moons": handwritten.moons(specs["moons"]).value,  # no closed form: NumPy by hand
        "chain": specs["chain"].expected,
    }
    repeats = 1 if args.quick else args.repeats
    rows = load_rows(workloads, impls, args.no_torch)
    # The libraries just imported (torch above all) leave ~10^5 long-lived objects that every
    # full collection would walk again; freeze them so each run pays only for its own objects.
    gc.collect()
    gc.freeze()
    for workload in workloads:
        print(f"{w.WORKLOADS[workload]}", file=sys.stderr)
        chosen = [r for r in rows if r.workload == workload]
        try:
            run_workload(chosen, specs[workload], expected[workload], repeats)
        except w.WrongResult as error:
            print(f"error: {error}", file=sys.stderr)
            return 1

    seed_cells = []
    if run_seed_group:
        from harness import timed_run
        from seeds import run_seeds, seed_table

        print("the seeds' programs (examples/seeds/)", file=sys.stderr)
        try:
            seed_rows = run_seeds(repeats, timed_run, log=lambda s: print(s, file=sys.stderr))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        seed_cells = seed_table(seed_rows, _seconds)

    cells = table(rows)
    notes = [note for r in rows for note in r.notes()] + break_even_notes(rows)
    about = environment(repeats)
    print("\n".join(about))
    if cells:
        print(plain(cells))
    if notes:
        print("\n".join(notes))
    if seed_cells:
        print("\nThe seeds' programs: each seed's own program, ours eager, ours compiled "
              "(recording and compiling included)")
        from seeds import SEED_HEADER

        print(plain_cells(SEED_HEADER, seed_cells))
    if not names:
        text = markdown(cells, about, notes) + seed_markdown(seed_cells)
        (HERE / "results.md").write_text(text, encoding="utf-8")
        print(f"written: {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
