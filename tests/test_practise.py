"""Practise mode's slips come from check_work's catalog: the page names the slip check_work
names for the same number, on the textbook network, a made-up network and a formula."""

import math

import pytest

from autodiff import Value, check_work, trace
from autodiff.work.practise import Practice
from nn import MLP, losses
from nn.examples import mazur


def made_up_loss():
    """An MLP 3-2-1 with tanh, labeled by hand: inputs x1..x3, weights a11.., loss L."""
    model = MLP(3, [2, 1], activation="tanh", seed=3)
    for k, p in enumerate(model.parameters()):
        p.label = f"p{k}"
    xs = [Value(v, f"x{i + 1}") for i, v in enumerate((0.5, -1.0, 2.0))]
    out = model(xs)
    out.label = "y"
    loss = losses.half_sse([out], [0.25])
    loss.label = "L"
    return model, loss


def page_pick(candidates, given: float):
    """The slip the page names for a number: as the page's script picks it (check_work's
    order: the nearest row, then an exact number, then the plainer kind)."""
    matching = [(c.rank, abs(c.value - given) > 1e-9 * abs(given), k, c)
                for k, c in enumerate(candidates)
                if abs(given - c.value) <= 1e-8 + 1e-4 * abs(c.value)]
    return min(matching, key=lambda m: m[:3])[3] if matching else None


@pytest.mark.parametrize("make", [lambda: mazur().loss(), lambda: made_up_loss()[1]],
                         ids=["textbook", "made-up"])
def test_the_page_names_the_slip_check_work_names(make):
    root = make()
    tr = trace(root)
    practice = Practice(root, tr.names)
    checked = agreed = 0
    for node in tr.nodes:
        if not node.label or node is root or tr.names[node] != node.label:
            continue
        name = f"d{root.label}/d{node.label}"
        candidates = practice.candidates(node)
        firsts = {c.kind: c for c in reversed(candidates)}.values()  # each kind's best
        for c in {*candidates[:6], *firsts}:  # check_work's search takes ~0.1 s a number
            picked = page_pick(candidates, c.value)
            report = check_work(root, {name: repr(c.value)})
            assert report.rows[0].status == "wrong", (name, c)
            kinds = {s.kind for s in report.slips}
            # The page tries "wrong input" in the asked row only; where check_work finds one
            # in a row above that gives the same number, both name a slip that gives it.
            above = [s for s in report.slips if s.kind == "wrong input"
                     and not s.text.startswith(name + " ")]
            assert picked.kind in kinds or above, (name, c, report.slips)
            agreed += picked.kind in kinds
            checked += 1
    assert checked > 60 and agreed > 0.9 * checked


def test_a_slip_further_up_the_chain_shows_in_the_gradients_below_it():
    root = mazur().loss()
    tr = trace(root)
    practice = Practice(root, tr.names)
    w1 = practice.candidates(tr.node("w1"))
    # dE/dout_h1 is a sum of two paths; leaving out the one through net_o2 carries down to w1
    # through net_h1, and the page paints that edge wrong and net_h1's gradient carried.
    left_out = [c for c in w1 if c.kind == "missing path" and "net_o2" in c.text]
    assert len(left_out) == 1
    assert math.isclose(left_out[0].value, 0.00066840 * tr.grad("w1") / 0.00043857, rel_tol=1e-4)
    user, k = left_out[0].edge
    assert user.label == "net_o2" and user.inputs[k].label == "out_h1"
    assert [n.label for n in left_out[0].carried] == ["net_h1"]
    # Every candidate is wrong as check_work rules, and each number once per kind.
    grad = tr.grad("w1")
    assert all(abs(c.value - grad) > 1e-8 + 1e-4 * abs(grad) for c in w1)
    assert len({(c.kind, c.value) for c in w1}) == len(w1)


def test_a_formula_gets_the_local_derivative_by_its_formula():
    x, y = Value(0.5, "x"), Value(-1.0, "y")
    f = ((x * y + x.exp()).tanh()) / (1 + y ** 2)
    f.label = "f"
    tr = trace(f)
    inner = tr.node("x × y + e^x")
    found = Practice(f, tr.names).candidates(inner)
    t = math.tanh(inner.data)
    forgot = [c for c in found if abs(c.value - tr.grad(inner) / (1 - t * t)) < 1e-12]
    assert forgot and forgot[0].kind == "missing factor"
    assert "1 − tanh(x × y + e^x)²" in forgot[0].text or "1 − out" not in forgot[0].text


def slips_at(slips, value):
    return [s for s in slips if math.isclose(s.value, value, rel_tol=1e-9, abs_tol=1e-12)]


def test_an_edge_offers_the_slips_of_its_local_derivative_and_contribution():
    from autodiff.work.edge_slips import edge_candidates

    root = mazur().loss()
    tr = trace(root)
    sheet = Practice(root, tr.names).sheet
    out_o1, net_o1 = tr.node("out_o1"), tr.node("net_o1")
    assert abs(net_o1.data - 1.105905967) < 1e-9 and abs(out_o1.data - 0.75136507) < 1e-8
    found = edge_candidates(sheet, out_o1, 0)  # d out_o1 / d net_o1, by hand: out·(1 − out)
    assert abs(found.local - 0.186815602) < 1e-9
    assert abs(found.contribution - 0.186815602 * 0.74136507) < 1e-8  # × dE_total/dout_o1
    # σ′ taken at the output: σ(out)·(1 − σ(out)) with out = 0.75136507: 0.21778834.
    at_out = [s for s in found.local_slips if abs(s.value - 0.21778834) < 1e-8]
    assert at_out[0].kind == "wrong slope"
    assert "taken at out_o1 where net_o1 belongs" in at_out[0].text
    # The formula out·(1 − out) fed net: 1.105905967 × (1 − 1.105905967) = −0.11712204.
    fed = [s for s in found.local_slips if abs(s.value - -0.11712204) < 1e-8]
    assert fed[0].kind == "wrong slope" and "takes out_o1, not net_o1" in fed[0].text
    # σ′ left out (the local taken as 1), the sign flipped, a factor of out·(1 − out) left out.
    assert slips_at(found.local_slips, 1.0)[0].kind == "missing factor"
    assert slips_at(found.local_slips, -0.18681560180895948)[0].kind == "sign"
    halves = {s.text.split(": ")[-1] for s in found.local_slips if s.kind == "missing factor"}
    assert {"the factor out_o1 is left out", "the factor 1 − out_o1 is left out"} <= halves
    # The contribution: the upstream left out (the local alone), the local left out (the
    # upstream alone), another gradient in the upstream's place.
    alone = slips_at(found.contribution_slips, found.local)
    assert alone[0].kind == "missing factor" and alone[0].text.endswith("factor dE_total/dout_o1")
    up = [s for s in found.contribution_slips if abs(s.value - 0.741365069) < 1e-8]
    assert up[0].kind == "missing factor" and "out_o1·(1 − out_o1) = 0.18681560" in up[0].text
    other = tr.grad("out_o2") * found.local
    assert any(s.kind == "wrong input" and "dE_total/dout_o2" in s.text
               for s in slips_at(found.contribution_slips, other))
    # Every slip is wrong as the page rules, and each number once per kind.
    for truth, slips in ((found.local, found.local_slips),
                         (found.contribution, found.contribution_slips)):
        assert all(abs(s.value - truth) > 1e-8 + 1e-4 * abs(truth) for s in slips)
        assert len({(s.kind, s.value) for s in slips}) == len(slips)


def test_an_edge_of_a_product_and_of_tanh_offer_the_other_factor_and_the_missing_square():
    from autodiff.work.edge_slips import edge_candidates

    model = MLP(3, [2, 1], activation="tanh", out_activation="tanh", seed=3)
    y = model([Value(v, f"x{i + 1}") for i, v in enumerate((0.5, -1.0, 2.0))])
    y.label, y.inputs[0].label = "y", "z"
    root = losses.half_sse([y], [0.25])
    root.label = "L"
    tr = trace(root)
    sheet = Practice(root, tr.names).sheet
    z = y.inputs[0]
    found = edge_candidates(sheet, y, 0)  # d y / d z = 1 − y² (tanh)
    assert abs(found.local - (1 - y.data ** 2)) < 1e-15
    square = slips_at(found.local_slips, 1 - y.data)
    assert square[0].kind == "missing factor" and "the factor y is left out" in square[0].text
    assert slips_at(found.local_slips, 1 - z.data ** 2)[0].kind == "wrong slope"
    # z = w·h + … + b: d z / d w is the input h; the weight itself in its place.
    k = 0
    w, h = z.inputs[k], z.inputs[(len(z.inputs) - 1) // 2 + k]
    found = edge_candidates(sheet, z, k)
    assert abs(found.local - h.data) < 1e-15
    assert any(s.kind == "wrong input" and f"uses {tr.names[w]} where {tr.names[h]} belongs"
               in s.text for s in slips_at(found.local_slips, w.data))
