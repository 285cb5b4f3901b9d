"""The page's one schema: fields declared once in Python, shipped with the data, none lost."""

import json
import re

import pytest

from autodiff import Value
from autodiff.see import page as page_module
from autodiff.see.page import FIELDS, page_data, page_html
from autodiff.see.trace import trace
from nn.examples import mazur


def payload(html_text: str) -> dict:
    found = re.search(r'id="trace-data" type="application/json">(.*?)</script>', html_text, re.S)
    return json.loads(found.group(1))


def records(data: dict, kind: str) -> list[dict]:
    """The shipped rows read back as the script reads them: by the shipped schema."""
    return [dict(zip(data["schema"][kind], row)) for row in data[kind]]


def test_every_field_of_page_data_reaches_the_page():
    tr = trace(mazur().loss())
    data = page_data(tr)
    shipped = payload(page_html(tr))
    assert shipped["schema"] == {k: list(v) for k, v in FIELDS.items()}
    nodes = records(shipped, "nodes")
    assert nodes == [{k: (list(v) if isinstance(v, tuple) else v) for k, v in n.items()}
                     for n in data["nodes"]]
    by_name = {n["name"]: n for n in nodes}
    assert by_name["net_h1"]["op"] == "linear" and by_name["out_h1"]["op"] == "sigmoid"
    assert by_name["out_o1"]["short"] == "0.7514" and by_name["w5"]["dname"] == "w5"
    steps = records(shipped, "steps")
    assert [s["upstream"] for s in steps] == [s["upstream"] for s in data["steps"]]
    # Numbers and colours are Python's: every change carries its 4-digit number and its fill.
    for step in steps:
        for _j, long, short, fill in step["changes"]:
            assert re.fullmatch(r"#[0-9a-f]{6}", fill) and short and long


def test_a_record_with_a_field_the_schema_lacks_is_an_error(monkeypatch):
    tr = trace(mazur().loss())
    data = page_data(tr)
    data["nodes"][0]["extra"] = 1
    with pytest.raises(KeyError, match="page schema: a nodes record"):
        page_module._pack(data)


def test_the_page_and_the_trace_write_a_sum_the_same_way():
    tr = trace(mazur().loss())
    line = page_data(tr)["explain"][str(tr.index(tr.node("w1")))]["line"]
    assert line == str(tr.explain("w1")).splitlines()[0]
    assert line == "dE_total/dw1 = 0.00066840 - 0.00022983 = 0.00043857"


def test_the_check_panel_is_check_numerical_grad_of_the_replayed_graph(monkeypatch):
    calls = []
    real = page_module.numerical_grad

    def spy(f, xs, eps=1e-6):
        calls.append(eps)
        return real(f, xs, eps)

    monkeypatch.setattr(page_module, "numerical_grad", spy)
    x = Value(3.0, "x")
    y = (x * x).tanh() + x
    y.label = "y"
    rows = page_data(trace(y))["check"]["rows"]
    assert len(calls) == 1 and calls[0] == pytest.approx(3e-6)
    assert rows[0][3] is True and abs(float(rows[0][2]) - float(rows[0][1])) < 1e-6


def test_slip_candidates_name_the_factor_path_and_sign_they_leave_out():
    # The page's slips are check_work's: its catalog, its sentences, the page's own names.
    from autodiff.work.practise import slip_candidates

    tr = trace(mazur().loss())

    def candidates(label):
        return slip_candidates(tr.root, tr.node(label), tr.names)

    w5 = {kind: [(v, t) for v, k, t in candidates("w5") if k == kind]
          for kind in ("sign", "missing factor", "wrong slope", "missing path")}
    assert w5["sign"][0][0] == -tr.grad("w5")
    # σ′ at out_o1 = 0.18681560 left out: the gradient divided by it.
    sigma = [(v, t) for v, t in w5["missing factor"] if "out_o1·(1 − out_o1)" in t]
    assert sigma and abs(sigma[0][0] - tr.grad("w5") / 0.18681560) < 1e-7
    # The sigmoid's slope read at out_h1 instead of at out_o1.
    assert any("slope of out_h1" in t and abs(v - tr.grad("w5") / 0.18681560 * 0.24130071) < 1e-7
               for v, t in w5["wrong slope"])
    assert w5["missing path"] == []  # one path: nothing to leave out of a sum
    w1 = [(v, t) for v, k, t in candidates("w1") if k == "missing path"]
    assert any(abs(v - (0.00043857 - 0.00066840)) < 1e-8 for v, _ in w1)
    assert all(abs(v - tr.grad("w1")) > 1e-8 for v, _ in w1)


def test_the_check_and_sgd_panels_run_the_graph_again_with_the_engines_replay(monkeypatch):
    # One replay (engine.replay) for the trace, the page, the compiler and the check.
    from autodiff.engine import replay as replay_module

    calls = []
    real = replay_module.replay

    def spy(records, values):
        calls.append(len(records))
        return real(records, values)

    monkeypatch.setattr(page_module, "replay", spy)
    example = mazur()
    tr = trace(example.loss())
    data = page_data(tr, params=example.weights(), lr=0.5)
    assert data["sgd"]["after"] == "0.29102777"
    assert len(calls) == 2 * len(data["check"]["rows"]) + 1
    # A check rebuilds only what its leaf reaches: w5 reaches E_o1's side, not E_o2's.
    index = {node: i for i, node in enumerate(tr.nodes)}
    w5 = tr.node("w5")
    records = page_module._reached(tr.nodes, index, [w5])
    assert len(records) < len(tr.nodes)
    root, (moved,) = real(records, [w5.data + 0.25])
    full, _ = real(replay_module.record(tr.nodes, [w5]), [w5.data + 0.25])
    assert root.data == full.data != tr.root.data and moved.label == "w5"
