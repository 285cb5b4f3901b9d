"""The step-through page: its data, its self-containedness, and real headless Chromium runs.

The graphs: the textbook 2-2-2 network, an XOR 2-3-2 net on its four samples, an MLP of 658
nodes over four samples one by one (and of 1,778 over eighteen), a batch-mode MLP, and labels
chosen to break things.
"""

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from autodiff import Value, grad
from autodiff.language.numbers import format_number
from autodiff.see.page import MAX_SAMPLES, TracePage, page_data, page_html
from autodiff.see.trace import trace
from nn import MLP, datasets, losses
from nn.examples import mazur

# Found on PATH, as `dot` is, so hiding PATH hides both (a newcomer's machine has neither).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MISSING = [name for name, found in (("Chromium (no `chromium` on PATH)", CHROMIUM),
                                    ("Graphviz `dot`", shutil.which("dot"))) if found is None]
# The browser tests click and watch the drawn graph, so they need both.
needs_chromium = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {' and '.join(MISSING)}")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
NUMBER = r"-?\d+\.\d+(?:e[-+]\d+)?"
PRODUCT = re.compile(rf"({NUMBER}(?: × {NUMBER})+) = ({NUMBER})")


def big_mlp_loss(samples=4):
    """MLP(2, [16, 16, 1]) on four samples, one graph per sample: 658 nodes (18: 1,778)."""
    X, y = datasets.make_moons(samples, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    loss = Value(0.0)
    for k in range(samples):
        out = model([float(X[k, 0]), float(X[k, 1])])
        loss = loss + losses.binary_cross_entropy(out, int(y[k]))
    loss.label = "loss"
    return model, loss


def batch_mlp_loss(n=6):
    X, y = datasets.make_moons(n, noise=0.1, seed=1)
    model = MLP(2, [4, 4, 1], activation="tanh", seed=2)
    loss = losses.binary_cross_entropy(model([X[:, 0], X[:, 1]]), y)
    loss.label = "loss"
    return model, loss


def batch_sum_loss():
    """A formula over 5 samples: L = Σ (σ(w·x + b) − t)², a sum over the batch."""
    x = Value(np.array([0.5, -1.0, 2.0, 0.3, -0.7]), "x")
    t = Value(np.array([1.0, 0.0, 1.0, 1.0, 0.0]), "t")
    w, b = Value(0.8, "w"), Value(-0.3, "b")
    z = w * x + b
    z.label = "z"
    y = z.sigmoid()
    y.label = "y"
    err = y - t
    err.label = "err"
    loss = (err ** 2).sum()
    loss.label = "L"
    return loss


def holds(text: str) -> list[str]:
    """Every 'a × b × … = c' in text whose numbers do not multiply to c (to the digits shown)."""
    wrong = []
    for factors, result in PRODUCT.findall(text):
        numbers = [float(f) for f in factors.split(" × ")]
        product = float(np.prod(numbers))
        tolerance = 1e-8 * (1 + sum(abs(x) for x in numbers)) * len(numbers) + 1e-12
        if abs(product - float(result)) > max(tolerance, 1e-7 * abs(product)):
            wrong.append(f"{factors} = {result} (is {product!r})")
    return wrong


class Browser:
    """One headless Chromium page on a saved file; no request leaves the machine."""

    def __init__(self, p, path, width=1400, height=1000):
        self.browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        self.page = self.browser.new_page(viewport={"width": width, "height": height})
        self.errors, self.fetched = [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message),
                                          d.dismiss()))

        def no_network(route):
            if not route.request.url.startswith("file:"):
                self.fetched.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        self.page.route("**/*", no_network)
        self.page.goto(Path(path).as_uri())

    def close(self):
        self.browser.close()


# --- the data -----------------------------------------------------------------------------------


def test_page_data_replays_the_backward_pass(textbook):
    data = page_data(textbook)
    names = [n["name"] for n in data["nodes"]]
    assert len(data["steps"]) == len(textbook.backward) + 1  # the seed, then one per node
    assert data["steps"][0]["seed"] and data["nodes"][data["root"]]["name"] == "E_total"
    w5 = names.index("w5")
    grads = [change[1] for step in data["steps"] for change in step["changes"]
             if change[0] == w5]
    assert grads == ["0.08216704"]  # w5 is reached once, by net_o1
    b2 = names.index("b2")
    b2_grads = [c[1] for s in data["steps"] for c in s["changes"] if c[0] == b2]
    assert b2_grads == ["-0.03809824", "0.10040033"]  # the running sum, then the total
    assert data["nodes"][b2]["grad"] == format_number(textbook.node("b2").grad)
    # Local-derivative formulas come from the op table's reader text, with the nodes' names.
    step = next(s for s in data["steps"][1:] if data["nodes"][s["node"]]["name"] == "out_o1")
    assert step["edges"][0]["localText"] == "out_o1·(1 − out_o1)"  # as a textbook writes it
    assert step["upstream"] == "0.74136507" and step["edges"][0]["local"] == "0.18681560"
    # The forward pass is stepped too, each node's formula with its inputs' numbers.
    net_h1 = next(f for f in data["forward"] if data["nodes"][f["node"]]["name"] == "net_h1")
    assert net_h1["text"] == "net_h1 = w1·i1 + w2·i2 + b1"
    assert net_h1["numbers"] == "0.15000000·0.05000000 + 0.20000000·0.10000000 + 0.35000000"
    assert net_h1["value"] == "0.37750000"
    # Formulas read like maths, constants are numbers, and no name is an engine's "#29".
    square = next(f for f in data["forward"] if "²" in f["text"])
    assert square["text"] == "(0.01 − out_o1)²"
    assert not any(n["name"].startswith("#") for n in data["nodes"])
    # Every shown product holds: local × upstream = contribution, and each path's product.
    for s in data["steps"][1:]:
        for e in s["edges"]:
            assert not holds(f"{e['local']} × {s['upstream']} = {e['contribution']}")
    for entry in data["explain"].values():
        for path in entry["paths"]:
            assert not holds(path["eq"])


def test_the_check_and_sgd_panels_hold_the_textbook_numbers():
    example = mazur()
    tr = trace(example.loss())
    data = page_data(tr, params=example.weights(), lr=0.5)
    names = [n["name"] for n in data["nodes"]]
    checked = {names[i]: (a, n, ok) for i, a, n, ok, _ in data["check"]["rows"]}
    assert set(checked) >= {"w1", "w5", "b1", "i1"}
    assert all(ok for _, _, ok in checked.values())
    assert checked["w5"][0] == "0.08216704" and abs(float(checked["w5"][1]) - 0.08216704) < 1e-8
    rows = {names[i]: after for i, _, _, after in data["sgd"]["rows"]}
    assert rows["w5"] == "0.35891648" and "b1" not in rows
    assert data["sgd"]["after"] == "0.29102777" and data["sgd"]["before"] == "0.29837111"


def test_a_batch_page_shows_one_sample_and_says_where_it_sums():
    model, loss = batch_mlp_loss(6)
    tr = trace(loss)
    data = page_data(tr, model=model)
    assert data["batch"] == {"size": 6, "shown": 6}
    names = [n["name"] for n in data["nodes"]]
    summed = 0
    for step in data["steps"][1:]:
        up = step["upstream"]
        for e in step["edges"]:
            if e["constant"]:
                continue
            term = e["term"] if e["term"] is not None else e["contribution"]
            for s in range(6):
                local = e["local"][s] if isinstance(e["local"], list) else e["local"]
                u = up[s] if isinstance(up, list) else up
                t = term[s] if isinstance(term, list) else term
                assert not holds(f"{local} × {u} = {t}"), (names[step["node"]], s)
            if e["term"] is not None:  # a parameter's gradient: the sum over the batch
                summed += 1
                assert isinstance(e["contribution"], str)
                assert abs(sum(float(t) for t in e["term"]) - float(e["contribution"])) < 1e-7
    assert summed > 0
    with pytest.raises(TypeError, match="lr"):
        page_data(tr, lr="fast")
    assert MAX_SAMPLES >= 6


def test_page_is_one_self_contained_file(textbook, tmp_path):
    page = page_html(textbook)
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page or "Graphviz" in page
    # Nothing is fetched: no external scripts, styles, images or fonts.
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "@import" not in page and "url(" not in page
    assert "%%" not in page  # every placeholder filled
    saved = TracePage(textbook).save(tmp_path / "t.html")
    assert saved.read_text(encoding="utf-8").count("<script") == 2
    assert TracePage(textbook)._repr_html_().startswith("<iframe srcdoc=")
    assert textbook.page().html == TracePage(textbook).html
    with pytest.raises(TypeError, match="unknown option 'colour'"):
        page_html(textbook, colour="red")


def test_page_escapes_labels(tmp_path):
    odd = Value(1.0, "</script><b>x") * 2.0
    odd.label = "y"
    page = page_html(trace(odd))
    assert "</script><b>x" not in page


def test_placeholders_in_labels_and_titles_stay_text():
    x = Value(2.0, "%%DATA%%")
    y = (x * Value(3.0, "%%TITLE%%")).tanh()
    y.label = "%%SVG%%"
    page = page_html(trace(y), title="%%DATA%% and %%NOTE%%")
    import json

    # One pass fills the template: a slot's name inside a label or the title is left alone.
    assert page.count('<script id="trace-data"') == 1 and page.count("<script") == 2
    assert "<title>%%DATA%% and %%NOTE%%</title>" in page
    payload = re.search(r'id="trace-data" type="application/json">(.*?)</script>', page,
                        re.S).group(1)
    data = json.loads(payload.replace("<\\/", "</"))
    assert {n[0] for n in data["nodes"]} >= {"%%DATA%%", "%%TITLE%%", "%%SVG%%"}
    assert data["title"] == "%%DATA%% and %%NOTE%%"


def test_a_big_graph_is_drawn_in_views_and_a_huge_one_gets_a_clear_error():
    def chain(n):
        node = Value(0.3, "x")
        for _ in range(n):
            node = node.tanh()
        node.label = "end"
        return node

    page = page_html(trace(chain(400)))
    assert page.count('data-name=') == 0  # rows are built by the script, from the data
    assert '"end"' in page
    with pytest.raises(ValueError, match="6,001 nodes; a step-through page is for up to 5,000"):
        page_data(trace(chain(6000)))


@needs_dot
def test_every_step_of_a_big_graph_has_a_view_that_draws_its_node():
    import json

    model, loss = big_mlp_loss()
    tr = trace(loss)
    assert len(tr.nodes) > 600
    html_text = tr.page(model=model).html
    data = json.loads(re.search(r'id="trace-data" type="application/json">(.*?)</script>',
                                html_text, re.S).group(1).replace("<\\/", "</"))
    picture = data["picture"]
    ids = [{n[0] for n in view["nodes"]} for view in picture["views"]]
    for i, node in enumerate(tr.nodes):
        if node.inputs:
            assert f"v{i}" in ids[picture["viewOf"][i]]
    assert len(html_text) < 1_000_000


def test_the_graph_of_a_gradient_pages_like_any_graph():
    def f(x):
        return np.tanh(x * x) * x

    x = Value(0.7, "x")
    y = (x * x).tanh() * x
    y.label = "y"
    (dy,) = grad(y, [x], create_graph=True)
    dy.label = "dy/dx"
    h = 1e-4
    assert abs(dy.data - (f(0.7 + h) - f(0.7 - h)) / (2 * h)) < 1e-6
    tr = trace(dy)  # the graph the first derivative built, traced: x.grad is d²y/dx²
    assert x in tr.nodes and tr.root is dy
    assert abs(tr.grad(x) - (f(0.7 + h) - 2 * f(0.7) + f(0.7 - h)) / h ** 2) < 1e-4
    data = page_data(tr)
    assert data["rootName"] == "dy/dx" and len(data["forward"]) > 3
    assert all(ok for *_, ok, _ in data["check"]["rows"])
    page = tr.page(title="the second derivative")
    assert "the second derivative" in page.html


def test_the_command_line_writes_a_page(capsys, tmp_path):
    from autodiff.cli import main

    path = tmp_path / "f.html"
    assert main(["draw", "tanh(x*y + x)", "--at", "x=2,y=-3", "--page", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Wrote {path}" in out
    page = path.read_text(encoding="utf-8")
    assert "f = tanh(x*y + x)" in page and page.count("<script") == 2
    assert main(["draw", "x", "--at", "x=1", "--page", str(tmp_path / "no" / "dir.html")]) == 2
    assert "cannot write" in capsys.readouterr().err


# --- in the browser -------------------------------------------------------------------------------


@needs_chromium
def test_stepping_through_in_headless_chromium(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "trace.html"
    textbook.page(highlight=textbook.explain("w5")).save(path)
    w5 = textbook.index(textbook.node("w5"))
    with sync_playwright() as p:
        b = Browser(p, path)
        page = b.page
        try:
            grad_cell = page.locator('#grads tr[data-name="w5"] .grad')
            assert page.locator("#counter").text_content() == "step 0 / 31"
            assert grad_cell.text_content() == "0"
            assert page.locator("#prev").is_disabled()
            shown = []
            while not page.locator("#next").is_disabled():
                page.click("#next")
                shown.append(grad_cell.text_content())
            assert shown[-1] == "0.08216704"
            first = shown.index("0.08216704")
            assert set(shown[:first]) == {"0"}
            # That step was net_o1 passing its gradient to w5, out_h1, ...
            page.locator("#slider").fill(str(first + 1))
            assert page.locator("#step-title").text_content().endswith(": net_o1")
            assert "0.59326999 × 0.13849856 = 0.08216704" in page.locator("#step-body").inner_text()
            assert page.locator(f"#v{w5}").get_attribute("class").split().count("recv") == 1
            assert page.locator(f"#v{w5} text", has_text="grad").text_content() == "grad 0.0822"
            # The edge w5 -> net_o1 has carried a positive share: red, wider than at rest.
            net_o1 = textbook.index(textbook.node("net_o1"))
            k = textbook.node("net_o1").inputs.index(textbook.node("w5"))
            assert "pos" in page.locator(f"#e{net_o1}_{k}").get_attribute("class").split()
            page.screenshot(path=str(tmp_path / "step.png"), full_page=True)
            # The forward pass comes first: step 1 computes a node from given leaves.
            page.keyboard.press("Home")
            assert grad_cell.text_content() == "0"
            page.keyboard.press("ArrowRight")
            assert page.locator("#counter").text_content() == "step 1 / 31"
            assert page.locator("#step-title").text_content().startswith("Forward 1 of 15")
            # Fills are neutral until a node receives its share.
            fill = page.locator(f"#v{w5} > rect").evaluate("r => r.style.fill")
            assert fill in ("rgb(255, 255, 255)", "#ffffff")
            page.locator(f"#v{w5}").click()  # a node jumps to the step that completes it
            assert grad_cell.text_content() == "0.08216704"
            fill = page.locator(f"#v{w5} > rect").evaluate("r => r.style.fill")
            assert fill not in ("rgb(255, 255, 255)", "#ffffff")
            # Space plays and pauses.
            page.locator("body").press(" ")
            assert page.locator("#play").text_content() == "❚❚ pause"
            page.locator("body").press(" ")
            assert page.locator("#play").text_content() == "▶ play"
        finally:
            b.close()
    assert b.fetched == [] and b.errors == []
    assert (tmp_path / "step.png").stat().st_size > 10_000


@needs_chromium
def test_clicking_a_leaf_shows_its_paths_and_their_sum(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "trace.html"
    textbook.page().save(path)
    b1 = textbook.index(textbook.node("b1"))
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.locator(f"#v{b1}").click()
            panel = b.page.locator("#explain")
            assert panel.is_visible()
            text = panel.inner_text()
            assert "dE_total/db1 = 0.01336792 + 0.01499608 - 0.00459657 - 0.00504182 = " \
                   "0.01872561" in text
            assert b.page.locator("#explain ol.paths > li").count() == 4
            routes = b.page.locator("#explain .route").all_text_contents()
            assert routes[0] == "E_total → E_o1 → out_o1 → net_o1 → out_h1 → net_h1 → b1"
            assert not holds(text) and len(PRODUCT.findall(text)) == 4
            # The paths are lit: every node made from b1, and not w5.
            lit = b.page.locator("#graph .onpath").count()
            assert lit >= 10
            w5 = textbook.index(textbook.node("w5"))
            assert "onpath" not in b.page.locator(f"#v{w5}").get_attribute("class")
            out_h1 = textbook.index(textbook.node("out_h1"))
            assert "onpath" in b.page.locator(f"#v{out_h1}").get_attribute("class")
            # And the page says where b1's gradient was completed.
            assert "gradient is complete" in text
            # Forward mode along b1 gives the same number, left to right.
            b.page.locator("#forward-mode summary").click()
            b.page.locator("#direction").select_option(label="b1")
            result = b.page.locator("#fm-result").text_content()
            assert result == "forward mode: dE_total/db1 = 0.01872561;  backward pass: 0.01872561"
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
@needs_dot
def test_a_600_node_mlp_keeps_the_current_node_in_view_at_every_step(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = big_mlp_loss()
    tr = trace(loss)
    path = tmp_path / "big.html"
    tr.page(model=model).save(path)
    with sync_playwright() as p:
        b = Browser(p, path, width=1060, height=900)
        try:
            last = int(b.page.locator("#counter").text_content().split("/")[1])
            assert last == 2 * sum(1 for n in tr.nodes if n.inputs) + 1
            # Walk every step in the page itself; at each, the element marked `cur` must be
            # inside the window and inside the picture's visible area.
            report = b.page.evaluate("""(last) => {
                const bad = [];
                for (let k = 0; k < last; k++) {
                    const graph = document.getElementById('graph').getBoundingClientRect();
                    const cur = document.querySelectorAll('#graph .cur');
                    const title = document.getElementById('step-title').textContent;
                    if (k > 0 && cur.length === 0) { bad.push(k + ': nothing marked cur'); }
                    for (const e of cur) {
                        const r = e.getBoundingClientRect();
                        const inside = r.width > 0 && r.left >= graph.left - 1 &&
                            r.right <= graph.right + 1 && r.top >= graph.top - 1 &&
                            r.bottom <= graph.bottom + 1 && r.bottom <= window.innerHeight &&
                            r.right <= window.innerWidth;
                        if (!inside) bad.push(k + ': ' + e.id + ' outside (' + title + ')');
                    }
                    document.getElementById('next').click();
                }
                return bad;
            }""", last)
            assert report == []
            # The current node is drawn as itself, not only as a box holding it.
            b.page.locator("#slider").fill(str(last - 5))
            cur = b.page.locator("#graph g.value.cur")
            assert cur.count() == 1
            name = b.page.locator("#step-title").text_content().split(": ", 1)[1]
            assert cur.locator("text").first.text_content() == name
            # Text in the picture stays readable: drawn at 85 % of its size or more.
            size = b.page.evaluate("""() => {
                const t = document.querySelector('#graph g.value text');
                return t.getBoundingClientRect().height; }""")
            assert size >= 9
            # A click on a grey box opens it.
            box = b.page.locator("#graph g.box").first
            title = box.locator("text").first.text_content()
            box.click()
            assert b.page.locator("#graph text.cluster", has_text=title).count() >= 1
        finally:
            b.close()
    assert b.errors == [] and b.fetched == []


@needs_chromium
def test_every_equation_on_a_batch_page_holds_for_every_sample(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = batch_mlp_loss(6)
    path = tmp_path / "batch.html"
    trace(loss).page(model=model).save(path)
    with sync_playwright() as p:
        b = Browser(p, path, width=1060)
        try:
            assert b.page.locator("select#sample option").count() == 6
            last = int(b.page.locator("#counter").text_content().split("/")[1])
            checked, sums = 0, {}
            for sample in range(6):
                b.page.locator("select#sample").select_option(str(sample))
                texts = b.page.evaluate("""(last) => {
                    const out = [];
                    for (let k = 0; k <= last; k++) {
                        document.getElementById('slider').value = String(k);
                        document.getElementById('slider').dispatchEvent(new Event('input'));
                        out.push(document.getElementById('step-body').innerText);
                    }
                    return out;
                }""", last)
                for k, text in enumerate(texts):
                    assert not holds(text), (sample, k, holds(text))
                    checked += len(PRODUCT.findall(text))
                    for term, total in re.findall(
                            rf"({NUMBER})\s+summed over the 6 samples: Σ = ({NUMBER})", text):
                        sums.setdefault((k, total), []).append(float(term))
            assert checked > 500
            # Where a gradient is a sum over the batch, the page shows that sum: the sum of
            # the terms the reader sees, one per sample.
            assert sums
            for (k, total), terms in sums.items():
                if len(terms) == 6:
                    assert abs(sum(terms) - float(total)) < 1e-7, k
            text = b.page.locator("#step-body").inner_text()
            assert "Numbers of sample 5" in text
            # The explanation of a weight: per-sample products, then the batch's sum.
            w = b.page.locator("#grads tr[data-name='h1_1.w1']")
            w.click()
            assert not holds(b.page.locator("#explain").inner_text())
            assert "summed over the batch" in b.page.locator("#explain").inner_text()
        finally:
            b.close()
    assert b.errors == []


HOSTILE_LABELS = ["<img src=x onerror=window.__pwned=1>", "%%DATA%%", "%%TITLE%%", "]",
                  "</script><script>window.__pwned=1</script>", "a\nb\tc\x07", "${x}",
                  "<!--", "\u2028"]


@needs_chromium
def test_hostile_labels_and_titles_stay_text(tmp_path):
    from playwright.sync_api import sync_playwright

    xs = [Value(float(k + 1), label) for k, label in enumerate(HOSTILE_LABELS)]
    total = xs[0]
    for x in xs[1:]:
        total = total * x
    root = total.tanh()
    root.label = "%%SVG%% <b>root</b>"
    title = "<script>window.__pwned=1</script> %%DATA%% %%NOTE%%"
    path = tmp_path / "hostile.html"
    trace(root).page(title=title, groups={"<i>%%DATA%%</i>": xs[:3]}).save(path)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.click("#last")
            assert b.page.evaluate("() => window.__pwned") is None
            assert b.page.evaluate("() => document.title") == title
            assert b.page.locator("h1").text_content() == title
            assert b.page.locator("img").count() == 0 and b.page.locator("b").count() <= 1
            names = b.page.locator("#grads tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.name)")
            assert "<img src=x onerror=window.__pwned=1>" in names
            assert "a\\nb\\tc\\x07" in names  # control characters shown, never hidden
            texts = b.page.locator("#graph text").all_text_contents()
            assert "%%SVG%% <b>root</b>" in texts and "]" in texts
            b.page.locator(f"#v{len(xs) - 1}").click()  # whatever it is, it is only text
            assert b.page.evaluate("() => window.__pwned") is None
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
@pytest.mark.parametrize("width", [800, 1060, 1600])
def test_no_column_is_clipped_from_800_px_to_a_wide_screen(textbook, tmp_path, width):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "trace.html"
    textbook.page().save(path)
    with sync_playwright() as p:
        b = Browser(p, path, width=width, height=900)
        try:
            b.page.locator("#slider").fill("28")
            clipped = b.page.evaluate("""() => {
                const bad = [];
                for (const t of document.querySelectorAll('main table')) {
                    const box = t.closest('section').getBoundingClientRect();
                    for (const c of t.querySelectorAll('th, td')) {
                        const r = c.getBoundingClientRect();
                        if (getComputedStyle(c).display === 'none') continue;
                        if (r.right > box.right + 1 || r.left < box.left - 1 || r.width < 8)
                            bad.push(c.textContent.slice(0, 30));
                    }
                }
                return bad;
            }""")
            assert clipped == []
            assert b.page.locator("#step th", has_text="input's gradient now").is_visible()
            assert b.page.locator("#step th", has_text="= formula").is_visible()
            # "fit" shows the whole view, however small; again, and text is readable again.
            b.page.click("#zoom-fit")
            sizes = b.page.evaluate("""() => [
                document.getElementById('picture').getBoundingClientRect().width,
                document.getElementById('graph').clientWidth]""")
            assert sizes[0] <= sizes[1]
            b.page.click("#zoom-fit")
            assert b.page.locator("#zoom-fit").text_content() == "fit"
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_in_a_notebook_the_frame_takes_the_page_height(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "notebook.html"
    path.write_text("<!DOCTYPE html><html><body style='width:1060px'>"
                    + textbook.page()._repr_html_() + "</body></html>", encoding="utf-8")
    with sync_playwright() as p:
        b = Browser(p, path, width=1100)
        try:
            frame = b.page.locator("iframe")
            b.page.wait_for_function(
                "() => document.querySelector('iframe').contentDocument.getElementById('counter')"
                ".textContent.startsWith('step')")
            inner = b.page.evaluate(
                "() => document.querySelector('iframe').contentDocument.documentElement"
                ".scrollHeight")
            height = frame.bounding_box()["height"]
            assert abs(height - inner) <= 8 and height > 900
        finally:
            b.close()
    assert b.errors == []


# --- the page, round 2: each reported break, in the browser --------------------------------------

FORMULA = "tanh(x*y + exp(x)) / (1 + y**2)"


def formula_page(tmp_path, at="x=0.5,y=-0.8"):
    from autodiff.cli import main
    from autodiff.cli.formula import build_graph, parse_assignments

    path = tmp_path / "formula.html"
    assert main(["draw", FORMULA, "--at", at, "--page", str(path)]) == 0
    root, leaves = build_graph(FORMULA, parse_assignments(at))
    root.backward()
    return path, root, leaves


@needs_chromium
def test_a_formula_page_explains_each_path_op_by_op(tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    path, root, leaves = formula_page(tmp_path)
    capsys.readouterr()
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.locator('#grads tr[data-name="x"]').click()
            text = b.page.locator("#explain").inner_text()
            # x reaches f along two paths (x·y and exp(x)): two products of local derivatives,
            # each with more than one factor, and their sum is Python's gradient.
            assert b.page.locator("#explain ol.paths > li").count() == 2
            products = PRODUCT.findall(text)
            assert len(products) == 2 and not holds(text)
            assert all(len(factors.split(" × ")) >= 3 for factors, _ in products)
            total = sum(float(result) for _, result in products)
            assert abs(total - leaves["x"].grad) < 2e-8
            assert f"= {format_number(leaves['x'].grad)}" in text
            line = b.page.locator("#explain p.formula").first.text_content()
            assert " + " in line or " - " in line  # a sum, not "f → x: g = g"
            # The number 1 is a constant: no gradient row, no SGD step, no check, no direction.
            assert b.page.locator('#grads tr[data-name="1"]').count() == 0
            sgd = b.page.locator("#sgd tbody td.name").all_text_contents()
            check = b.page.locator("#check tbody td.name").all_text_contents()
            assert sgd == ["x", "y"] and check == ["x", "y"]
            directions = b.page.locator("#direction option").all_text_contents()
            assert directions == ["x", "y"]
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
@needs_dot
def test_a_row_click_lights_its_paths_marks_its_node_and_shows_its_panel(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = big_mlp_loss()
    tr = trace(loss)
    path = tmp_path / "big.html"
    tr.page(model=model).save(path)
    name = tr.name(model.layers[1].neurons[3].w[5])
    with sync_playwright() as p:
        b = Browser(p, path, width=1060, height=768)
        try:
            b.page.locator(f'#grads tr[data-name="{name}"]').click()
            assert b.page.locator("#graph .onpath").count() > 0
            assert b.page.locator("#graph .picked").count() == 1
            assert "picked" in b.page.locator(f'#grads tr[data-name="{name}"]').get_attribute(
                "class")
            box = b.page.locator("#explain").bounding_box()
            assert 0 <= box["y"] < 768 - 40, box  # the panel is on screen
            title = b.page.locator("#explain-title").text_content()
            assert title == f"The chain rule for dloss/d{name}"
            # Stepping on keeps the paths lit, and the table follows the current row.
            for _ in range(3):
                b.page.click("#next")
            assert b.page.locator("#graph .onpath").count() > 0
            b.page.locator("#slider").fill("40")
            b.page.locator("#slider").dispatch_event("input")
            inside = b.page.evaluate("""() => {
                const row = document.querySelector('#grads tr.current');
                const box = row.closest('.tall').getBoundingClientRect();
                const r = row.getBoundingClientRect();
                return r.top >= box.top - 1 && r.bottom <= box.bottom + 1; }""")
            assert inside
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_a_batch_chain_rule_shows_one_total_and_counts_paths_right(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = batch_mlp_loss(6)
    tr = trace(loss)
    path = tmp_path / "batch.html"
    tr.page(model=model).save(path)
    with sync_playwright() as p:
        b = Browser(p, path, width=1060)
        try:
            for row in ("h1_1.w1", "out_h2_1"):
                found = b.page.locator(f"#grads tr[data-name='{row}']")
                if found.count() == 0:
                    continue
                found.click()
                text = b.page.locator("#explain").inner_text()
                assert "its 1 paths" not in text
                total = b.page.locator("#explain p.formula.big").text_content()
                assert re.fullmatch(rf"d\S+/d\S+ = {NUMBER}", total), total
            # A node made from targets only passes nothing anyone needs: no backward step.
            titles = b.page.evaluate("""() => {
                const out = [], last = Number(document.getElementById('slider').max);
                for (let k = 0; k <= last; k++) {
                    const s = document.getElementById('slider'); s.value = String(k);
                    s.dispatchEvent(new Event('input'));
                    out.push(document.getElementById('step-title').textContent);
                }
                return out; }""")
            assert not any(t.startswith("Step ") and t.endswith(": 0.5 − c1") for t in titles)
            assert b.page.locator("#grads tr[data-name='0.5 − c1']").count() == 0
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_in_a_notebook_the_frame_keeps_its_height_and_the_controls_stay(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "notebook.html"
    path.write_text("<!DOCTYPE html><html><body style='width:1060px'>"
                    + textbook.page()._repr_html_() + "</body></html>", encoding="utf-8")
    with sync_playwright() as p:
        b = Browser(p, path, width=1100)
        try:
            b.page.wait_for_function(
                "() => document.querySelector('iframe').contentDocument.getElementById('counter')"
                ".textContent.startsWith('step')")
            frame = b.page.frame_locator("iframe")
            before = b.page.locator("iframe").bounding_box()["height"]
            for _ in range(20):
                frame.locator("#next").click()
            frame.locator('#grads tr[data-name="b1"]').click()
            after = b.page.locator("iframe").bounding_box()["height"]
            assert before == after and after <= 1000
            # Scrolled to the end inside, the controls are still at the frame's top.
            b.page.evaluate("""() => { const d = document.querySelector('iframe').contentDocument;
                for (const e of d.querySelectorAll('*')) e.scrollTop = e.scrollHeight; }""")
            top = b.page.evaluate("""() => document.querySelector('iframe').contentDocument
                .getElementById('next').getBoundingClientRect().top""")
            assert 0 <= top < 120
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_labels_keep_their_order_nodes_take_the_keyboard_and_motion_can_stop(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    x = Value(1.25, "w\u202e1")
    y = (x * 2.0).tanh()
    y.label = "y"
    odd = tmp_path / "rtl.html"
    trace(y).page().save(odd)
    path = tmp_path / "trace.html"
    textbook.page().save(path)
    w5 = textbook.index(textbook.node("w5"))
    with sync_playwright() as p:
        b = Browser(p, odd)
        try:  # a right-to-left override is shown as its code, never obeyed
            names = b.page.locator("#grads tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.name)")
            assert "w\\u202e1" in names
            assert "\u202e" not in b.page.locator("body").inner_text()
        finally:
            b.close()
        b = Browser(p, path)
        try:
            # The op tag of each computed node shows in the gradient table.
            assert b.page.locator('#grads tr[data-name="out_h1"] .tag').text_content() == "σ"
            # No "grad 0" on every node while only values are being computed.
            b.page.click("#next")
            assert b.page.locator(f"#v{w5} text.grad").text_content() == ""
            # A node takes the keyboard: focus it, press Enter, its chain rule opens.
            assert b.page.locator(f"#v{w5}").get_attribute("tabindex") == "0"
            b.page.locator(f"#v{w5}").focus()
            b.page.keyboard.press("Enter")
            assert b.page.locator("#explain-title").text_content() == \
                "The chain rule for dE_total/dw5"
            flowing = b.page.evaluate("""() => getComputedStyle(
                document.querySelector('#graph g.edge.flow > path')).animationName""")
            assert flowing == "flow"
        finally:
            b.close()
        b = Browser(p, path)
        try:
            b.page.emulate_media(reduced_motion="reduce")
            b.page.locator("#slider").fill("20")
            still = b.page.evaluate("""() => getComputedStyle(
                document.querySelector('#graph g.edge.flow > path')).animationName""")
            assert still == "none"
        finally:
            b.close()
    assert b.errors == []


# --- practise mode --------------------------------------------------------------------------------


def go_to_step(page, name):
    """Step forward until the backward step of the node called `name`."""
    page.click("#last")
    last = int(page.locator("#counter").text_content().split("/")[1])
    for k in range(last, 0, -1):
        page.locator("#slider").fill(str(k))
        title = page.locator("#step-title").text_content()
        if title.startswith("Step ") and title.endswith(": " + name):
            return k
    raise AssertionError(f"no backward step of {name}")


def answer(page, text):
    page.locator("input#guess").fill(text)
    page.locator("input#guess").press("Enter")
    verdict = page.locator("#verdict")
    return verdict.get_attribute("class").split(), verdict.text_content()


@needs_chromium
def test_practise_mode_on_the_textbook_network(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "trace.html"
    textbook.page().save(path)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.click("#predict")
            assert b.page.locator("#predict").get_attribute("aria-pressed") == "true"
            go_to_step(b.page, "out_o1")
            # The page asks first: its own number for out_o1 is hidden until the answer.
            assert "upstream gradient" not in b.page.locator("#step-body").inner_text()
            cls, text = answer(b.page, "0.74136507")
            assert "right" in cls and "0.74136507" in text
            # net_o1: leaving out σ′ = out_o1·(1 − out_o1) is a missing factor.
            go_to_step(b.page, "net_o1")
            cls, text = answer(b.page, "0.74136507")
            assert "wrong" in cls and "missing factor" in text and "out_o1·(1 − out_o1)" in text
            cls, text = answer(b.page, "-0.13849856")
            assert "wrong" in cls and "sign" in text
            b.page.click("#retry")
            cls, text = answer(b.page, "0.1385")  # rounded to the digits written: right
            assert "right" in cls
            assert "upstream gradient" in b.page.locator("#step-body").inner_text()
            assert b.page.locator(".score").text_content() == "Score: 2 right of 3"
            # The arrow keys typed into the box do not step the page.
            go_to_step(b.page, "out_h1")
            counter = b.page.locator("#counter").text_content()
            b.page.locator("input#guess").press("ArrowLeft")
            assert b.page.locator("#counter").text_content() == counter
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_practise_mode_on_a_formula(tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    path, root, leaves = formula_page(tmp_path)
    capsys.readouterr()
    root.label = "f"
    tr = trace(root)
    inner = tr.node("x × y + e^x")
    t = float(np.tanh(inner.data))
    forgot_tanh = tr.grad(inner) / (1 - t * t)  # the factor tanh′ = 1 − tanh² left out
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.click("#predict")
            go_to_step(b.page, "x × y + e^x")
            cls, text = answer(b.page, repr(forgot_tanh))
            assert "wrong" in cls and "missing factor" in text
            cls, text = answer(b.page, format_number(tr.grad(inner)))
            assert "right" in cls
            cls, text = answer(b.page, "1e9")
            assert "wrong" in cls and b.page.locator("#verdict .kind").count() == 0
        finally:
            b.close()
    assert b.errors == []


# --- practise mode's slips from check_work's catalog, and "take the step" ----------------------


def made_up_network():
    """An MLP 3-2-1 with tanh and labels of our own: inputs x1..x3, parameters p0..p10, the
    output's net z, its output y, the loss L."""
    model = MLP(3, [2, 1], activation="tanh", out_activation="tanh", seed=3)
    for k, p in enumerate(model.parameters()):
        p.label = f"p{k}"

    def build():
        xs = [Value(v, f"x{i + 1}") for i, v in enumerate((0.5, -1.0, 2.0))]
        y = model(xs)
        y.label = "y"
        y.inputs[0].label = "z"
        loss = losses.half_sse([y], [0.25])
        loss.label = "L"
        return loss

    return model.parameters(), build


def python_steps(build, params, lr, n):
    """n steps of nn.SGD: each step's (weights before, gradients, weights after, loss before,
    loss after), by name."""
    from nn import SGD

    opt, found = SGD(params, lr), []
    for _ in range(n):
        opt.zero_grad()
        loss = build()
        loss.backward()
        before = {p.label: p.data for p in params}
        grads = {p.label: p.grad for p in params}
        opt.step()
        found.append((before, grads, {p.label: p.data for p in params}, loss.data,
                      build().data))
    return found


def check_steps(page, expected, lr):
    """At the end of the backward pass, take the step, then again, and compare every number
    with nn.SGD's."""
    if page.locator("#last").is_enabled():
        page.click("#last")
    page.locator("input#lr").fill(str(lr))
    for k, (before, grads, after, loss_before, loss_after) in enumerate(expected):
        page.click("#take-step" if k == 0 else "#again")
        for name in before:
            row = page.locator(f'#stepped tr[data-name="{name}"]')
            for cls, want in (("before", before), ("grad", grads), ("after", after)):
                shown = float(row.locator(f"td.{cls}").text_content())
                assert abs(shown - want[name]) <= 1e-8 * max(1.0, abs(want[name])), (k, name, cls)
        assert page.locator("#loss-before").text_content() == format_number(loss_before)
        assert page.locator("#loss-after").text_content() == format_number(loss_after)


@needs_chromium
def test_practise_then_take_the_step_on_the_textbook_network(tmp_path):
    from playwright.sync_api import sync_playwright

    from autodiff.work.practise import Practice

    ex = mazur()
    params = [*ex.weights(), *ex.biases()]
    tr = trace(ex.loss())
    path = tmp_path / "trace.html"
    tr.page(params=params, lr=0.5).save(path)
    net_h1 = tr.node("net_h1")
    found = Practice(tr.root, tr.names).candidates(net_h1)
    left_out = next(c for c in found if c.kind == "missing path" and "net_o2" in c.text)
    carried = next(c for c in found if c.carried and c.edge is not None)
    expected = python_steps(ex.loss, params, 0.5, 3)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.click("#predict")
            # The step waits for the backward pass in practise mode.
            assert b.page.locator("#step-controls").is_hidden()
            go_to_step(b.page, "net_h1")
            cls, text = answer(b.page, format_number(tr.grad(net_h1)))
            assert "right" in cls
            b.page.click("#start-over")
            assert b.page.locator(".score").text_content() == "Score: 0 right of 0"
            # The path through net_o2 left out, up in dE/dout_h1: that edge is painted wrong.
            cls, text = answer(b.page, repr(left_out.value))
            assert "wrong" in cls and "missing path" in text and "net_o2" in text
            net_o2 = tr.node("net_o2")
            edge = f"#e{tr.index(net_o2)}_{net_o2.inputs.index(tr.node('out_h1'))}"
            assert "wrong" in b.page.locator(edge).get_attribute("class").split()
            assert b.page.locator(".score").text_content() == "Score: 0 right of 1"
            b.page.click("#retry")
            assert b.page.locator("#graph .wrong").count() == 0
            # A slip further up: the gradients that passed it on are painted carried.
            cls, text = answer(b.page, repr(carried.value))
            assert "wrong" in cls and carried.kind in text
            for node in carried.carried:
                box = b.page.locator(f"#v{tr.index(node)}")
                assert "carried" in box.get_attribute("class").split()
            b.page.click("#retry")
            assert b.page.locator("#graph .wrong").count() == 0
            check_steps(b.page, expected, 0.5)
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_practise_and_the_step_on_a_made_up_network(tmp_path):
    from playwright.sync_api import sync_playwright

    params, build = made_up_network()
    tr = trace(build())
    path = tmp_path / "made_up.html"
    tr.page(params=params, lr=0.1).save(path)
    z, y = tr.node("z"), tr.node("y")
    expected = python_steps(build, params, 0.05, 2)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.click("#predict")
            go_to_step(b.page, "z")
            # tanh′ = 1 − y² left out: dL/dy where dL/dz belongs.
            cls, text = answer(b.page, format_number(tr.grad(y)))
            assert "wrong" in cls and "missing factor" in text and "1 − y²" in text
            edge = b.page.locator(f"#e{tr.index(y)}_0")
            assert "wrong" in edge.get_attribute("class").split()
            b.page.click("#retry")
            cls, text = answer(b.page, format_number(-tr.grad(z)))
            assert "wrong" in cls and b.page.locator("#verdict .kind").text_content() == "sign"
            b.page.click("#retry")
            cls, text = answer(b.page, format_number(tr.grad(z)))
            assert "right" in cls
            assert b.page.locator(".score").text_content() == "Score: 1 right of 3"
            check_steps(b.page, expected, 0.05)
            b.page.click("#reset-step")
            assert b.page.locator("#stepped tbody tr").count() == 0
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_practise_and_the_step_on_a_formula_page(tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    path, root, _ = formula_page(tmp_path, at="x=0.5,y=-1")
    capsys.readouterr()
    x, y = Value(0.5, "x"), Value(-1.0, "y")

    def build():
        return (x * y + x.exp()).tanh() / (1 + y ** 2)

    tr = trace(build())
    inner = tr.node("x × y + e^x")
    t = float(np.tanh(inner.data))
    expected = python_steps(build, [x, y], 0.3, 2)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            b.page.click("#predict")
            go_to_step(b.page, "x × y + e^x")
            cls, text = answer(b.page, repr(tr.grad(inner) / (1 - t * t)))
            assert "wrong" in cls and "missing factor" in text
            assert "1 − tanh(x × y + e^x)²" in text  # tanh′ by its formula, the page's names
            b.page.click("#retry")
            cls, text = answer(b.page, format_number(-tr.grad(inner)))
            assert "wrong" in cls and b.page.locator("#verdict .kind").text_content() == "sign"
            b.page.click("#retry")
            cls, text = answer(b.page, format_number(tr.grad(inner)))
            assert "right" in cls
            assert b.page.locator(".score").text_content() == "Score: 1 right of 3"
            check_steps(b.page, expected, 0.3)
        finally:
            b.close()
    assert b.errors == []


# --- practise mode, each edge too: its local derivative and its contribution ----------------


def answer_edge(page, edge, part, text):
    """Type `text` for one edge's local derivative or contribution; its verdict's class and text."""
    where = f'[data-edge="{edge}"][data-part="{part}"]'
    page.locator("input.edge-guess" + where).fill(text)
    page.locator("input.edge-guess" + where).press("Enter")
    verdict = page.locator(".edge-verdict" + where)
    return verdict.get_attribute("class").split(), verdict.text_content()


def retry_edge(page, edge, part):
    page.locator(f'.edge-verdict[data-edge="{edge}"][data-part="{part}"] button').click()


def edge_id(tr, user, k):
    return f"e{tr.index(user)}_{k}"


@needs_chromium
def test_practise_each_edge_on_the_textbook_network(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "trace.html"
    textbook.page().save(path)
    out_o1 = textbook.node("out_o1")
    edge = edge_id(textbook, out_o1, 0)  # out_o1 = σ(net_o1): local out·(1 − out) = 0.18681560
    sigma = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    at_out = sigma(0.75136507) * (1 - sigma(0.75136507))  # σ′ taken at out, not at net
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            page = b.page
            page.click("#predict")
            go_to_step(page, "out_o1")
            assert page.locator("input.edge-guess").count() == 0  # only if the learner likes
            answer(page, "0.74136507")
            page.check("#predict-edges")
            # Hidden until answered: the formula, the gradient it makes, net_o1's new gradient.
            row = page.locator("#step-body table tr").nth(1)
            assert row.locator("td").nth(2).text_content() == "?"
            assert "0.13849856" not in page.locator("#step-body").inner_text()
            net_row = page.locator("#grads tr", has_text="net_o1").locator("td.grad")
            assert net_row.is_hidden() or net_row.evaluate(
                "e => getComputedStyle(e).visibility") == "hidden"
            cls, text = answer_edge(page, edge, "local", format_number(float(at_out)))
            assert "wrong" in cls and "wrong slope" in text
            assert "slope of σ taken at out_o1 where net_o1 belongs" in text
            assert "wrong" in page.locator(f"#{edge}").get_attribute("class").split()
            retry_edge(page, edge, "local")
            cls, text = answer_edge(page, edge, "local", "1")
            assert "wrong" in cls and "missing factor" in text and "taken as 1" in text
            retry_edge(page, edge, "local")
            cls, text = answer_edge(page, edge, "local", "0.1868")
            assert "right" in cls and "0.18681560" in text
            assert row.locator("td").nth(2).text_content() == "out_o1·(1 − out_o1)"
            # The contribution: the upstream alone leaves out the local derivative.
            cls, text = answer_edge(page, edge, "contribution", "0.74136507")
            assert "wrong" in cls and "missing factor" in text
            assert "leaves out the factor dout_o1/dnet_o1 = out_o1·(1 − out_o1)" in text
            retry_edge(page, edge, "contribution")
            cls, text = answer_edge(page, edge, "contribution", "0.13849856")
            assert "right" in cls and "0.13849856" in page.locator("#step-body").inner_text()
            # One score: the gradient's answer and each edge answer, an answer after a retry
            # counted again, as the gradient's are.
            assert page.locator(".score").text_content() == "Score: 3 right of 6"
            # The arrow keys typed into an edge's box do not step the page.
            go_to_step(page, "net_o1")
            answer(page, "0.13849856")
            counter = page.locator("#counter").text_content()
            page.locator("input.edge-guess").first.press("ArrowLeft")
            assert page.locator("#counter").text_content() == counter
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_practise_each_edge_on_a_made_up_network(tmp_path):
    from playwright.sync_api import sync_playwright

    params, build = made_up_network()
    tr = trace(build())
    path = tmp_path / "made_up.html"
    tr.page(params=params, lr=0.1).save(path)
    y, z = tr.node("y"), tr.node("z")
    k = 0  # z = p·h + … + b: d z / d p is its input h; the weight p in its place is a slip
    w, h = z.inputs[k], z.inputs[(len(z.inputs) - 1) // 2 + k]
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            page = b.page
            page.click("#predict")
            go_to_step(page, "y")
            answer(page, format_number(tr.grad(y)))
            page.check("#predict-edges")
            # tanh′ = 1 − y² written 1 − y: a factor y left out.
            cls, text = answer_edge(page, edge_id(tr, y, 0), "local", repr(1 - y.data))
            assert "wrong" in cls and "missing factor" in text
            assert "the factor y is left out" in text
            cls, text = answer_edge(page, edge_id(tr, y, 0), "contribution",
                                    repr(tr.grad(y) * (1 - y.data ** 2)))
            assert "right" in cls
            go_to_step(page, "z")
            answer(page, format_number(tr.grad(z)))
            assert page.locator("#predict-edges").is_checked()  # the choice stays
            cls, text = answer_edge(page, edge_id(tr, z, k), "local", repr(w.data))
            assert "wrong" in cls and "wrong input" in text
            assert f"uses {tr.names[w]} where {tr.names[h]} belongs" in text
            cls, text = answer_edge(page, edge_id(tr, z, k), "contribution",
                                    repr(-h.data * tr.grad(z)))
            assert "wrong" in cls and "sign" in text
            assert page.locator(".score").text_content() == "Score: 3 right of 6"
            page.click("#start-over")
            assert page.locator("input.edge-guess").count() == 0  # the gradient asked first
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_practise_each_edge_on_a_formula_page(tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    path, root, _ = formula_page(tmp_path, at="x=0.5,y=-1")
    capsys.readouterr()
    x, y = Value(0.5, "x"), Value(-1.0, "y")
    tr = trace((x * y + x.exp()).tanh() / (1 + y ** 2))
    top = tr.node("tanh(x × y + e^x)")
    t = top.data
    edge = edge_id(tr, top, 0)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            page = b.page
            page.click("#predict")
            go_to_step(page, "tanh(x × y + e^x)")
            answer(page, format_number(tr.grad(top)))
            page.check("#predict-edges")
            cls, text = answer_edge(page, edge, "local", repr(1 - t))
            assert "wrong" in cls and "missing factor" in text
            assert "1 − tanh(x × y + e^x)²" in text  # the local by its formula, the page's names
            # The local alone, the upstream d f / d tanh(…) left out.
            cls, text = answer_edge(page, edge, "contribution", repr(1 - t * t))
            assert "wrong" in cls and "missing factor" in text
            upstream = "df/d(tanh(x × y + e^x))"
            assert (f"missing factor: d(tanh(x × y + e^x))/d(x × y + e^x) × {upstream} "
                    f"leaves out the factor {upstream}.") in text
            retry_edge(page, edge, "contribution")
            cls, text = answer_edge(page, edge, "contribution",
                                    format_number(tr.grad(top) * (1 - t * t)))
            assert "right" in cls
        finally:
            b.close()
    assert b.errors == []


# --- in Chinese -----------------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_page_lang_writes_one_page_in_chinese_and_leaves_the_language_as_it_was(textbook):
    from autodiff import get_language
    from autodiff.language import en, zh

    page = textbook.page(lang="zh").html
    assert get_language() == "en"
    assert '<html lang="zh">' in page and "%%" not in page
    assert "◀ 上一步" in page and "目前的梯度" in page and zh.TEXTS["page.footer"] in page
    english = textbook.page().html
    assert '<html lang="en">' in english and not CJK.search(english)
    assert "◀ previous" in english and en.TEXTS["page.footer"] in english
    # The data the script shows is the same but for the words: the same numbers in both.
    numbers = re.compile(r"-?\d+\.\d{8}")
    assert numbers.findall(page) == numbers.findall(english) != []
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        textbook.page(lang="fr")


def test_autodiff_trace_lang_zh_writes_the_chinese_page(tmp_path, capsys):
    from autodiff.cli import main

    assert main(["trace", "--out", str(tmp_path), "--lang", "zh"]) == 0
    page = (tmp_path / "trace.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page and "2-2-2 网络的反向传播，一步一步" in page
    assert "练习" in page and "practise</button>" not in page


@needs_chromium
def test_the_chinese_page_shows_chinese_words_and_the_same_numbers(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    paths = {lang: tmp_path / f"{lang}.html" for lang in ("en", "zh")}
    for lang, path in paths.items():
        textbook.page(lang=lang).save(path)
    seen = {}
    with sync_playwright() as p:
        for lang, path in paths.items():
            b = Browser(p, path, width=800)
            try:
                page = b.page
                k = go_to_step(page, "out_o1") if lang == "en" else seen["en"]["k"]
                page.locator("#slider").fill(str(k))
                seen[lang] = {
                    "k": k, "head": page.locator("#grads thead th").all_text_contents(),
                    # Every value and gradient cell (textContent: rows off screen too).
                    "grads": page.locator("#grads tbody td.num").all_text_contents(),
                    "title": page.locator("#step-title").text_content(),
                    "predict": page.locator("#predict").text_content(),
                    "counter": page.locator("#counter").text_content(),
                    "heading": page.locator("section:has(#grads) h2").text_content(),
                    "fonts": page.evaluate("getComputedStyle(document.body).fontFamily"),
                    "errors": b.errors,
                }
                page.click("#last")  # and once every gradient is complete
                seen[lang]["grads"] += page.locator("#grads tbody td.num").all_text_contents()
            finally:
                b.close()
    en, zh = seen["en"], seen["zh"]
    assert en["errors"] == [] and zh["errors"] == []
    assert en["title"] == f"Step {en['k']} of 31: out_o1" and en["predict"] == "practise"
    assert zh["title"] == f"第 {en['k']} / 31 步：out_o1" and zh["predict"] == "练习"
    assert zh["counter"] == f"第 {en['k']} / 31 步" and zh["heading"] == "目前的梯度"
    assert zh["head"] == ["节点", "值", "梯度"] and en["head"] == ["node", "value", "gradient"]
    # Every number in the gradients' table, the same in both languages (w5's 0.08216704 too).
    assert zh["grads"] == en["grads"] and "0.08216704" in zh["grads"]
    assert "Noto Sans CJK SC" in zh["fonts"]


@needs_chromium
def test_practise_mode_in_chinese_names_the_slip_in_chinese(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "zh.html"
    textbook.page(lang="zh").save(path)
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            page = b.page
            page.click("#predict")
            assert page.locator("#predict").text_content() == "停止练习"
            # net_o1's backward step: the same step as on the English page.
            k = next(k for k in range(31, 0, -1)
                     if page.locator("#slider").fill(str(k)) is None
                     and page.locator("#step-title").text_content().endswith("：net_o1"))
            assert page.locator("#step-title").text_content() == f"第 {k} / 31 步：net_o1"
            assert page.locator("#practise label").text_content() == "轮到你了：dE_total/dnet_o1 = "
            cls, text = answer(page, "-0.13849856")
            assert "wrong" in cls
            assert text.startswith("不太对：dE_total/dnet_o1 = 0.13849856，不是 -0.13849856。")
            assert "符号错误：" in text and "再试一次" in text
            assert page.locator(".score").text_content() == "得分：1 题中答对 0 题"
        finally:
            b.close()
    assert b.errors == []


# Every value node receiving a share, and the current node, drawn inside the window and the
# picture's visible area: {checked, bad: [ids]} (a function of the page's script, in a string).
OFF_SCREEN_JS = """
                const offScreen = () => {
                    const graph = document.getElementById('graph').getBoundingClientRect();
                    const drawn = '#graph g.value.recv, #graph g.value.cur', bad = [];
                    let checked = 0;
                    for (const e of document.querySelectorAll(drawn)) {
                        checked++;
                        const r = e.getBoundingClientRect();
                        const inside = r.width > 0 && r.left >= graph.left - 1 &&
                            r.right <= graph.right + 1 && r.top >= graph.top - 1 &&
                            r.bottom <= graph.bottom + 1 && r.bottom <= window.innerHeight &&
                            r.right <= window.innerWidth;
                        if (!inside) bad.push(e.id);
                    }
                    return {checked, bad};
                };"""


# --- a big graph: an opened neuron on screen, a node's largest paths as bars ------------------


@needs_chromium
@needs_dot
@pytest.mark.parametrize("width,height", [(1400, 900), (800, 600)])
def test_an_opened_neuron_shows_its_inputs_and_output_on_screen(tmp_path, width, height):
    from playwright.sync_api import sync_playwright

    model, loss = big_mlp_loss()
    tr = trace(loss)
    path = tmp_path / "big.html"
    tr.page(model=model).save(path)
    with sync_playwright() as p:
        b = Browser(p, path, width=width, height=height)
        try:
            # Every step of the output neuron and of one layer-2 neuron: 17 inputs drawn one by
            # one (16 weights and a bias) receive a share; each, and the current node, must be
            # inside the window and inside the picture's visible area.
            report = b.page.evaluate("""() => {
                """ + OFF_SCREEN_JS + """
                const slider = document.getElementById('slider'), bad = [];
                let checked = 0, steps = 0;
                for (let k = 0; k <= Number(slider.max); k++) {
                    slider.value = String(k); slider.dispatchEvent(new Event('input'));
                    const title = document.getElementById('step-title').textContent;
                    if (!/^Step .*: (out_o1|net_h2_1)\\[/.test(title)) continue;
                    steps++;
                    const off = offScreen();
                    checked += off.checked;
                    bad.push(...off.bad.map((id) => title + ': ' + id));
                }
                return {bad, checked, steps};
            }""")
            assert report["steps"] == 8  # out_o1[0..3] and net_h2_1[0..3]
            assert report["checked"] >= 8 * 17, report["checked"]
            assert report["bad"] == []
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
@needs_dot
@pytest.mark.parametrize("width,height", [(1400, 900), (800, 600)])
def test_a_neuron_over_eighteen_samples_shows_each_steps_inputs_on_screen(tmp_path, width,
                                                                           height):
    from playwright.sync_api import sync_playwright

    model, loss = big_mlp_loss(samples=18)
    tr = trace(loss)
    assert len(tr.nodes) == 1778
    path = tmp_path / "bigger.html"
    tr.page(model=model).save(path)
    with sync_playwright() as p:
        b = Browser(p, path, width=width, height=height)
        try:
            # A weight serves all eighteen samples: drawn once under eighteen ops, a step's
            # weights spread wider than any window. At every step of the output neuron and of
            # one layer-2 neuron, each value receiving a share and the current node must be
            # inside the window and the picture's visible area. The steps are found in the
            # page's own data, and only they are visited.
            report = b.page.evaluate("""() => {
                """ + OFF_SCREEN_JS + """
                const data = JSON.parse(document.getElementById('trace-data').textContent);
                const node = data.schema.steps.indexOf('node');
                const name = data.schema.nodes.indexOf('name');
                const slider = document.getElementById('slider'), bad = [];
                let checked = 0, steps = 0;
                data.steps.forEach((step, b) => {
                    if (!/^(out_o1|net_h2_1)\\[/.test(data.nodes[step[node]][name])) return;
                    steps++;
                    slider.value = String(data.forward.length + 1 + b);
                    slider.dispatchEvent(new Event('input'));
                    const title = document.getElementById('step-title').textContent;
                    const off = offScreen();
                    checked += off.checked;
                    bad.push(...off.bad.map((id) => title + ': ' + id));
                });
                return {bad, checked, steps};
            }""")
            assert report["steps"] == 36  # out_o1[0..17] and net_h2_1[0..17]
            # 16 weights and a bias receive a share at each, and the current node is marked.
            assert report["checked"] == 36 * 18, report["checked"]
            assert report["bad"] == [], f"{len(report['bad'])} off screen: {report['bad'][:8]}"
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_a_node_with_many_paths_shows_its_largest_as_bars_that_add_up(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = big_mlp_loss()
    tr = trace(loss)
    path = tmp_path / "big.html"
    tr.page(model=model).save(path)
    weight = model.layers[0].neurons[2].w[0]
    name = tr.name(weight)
    every = tr.explain(weight, max_paths=1000).paths
    largest = sorted(every, key=lambda q: abs(q.product), reverse=True)[:6]
    with sync_playwright() as p:
        b = Browser(p, path, width=1060, height=900)
        try:
            b.page.locator(f'#grads tr[data-name="{name}"]').click()
            rows = b.page.evaluate("""() => [...document.querySelectorAll('#explain .bar-row')]
                .map((row) => {
                    const bar = row.querySelector('.bar').getBoundingClientRect();
                    const zero = row.querySelector('.bar-zero').getBoundingClientRect();
                    return {label: row.querySelector('.route').textContent,
                            value: row.querySelector('.bar-value').textContent,
                            left: bar.left, right: bar.right, zero: zero.left,
                            kind: row.className}; })""")
            assert b.page.locator("#explain ol.paths > li").count() == 0  # bars, not lines
        finally:
            b.close()
    assert b.errors == []
    total, *paths, rest = rows
    assert "total" in total["kind"] and "rest" in rest["kind"] and len(paths) == 6
    # The bars are the largest paths, labelled with the page's names, largest first.
    assert [r["label"] for r in paths] == [" → ".join(q.names) for q in largest]
    assert [float(r["value"]) for r in paths] == pytest.approx(
        [q.product for q in largest], abs=1e-8)
    assert rest["label"] == f"the other {len(every) - 6} paths"
    g = float(total["value"])
    assert g == pytest.approx(weight.grad, abs=1e-8)
    assert sum(float(r["value"]) for r in paths + [rest]) == pytest.approx(g, abs=1e-7)
    # Lengths proportional to the numbers: one scale, px per unit, for every bar.
    scale = (total["right"] - total["left"]) / abs(g)
    for r in paths + [rest]:
        assert abs((r["right"] - r["left"]) - abs(float(r["value"])) * scale) <= 1, r
    # End to end from 0: each bar starts where the one before ended, the rest ends where
    # the gradient does.
    position = total["zero"]
    for r in paths + [rest]:
        start, end = (r["left"], r["right"]) if float(r["value"]) >= 0 else (r["right"], r["left"])
        assert abs(start - position) <= 1, r
        position = end
    assert abs(position - (total["left"] if g < 0 else total["right"])) <= 1


# --- practise mode on a batch page: the shown sample's numbers ---------------------------------


def pick_sample(page, s):
    page.locator("select#sample").select_option(str(s))


@needs_chromium
def test_practise_on_a_batch_mlp_asks_the_shown_samples_numbers(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = batch_mlp_loss(6)
    tr = trace(loss)
    path = tmp_path / "batch.html"
    tr.page(model=model).save(path)
    out_o1 = tr.node("out_o1")
    c1 = next(n for n in tr.nodes if tr.names[n] == "c1").data
    with sync_playwright() as p:
        b = Browser(p, path, width=1060)
        try:
            page = b.page
            assert not page.locator("#predict").is_disabled()
            page.click("#predict")
            pick_sample(page, 2)
            # d loss / d sum_2 = 1/6 for each sample: 1 forgets the mean's 1/N.
            go_to_step(page, "sum_2")
            assert "upstream gradient" not in page.locator("#step-body").inner_text()
            cls, text = answer(page, "1")
            assert "wrong" in cls and "missing factor" in text and "dloss/dsum_2 = 1/6" in text
            page.click("#retry")
            cls, text = answer(page, "0.16666667")
            assert "right" in cls
            # out_o1's gradient differs from sample to sample: each is asked on its own.
            go_to_step(page, "out_o1")
            cls, text = answer(page, format_number(tr.grad(out_o1)[2]))
            assert "right" in cls and format_number(tr.grad(out_o1)[2]) in text
            pick_sample(page, 4)
            assert page.locator("input#guess").input_value() == ""  # asked anew
            assert "Your turn, sample 4: dloss/dout_o1 =" in page.locator("#practise").inner_text()
            assert "Numbers of sample 4" not in page.locator("#step-body").inner_text()
            # The path through |out_o1| left out: (0.5 − c1[4]) × 1/6.
            cls, text = answer(page, repr(float((0.5 - c1[4]) / 6)))
            assert "wrong" in cls and "missing path" in text and "|out_o1|" in text
            assert format_number(tr.grad(out_o1)[4]) in text  # the shown sample's number
            assert page.locator(".score").text_content() == "Score: 2 right of 4"
            pick_sample(page, 2)  # the answer to sample 2 stays
            assert "right" in page.locator("#verdict").get_attribute("class").split()
            assert "Numbers of sample 2" in page.locator("#step-body").inner_text()
            # Each edge too: the mean's local derivative 1/N, its slip the 1 of a sum.
            go_to_step(page, "loss")
            answer(page, "1")
            page.check("#predict-edges")
            edge = edge_id(tr, tr.root, 0)
            cls, text = answer_edge(page, edge, "local", "1")
            assert "wrong" in cls and "missing factor" in text
            cls, text = answer_edge(page, edge, "contribution", "0.1667")
            assert "right" in cls
            assert page.locator(".score").text_content() == "Score: 4 right of 7"
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
def test_practise_on_a_batch_formula_with_a_sum(tmp_path):
    from playwright.sync_api import sync_playwright

    tr = trace(batch_sum_loss())
    path = tmp_path / "batch_sum.html"
    tr.page().save(path)
    z, y = tr.node("z"), tr.node("y")
    product = z.inputs[0]  # w × x
    w, x = product.inputs
    with sync_playwright() as p:
        b = Browser(p, path)
        try:
            page = b.page
            page.click("#predict")
            pick_sample(page, 3)
            go_to_step(page, "z")
            cls, text = answer(page, format_number(tr.grad(z)[3]))
            assert "right" in cls
            pick_sample(page, 0)
            # σ′ = y·(1 − y) left out: d L / d y of sample 0.
            cls, text = answer(page, repr(float(tr.grad(y)[0])))
            assert "wrong" in cls and "missing factor" in text and "y·(1 − y)" in text
            # The edge into the weight w asks sample 0's share: x[0] × d L / d(w × x)[0].
            go_to_step(page, "w × x")
            answer(page, format_number(tr.grad(product)[0]))
            page.check("#predict-edges")
            edge = edge_id(tr, product, 0)
            share = float(x.data[0] * tr.grad(product)[0])
            cls, text = answer_edge(page, edge, "local", repr(float(w.data)))
            assert "wrong" in cls and "wrong input" in text and "uses w where x belongs" in text
            cls, text = answer_edge(page, edge, "contribution", repr(share))
            assert "right" in cls
            assert "summed over the 5 samples" not in page.locator(
                f'.edge-verdict[data-edge="{edge}"]').first.text_content()
            assert page.locator(".score").text_content() == "Score: 3 right of 5"
        finally:
            b.close()
    assert b.errors == []


# --- the pictures as a learner sees them ---------------------------------------------------------

# What covers each point of a group's title: the title itself, or an edge drawn over it.
EDGES_OVER_TITLES = """() => {
  const over = [];
  for (const t of document.querySelectorAll('#graph text.cluster')) {
    const r = t.getBoundingClientRect();
    for (let fy = 0.3; fy <= 0.71; fy += 0.2)
      for (let x = r.left + 1; x < r.right - 1; x += 1) {
        const hit = document.elementFromPoint(x, r.top + fy * r.height);
        if (hit && hit.closest('#graph g.edge')) over.push(t.textContent);
      }
  }
  return [...new Set(over)];
}"""


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_edge_is_drawn_over_a_group_title(textbook, tmp_path, lang):
    from playwright.sync_api import sync_playwright

    path = tmp_path / f"{lang}.html"
    example = mazur()
    trace(example.loss()).page(model=example.model, lang=lang).save(path)
    with sync_playwright() as p:
        for width in (800, 1600):
            b = Browser(p, path, width=width)
            try:
                titles = b.page.locator("#graph text.cluster").all_text_contents()
                assert ("第 2 层（输出）" if lang == "zh" else "layer 2 (output)") in titles
                # out_h1's edges into layer 2 run through its title's corner: the title stays
                # on top, readable.
                assert b.page.evaluate(EDGES_OVER_TITLES) == []
            finally:
                b.close()
            assert b.errors == []


@needs_chromium
def test_a_wrong_edge_answer_marks_its_edge_in_the_verdicts_red(tmp_path):
    from playwright.sync_api import sync_playwright

    model, loss = batch_mlp_loss(6)
    tr = trace(loss)
    path = tmp_path / "batch.html"
    tr.page(model=model).save(path)
    edge = edge_id(tr, tr.root, 0)  # sum_2 into the mean: a short edge, and the current step's
    with sync_playwright() as p:
        b = Browser(p, path, width=1060)
        try:
            page = b.page
            page.click("#predict")
            go_to_step(page, "loss")
            answer(page, "1")
            page.check("#predict-edges")
            cls, _ = answer_edge(page, edge, "local", "1")
            assert "wrong" in cls
            red = page.locator(f'.edge-verdict[data-edge="{edge}"]').evaluate(
                "e => getComputedStyle(e).color")
            drawn = page.locator(f"#{edge} > path").evaluate(
                "e => { const s = getComputedStyle(e);"
                " return [s.stroke, s.strokeDasharray, s.animationName]; }")
            # Not the orange of the step's flow: the red the verdict says "wrong" in, solid.
            assert drawn == [red, "none", "none"]
            assert page.locator(f"#{edge} > polygon").evaluate(
                "e => getComputedStyle(e).fill") == red
        finally:
            b.close()
    assert b.errors == []


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_slider_and_zoom_buttons_stay_put_when_the_pass_changes(textbook, tmp_path, lang):
    from playwright.sync_api import sync_playwright

    path = tmp_path / f"{lang}.html"
    textbook.page(lang=lang).save(path)
    with sync_playwright() as p:
        for width in (800, 1600):
            b = Browser(p, path, width=width)
            try:
                page, seen = b.page, []
                for k in (0, 3, 31):  # the given values, a forward step, the last backward step
                    page.locator("#slider").fill(str(k))
                    seen.append((page.locator("#phase").inner_text(), *(
                        page.locator(f"#{c}").evaluate(
                            "e => { const r = e.getBoundingClientRect();"
                            " return [r.left, r.width]; }")
                        for c in ("slider", "zoom-box"))))
                words = [w for w, _, _ in seen]
                assert len(set(words)) == 3 and all(words)  # three passes, each named
                assert len({(s[0], s[1], z[0]) for _, s, z in seen}) == 1, seen
            finally:
                b.close()
            assert b.errors == []
