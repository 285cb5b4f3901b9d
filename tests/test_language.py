"""Two languages, one set of numbers: the tables agree key for key and field for field, and
`autodiff trace` prints in Chinese exactly the numbers it prints in English."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autodiff import Value, get_language, language, set_language
from autodiff.cli import main
from autodiff.engine.errors import MESSAGES, TRANSLATED
from autodiff.language import LANGUAGES, en, from_environment, placeholders, say, zh
from autodiff.language.numbers import format_number

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
CJK = re.compile(r"[\u4e00-\u9fff]")


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the tables ---------------------------------------------------------------------------------


def test_both_tables_have_the_same_keys():
    assert LANGUAGES == ("en", "zh")
    assert set(zh.TEXTS) == set(en.TEXTS)


@pytest.mark.parametrize("key", sorted(en.TEXTS))
def test_each_text_keeps_its_fields(key):
    # The same fields with the same conversions and formats: a number is printed alike.
    assert sorted(placeholders(zh.TEXTS[key])) == sorted(placeholders(en.TEXTS[key])), key


def test_the_chinese_error_table_matches_the_engine_messages():
    assert set(zh.ERRORS) == set(MESSAGES)
    for key, (_, message) in MESSAGES.items():
        assert sorted(placeholders(zh.ERRORS[key])) == sorted(placeholders(message)), key


def test_every_chinese_text_is_chinese():
    # A text left in English by mistake (a copy not yet translated) shows here.
    untranslated = {key: text for key, text in zh.TEXTS.items() if text == en.TEXTS[key]}
    assert untranslated == {}
    assert all(CJK.search(text) for text in zh.ERRORS.values())


def test_placeholders_reads_fields_with_their_format():
    assert placeholders("{a} and {b!r} of {n:,}") == [("a", "", ""), ("b", "r", ""),
                                                     ("n", "", ",")]


# --- choosing the language ----------------------------------------------------------------------


def test_an_unknown_language_is_a_value_error_naming_the_choices():
    with pytest.raises(ValueError, match=r"'fr'.*'en', 'zh'"):
        set_language("fr")
    assert get_language() == "en"  # nothing changed
    with pytest.raises(ValueError, match="'en', 'zh'"), language("de"):
        pass


def test_language_holds_for_one_block_only():
    with language("zh"):
        assert get_language() == "zh" and say("trace.forward_pass") == "前向传播"
    assert get_language() == "en" and say("trace.forward_pass") == "Forward pass"
    with pytest.raises(RuntimeError), language("zh"):
        raise RuntimeError("the block fails")
    assert get_language() == "en" and TRANSLATED == {}


def test_the_environment_chooses_chinese_when_any_locale_variable_says_zh():
    assert from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert from_environment({"LC_ALL": "zh_TW.UTF-8"}) == "zh"
    assert from_environment({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}) == "zh"
    assert from_environment({"LANG": "en_US.UTF-8"}) == "en"
    assert from_environment({}) == "en"


# --- the engine's errors -------------------------------------------------------------------------


def test_set_language_makes_engine_errors_chinese_and_back():
    batch = Value(np.array([1.0, 2.0]), label="x")
    set_language("zh")
    with pytest.raises(ValueError, match=r"需要一个标量.*\(2,\).*\.sum\(\)"):
        batch.backward()
    with pytest.raises(TypeError, match="Value 的标签必须是 str，收到的是 int"):
        Value(1.0, label=3)
    set_language("en")
    with pytest.raises(ValueError, match=r"needs a scalar, but this node holds an array of shape"):
        batch.backward()
    with pytest.raises(TypeError, match="Value label must be a str, got int"):
        Value(1.0, label=3)


# --- Trace and explain ---------------------------------------------------------------------------


def test_trace_tables_in_chinese_hold_the_same_numbers(textbook):
    english = str(textbook)
    with language("zh"):
        chinese = str(textbook)
        html = textbook._repr_html_()
    assert chinese.startswith("前向传播") and "反向传播（从 E_total 开始，dE_total = 1）" in chinese
    assert "上游梯度" in chinese and "局部导数" in chinese and "Forward" not in chinese
    assert "<b>前向传播</b>" in html and "<th>上游梯度</th>" in html
    assert numbers(chinese) == numbers(english)


def test_chinese_columns_line_up_by_display_width(textbook):
    # A Chinese character takes two columns: the heading's cells and the numbers stay aligned.
    with language("zh"):
        table = str(textbook).split("\n\n")[0].splitlines()[1:]  # the forward table
    header, rows = table[0], table[1:]

    def column(line: str, index: int) -> int:  # where a character starts, in display columns
        return sum(2 if CJK.match(ch) else 1 for ch in line[:index])

    widths = {column(row, len(row)) for row in rows}
    assert len(widths) == 1  # the value column is right-aligned: every row ends at one column
    value_width = max(len(row.split()[-1]) for row in rows)  # 0.50000000
    assert column(header, header.index("值")) == widths.pop() - value_width
    assert column(header, header.index("节点")) == column(rows[0], rows[0].index("0.5"))


def test_explain_is_the_same_line_and_trace_errors_are_chinese(textbook):
    english = [line for node in textbook.nodes for line in textbook.explain(node).lines()]
    with language("zh"):
        chinese = [line for node in textbook.nodes for line in textbook.explain(node).lines()]
        with pytest.raises(KeyError, match="没有标签为 'nope' 的节点；它的标签有：E_o1, E_o2"):
            textbook.node("nope")
        with pytest.raises(ValueError, match="lone 不是这个计算图的节点"):
            textbook.explain(Value(5.0, label="lone"))
        with pytest.raises(ValueError, match="有 4 条路径（上限是 2）"):
            textbook.explain("i1", max_paths=2)
    assert chinese == english  # the chain rule reads in symbols and numbers alone


def test_batch_numbers_in_chinese():
    x = np.array([0.5, 1.5, 4.0])
    english = format_number(x)
    with language("zh"):
        chinese = format_number(x)
    assert chinese.startswith("形状 (3,)，均值") and numbers(chinese) == numbers(english)


# --- the console ---------------------------------------------------------------------------------


def test_autodiff_trace_in_chinese_prints_the_same_numbers(capsys):
    code, english, err = run(capsys, "trace")
    assert code == 0 and err == ""
    code, chinese, err = run(capsys, "trace", "--lang", "zh")
    assert code == 0 and err == ""
    for heading in ("手算的 2-2-2 网络", "已知", "前向传播",
                    "反向传播：E_total 的每个梯度，按链式法则", "一步 SGD 之后（学习率 0.5"):
        assert heading in chinese, heading
    assert "Forward pass" not in chinese and "textbook" not in chinese
    assert numbers(chinese) == numbers(english)
    assert len(numbers(english)) > 300  # every number of the step, not a few
    assert chinese.count("\n") == english.count("\n")
    assert get_language() == "en"  # --lang holds for that run only


def test_lang_from_the_environment_and_lang_en_overrides_it(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    code, out, _ = run(capsys, "trace")
    assert code == 0 and "前向传播" in out
    code, out, _ = run(capsys, "trace", "--lang", "en")
    assert code == 0 and "Forward pass" in out and not CJK.search(out)


def test_the_console_script_reads_lang(tmp_path):
    env = {**os.environ, "LANG": "zh_CN.UTF-8", "PYTHONPATH": str(ROOT),
           "PYTHONIOENCODING": "utf-8"}
    env.pop("LC_ALL", None)
    done = subprocess.run([sys.executable, "-m", "autodiff", "trace"], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "链式法则" in done.stdout and "E_total = 0.29102777（原来是 0.29837111）" in done.stdout


@pytest.mark.parametrize("argv", [
    ("trace",), ("draw", "x*y", "--at", "x=2,y=3"), ("compile", "x*y", "--at", "x=2,y=3"),
    ("train", "xor", "--epochs", "1"),
])
def test_every_subcommand_takes_lang(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for lang in ("en", "zh"):
        code, _, err = run(capsys, *argv, "--lang", lang)
        assert code == 0, err
    code, _, err = run(capsys, argv[0], "--lang", "fr")
    assert code == 2 and "invalid choice: 'fr'" in err and len(err.strip().splitlines()) == 1


def test_lang_before_a_formula_is_an_option_not_the_formula(capsys):
    code, out, err = run(capsys, "draw", "--lang", "zh", "-x*y", "--at", "x=2,y=3")
    assert code == 0, err
    assert "df/dx = -3.00000000" in out


def test_usage_errors_of_trace_in_chinese(capsys):
    code, _, err = run(capsys, "trace", "--lang", "zh", "--out", " ")
    assert code == 2 and "--out 需要一个目录名" in err
    code, _, err = run(capsys, "trace", "--lang", "zh", "--highlight", "nope")
    assert code == 2 and "没有标签为 'nope' 的节点" in err


# --- the reports of nn.homework and nn.exercises -------------------------------------------------


def test_check_backprop_report_in_chinese_has_the_same_numbers():
    from nn.homework import check_backprop, engine_gradients, make_net

    rng = np.random.default_rng(4)
    W = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3), "W2": rng.normal(size=(3, 2)),
         "b2": rng.normal(size=2)}
    X, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    options = {"activation": "tanh", "loss": "half_sse"}
    given = engine_gradients(make_net(W, X, y, "tanh", "linear", "half_sse", "mean", 0.0))
    given["dW1"] = given["dW1"] + np.array([[0, 0, 0], [0, 0.5, 0]])  # no slip makes this
    del given["db2"]
    english = check_backprop(given, W, X, y, **options)
    with language("zh"):
        chinese = str(english)
        html = english._repr_html_()
    assert "dW1[1, 1]：应为" in chinese and "db2：缺失（应为形状 (2,)）" in chinese
    assert "错误目录里没有哪一种能解释这些数" in chinese and "<th>数组</th>" in html
    assert "dW2：正确" in chinese and "<td>缺失</td>" in html
    assert numbers(chinese) == numbers(str(english))


def test_an_exercise_graded_in_chinese_has_the_same_numbers():
    from nn.exercises import grade

    def dsigmoid(x):  # the seed posts' slip: the formula of σ' applied to x, not to σ(x)
        return x * (1 - x)

    english = grade("sigmoid", dsigmoid)
    with language("zh"):
        chinese = grade("sigmoid", dsigmoid)
        text = str(chinese)
    assert text.startswith("sigmoid：有 ") and "项检查）；第一项：" in text
    assert "计算图中第一条错误的边：" in text and "应为：σ'(x) = σ(x)·(1 − σ(x))" in text
    assert english.first_wrong_edge.where == "edge out_o2 ← net_o2"
    assert chinese.first_wrong_edge.where == "边 out_o2 ← net_o2"  # found in Chinese too
    assert [c.where for c in chinese.checks if c.edge] == \
        [c.where.replace("edge", "边") for c in english.checks if c.edge]
    assert numbers(text) == numbers(str(english))


def test_an_exercise_whose_function_raises_reports_in_chinese():
    from nn.exercises import grade

    with language("zh"):
        report = grade("tanh", lambda x: 1 / 0)
    assert report.error == "函数抛出了 ZeroDivisionError：division by zero"
    with language("zh"), pytest.raises(KeyError, match="没有练习 'nope'"):
        grade("nope", abs)
