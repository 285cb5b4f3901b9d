"""Two languages, one set of numbers: the tables agree key for key and field for field, and
`autodiff trace` prints in Chinese exactly the numbers it prints in English."""

import ast
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autodiff import Value, get_language, language, set_language
from autodiff.cli import main
from autodiff.engine import ops
from autodiff.engine.backward import topological_order
from autodiff.engine.errors import MESSAGES, TRANSLATED
from autodiff.engine.higher import grad, hessian, jvp
from autodiff.engine.linear import linear
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


def engine_pieces() -> dict[str, str]:
    """Every `said(key, english)` the engine writes, key to English, read from its source; and
    each op's domain ("domain " + the op as a textbook reads it)."""
    pieces = {}
    for path in sorted((ROOT / "autodiff" / "engine").glob("*.py")):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call) or "said" not in (
                    getattr(call.func, "attr", None), getattr(call.func, "id", None)):
                continue
            written = [arg.value for arg in call.args[:2] if isinstance(arg, ast.Constant)]
            if len(written) == 2:  # not error()'s own said(mistake, MESSAGES[...]) nor a domain
                key, english = written
                assert pieces.get(key, english) == english, f"{key!r} says two things"
                pieces[key] = english
    for op in ops.OPS:
        if op.domain_message:
            pieces["domain " + op.reads[0]] = op.domain_message
    return pieces


def test_the_chinese_error_table_matches_the_engine_messages():
    english = {key: message for key, (_, message) in MESSAGES.items()} | engine_pieces()
    assert len(engine_pieces()) > 20  # the pieces were found: describe, op_failed, ...
    assert set(zh.ERRORS) == set(english)
    for key, message in english.items():
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


# Words a Chinese engine message may hold: the names of the code (types, methods, ops, the
# labels of the nodes below) and numbers. Any other word of letters is English left behind.
CODE_WORDS = {"Value", "data", "int", "float", "NumPy", "str", "backward", "gradient", "grad",
              "sum", "mean", "log", "sqrt", "exp", "inputs", "jvp", "linear", "inf", "nan", "x",
              "y", "d", "dy", "n", "a", "e", "f", "U1", "list", "hessian", "topological_order"}


def english_words(message: str, labels: set[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", message))
    return words - CODE_WORDS - labels


def engine_mistakes():
    """One of each kind of engine message: (what to run, the labels it names)."""
    def overflow_share():
        x, y = Value(1e-300, "x"), Value(1e10, "y")
        ((x * 1e300) * y).backward()

    def overflow_sum():
        n = Value(1.0, "a") * 1e-300
        (n * 1e308 + n * 1e308).backward()

    def held_string():
        w = Value(1.0, "w")
        w.data = "s"
        return w * 2

    def undefined_slope():
        Value(0.0, "z").sqrt().backward()

    batch = np.array([1.0, 2.0, 3.0])
    return [
        (lambda: Value(-1.0, "x").log(), {"x"}),
        (lambda: Value(-1.0).sqrt(), set()),
        (lambda: Value(1.0, "a") / 0.0, {"a"}),
        (lambda: Value(-2.0, "a") ** 0.5, {"a"}),
        (lambda: -2.0 ** Value(1.0, "y") if False else Value(-2.0) ** Value(1.0, "y"), {"y"}),
        (lambda: Value(np.array([]), "b").mean(), {"b"}),
        (lambda: Value(batch, "a") + Value(batch[:2], "b"), {"a", "b"}),
        (lambda: Value(np.array(["s"])), set()),
        (lambda: Value(1.0) + "s", set()),
        (lambda: Value(1.0) ** math.inf, set()),
        (lambda: Value(1e308, "big") * 10.0, {"big"}),
        (lambda: Value(batch, "v").backward(np.ones(2)), {"v"}),
        (lambda: Value(batch, "v").backward(np.array([1.0, math.nan, 1.0])), {"v"}),
        (lambda: float(Value(batch)), set()),
        (lambda: Value(1.0, label=3), set()),
        (lambda: jvp(lambda a: a * 1e200, [1.0], [1e200]), set()),
        (lambda: jvp(lambda a: a, [1.0], [1.0, 2.0]), set()),
        (lambda: jvp(lambda a: a, [1.0], ["s"]), set()),
        (lambda: jvp(lambda a: 3.0, [1.0], [1.0]), set()),
        (lambda: hessian(lambda a: 3.0, [1.0]), set()),
        (lambda: grad(3.0, []), set()),
        (lambda: grad(Value(1.0), [2.0]), set()),
        (lambda: topological_order(3.0), set()),
        (lambda: linear([Value(1.0)], [], Value(0.0)), set()),
        (overflow_share, {"x"}), (overflow_sum, set()), (held_string, {"w"}),
        (undefined_slope, {"z"}),
    ]


@pytest.mark.parametrize("number", range(len(engine_mistakes())))
def test_engine_messages_in_chinese_hold_no_english_word(number):
    make, labels = engine_mistakes()[number]
    with pytest.raises(Exception) as english:
        make()
    with language("zh"), pytest.raises(type(english.value)) as chinese:
        make()
    message = str(chinese.value)
    assert CJK.search(message), message
    assert english_words(message, labels) == set(), message
    assert numbers(message) == numbers(str(english.value))  # the same numbers, in order
    assert english_words(str(english.value), labels)  # the check can see English


# --- check_work --------------------------------------------------------------------------------


def test_check_work_in_chinese_names_seed_004s_two_slips_with_the_same_numbers():
    from test_work import SEED_004, mazur_loss

    from autodiff import check_work

    report = check_work(mazur_loss(), SEED_004, lr=0.5)
    english = str(report)
    with language("zh"):
        chinese = str(report)  # the same report, said in Chinese
        first, second = (slip.text for slip in report.slips)
        made_in_chinese = str(check_work(mazur_loss(), SEED_004, lr=0.5))
        html = report._repr_html_()
    assert first == "net_o2 加上了 out_h2，这里应该是 b2"
    assert second == ("dE_total/dnet_h2 用了 out_h1 处的斜率，这里应该用 out_h2 处的"
                      "（在 dout_h2/dnet_h2 中）")
    assert "输入用错：net_o2 加上了 out_h2" in chinese and "斜率取错：dE_total/dnet_h2" in chinese
    assert chinese.splitlines()[0].split() == ["名称", "你给的", "应为", "结果", "错因"]
    assert "共 17 个答案：9 个正确，6 个连带，2 个错误；第一个错误：out_o2" in chinese
    assert "由你前面的数推得（0.29849006）" in chinese
    assert "<th>错因</th>" in html and ">连带</td>" in html
    assert made_in_chinese == chinese
    assert numbers(chinese) == numbers(english) and len(numbers(english)) > 60
    assert report.slips[0].text == "net_o2 adds out_h2 where b2 belongs"  # English again


def test_chinese_report_columns_line_up_by_display_width():
    from test_work import SEED_004, mazur_loss

    from autodiff import check_work

    with language("zh"):
        lines = str(check_work(mazur_loss(), SEED_004, lr=0.5)).splitlines()[:19]

    def column(line: str, index: int) -> int:
        return sum(2 if CJK.match(ch) else 1 for ch in line[:index])

    dashes = [match.start() for match in re.finditer(r"-+", lines[1])]
    for line in [lines[0], *lines[2:]]:  # every cell starts where its dashes start
        starts = [match.start() for match in re.finditer(r"(?<!\S)\S", line)][:5]
        assert [column(line, s) for s in starts] == dashes[:len(starts)], line


def test_check_work_notes_and_errors_in_chinese():
    from autodiff import check_work

    x = Value(0.5, "x")
    y = (x * 2.0).tanh()
    y.label = "y"
    with language("zh"):
        with pytest.raises(KeyError, match="没有名为 'yy' 的数；你是不是想写 y？"):
            check_work(y, {"yy": 1.0})
        with pytest.raises(ValueError, match="'y' 的答案不是数：'abc'"):
            check_work(y, {"y": "abc"})
        with pytest.raises(ValueError, match="x_new 是更新一步之后的参数"):
            check_work(y, {"x_new": 0.4})
        report = check_work(y, {"y": -math.tanh(1.0)})
        assert str(report.slips[0]) == "符号错误（出现在 y）：y 的符号错了"


def test_autodiff_check_in_chinese(tmp_path, capsys):
    from test_work import SEED_004

    answers = tmp_path / "seed.csv"
    answers.write_text("".join(f"{name},{value!r}\n" for name, value in SEED_004.items()))
    code, english, _ = run(capsys, "check", str(answers))
    assert code == 1
    code, chinese, _ = run(capsys, "check", str(answers), "--lang", "zh")
    assert code == 1 and "输入用错：net_o2 加上了 out_h2，这里应该是 b2" in chinese
    assert numbers(chinese) == numbers(english)
    answers.write_text("w5_new,0.35,0.2\n")
    code, _, err = run(capsys, "check", str(answers), "--lang", "zh")
    assert code == 2 and "第 1 行：应为两格，名称,数值；收到 3 格" in err


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


def test_a_slip_of_check_backprop_reads_in_chinese_with_the_same_numbers():
    from nn.backprop_slips import backprop, catalog
    from nn.homework import check_backprop, make_net

    rng = np.random.default_rng(5)
    W = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3), "W2": rng.normal(size=(3, 2)),
         "b2": rng.normal(size=2)}
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    net = make_net(W, X, y, "sigmoid", "linear", "half_sse", "mean", 0.0)
    named = 0
    for slip in catalog(net):  # every slip this net allows, planted, named in both languages
        given = backprop(net, [slip])
        options = {"activation": "sigmoid", "loss": "half_sse"}
        english = check_backprop(given, W, X, y, **options)
        with language("zh"):
            chinese = check_backprop(given, W, X, y, **options)
            text = str(chinese)
        if not english.slips:
            continue
        assert [s.text for s in chinese.slips] != [s.text for s in english.slips]
        assert all(CJK.search(s.text) for s in chinese.slips), text
        assert numbers(text) == numbers(str(english)), (text, str(english))
        assert "错误（" in text and "slip (" not in text
        named += 1
    assert named >= 10


def test_the_exercises_say_their_prompts_formulas_and_slips_in_chinese():
    from nn.exercises import EXERCISES, grade

    for name, exercise in EXERCISES.items():
        english = (exercise.prompt, exercise.formula, list(exercise.slips))
        with language("zh"):
            chinese = (exercise.prompt, exercise.formula, list(exercise.slips))
        assert CJK.search(chinese[0]) and chinese[0] != english[0], name
        assert len(chinese[2]) == len(english[2])
        for zh_slip, en_slip in zip(chinese[2], english[2]):
            assert CJK.search(zh_slip) and numbers(zh_slip) == numbers(en_slip), zh_slip
    english = grade("l2", lambda W, reg: 2 * reg * W)
    with language("zh"):
        chinese = grade("l2", lambda W, reg: 2 * reg * W)
        text = str(chinese)
    assert english.slip == "2·reg·W: the ½ in 0.5·reg·ΣW² cancels the 2"
    assert chinese.slip == "2·reg·W：0.5·reg·ΣW² 中的 ½ 和 2 相消"
    assert "应为：dW = reg · W（½ 和 2 相消）" in text and "错误：2·reg·W：" in text
    assert numbers(text) == numbers(str(english))


def test_usage_errors_of_compile_and_train_in_chinese(capsys):
    code, _, err = run(capsys, "compile", "--at", "x=1", "--lang", "zh")
    assert code == 2
    assert err.strip() == "autodiff compile：--at 需要 EXPR（不给 EXPR 时用 2-2-2 的例子）"
    code, _, english = run(capsys, "train", "xor", "--lr", "1e308", "--epochs", "3")
    code, _, err = run(capsys, "train", "xor", "--lr", "1e308", "--epochs", "3", "--lang", "zh")
    message = err.strip().splitlines()[-1]  # the progress bar's line may stand above it
    assert code == 2 and message.startswith("autodiff train：训练 xor 时在 --lr 1e+308 下发散了")
    assert "数值溢出了" in message and "请选一个更小的 --lr（默认值是 0.05）" in message
    assert "（linear：对 节点 'h1.w1' = " in message  # the engine's reason, in Chinese too
    assert "linear: the result is not finite" in english and "result" not in message
