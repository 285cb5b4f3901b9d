"""The `autodiff` command: trace, draw, train, compile, check. Thin: parse, call the library, print.

Bad usage or bad input ends with one line on stderr and exit status 2, never a traceback;
any other exception is a bug and is left to show itself.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..compile import compile_graph
from ..language import LANGUAGES, from_environment, language, say
from ..language.numbers import format_number
from ..see.draw import draw_graph
from ..see.layout import GraphTooBig, LayoutTimeout, check_size, layout_work
from ..see.trace import trace
from .demos import textbook_trace, write_drawing
from .formula import FormulaError, build_graph, parse_assignments, source_for_formula
from .parsing import Parser, UsageError, wanted_language

__all__ = ["main"]

_DRAW_SUFFIXES = (".svg", ".png", ".dot")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    restore = _terminate_as_exit()
    try:
        # --lang, else the environment's LANG/LC_ALL, read before the parser is built (its help
        # is written in it); only for this run (main() may be called again in one process, as
        # the tests do).
        with language(wanted_language(argv, from_environment())) as wanted:
            args = _build_parser().parse_args(_formula_first(argv))
        with language(getattr(args, "lang", None) or wanted):
            if args.command is None:
                raise UsageError(say("cli.choose_command"))
            status = args.run(args)
        sys.stdout.flush()  # a reader that went away shows here, not in the final flush
        return status
    except UsageError as error:
        print(readable_line(str(error)), file=sys.stderr)  # one line, whatever it holds
        return 2
    except SystemExit as done:  # --help and --version end here, and a SIGTERM
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:
        print(say("cli.interrupted"), file=sys.stderr)
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
    finally:
        restore()


def _terminate_as_exit() -> Callable[[], None]:
    """Turn SIGTERM into SystemExit while a command runs, so that what it started (Graphviz's
    `dot`) is ended on the way out; return what puts the old handler back."""
    try:
        previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    except ValueError:  # not the main thread: signals are not ours to handle
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, previous)


def _exit_on_signal(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


_WORD_LIMIT = 160  # characters of one quoted word (a formula, a label, a path)
_LINE_LIMIT = 500  # characters of a whole message


def readable_line(message: str) -> str:
    """A message as one readable line: whitespace joined, any word longer than _WORD_LIMIT
    and the line beyond _LINE_LIMIT cut in the middle, with an ellipsis."""
    words = []
    for word in message.split():
        if len(word) > _WORD_LIMIT:
            word = f"{word[:100]}…{word[-40:]}"
        words.append(word)
    line = " ".join(words)
    if len(line) > _LINE_LIMIT:
        line = f"{line[:340]} … {line[-140:]}"
    return line


# The options of the commands that take a formula, to tell them from a formula that starts
# with a minus: (options that take a value, flags).
_FORMULA_COMMANDS = {
    "draw": (("--at", "-o", "--output", "--page", "--lang"), ("-h", "--help")),
    "compile": (("--at", "--lang"), ("-h", "--help")),
}


def _formula_first(argv: list[str]) -> list[str]:
    """Let a formula start with a minus: `autodiff draw "-omega" --at omega=1`.

    argparse would read "-omega" as `-o mega`, and "-x**2" as an unknown option. Where the
    formula belongs, the first argument that is not one of the command's options is the
    formula; it moves behind a `--`, after which argparse takes it as it is. (So "-ofile.svg"
    before the formula is a formula too; `-o file.svg` is the way to write that option.)
    """
    if not argv or argv[0] not in _FORMULA_COMMANDS:
        return argv
    with_value, flags = _FORMULA_COMMANDS[argv[0]]
    index = 1
    while index < len(argv):
        arg = argv[index]
        if arg == "--" or not arg.startswith("-"):
            return argv  # argparse reads what follows as the formula already
        option = _option(arg, with_value + flags)
        if option is None:
            return [*argv[:index], *argv[index + 1:], "--", arg]
        index += 2 if option in with_value and "=" not in arg else 1
    return argv


def _option(arg: str, options: tuple[str, ...]) -> str | None:
    """The option `arg` names (argparse also takes `--opt=value` and a long option's unique
    prefix, such as `--out` for `--output`), or None."""
    name = arg.split("=", 1)[0]
    if name in options:
        return name
    if name.startswith("--") and len(name) > 2:
        matches = [option for option in options if option.startswith(name)]
        return matches[0] if len(matches) == 1 else None
    return None


def _build_parser() -> Parser:
    """The parser of every command, its help in the current language (build it inside
    `language(...)`)."""
    parser = Parser(prog="autodiff", description=say("cli.help.autodiff"))
    _add_lang(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_trace, _add_draw, _add_train, _add_compile, _add_check, _add_lab):
        add(commands)
    for command in commands.choices.values():  # every subcommand speaks both languages
        _add_lang(command)
    return parser


def _add_lang(parser: Parser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, help=say("cli.help.lang"))


def _add_trace(commands) -> None:
    """`autodiff trace`: the hand-worked example, every number of one step."""
    trace = commands.add_parser("trace", help=say("cli.help.trace"),
                                description=say("cli.help.trace_description"))
    trace.add_argument("--out", metavar="DIR", help=say("cli.help.trace_out"))
    trace.add_argument("--highlight", metavar="LABEL", help=say("cli.help.trace_highlight"))
    trace.set_defaults(run=_run_trace)


def _add_draw(commands) -> None:
    """`autodiff draw EXPR`: a formula's gradients, its graph and its page."""
    draw = commands.add_parser("draw", help=say("cli.help.draw"),
                               description=say("cli.help.draw_description"))
    draw.add_argument("expr", metavar="EXPR", help=say("cli.help.draw_expr"))
    draw.add_argument("--at", metavar="NAME=NUMBER,...", action="append", default=[],
                      help=say("cli.help.draw_at"))
    draw.add_argument("-o", "--output", metavar="FILE", help=say("cli.help.draw_output"))
    draw.add_argument("--page", metavar="FILE", help=say("cli.help.draw_page"))
    draw.set_defaults(run=_run_draw)


def _add_train(commands) -> None:
    """`autodiff train {xor,moons}`: a demo task trained with a progress bar."""
    train = commands.add_parser("train", help=say("cli.help.train"),
                                description=say("cli.help.train_description"))
    train.add_argument("task", choices=("xor", "moons"))
    train.add_argument("--epochs", type=int, metavar="N")
    train.add_argument("--lr", type=float, metavar="X")
    train.add_argument("--seed", type=int, metavar="S")
    train.add_argument("--plot", metavar="FILE", help=say("cli.help.train_plot"))
    train.set_defaults(run=_run_train)


def _add_compile(commands) -> None:
    """`autodiff compile [EXPR]`: the generated code of a graph."""
    compile_ = commands.add_parser("compile", help=say("cli.help.compile"),
                                   description=say("cli.help.compile_description"))
    compile_.add_argument("expr", metavar="EXPR", nargs="?")
    compile_.add_argument("--at", metavar="NAME=NUMBER,...", action="append")
    compile_.set_defaults(run=_run_compile)


def _add_check(commands) -> None:
    """`autodiff check FILE`: a learner's numbers for the hand-worked example."""
    check = commands.add_parser("check", help=say("cli.help.check"),
                                description=say("cli.help.check_description"))
    check.add_argument("file", metavar="FILE", help=say("cli.help.check_file"))
    check.add_argument("--lr", type=float, default=0.5, metavar="X",
                       help=say("cli.help.check_lr"))
    check.set_defaults(run=_run_check)


def _add_lab(commands) -> None:
    """`autodiff lab --out DIR`: the static site that runs the package in the browser."""
    lab = commands.add_parser("lab", help=say("cli.help.lab"),
                              description=say("cli.help.lab_description"))
    lab.add_argument("--out", metavar="DIR", required=True, help=say("cli.help.lab_out"))
    lab.add_argument("--pyodide", metavar="PATH", help=say("cli.help.lab_pyodide"))
    lab.add_argument("--viz", metavar="PATH", help=say("cli.help.lab_viz"))
    lab.set_defaults(run=_run_lab)


def _failing(kinds: tuple[type[BaseException], ...], prefix: str) -> Callable:
    """Turn the expected errors of a command into a one-line usage error."""

    def wrap(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        def guarded(args: argparse.Namespace) -> int:
            try:
                return run(args)
            except kinds as error:
                raise UsageError(f"{prefix}: {error}") from None

        return guarded

    return wrap


# --- trace ----------------------------------------------------------------------------------


@_failing((ValueError,), "autodiff trace")
def _run_trace(args: argparse.Namespace) -> int:
    if args.out is not None and not args.out.strip():
        raise UsageError(say("cli.trace_out_empty"))
    if args.highlight is not None and not args.highlight.strip():
        raise UsageError(say("cli.trace_highlight_empty"))
    try:
        textbook_trace(None if args.out is None else Path(args.out), args.highlight)
    except BrokenPipeError:
        raise  # the reader of our output went away (`| head`): main() ends quietly
    except OSError as error:
        raise UsageError(say("cli.trace_cannot_write", out=args.out, error=error)) from None
    return 0


# --- draw -------------------------------------------------------------------------------------


def _run_draw(args: argparse.Namespace) -> int:
    if args.output is not None and not args.output.strip():
        raise UsageError(
            "autodiff draw: -o needs a file name ending in .svg, .png or .dot, e.g. -o graph.svg"
        )
    output = None if args.output is None else Path(args.output)
    if output is not None and output.suffix.lower() not in _DRAW_SUFFIXES:
        raise UsageError(f"autodiff draw: -o {args.output}: the file name must end in .svg, "
                          ".png or .dot, as in graph.svg")
    # Every place to write is checked before any work: a bad one costs nothing.
    if output is not None:
        _check_target(output, f"-o {args.output}")
    if args.page is not None:
        _check_target(Path(args.page), f"--page {args.page}")
    try:
        root, leaves = build_graph(args.expr, parse_assignments(",".join(args.at)))
        root.label = "f" if "f" not in leaves else "out"
        root.backward()
    except FormulaError as error:
        raise UsageError(f"autodiff draw: {error}") from None
    except (ArithmeticError, ValueError) as error:
        # The engine's own errors (a derivative that is not finite at this point, ...).
        raise UsageError(f"autodiff draw: {error}") from None
    dot = None
    if output is not None:
        dot = draw_graph(root, title=f"{root.label} = {args.expr.strip()}")
        if output.suffix.lower() != ".dot":
            try:  # a drawing Graphviz would take minutes over is refused before printing
                check_size(layout_work(dot.source), "the drawing")
            except GraphTooBig as error:
                raise UsageError(f"autodiff draw: {error} (-o graph.dot)") from None

    name = root.label
    print(f"{name} = {args.expr.strip()} = {format_number(root.data)}")
    for leaf_name, leaf in leaves.items():
        print(f"d{name}/d{leaf_name} = {format_number(leaf.grad)}")
    if output is not None:
        try:
            written = write_drawing(dot, output.with_suffix(output.suffix.lower()))
        except (GraphTooBig, LayoutTimeout) as error:
            raise UsageError(f"autodiff draw: {error} (-o graph.dot)") from None
        except subprocess.CalledProcessError as error:  # dot itself failed
            raise UsageError(f"autodiff draw: Graphviz failed on the drawing (exit status "
                              f"{error.returncode}); write -o graph.dot instead") from None
        except OSError as error:
            raise UsageError(f"autodiff draw: cannot write {output}: {error}") from None
        print(f"Wrote {written}")
    if args.page is not None:
        try:
            written = trace(root).page(title=f"{name} = {args.expr.strip()}").save(args.page)
        except OSError as error:
            raise UsageError(f"autodiff draw: cannot write {args.page}: {error}") from None
        print(f"Wrote {written}")
    return 0


def _check_target(path: Path, option: str) -> None:
    """A one-line usage error unless `path` can be written: its folder exists and is writable,
    and it is not itself a folder."""
    folder = path.parent
    cannot = f"autodiff draw: cannot write {option}:"
    try:
        exists, is_dir = folder.is_dir(), path.is_dir()
    except OSError as error:  # a name too long, a loop of links
        raise UsageError(f"{cannot} {error.strerror}; write somewhere else") from None
    if not exists:
        raise UsageError(f"{cannot} there is no directory {folder}; create it first, or write "
                          "somewhere else")
    if is_dir:
        raise UsageError(f"{cannot} it is a directory; give a file name")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{cannot} the directory {folder} is not writable; write somewhere "
                          "else")


# --- train and compile ------------------------------------------------------------------------


@_failing((ValueError, OSError, ImportError), "autodiff train")
def _run_train(args: argparse.Namespace) -> int:
    from nn.tasks import TASKS, run_task

    options = {key: getattr(args, key) for key in ("epochs", "lr", "seed", "plot")
               if getattr(args, key) is not None}
    try:
        run_task(args.task, **options)
        return 0
    except ArithmeticError as error:  # the engine refuses an overflow, a division by zero
        what = say("cli.train_overflowed" if isinstance(error, OverflowError)
                   else "cli.train_broke_down")
        reason = _gist(str(error))
    # Out of the except block the failed run is gone, and with it its progress bar, which
    # ends its line: the message below gets a line of its own.
    default = TASKS[args.task].lr
    lr = options.get("lr", default)
    raise UsageError(say("cli.train_diverged", task=args.task, lr=lr, what=what, reason=reason,
                          default=default))


def _gist(message: str, limit: int = 80) -> str:
    """The start of an engine message: up to its first ';' (in Chinese '；'), cut after a word
    near `limit` (Chinese, written without spaces, at `limit`)."""
    first = " ".join(re.split("[;；]", message, maxsplit=1)[0].split())
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else first[:limit]) + " ..."


def _run_compile(args: argparse.Namespace) -> int:
    if args.expr is None:
        if args.at is not None:
            raise UsageError(say("cli.compile_at_without_expr"))
        from nn import examples  # only the command line reaches into nn

        example = examples.mazur()
        print(compile_graph(example.loss(), example.weights()).source)
        return 0
    try:
        print(source_for_formula(args.expr, parse_assignments(",".join(args.at or []))))
    except (FormulaError, ValueError, ArithmeticError) as error:
        raise UsageError(f"autodiff compile: {error}") from None
    return 0


# --- lab --------------------------------------------------------------------------------------


@_failing((OSError,), "autodiff lab")
def _run_lab(args: argparse.Namespace) -> int:
    from ..lab import build_site

    index = build_site(args.out, pyodide=args.pyodide, viz=args.viz)
    print(f"wrote {index}; serve it with: python -m http.server -d {index.parent} 8000, "
          "then open http://127.0.0.1:8000/")
    return 0


# --- check ------------------------------------------------------------------------------------


@_failing((ValueError, KeyError, TypeError), "autodiff check")
def _run_check(args: argparse.Namespace) -> int:
    from nn import examples  # only the command line reaches into nn

    from ..work import check_work
    from ..work.answers import read_answers

    answers = read_answers(args.file)
    try:
        report = check_work(examples.mazur().loss(), answers, lr=args.lr)
    except KeyError as error:
        raise ValueError(f"{args.file}: {error.args[0]}") from None
    print(report)
    return 0 if report.ok else 1
