"""Regenerate the README's pictures: the traced 2-2-2 graph and the two-moons decision boundary.

    python docs/make_figures.py [--out DIR]

writes `mazur_graph.svg` and `mazur_graph.png` (the hand-worked 2-2-2 network after its backward
pass, with the chain-rule path of dE_total/dw5 outlined), `page_mlp.png` (the step-through page
of an MLP on two-moons points, mid-way through the backward pass, one weight's chain rule open),
`practise.png` (practise mode on the 2-2-2 network, a slip named) and `moons.png` (what
`autodiff train moons --plot` draws: the loss curves and the decision boundary). DIR defaults
to this folder. Needs Graphviz's `dot` program, matplotlib, and for the page Chromium with
Playwright (the `[dev]` extra).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import graphviz

from autodiff import draw_graph, trace
from nn import MLP, datasets, losses
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


def page_screenshot(out_dir: Path) -> Path | None:
    """The step-through page of an MLP 2-8-8-1 on eight two-moons points, as a reader sees it
    at 1280 px: the open neuron of the current step, and one weight's chain rule."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("make_figures: Chromium not found; page_mlp.png not made", file=sys.stderr)
        return None
    from playwright.sync_api import sync_playwright

    X, y = datasets.make_moons(8, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], activation="tanh", seed=3)
    loss = losses.binary_cross_entropy(model([X[:, 0], X[:, 1]]), y)
    loss.label = "loss"
    page_file = out_dir / "page_mlp.html"
    trace(loss).page(model=model, title="MLP 2-8-8-1 on eight two-moons points").save(page_file)
    path = out_dir / "page_mlp.png"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(page_file.resolve().as_uri())
            page.locator("#grads tr[data-name='h2_3.w2']").click()
            page.locator("#slider").fill("70")
            page.screenshot(path=str(path))
            browser.close()
    finally:
        page_file.unlink()
    return path


def practise_screenshot(out_dir: Path) -> Path | None:
    """Practise mode on the 2-2-2 network at 1600 px: at net_o1's step the learner typed
    dE/dout_o1, leaving out σ′, and the page names the slip."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("make_figures: Chromium not found; practise.png not made", file=sys.stderr)
        return None
    from playwright.sync_api import sync_playwright

    example = mazur()
    page_file = out_dir / "practise.html"
    params = [*example.weights(), *example.biases()]
    trace(example.loss()).page(params=params, lr=0.5).save(page_file)
    path = out_dir / "practise.png"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(page_file.resolve().as_uri())
            page.click("#predict")
            page.click("#last")
            last = int(page.locator("#slider").get_attribute("max"))
            for k in range(last, 0, -1):  # back to net_o1's backward step
                page.locator("#slider").fill(str(k))
                if page.locator("#step-title").text_content().endswith(": net_o1"):
                    break
            page.locator("input#guess").fill("0.74136507")
            page.locator("input#guess").press("Enter")
            page.screenshot(path=str(path))
            browser.close()
    finally:
        page_file.unlink()
    return path


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
    for shot in (page_screenshot(args.out), practise_screenshot(args.out)):
        if shot is not None:
            print(f"wrote {shot}")
    moons_plot(args.out)  # run_task reports the training and the file it wrote
    return 0


if __name__ == "__main__":
    sys.exit(main())
