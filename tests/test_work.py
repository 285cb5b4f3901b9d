"""check_work: statuses, carried rows and slips named, on the textbook 2-2-2 network, on
random weights, on nets of other shapes and labels, and on a formula graph."""

from __future__ import annotations

import random

import pytest
from work_by_hand import OTHER_NAMES, TEXTBOOK_NAMES, random_net, textbook, work

from autodiff import Value, check_work
from autodiff.work.catalog import KINDS
from autodiff.work.sheet import MAX_NODES

LR = 0.5

# Seed 004's program, first iteration, as it prints the numbers (its printed names are its
# own: "Etotal_outh1" twice, the second time for out_h2; "Etotal_w1" for w2's gradient).
SEED_004 = {
    "out_o1": 0.7513650695523157,
    "out_o2": 0.7723811774462005,
    "E_total": 0.298490059141006,
    "w5_new": 0.35891647971788465,
    "w6_new": 0.4086661860762334,
    "w7_new": 0.5113490287639033,
    "w8_new": 0.5614181705930119,
    "dE_total/dout_h1": 0.03626980590297807,
    "dE_total/dw1": 0.00043759649320846566,
    "w1_new": 0.14978120175339577,
    "dE_total/dw2": 0.0008751929864169313,
    "w2_new": 0.19956240350679155,
    "dE_total/dout_h2": 0.041281772109561445,
    "dE_total/dw3": 0.0004980660430579215,
    "w3_new": 0.24975096697847105,
    "dE_total/dw4": 0.000996132086115843,
    "w4_new": 0.2995019339569421,
}


def mazur_loss():
    from nn.examples import mazur

    return mazur().loss()


def test_seed_004_names_exactly_its_two_slips():
    report = check_work(mazur_loss(), SEED_004, lr=LR)
    assert [(s.kind, s.where.name) for s in report.slips] == [
        ("wrong input", "out_o2"), ("wrong slope", "dE_total/dw3")]
    first, second = report.slips
    assert first.text == "net_o2 adds out_h2 where b2 belongs"
    assert "out_h1" in second.text and "out_h2" in second.text and "dnet_h2" in second.text
    assert report.first_wrong.name == "out_o2"
    status = {row.name: row.status for row in report.rows}
    assert [name for name, s in status.items() if s == "wrong"] == ["out_o2", "dE_total/dw3"]
    # Only wrong because of them: the error, every gradient through o2, w4's gradient.
    for name in ("E_total", "dE_total/dout_h1", "dE_total/dout_h2", "dE_total/dw1",
                 "dE_total/dw2", "dE_total/dw4"):
        assert status[name] == "carried", name
    assert status["out_o1"] == status["w5_new"] == status["w6_new"] == "right"
    assert not report.ok


def test_the_textbook_answers_are_right_as_the_textbook_writes_them():
    sheet = work(textbook(), LR)
    assert check_work(mazur_loss(), sheet, lr=LR).ok
    four = {name: f"{value:.4f}" for name, value in sheet.items() if abs(value) > 0.01}
    report = check_work(mazur_loss(), four, lr=LR)
    assert report.ok and report.slips == [], str(report)
    assert report.row("out_h1").given == 0.5933 and report.row("out_h1").written == "0.5933"


@pytest.mark.parametrize("seed", range(6))
def test_right_numbers_on_random_nets_are_right(seed):
    rng = random.Random(seed)
    shape, names = ([2, 2, 2], TEXTBOOK_NAMES) if seed % 2 else ([3, 2, 1], OTHER_NAMES)
    net = random_net(rng, shape, names, activation=rng.choice(["sigmoid", "tanh"]),
                     half=bool(seed % 3))
    sheet = work(net, LR)
    report = check_work(net.graph(), sheet, lr=LR)
    assert report.ok and report.first_wrong is None and report.slips == []
    assert len(report.rows) == len(sheet)
    six = {name: f"{value:.6g}" for name, value in sheet.items()}
    assert check_work(net.graph(), six, lr=LR).ok


def _textbook_sheet(name: str) -> bool:
    """What a textbook's worked page gives: outputs, errors, weight gradients, new weights."""
    return "/dw" in name or "/dW" in name or name.endswith("_new") or name.startswith(
        ("out_o", "E", "a2", "err", "loss"))


PLANTED = [
    ("wrong input", (1, 1)),
    ("wrong input", (0, 0)),
    ("wrong slope", (0, 1)),
    ("missing factor", (1, 0)),
    ("missing path", (0, 0)),
    ("sign", (0,)),
    ("updated weight", (0, 1)),
    ("rounding", (0, 0)),
    ("wrong lr", ()),
]

NETS = {
    "textbook": textbook,
    "random 2-2-2 (5)": lambda: random_net(random.Random(5), [2, 2, 2], TEXTBOOK_NAMES),
    "random 2-2-2 (2)": lambda: random_net(random.Random(2), [2, 2, 2], TEXTBOOK_NAMES),
    "random 3-3-2 tanh": lambda: random_net(random.Random(3), [3, 3, 2], OTHER_NAMES,
                                            activation="tanh", half=False),
    "random 3-2-1": lambda: random_net(random.Random(4), [3, 2, 1], OTHER_NAMES, half=False),
}


# Every slip on every net, except "missing path" on a net of one output: there a hidden
# gradient has a single path to leave out (the formula test plants that kind instead).
CASES = [(kind, at, net_name) for kind, at in PLANTED for net_name in NETS
         if not (kind == "missing path" and net_name == "random 3-2-1")]


@pytest.mark.parametrize("answers", ["full", "textbook"])
@pytest.mark.parametrize("kind, at, net_name", CASES,
                         ids=[f"{k} {a}-{n}" for k, a, n in CASES])
def test_a_planted_slip_is_found_where_it_shows_and_nowhere_else(kind, at, net_name, answers):
    net = NETS[net_name]()
    assert _found_where_it_shows(net, kind, at, answers), "the slip must show in the answers"


def test_each_slip_planted_on_random_weights_is_found():
    shown = tried = 0
    for seed in range(12):
        rng = random.Random(1000 + seed)
        shape = rng.choice([[2, 2, 2], [3, 2, 2], [2, 3, 2]])
        net = random_net(rng, shape, OTHER_NAMES, activation=rng.choice(["sigmoid", "tanh"]),
                         half=rng.random() < 0.5)
        for kind, at in PLANTED:
            tried += 1
            shown += _found_where_it_shows(net, kind, at, rng.choice(["full", "textbook"]))
    assert shown >= 0.9 * tried  # a slip can vanish below the tolerance (tanh' near 1)


def _found_where_it_shows(net, kind: str, at: tuple, answers: str) -> bool:
    """Plant the slip; False where it does not show; else check it is named where it shows."""
    at = tuple(min(a, len(net.weights[k]) - 1) for k, a in enumerate(at))  # a neuron it has
    truth, learner = work(net, LR), work(net, LR, kind, at)
    given = {n: v for n, v in learner.items() if answers == "full" or _textbook_sheet(n)}
    report = check_work(net.graph(), given, lr=LR)
    differs = [r for r in report.rows  # the contract's tolerance: rtol 1e-4, atol 1e-8
               if abs(r.given - truth[r.name]) > 1e-8 + 1e-4 * abs(truth[r.name])]
    rounded = net.name("out", *at) if kind == "rounding" else None
    if kind == "rounding" and answers == "full":  # written rounded: later rows carry it
        shows = next((r for r in report.rows if r.slips), None)
    else:
        shows = report.first_wrong
    if shows is None:  # below the tolerance wherever it reaches: nothing to name
        assert report.slips == [] and report.first_wrong is None, str(report)
        return False
    assert [s.kind for s in report.slips] == [kind], str(report)
    assert report.slips[0].where is shows
    for row in report.rows:
        if row.name == rounded:
            assert row.status == "right"  # written rounded: right, as written
        elif row is shows:
            assert row.status == ("carried" if rounded and answers == "full" else "wrong")
        elif row in differs:
            assert row.status == "carried", (row.name, str(report))
        else:  # carried where it follows from a number a little off but within tolerance
            assert row.status != "wrong", (row.name, str(report))
    return True


def test_the_textbook_slips_are_named_in_words():
    texts = {}
    for kind, at in PLANTED:
        report = check_work(mazur_loss(), work(textbook(), LR, kind, at), lr=LR)
        texts[kind, at] = (report.slips[0].where.name, report.slips[0].text)
    assert texts["wrong input", (1, 1)] == ("net_o2", "net_o2 adds out_h1 where b2 belongs")
    assert texts["missing factor", (1, 0)] == (
        "dE_total/dnet_o1", "dE_total/dnet_o1 leaves out the factor dout_o1/dnet_o1")
    assert texts["missing path", (0, 0)] == (
        "dE_total/dout_h1", "dE_total/dout_h1 leaves out the path through net_o2")
    assert texts["wrong lr", ()] == ("w5_new", "w5_new steps with lr = 0.1 where lr is 0.5")
    where, text = texts["updated weight", (0, 1)]
    assert where == "dE_total/dout_h2" and "w6 after the step" in text
    where, text = texts["rounding", (0, 0)]
    assert where == "net_o1" and "out_h1 = 0.59 " in text
    where, text = texts["wrong slope", (0, 1)]
    assert where == "dE_total/dnet_h2" and "slope of out_h1" in text


def test_carried_rows_are_never_called_wrong():
    rng = random.Random(7)
    for _ in range(20):
        net = random_net(rng, [2, 2, 2], TEXTBOOK_NAMES)
        own = rng.uniform(0.05, 0.95)
        learner = work(net, LR, override={"out_h1": own})
        report = check_work(net.graph(), learner, lr=LR)
        assert report.first_wrong.name == "out_h1"
        assert [r.name for r in report.rows if r.status == "wrong"] == ["out_h1"]


def formula():
    x, y, z = Value(0.7, "x"), Value(-1.3, "y"), Value(0.4, "z")
    u = x * y
    u.label = "u"
    v = (u + z).tanh()
    v.label = "v"
    f = v * x + z.exp()  # x reaches f along two paths: through u and straight into v * x
    f.label = "f"
    return f, {"x": 0.7, "y": -1.3, "z": 0.4}


def test_a_formula_graph_missing_path_factor_and_sign():
    import math

    f, at = formula()
    x, y, z = at["x"], at["y"], at["z"]
    u = x * y
    v = math.tanh(u + z)
    dv = x
    du = dv * (1 - v * v)
    right = {"u": u, "v": v, "f": v * x + math.exp(z), "df/dv": dv, "df/du": du,
             "df/dx": du * y + v, "df/dy": du * x, "df/dz": du + math.exp(z)}
    assert check_work(f, right).ok
    cases = {
        "missing path": ({"df/dx": du * y}, "df/dx",
                         "df/dx leaves out the path through (v × x)"),
        "missing factor": ({"df/du": dv, "df/dx": dv * y + v, "df/dy": dv * x,
                            "df/dz": dv + math.exp(z)}, "df/du",
                           "df/d(u + z) leaves out the factor dv/d(u + z)"),
        "sign": ({"df/dz": du - math.exp(z)}, "df/dz", None),
    }
    for kind, (slipped, where, text) in cases.items():
        report = check_work(f, {**right, **slipped})
        assert [(s.kind, s.where.name) for s in report.slips] == [(kind, where)], str(report)
        if text:
            assert report.slips[0].text == text
        assert [r.name for r in report.rows if r.status == "wrong"] == [where]


def test_unknown_names_and_bad_numbers_are_named():
    E = mazur_loss()
    with pytest.raises(KeyError, match="net_h3.*net_h1"):
        check_work(E, {"net_h3": 0.1})
    with pytest.raises(KeyError, match="dE/dw5.*dE_total/dw5"):
        check_work(E, {"dE/dw5": 0.1})
    with pytest.raises(ValueError, match="out_h1.*not a number"):
        check_work(E, {"out_h1": "0.59x"})
    with pytest.raises(TypeError, match="out_h1.*NoneType"):
        check_work(E, {"out_h1": None})
    with pytest.raises(ValueError, match="w5_new.*lr="):
        check_work(E, {"w5_new": 0.35})
    with pytest.raises(TypeError, match="root"):
        check_work(0.5, {})


def test_graphs_too_big_to_search_are_refused_with_a_clear_message():
    x = Value(1.0, "x")
    for _ in range(MAX_NODES):
        x = x * 1.0
    with pytest.raises(ValueError, match=f"up to {MAX_NODES}"):
        check_work(x, {"x": 1.0})


def test_the_report_reads_as_a_table_in_text_and_html():
    report = check_work(mazur_loss(), SEED_004, lr=LR)
    text = str(report)
    assert text.splitlines()[0].split() == ["name", "given", "expected", "status", "slip"]
    assert "net_o2 adds out_h2 where b2 belongs" in text
    assert "first wrong: out_o2" in text
    page = report._repr_html_()
    assert page.count("<tr") == len(report.rows) + 1 and "wrong" in page
    assert set(KINDS) == {"wrong input", "wrong slope", "missing factor", "missing path",
                          "sign", "updated weight", "rounding", "wrong lr"}


def test_a_graph_too_big_to_search_is_marked_and_says_so():
    from work_by_hand import random_net as make

    from autodiff.work.marking import MAX_SEARCH_NODES

    net = make(random.Random(9), [4, 9, 9, 4], OTHER_NAMES)
    sheet = work(net, LR)
    report = check_work(net.graph(), {k: v * 1.1 for k, v in sheet.items()}, lr=LR)
    assert report.first_wrong is not None and report.slips == []
    assert f"up to {MAX_SEARCH_NODES}" in report.note and report.note in str(report)


def test_the_search_stops_at_its_budget_and_says_where():
    net = random_net(random.Random(8), [4, 8, 8, 2], OTHER_NAMES)
    sheet = work(net, LR)
    outputs = {k: v * 1.1 for k, v in sheet.items() if k.startswith("err") or k == "loss"}
    report = check_work(net.graph(), outputs, lr=LR)
    assert report.first_wrong is not None
    assert "search for slips stopped at" in report.note and "rows" in report.note
