"""The lab: its Python side (a formula's numbers, a network learning live, the wheel, the
site) here, and the site itself in headless Chromium, Pyodide served from 127.0.0.1."""

import contextlib
import functools
import http.server
import json
import math
import os
import re
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest

from autodiff import Value
from autodiff.cli import main
from autodiff.lab import browser, build_site
from autodiff.lab.site import PYODIDE_CDN, PYODIDE_FILES, VIZ_CDN
from autodiff.lab.wheel import pack_wheel
from autodiff.see import draw, layout
from nn import live

ROOT = Path(__file__).resolve().parents[1]
# Where .ci/run installs the npm packages (pyodide core, @viz-js/viz); LAB_NODE_MODULES elsewhere.
NODE_MODULES = Path(os.environ.get("LAB_NODE_MODULES", ROOT / ".cache" / "npm" / "node_modules"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# --- a formula ---------------------------------------------------------------------------------
def test_a_formulas_gradients_are_the_engines():
    result = json.loads(browser.evaluate("x*y + exp(x)", "x=0.5, y=-2"))
    x, y = Value(0.5, label="x"), Value(-2.0, label="y")
    f = x * y + x.exp()
    f.backward()
    grads = {row["name"]: row["grad"] for row in result["rows"]}
    assert grads["x"] == pytest.approx(-2.0 + math.exp(0.5), abs=1e-15) == x.grad
    assert grads["y"] == 0.5 == y.grad
    assert result["value"] == f.data
    assert result["dot"].lstrip().startswith("digraph")


def test_a_bad_formula_says_why():
    assert "log" in json.loads(browser.evaluate("log(x)", "x=-1"))["error"]
    assert "no value given for 'y'" in json.loads(browser.evaluate("x*y", "x=1"))["error"]


def test_check_marks_the_learners_numbers():
    report = browser.check("x*y + exp(x)", "x=0.5, y=-2", "x,0.5\ny,-3\ndf/dy,0.5\n")
    assert report.count('class="right"') == 2 and report.count('class="wrong"') == 1
    assert "KeyError" in browser.check("x*y", "x=1, y=2", "nope,1\n")


def test_graphviz_in_the_browser_lays_out_one_graph_at_a_time():
    import graphviz

    seen = []
    before = graphviz.pipe, layout.RENDERER, draw.FONT
    try:
        browser.use_graphviz(lambda source, fmt: seen.append((source, fmt)) or f"<{len(seen)}>")
        out = graphviz.pipe("dot", "json0",
                            b"digraph a {\n\tx\n}\ndigraph b {\n\tgraph [rankdir=LR]\n}\n")
        laid_out = layout.run_dot("digraph c {\n\ty\n}\n", "svg")  # the page's way in
        drawn_in = draw.FONT  # the font whose widths Graphviz for the browser has a table of
    finally:
        graphviz.pipe, layout.RENDERER, draw.FONT = before
    assert drawn_in == browser.DRAWING_FONT == "DejaVu Sans" != draw.FONT
    assert out == b"<1>\n<2>" and laid_out == b"<3>"
    assert [s.split("{")[0].strip() for s, _ in seen] == ["digraph a", "digraph b", "digraph c"]
    assert [fmt for _, fmt in seen] == ["json0", "json0", "svg"]


# --- a network, learning -------------------------------------------------------------------------
def test_xor_is_learned_live():
    lab = live.from_settings(json.dumps({"data": "xor", "hidden": [8, 8]}))
    first = lab.update(1)
    assert first == pytest.approx(math.log(2), abs=0.5)
    lab.update(300)
    state = json.loads(lab.state_json())
    assert state["steps"] == 301 and len(state["losses"]) == 301
    assert state["loss"] < 0.05 < first
    assert [len(layer["w"]) for layer in state["layers"]] == [8, 8, 1]
    assert len(state["layers"][1]["gw"][0]) == 8


def test_the_live_loss_is_the_mean_cross_entropy():
    lab = live.Live([(0.5, -1.0, 1), (2.0, 0.0, 0)], hidden=[3], seed=4)
    logits = [lab.model([0.5, -1.0]).data, lab.model([2.0, 0.0]).data]
    expected = (math.log1p(math.exp(-logits[0])) + math.log1p(math.exp(logits[1]))) / 2
    assert lab.update(1) == pytest.approx(expected, rel=1e-12)


def test_points_the_learner_adds_are_learned():
    lab = live.from_settings(json.dumps({"data": "points", "points": [[-1, 0, 0]]}))
    lab.add_point(1.0, 0.5, 1)
    assert [p[2] for p in lab.state()["points"]] == [0, 1]
    assert lab.update(200) < 0.05
    with pytest.raises(ValueError, match="class must be 0 or 1"):
        lab.add_point(0.0, 0.0, 2)
    assert math.isnan(live.Live([]).update(3))


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="data must be one of"):
        live.from_settings('{"data": "spirals"}')
    with pytest.raises(ValueError, match="optimizer"):
        live.from_settings('{"optimizer": "lbfgs"}')


def test_moons_are_two_classes_around_the_middle():
    points = live.moon_points(60, seed=1)
    assert sorted({p[2] for p in points}) == [0, 1] and len(points) == 60
    assert abs(sum(p[0] for p in points) / 60) < 0.3 and abs(sum(p[1] for p in points) / 60) < 0.3


# --- the wheel and the site ----------------------------------------------------------------------
def test_the_wheel_holds_the_packages_and_a_true_record(tmp_path):
    import base64
    import hashlib

    path = pack_wheel("backprop-autodiff", ["autodiff", "nn"], tmp_path)
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        assert "autodiff/__init__.py" in names and "nn/live.py" in names
        assert "autodiff/lab/templates/lab.js" in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        record = wheel.read(next(n for n in names if n.endswith(".dist-info/RECORD"))).decode()
        for line in record.splitlines()[:-1]:
            name, digest, size = line.split(",")
            data = wheel.read(name)
            assert int(size) == len(data)
            assert digest == "sha256=" + base64.urlsafe_b64encode(
                hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _config(index: Path) -> dict:
    return json.loads(re.search(r'<script id="lab-config" type="application/json">(.*?)</script>',
                                index.read_text()).group(1))


def test_the_site_without_pyodide_uses_the_cdn(tmp_path, capsys):
    assert main(["lab", "--out", str(tmp_path / "site")]) == 0
    assert "http.server" in capsys.readouterr().out
    config = _config(tmp_path / "site" / "index.html")
    assert config["pyodide"] == PYODIDE_CDN and config["viz"] == VIZ_CDN
    for wheel in config["wheels"]:
        assert (tmp_path / "site" / wheel).is_file()
    assert {"lab.js", "lab.css"} <= {p.name for p in (tmp_path / "site").iterdir()}


def test_the_site_copies_pyodide_and_graphviz_in(tmp_path):
    modules = tmp_path / "node_modules"
    (modules / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        (modules / "pyodide" / name).write_text(name)
    (modules / "@viz-js" / "viz" / "dist").mkdir(parents=True)
    (modules / "@viz-js" / "viz" / "dist" / "viz-global.js").write_text("// viz")
    index = build_site(tmp_path / "site", pyodide=modules / "pyodide")
    assert _config(index)["pyodide"] == "pyodide/" and _config(index)["viz"] == "viz-global.js"
    assert (tmp_path / "site" / "pyodide" / "pyodide.asm.wasm").read_text() == "pyodide.asm.wasm"
    (modules / "pyodide" / "python_stdlib.zip").unlink()
    with pytest.raises(FileNotFoundError, match="python_stdlib.zip"):
        build_site(tmp_path / "again", pyodide=modules / "pyodide")
    assert main(["lab", "--out", str(tmp_path / "cli"), "--pyodide", str(tmp_path)]) == 2


# --- the site in Chromium ---------------------------------------------------------------------
MISSING = [what for what, found in (
    ("Chromium", CHROMIUM), (f"pyodide in {NODE_MODULES}", (NODE_MODULES / "pyodide").is_dir()),
    (f"@viz-js/viz in {NODE_MODULES}", (NODE_MODULES / "@viz-js" / "viz").is_dir())) if not found]
# CI installs them all (.ci/run), so there a missing one fails instead of skipping.
needs_browser = pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"),
                                   reason=f"not installed: {', '.join(MISSING)}")


@contextlib.contextmanager
def open_lab(folder: Path, height: int = 1200):
    """A written lab served from 127.0.0.1 only, open in Chromium, Python started: the page and
    a list of its errors and of any request that tried to leave this machine."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    failed = []
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = chromium.new_page(viewport={"width": 1400, "height": height})
            page.on("pageerror", lambda error: failed.append(str(error)))
            page.on("request",
                    lambda r: r.url.startswith("http://127.0.0.1") or failed.append(r.url))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            page.wait_for_selector("#lab-ready", state="attached", timeout=180_000)
            yield page, failed
            chromium.close()
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory):
    site = tmp_path_factory.mktemp("lab")
    build_site(site, pyodide=NODE_MODULES / "pyodide")
    with open_lab(site) as opened:
        yield opened


def _grad_cell(page, name: str) -> float:
    return float(page.locator(f'#grads tr[data-name="{name}"] .grad').inner_text())


@needs_browser
def test_the_lab_computes_a_formulas_gradients_in_the_browser(lab_page):
    page, failed = lab_page
    page.fill("#formula", "x*y + exp(x) / sqrt(y)")
    page.fill("#at", "x=0.5, y=2")
    page.click("#run")
    page.wait_for_selector('#grads tr[data-name="y"]')
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    (x * y + x.exp() / y.sqrt()).backward()
    assert _grad_cell(page, "x") == pytest.approx(x.grad, abs=1e-8)
    assert _grad_cell(page, "y") == pytest.approx(y.grad, abs=1e-8)
    assert page.locator("#graph svg g.node").count() >= 8  # laid out by Graphviz, in the page
    page.fill("#at", "x=0.5, y=-2")
    page.click("#run")
    assert "sqrt" in page.inner_text("#formula-error")
    assert failed == []


@needs_browser
def test_the_lab_opens_the_step_through_page_and_checks_work(lab_page):
    page, failed = lab_page
    page.fill("#formula", "x*y + exp(x)")
    page.fill("#at", "x=0.5, y=-2")
    page.click("#run")
    page.click("#open-page")
    inner = page.frame_locator("#page")
    inner.locator("#next").click()
    assert re.fullmatch(r"step \d+ / \d+", inner.locator("#counter").inner_text())
    assert inner.locator("#graph svg").count() == 1 and inner.locator("#predict").count() == 1
    page.click("#check-work summary")
    page.fill("#answers", "x,0.5\ny,-3\ndf/dy,0.5\n")
    page.click("#check")
    assert page.locator("#report tr.right").count() == 2
    assert page.locator("#report tr.wrong").count() == 1
    assert failed == []


@needs_browser
@pytest.mark.parametrize("data, below", [("xor", 0.05), ("moons", 0.3)])
def test_the_lab_trains_live_and_the_loss_falls(lab_page, data, below):
    page, failed = lab_page
    page.select_option("#dataset", data)
    page.click("#reset")  # a new network, whatever ran before
    page.click("#train")
    page.wait_for_function("Number(document.getElementById('steps').textContent) >= 1")
    first = float(page.inner_text("#loss"))
    started = time.monotonic()
    page.wait_for_function(f"Number(document.getElementById('loss').textContent) < {below}",
                           timeout=60_000)
    page.click("#train")
    steps, seconds = int(page.inner_text("#steps")), time.monotonic() - started
    print(f"{data}: loss {first} -> {page.inner_text('#loss')} in {steps} updates; "
          f"{page.inner_text('#speed')} updates/s as the page measures it")
    assert float(page.inner_text("#loss")) < min(below, first)
    assert seconds > 0 and failed == []


@needs_browser
def test_points_clicked_on_the_plane_are_learned(lab_page):
    page, failed = lab_page
    page.select_option("#dataset", "points")
    page.locator("#boundary").scroll_into_view_if_needed()  # the mouse clicks what is in view
    box = page.locator("#boundary").bounding_box()
    for label, fx, fy in (("0", 0.25, 0.3), ("0", 0.2, 0.7), ("1", 0.75, 0.4), ("1", 0.8, 0.8)):
        page.select_option("#click-class", label)
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    state = json.loads(page.evaluate("live.state_json()"))
    xs = [(round(x, 1), round(y, 1), c) for x, y, c in state["points"]]
    assert xs == [(-1.0, 0.8, 0), (-1.2, -0.8, 0), (1.0, 0.4, 1), (1.2, -1.2, 1)]
    page.click("#train")
    page.wait_for_function("Number(document.getElementById('loss').textContent) < 0.05",
                           timeout=60_000)
    page.click("#train")
    assert failed == []


@needs_browser
def test_an_update_that_fails_stops_training_and_says_why(lab_page):
    page, failed = lab_page
    page.select_option("#dataset", "moons")
    page.select_option("#activation", "relu")  # relu passes the huge weights on: an overflow
    page.fill("#lr", "1e200")
    page.click("#reset")
    page.click("#train")
    page.wait_for_selector("#network-error:not([hidden])", timeout=60_000)
    assert "OverflowError: linear" in page.inner_text("#network-error")
    assert page.inner_text("#train") == "Train"
    page.select_option("#activation", "tanh")
    page.fill("#lr", "0.1")
    page.click("#reset")
    assert failed == []
