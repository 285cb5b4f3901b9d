"""The seeds' programs: each seed's own NumPy (or float) program beside ours, eager and compiled.

examples/seeds/ holds each seed's program as its post writes it and ours with this project's
API. Here each runs whole (the same steps, the same start): the seed's program, ours eager
(the graph built every step), ours compiled (recording and compiling included, once per run).
The answers are checked against each other before any time is kept: ours (both) must equal
the seed's weights to 1e-9 (seed 004: the seed's program with its slips mended; its own, with
the slips, is what is timed: they change its numbers, not its work).
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "seeds"))

import seed000_xor as s000  # noqa: E402
import seed001_moons_logistic as s001  # noqa: E402
import seed002_two_layer_conv_adam as s002  # noqa: E402
import seed003_tanh_mse as s003  # noqa: E402
import seed004_mazur_floats as s004  # noqa: E402

__all__ = ["SEEDS", "SeedRow", "run_seeds", "seed_table"]

KINDS = ("seed", "ours", "ours-compiled")


@dataclass
class SeedRow:
    """One seed: what it trains, its three programs, the reference answer, the times."""

    name: str
    what: str
    steps: str
    programs: dict[str, Callable[[], object]]
    answer: Callable[[object], list]  # a program's result -> its final weights
    reference: Callable[[], list]  # the weights ours must reach
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def median(self, kind: str) -> float:
        return statistics.median(self.times[kind])


def _weights(result) -> list:
    return result["weights"]


def _seeds() -> list[SeedRow]:
    w000, w003, p002 = s000.start_weights(), s003.start_weights(), s002.start_params()
    data001, (W001, B001) = s001.moons_data(), s001.start_weights()
    return [
        SeedRow("000", "XOR 2-3-2, tanh, softmax, summed cross-entropy, SGD", "10,000 steps",
                {"seed": lambda: s000.seed_numbers(w000), "ours": lambda: s000.ours(w000),
                 "ours-compiled": lambda: s000.ours_compiled(w000)},
                _weights, lambda: s000.seed_numbers(w000)["weights"]),
        SeedRow("001", "two moons (1,200 to train, 800 to test), one sigmoid neuron, "
                "both losses every epoch", "1,000 epochs",
                {"seed": lambda: s001.seed_program(data001, W001, B001),
                 "ours": lambda: s001.ours(data001, W001, B001),
                 "ours-compiled": lambda: s001.ours_compiled(data001, W001, B001)},
                _weights, lambda: s001.seed_program(data001, W001, B001)["weights"]),
        SeedRow("002", "two-layer ReLU net 2-16-2 on 200 moons, softmax + L2 on the weights",
                "1,000 steps",
                {"seed": lambda: s002.seed_program(p002), "ours": lambda: s002.ours(p002),
                 "ours-compiled": lambda: s002.ours_compiled(p002)},
                _weights, lambda: s002.seed_program(p002)["weights"]),
        SeedRow("003", "tanh MLP 1-8-1 on sin(x), 64 points, MSE", "1,000 epochs",
                {"seed": lambda: s003.seed_numbers(w003), "ours": lambda: s003.ours(w003),
                 "ours-compiled": lambda: s003.ours_compiled(w003)},
                _weights, lambda: s003.seed_numbers(w003)["weights"]),
        SeedRow("004", "the 2-2-2 sigmoid network in plain floats (its prints silenced)",
                "10,000 steps",
                {"seed": s004.silent_seed_program, "ours": s004.ours,
                 "ours-compiled": s004.ours_compiled},
                _weights, lambda: s004.mended()["weights"]),
    ]


SEEDS = _seeds


def _check(row: SeedRow, kind: str, result: object, reference: list) -> None:
    got = row.answer(result)
    for a, b in zip(got, reference):
        if not np.allclose(np.asarray(a, float).ravel(), np.asarray(b, float).ravel(),
                           rtol=0, atol=1e-9):
            raise ValueError(f"seed {row.name} / {kind}: the weights differ from the seed's; "
                             "the programs do not compute the same thing")


def run_seeds(repeats: int, timed_run: Callable, log=print) -> list[SeedRow]:
    """Each seed's three programs, round-robin per repeat; ours checked against the seed's."""
    rows = _seeds()
    references = {row.name: row.reference() for row in rows}
    for r in range(repeats):
        for row in rows:
            for kind in KINDS:
                result, seconds, _ = timed_run(row.programs[kind])
                if kind != "seed":
                    _check(row, kind, result, references[row.name])
                row.times[kind].append(seconds)
                log(f"  seed {row.name}/{kind} run {r + 1}/{repeats}: {seconds:.3f} s")
    return rows


SEED_HEADER = ("seed", "what", "steps", "seed's program", "ours", "ours compiled",
               "ours ÷ seed", "compiled ÷ seed")


def seed_table(rows: list[SeedRow], seconds: Callable[[float], str]) -> list[tuple[str, ...]]:
    """One row of cells per seed: the three times and the two ratios."""
    cells = []
    for row in rows:
        seed, eager, compiled = (row.median(k) for k in KINDS)
        cells.append((row.name, row.what, row.steps, seconds(seed), seconds(eager),
                      seconds(compiled), f"{eager / seed:.2f}×", f"{compiled / seed:.2f}×"))
    return cells
