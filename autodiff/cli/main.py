"""The `autodiff` command: trace, draw, train, compile. Thin: parse, call the library, print.

Bad usage or bad input ends with one line on stderr and exit status 2, never a traceback;
any other exception is a bug and is left to show itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import graphviz

from ..compile import compile_graph
from ..engine.numbers import format_number
from ..see.draw import draw_graph
from ..see.page import GRAPHVIZ_HINT, page_html
from ..see.trace import trace
from .formula import FormulaError, build_graph, parse_assignments, source_for_formula

__all__ = ["main"]

_DRAW_SUFFIXES = (".svg", ".png", ".dot")


class _UsageError(Exception):
    """Bad usage or bad input: main() prints it as one line and returns 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) and no SystemExit."""

    def error(self, message: str):
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit status."""
    parser = _build_parser()
    try:
        args = parser.parse_args(_formula_first(list(sys.argv[1:] if argv is None else argv)))
        if args.command is None:
            raise _UsageError(
                "autodiff: choose a command: trace, draw, train or compile (see autodiff --help)"
            )
        return args.run(args)
    except _UsageError as error:
        print(" ".join(str(error).split()), file=sys.stderr)  # one line, whatever it holds
        return 2
    except SystemExit as done:  # --help and --version end here
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:
        print("autodiff: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`autodiff compile | head`): stop quietly, and
        # point stdout at nothing so the interpreter's final flush does not complain either.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1


_OPTIONS_WITH_VALUE = {"--at", "-o", "--output", "--page"}
_FLAGS = {"-h", "--help"}


def _formula_first(argv: list[str]) -> list[str]:
    """Let a formula start with a minus: `autodiff draw "-x**2" --at x=1`.

    argparse would take "-x**2" for an option; a leading space keeps it a formula (the parser
    ignores spaces), so a user need not know about `--`.
    """
    if not argv or argv[0] not in ("draw", "compile"):
        return argv
    fixed = argv[:1]
    expects_value = False
    for arg in argv[1:]:
        if arg == "--":  # everything after it is positional already
            return fixed + argv[len(fixed):]
        if expects_value:
            expects_value = False
        elif arg in _OPTIONS_WITH_VALUE:
            expects_value = True
        elif arg.startswith("-") and arg not in _FLAGS and not arg.startswith("--") \
                and arg.split("=")[0] not in _OPTIONS_WITH_VALUE and not arg.startswith("-o"):
            arg = " " + arg
        fixed.append(arg)
    return fixed


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="autodiff",
        description="See, check and step through backpropagation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    trace = commands.add_parser(
        "trace", help="the hand-worked 2-2-2 example, every number of one training step",
        description="Forward pass, every gradient by the chain rule, one SGD step (lr 0.5, "
        "weights only) and the error after it, for the textbook 2-2-2 network.",
    )
    trace.add_argument("--out", metavar="DIR",
                       help="also write DIR/graph.svg and DIR/trace.html (step-through page)")
    trace.add_argument("--highlight", metavar="LABEL",
                       help="outline the chain-rule paths of LABEL's gradient in graph.svg")
    trace.set_defaults(run=_run_trace)

    draw = commands.add_parser(
        "draw", help="a formula's gradients, and its graph drawn to a file",
        description="Evaluate a formula (numbers, names, + - * / **, parentheses, exp log tanh "
        "sigmoid relu sqrt abs) at a point, print each name's gradient, draw the graph.",
    )
    draw.add_argument("expr", metavar="EXPR", help='the formula, e.g. "x*y + exp(x)"')
    draw.add_argument("--at", metavar="NAME=NUMBER,...", action="append", default=[],
                      help="the point, e.g. x=1.5,y=-2 (may be given more than once)")
    draw.add_argument("-o", "--output", metavar="FILE",
                      help="where to draw the graph: .svg, .png or .dot")
    draw.add_argument("--page", metavar="FILE",
                      help="also write the step-through page (one self-contained .html)")
    draw.set_defaults(run=_run_draw)

    train = commands.add_parser(
        "train", help="train a small network on a demo task, with a progress bar",
        description="Train an MLP on xor or two moons; print the final loss and accuracy.",
    )
    train.add_argument("task", choices=("xor", "moons"))
    train.add_argument("--epochs", type=int, metavar="N")
    train.add_argument("--lr", type=float, metavar="X")
    train.add_argument("--seed", type=int, metavar="S")
    train.add_argument("--plot", metavar="FILE", help="a PNG: loss curve and decision boundary")
    train.set_defaults(run=_run_train)

    compile_ = commands.add_parser(
        "compile", help="print the generated Python of a graph's forward and backward pass",
        description="Without EXPR: the hand-worked 2-2-2 example, inputs w1..w8.",
    )
    compile_.add_argument("expr", metavar="EXPR", nargs="?")
    compile_.add_argument("--at", metavar="NAME=NUMBER,...", action="append")
    compile_.set_defaults(run=_run_compile)
    return parser


def _failing(kinds: tuple[type[BaseException], ...], prefix: str) -> Callable:
    """Turn the expected errors of a command into a one-line usage error."""

    def wrap(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        def guarded(args: argparse.Namespace) -> int:
            try:
                return run(args)
            except kinds as error:
                raise _UsageError(f"{prefix}: {error}") from None

        return guarded

    return wrap


# --- trace ----------------------------------------------------------------------------------


@_failing((OSError,), "autodiff trace")
def _run_trace(args: argparse.Namespace) -> int:
    from nn import SGD
    from nn.examples import mazur


    example = mazur()
    loss = example.loss()
    tr = trace(loss)
    if args.highlight is not None:
        try:
            tr.node(args.highlight)
        except KeyError as error:
            raise _UsageError(f"autodiff trace: --highlight: {error.args[0]}") from None

    targets = ", ".join(format_number(t) for t in example.target)
    inputs = ", ".join(format_number(x) for x in example.x)
    print(f"The hand-worked 2-2-2 network: inputs {inputs}, targets {targets}")
    print("\nGiven")
    params = [*example.weights(), *example.biases()]
    given = [n for n in tr.nodes if n.label and not n.inputs and n not in set(params)] + params
    _print_values([(n.label, tr.forward[tr.index(n)].value) for n in given])
    print("\nForward pass")
    _print_values([(s.node.label, s.value) for s in tr.forward if s.node.label and s.inputs])

    print(f"\nBackward pass: every gradient of {tr.name(loss)}, by the chain rule")
    for node in _gradient_order(tr, example):
        for line in tr.explain(node).lines():
            print("  " + line)

    written = []
    if args.out is not None:
        written = _write_trace_files(tr, example, Path(args.out), args.highlight)

    before = loss.data
    weights = example.weights()
    SGD(weights, lr=0.5).step()
    print("\nAfter one SGD step (lr 0.5; the biases stay as they are, as in the textbook)")
    _print_values([(w.label, w.data) for w in weights])
    after = example.loss().data
    print(f"  {tr.name(loss)} = {format_number(after)} (was {format_number(before)})")
    print("  (the textbook prints 0.291027924 here, from an older version of its update; its own"
          " updated weights give 0.29102777)")
    if written:
        print("\nWrote " + " and ".join(map(str, written)))
    return 0


def _print_values(pairs: list[tuple[str, object]]) -> None:

    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        print(f"  {name.ljust(width)} = {format_number(value)}")


def _gradient_order(tr, example) -> list:
    """Computed nodes nearest the root first (as the textbook goes), then w1..w8, b, inputs."""
    depth = {tr.root: 0}
    for node in reversed(tr.nodes):  # users before their inputs
        for child in node.inputs:
            depth[child] = max(depth.get(child, 0), depth[node] + 1)
    computed = [n for n in tr.nodes if n.label and n.inputs and n is not tr.root]
    computed.sort(key=lambda n: (depth[n], tr.index(n)))
    params = [*example.weights(), *example.biases()]
    inputs = [n for n in tr.nodes if n.label and not n.inputs and n not in set(params)]
    return computed + params + inputs


def _write_trace_files(tr, example, out: Path, highlight: str | None) -> list[Path]:

    out.mkdir(parents=True, exist_ok=True)
    lit = tr.explain(highlight) if highlight else ()
    title = "The hand-worked 2-2-2 network: E_total and its gradients"
    dot = draw_graph(tr.root, highlight=lit, title=title)
    written = _render(dot, out / "graph.svg")
    page = out / "trace.html"
    page.write_text(page_html(tr, highlight=lit,
                              title="Backpropagation through the 2-2-2 network, step by step"),
                    encoding="utf-8")
    return [written, page]


def _render(dot, path: Path) -> Path:
    """Write the drawing at `path` by its suffix; without Graphviz, the .dot and a hint."""

    if path.suffix == ".dot":
        path.write_text(dot.source, encoding="utf-8")
        return path
    try:
        picture = dot.pipe(format=path.suffix[1:])
    except graphviz.ExecutableNotFound:
        fallback = path.with_suffix(".dot")
        fallback.write_text(dot.source, encoding="utf-8")
        print(f"note: {GRAPHVIZ_HINT}; then: dot -T{path.suffix[1:]} {fallback} -o {path}",
              file=sys.stderr)
        return fallback
    path.write_bytes(picture)
    return path


# --- draw -------------------------------------------------------------------------------------


def _run_draw(args: argparse.Namespace) -> int:

    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in _DRAW_SUFFIXES:
        raise _UsageError(
            f"autodiff draw: -o {args.output}: the file must end in .svg, .png or .dot"
        )
    try:
        root, leaves = build_graph(args.expr, parse_assignments(",".join(args.at)))
        root.label = "f" if "f" not in leaves else "out"
        root.backward()
    except FormulaError as error:
        raise _UsageError(f"autodiff draw: {error}") from None
    except (ArithmeticError, ValueError) as error:
        # The engine's own errors (a derivative that is not finite at this point, ...).
        raise _UsageError(f"autodiff draw: {error}") from None

    name = root.label
    print(f"{name} = {args.expr.strip()} = {format_number(root.data)}")
    for leaf_name, leaf in leaves.items():
        print(f"d{name}/d{leaf_name} = {format_number(leaf.grad)}")
    if output is not None:

        dot = draw_graph(root, title=f"{name} = {args.expr.strip()}")
        try:
            written = _render(dot, output.with_suffix(output.suffix.lower()))
        except OSError as error:
            raise _UsageError(f"autodiff draw: cannot write {output}: {error}") from None
        print(f"Wrote {written}")
    if args.page is not None:
        try:
            written = trace(root).page(title=f"{name} = {args.expr.strip()}").save(args.page)
        except OSError as error:
            raise _UsageError(f"autodiff draw: cannot write {args.page}: {error}") from None
        print(f"Wrote {written}")
    return 0


# --- train and compile ------------------------------------------------------------------------


@_failing((ValueError, OSError, ImportError), "autodiff train")
def _run_train(args: argparse.Namespace) -> int:
    from nn.tasks import run_task

    options = {key: getattr(args, key) for key in ("epochs", "lr", "seed", "plot")
               if getattr(args, key) is not None}
    run_task(args.task, **options)
    return 0


def _run_compile(args: argparse.Namespace) -> int:

    if args.expr is None:
        if args.at is not None:
            raise _UsageError(
                "autodiff compile: --at needs EXPR (without EXPR: the 2-2-2 example)"
            )
        from nn import examples  # only the command line reaches into nn

        example = examples.mazur()
        print(compile_graph(example.loss(), example.weights()).source)
        return 0
    try:
        print(source_for_formula(args.expr, parse_assignments(",".join(args.at or []))))
    except (FormulaError, ValueError, ArithmeticError) as error:
        raise _UsageError(f"autodiff compile: {error}") from None
    return 0
