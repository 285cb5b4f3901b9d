"""The command line's help, usage and argparse's own errors in Chinese under `--lang zh` (or a
Chinese environment), and exactly as before in English."""

import re

import pytest

from autodiff import get_language
from autodiff.cli import main
from autodiff.cli.parsing import translated, wanted_language
from autodiff.language import language

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_console(monkeypatch):
    """No locale variable says zh unless a test sets one."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_autodiff_help_in_chinese(capsys):
    code, out, _ = run(capsys, "--lang", "zh", "--help")
    assert code == 0
    assert out.startswith("用法：autodiff [-h] [--lang {en,zh}] COMMAND ...\n")
    assert "观察、检查并逐步走完反向传播。" in out
    assert "\n位置参数:\n" in out and "\n选项:\n" in out
    assert "显示这条帮助信息并退出" in out
    assert "手算的 2-2-2 例子：一步训练中的每一个数" in out  # trace's line in the list
    for english in ("usage:", "positional arguments", "options:", "show this help",
                    "See, check", "hand-worked"):
        assert english not in out, english
    assert get_language() == "en"  # for that run only


def test_subcommand_help_in_chinese_with_lang_after_help(capsys):
    # --help comes first: the language is read before argparse prints anything.
    code, out, _ = run(capsys, "trace", "--help", "--lang", "zh")
    assert code == 0
    assert out.startswith("用法：autodiff trace [-h] [--out DIR] [--highlight LABEL]")
    assert "另外写出 DIR/graph.svg 和 DIR/trace.html（逐步演示页面）" in out
    assert "在 graph.svg 中描出 LABEL 的梯度所经过的链式法则路径" in out
    code, out, _ = run(capsys, "check", "--lang=zh", "-h")
    assert code == 0
    assert "\n位置参数:\n  FILE" in out and "答案：.csv 或 .json" in out
    assert "这一步的学习率（默认 0.5，即教科书的取值）" in out
    assert not re.search(r"usage|options|the answers|learning rate", out)


def test_a_chinese_environment_gives_chinese_help(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, _ = run(capsys, "draw", "--help")
    assert code == 0 and out.startswith("用法：autodiff draw")
    assert '公式，例如 "x*y + exp(x)"' in out
    code, out, _ = run(capsys, "draw", "--help", "--lang", "en")  # --lang wins
    assert out.startswith("usage: autodiff draw") and not CJK.search(out)


def test_a_wrapped_chinese_usage_stays_aligned(capsys, monkeypatch):
    # argparse indents the usage's next lines by len("用法："), 3; on screen it is 6 wide.
    monkeypatch.setenv("COLUMNS", "50")
    _, out, _ = run(capsys, "draw", "--help", "--lang", "zh")
    first, second = out.splitlines()[:2]
    assert first.startswith("用法：autodiff draw [-h]")
    assert second == " " * len("用法：autodiff draw ") + " " * 3 + "[-o FILE] [--page FILE]"


def test_chinese_help_lines_fit_the_screen(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = run(capsys, "check", "--help", "--lang", "zh")
    width = [sum(2 if CJK.match(c) or c in "（），：；。、" else 1 for c in line)
             for line in out.splitlines()]
    assert max(width) <= 58 and len(out.splitlines()) > 10


ENGLISH_TRACE_HELP = """\
usage: autodiff trace [-h] [--out DIR] [--highlight LABEL] [--lang {en,zh}]

Forward pass, every gradient by the chain rule, one SGD step (lr 0.5, weights
only) and the error after it, for the textbook 2-2-2 network.

options:
  -h, --help         show this help message and exit
  --out DIR          also write DIR/graph.svg and DIR/trace.html (step-through
                     page)
  --highlight LABEL  outline the chain-rule paths of LABEL's gradient in
                     graph.svg
  --lang {en,zh}     the language of what it prints: en or zh (default: zh
                     where LANG or LC_ALL starts with zh, else en)
"""


def test_english_help_is_unchanged(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "trace", "--help")
    assert code == 0 and out == ENGLISH_TRACE_HELP
    _, out, _ = run(capsys, "check", "--help")
    assert out.startswith("usage: autodiff check [-h] [--lr X] [--lang {en,zh}] FILE\n")
    assert "\npositional arguments:\n  FILE            the answers: .csv or .json\n" in out
    _, out, _ = run(capsys, "--help")
    assert out.startswith("usage: autodiff [-h] [--lang {en,zh}] COMMAND ...\n")
    assert "See, check and step through backpropagation." in out and not CJK.search(out)


@pytest.mark.parametrize("argv, chinese", [
    (["train", "cats"], "autodiff train：参数 task：无效的选择：'cats'（可选：'xor', 'moons'）"
                        "（见 autodiff train --help）"),
    (["check"], "autodiff check：缺少以下参数：FILE（见 autodiff check --help）"),
    (["train", "xor", "--epochs", "many"], "autodiff train：参数 --epochs：无效的 int 值："
                                           "'many'（见 autodiff train --help）"),
    (["trace", "--out"], "autodiff trace：参数 --out：需要一个值（见 autodiff trace --help）"),
    (["bogus"], "autodiff：参数 COMMAND：无效的选择：'bogus'（可选：'trace', 'draw', 'train', "
                "'compile', 'check', 'lab'）（见 autodiff --help）"),
])
def test_argparse_errors_in_chinese(capsys, argv, chinese):
    code, out, err = run(capsys, *argv, "--lang", "zh")
    assert code == 2 and out == ""
    assert err == chinese + "\n"


def test_argparse_errors_in_english_are_argparse_own(capsys):
    code, _, err = run(capsys, "train", "cats")
    assert code == 2
    assert err == ("autodiff train: argument task: invalid choice: 'cats' (choose from 'xor', "
                   "'moons') (see autodiff train --help)\n")


def test_an_unknown_language_is_refused_in_english(capsys):
    code, _, err = run(capsys, "trace", "--lang", "fr")
    assert code == 2
    assert "argument --lang: invalid choice: 'fr' (choose from 'en', 'zh')" in err


def test_wanted_language_reads_lang_before_the_parser():
    assert wanted_language(["trace", "--lang", "zh"], "en") == "zh"
    assert wanted_language(["--lang=zh", "trace"], "en") == "zh"
    assert wanted_language(["trace", "--lang", "fr"], "zh") == "zh"  # the parser refuses fr
    assert wanted_language(["draw", "--", "--lang", "zh"], "en") == "en"  # a formula's
    assert wanted_language(["trace", "--lang"], "en") == "en"


def test_a_message_argparse_wrote_is_read_back_field_by_field():
    message = "argument --at: expected 2 arguments"
    assert translated(message) == message  # English: as argparse wrote it
    with language("zh"):
        assert translated(message) == "参数 --at：需要 2 个值"
        assert translated("expected 1 argument") == "需要 1 个值"
        assert translated("something argparse never says") == "something argparse never says"
