"""Regenerate the README's pictures: the traced 2-2-2 graph and the two-moons decision boundary.

    python docs/make_figures.py [--out DIR]

writes `mazur_graph.svg` and `mazur_graph.png` (the hand-worked 2-2-2 network after its backward
pass, with the chain-rule path of dE_total/dw5 outlined) and `moons.png` (what
`autodiff train moons --plot` draws: the loss curves and the decision boundary). DIR defaults to
this folder. Needs Graphviz's `dot` program and matplotlib.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import graphviz

from autodiff import draw_graph, trace
from nn.examples import mazur
from nn.tasks import run_task

DOCS = Path(__file__).resolve().parent
PNG_DPI = "144"  # 1.5 × Graphviz's default, so the PNG stays sharp when a page scales it


def mazur_graph(out_dir: Path) -> list[Path]:
    """Draw the traced 2-2-2 network with the path of dE_total/dw5 outlined, as SVG and PNG."""
    example = mazur()
    tr = trace(example.loss())
    dot = draw_graph(
        tr.root,
        rankdir="TB",  # top to bottom: about as wide as tall, so it reads when scaled down
        highlight=tr.explain("w5"),
        title="The hand-worked 2-2-2 network after one backward pass: dE_total/dw5 in purple",
    )
    svg = out_dir / "mazur_graph.svg"
    svg.write_bytes(dot.pipe(format="svg"))
    png = out_dir / "mazur_graph.png"
    sharp = dot.copy()
    sharp.attr(dpi=PNG_DPI)
    png.write_bytes(sharp.pipe(format="png"))
    return [svg, png]


def moons_plot(out_dir: Path) -> Path:
    """Train the two-moons demo as `autodiff train moons` does and save its picture."""
    path = out_dir / "moons.png"
    run_task("moons", plot=str(path))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Write every figure; return the exit status."""
    parser = argparse.ArgumentParser(description="Regenerate the README's figures.")
    parser.add_argument("--out", type=Path, default=DOCS,
                        help=f"where to write them (default: {DOCS.name}/ beside this script)")
    args = parser.parse_args(argv)
    if not args.out.is_dir():
        print(f"make_figures: --out {args.out}: no such directory", file=sys.stderr)
        return 2
    try:
        for path in mazur_graph(args.out):
            print(f"wrote {path}")
    except graphviz.ExecutableNotFound:
        print("make_figures: Graphviz's `dot` program was not found; install Graphviz "
              "(apt install graphviz, brew install graphviz)", file=sys.stderr)
        return 1
    moons_plot(args.out)  # run_task reports the training and the file it wrote
    return 0


if __name__ == "__main__":
    sys.exit(main())
