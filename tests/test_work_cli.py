"""`autodiff check FILE`: a learner's numbers from CSV or JSON, checked against the 2-2-2
example; a bad file is one line on stderr and exit status 2."""

import json

import pytest
from test_work import SEED_004

from autodiff.cli import main
from autodiff.work.answers import read_answers


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_names_seed_004s_slips_from_a_csv(tmp_path, capsys):
    sheet = tmp_path / "work.csv"
    sheet.write_text("name,value\n" + "".join(f"{k},{v!r}\n" for k, v in SEED_004.items()))
    code, out, err = run(capsys, "check", str(sheet))
    assert code == 1 and err == ""
    assert "net_o2 adds out_h2 where b2 belongs" in out
    assert "first wrong: out_o2" in out
    assert "17 answers: 9 right, 6 carried, 2 wrong" in out


def test_right_work_in_json_written_to_four_decimals_exits_0(tmp_path, capsys):
    answers = tmp_path / "work.json"
    # Written as a learner writes them; JSON numbers keep their digits (0.5933: four).
    answers.write_text('{"net_h1": 0.3775, "out_h1": 0.5933, "dE_total/dw5": 0.0822, '
                       '"w5_new": 0.3589}')
    code, out, _ = run(capsys, "check", str(answers))
    assert code == 0 and "4 answers: 4 right, 0 carried, 0 wrong" in out


def test_check_reads_a_header_less_csv_and_another_lr(tmp_path, capsys):
    sheet = tmp_path / "work.csv"
    sheet.write_text("w5_new,0.39178341\n")  # 0.4 - 0.1 * 0.08216704
    code, out, _ = run(capsys, "check", str(sheet), "--lr", "0.1")
    assert code == 0 and "w5_new" in out


@pytest.mark.parametrize("content, fragments", [
    ("name,value\nout_h3,0.5\n", ["out_h3", "out_h1"]),
    ("out_h1,abc\n", ["line 1", "out_h1", "not a number"]),
    ("out_h1,0.5,7\n", ["line 1", "two cells"]),
    ("out_h1,0.5\nout_h1,0.6\n", ["answered twice"]),
    ("", ["no answers"]),
    ('{"out_h1": [1]}', ["out_h1", "not a number"]),
    ("[1, 2]", ["JSON object"]),
    ('{"out_h1": 0.5', ["not valid JSON"]),
])
def test_a_bad_file_is_one_line_and_exit_2(tmp_path, capsys, content, fragments):
    sheet = tmp_path / ("work.json" if content.startswith(("{", "[")) else "work.csv")
    sheet.write_text(content)
    code, out, err = run(capsys, "check", str(sheet))
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err


def test_a_missing_file_is_one_line_and_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "check", str(tmp_path / "nowhere.csv"))
    assert code == 2 and "cannot read" in err and len(err.strip().splitlines()) == 1


def test_read_answers_keeps_the_written_digits(tmp_path):
    sheet = tmp_path / "a.json"
    sheet.write_text(json.dumps({"out_h1": 0.59}).replace("0.59", "0.5900"))
    assert read_answers(sheet) == {"out_h1": "0.5900"}
