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


def test_a_slip_that_divides_by_zero_gives_no_number_not_an_error():
    from autodiff.work.edge_slips import edge_candidates
    from autodiff.work.sheet import Sheet

    a, z = Value(2.0, "a"), Value(0.0, "z")
    log_a = a.log()
    f = z * a + log_a  # z before ln a: "z where a belongs" in 1 ÷ a divides by zero
    f.label = "f"
    found = edge_candidates(Sheet(f, None), log_a, 0)
    assert found.local == 0.5
    assert slips_at(found.local_slips, 1.0)[0].kind == "missing factor"
    assert not any("uses z where a belongs" in s.text for s in found.local_slips)


# --- batch pages: each shown sample as a graph of numbers ----------------------------------
# The batch graphs of the page's browser tests: an MLP with a mean, a formula with a sum.
from test_page_browser import batch_mlp_loss, batch_sum_loss  # noqa: E402


def at_sample(x, s: int) -> float:
    from autodiff.engine.numpy_on_demand import is_array

    return float(x[s]) if is_array(x) else float(x)


def mean_inside():
    """A mean that is not the root (2·mean(3·tanh(w²·x))), a weight squared before the batch."""
    import numpy as np

    x, w = Value(np.array([0.5, -1.0, 2.0]), "x"), Value(0.8, "w")
    w2 = w * w
    w2.label = "w2"
    y = (w2 * x).tanh()
    y.label = "y"
    loss = (y * 3.0).mean() * 2.0
    loss.label = "L"
    return loss


@pytest.mark.parametrize("make", [lambda: batch_mlp_loss()[1], batch_sum_loss, mean_inside],
                         ids=["mlp-mean", "formula-sum", "mean-inside"])
def test_each_sample_as_numbers_has_the_batch_pages_gradients(make):
    import numpy as np

    from autodiff.engine.numpy_on_demand import is_array
    from autodiff.work.one_sample import one_sample, summed_nodes
    from autodiff.work.sheet import Sheet

    root = make()
    tr = trace(root)
    n = np.size(next(x.data for x in tr.nodes if is_array(x.data)))
    summed = summed_nodes(tr.nodes, root)
    assert summed and all(not is_array(x.data) for x in summed)
    shares: dict = {}
    checked = 0
    for s in range(n):
        one = one_sample(tr.nodes, root, s, tr.names)
        assert all(type(x.data) is float for x in one.copy.values())
        one.root.backward()
        for node in tr.nodes:
            mine = one.copy[node].grad
            if node in summed:  # a weight's: this sample's share of the batch's sum
                shares[node] = shares.get(node, 0.0) + mine
                continue
            assert math.isclose(mine, at_sample(tr.grad(node), s), rel_tol=1e-12,
                                abs_tol=1e-15), (tr.names[node], s)
            checked += 1
        # Every edge's local derivative and contribution are the batch page's numbers for
        # this sample (into a weight: the sample's term, before the sum over the batch).
        sheet = Sheet(one.root, None, one.names)
        for step in tr.backward:
            for k, edge in enumerate(step.edges):
                if step.node in summed:
                    continue
                user, q = one.edge[step.node, k]
                x = user.inputs[q]
                e = next(i for i, (u, p) in enumerate(sheet.users[x]) if u is user and p == q)
                local, upstream = sheet.term(x, e, sheet.truth.__getitem__)
                assert math.isclose(local, at_sample(edge.local, s), rel_tol=1e-12)
                term = edge.local * step.upstream
                assert math.isclose(local * upstream, at_sample(term, s), rel_tol=1e-12,
                                    abs_tol=1e-15)
                checked += 1
    assert checked > 10 * n
    for node, total in shares.items():  # the shares add up to the batch's gradient
        assert math.isclose(total, tr.grad(node), rel_tol=1e-9, abs_tol=1e-12), tr.names[node]


def test_a_batch_page_offers_each_samples_slips_with_their_kinds():
    from autodiff.see.page import page_data

    model, loss = batch_mlp_loss()
    tr = trace(loss)
    data = page_data(tr, model=model)
    texts = data["slipTexts"]
    at = {data["nodes"][step["node"]]["name"]: b for b, step in enumerate(data["steps"])}
    # d loss / d sum_2 is 1/6 for every sample: the 1/N of the mean forgotten gives 1.
    asked = data["guesses"][str(at["sum_2"])]
    assert len(asked) == 6
    for value, slips in asked:
        assert math.isclose(value, 1 / 6)
        forgot = [x for x in slips if x[0] == 1.0 and texts[x[1]] == "missing factor"]
        assert forgot and "dloss/dsum_2 = 1/6" in texts[forgot[0][2]]
    # out_o1 feeds two paths; leaving out the one through |out_o1| gives (0.5 − c1[s])/6.
    out_o1 = tr.node("out_o1")
    c1 = next(n for n in tr.nodes if tr.names[n] == "c1").data  # the targets
    for s, (value, slips) in enumerate(data["guesses"][str(at["out_o1"])]):
        assert math.isclose(value, tr.grad(out_o1)[s], rel_tol=1e-12)
        left_out = [x for x in slips if math.isclose(x[0], (0.5 - c1[s]) / 6, rel_tol=1e-9)]
        assert "missing path" in {texts[x[1]] for x in left_out}, s
    # The edge into a weight asks the sample's share, the term before the batch's sum.
    step = data["steps"][at["net_h1_1"]]
    w1 = next(e for e in step["edges"] if data["nodes"][e["input"]]["name"] == "h1_1.w1")
    x1 = tr.node("x1").data
    for s, (local, local_slips, share, share_slips) in enumerate(w1["guess"]):
        assert math.isclose(local, x1[s])
        assert math.isclose(float(w1["term"][s]), share, abs_tol=1e-8)
        assert any(texts[x[1]] == "sign" and math.isclose(x[0], -x1[s]) for x in local_slips)
        assert any(texts[x[1]] == "sign" and math.isclose(x[0], -share, rel_tol=1e-9)
                   for x in share_slips)
    # The sum over 5 samples: σ′ left out of d L / d z gives d L / d y, each sample's own.
    sum_tr = trace(batch_sum_loss())
    data = page_data(sum_tr)
    texts = data["slipTexts"]
    z = next(b for b, st in enumerate(data["steps"]) if data["nodes"][st["node"]]["name"] == "z")
    for s, (value, slips) in enumerate(data["guesses"][str(z)]):
        assert math.isclose(value, sum_tr.grad(sum_tr.node("z"))[s], rel_tol=1e-12)
        forgot = [x for x in slips
                  if math.isclose(x[0], sum_tr.grad(sum_tr.node("y"))[s], rel_tol=1e-9)]
        assert texts[forgot[0][1]] == "missing factor" and "y·(1 − y)" in texts[forgot[0][2]]
