"""The step-through page: its data, its self-containedness, and a real headless Chromium run."""

import re
import shutil
from pathlib import Path

import pytest

from autodiff.engine.numbers import format_number
from autodiff.see.page import TracePage, page_data, page_html
from autodiff.see.trace import trace
from nn.examples import mazur

# Found on PATH, as `dot` is, so hiding PATH hides both (a newcomer's machine has neither).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture
def textbook():
    return trace(mazur().loss())


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


def test_page_escapes_labels(tmp_path):
    from autodiff import Value

    odd = Value(1.0, "</script><b>x") * 2.0
    odd.label = "y"
    page = page_html(trace(odd))
    assert "</script><b>x" not in page


MISSING = [name for name, found in (("Chromium (no `chromium` on PATH)", CHROMIUM),
                                    ("Graphviz `dot`", shutil.which("dot"))) if found is None]


@pytest.mark.skipif(bool(MISSING), reason=f"not installed: {' and '.join(MISSING)}; the page "
                    "test drives Chromium through the drawn graph")
def test_stepping_through_in_headless_chromium(textbook, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "trace.html"
    textbook.page(highlight=textbook.explain("w5")).save(path)
    w5 = textbook.index(textbook.node("w5"))
    fetched, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            def no_network(route):
                if not route.request.url.startswith("file:"):
                    fetched.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            page.route("**/*", no_network)
            page.goto(Path(path).as_uri())
            grad = page.locator('#grads tr[data-name="w5"] .grad')
            assert page.locator("#counter").text_content() == "step 0 / 15"
            assert grad.text_content() == "0"
            assert page.locator("#prev").is_disabled()
            shown = []
            while not page.locator("#next").is_disabled():
                page.click("#next")
                shown.append(grad.text_content())
            assert shown[-1] == "0.08216704"
            first = shown.index("0.08216704")
            assert set(shown[:first]) == {"0"}
            # That step was net_o1 passing its gradient to w5, out_h1, ...
            page.locator("#slider").fill(str(first + 1))
            assert page.locator("#step-title").text_content().endswith(": net_o1")
            assert "0.59326999 × 0.13849856 = 0.08216704" in page.locator("#step-body").inner_text()
            assert page.locator(f"#v{w5}").get_attribute("class").split().count("recv") == 1
            assert page.locator(f"#v{w5} text", has_text="grad").text_content() == "grad 0.0822"
            page.screenshot(path=str(tmp_path / "step.png"), full_page=True)
            # Keys step back; the running gradient of w5 is gone again.
            page.keyboard.press("Home")
            assert grad.text_content() == "0"
            page.keyboard.press("ArrowRight")
            assert page.locator("#counter").text_content() == "step 1 / 15"
            page.locator(f"#v{w5}").click()  # a node jumps to the step that completes it
            assert grad.text_content() == "0.08216704"
        finally:
            browser.close()
    assert fetched == [] and errors == []
    assert (tmp_path / "step.png").stat().st_size > 10_000


def test_a_big_graph_gets_a_cut_picture_and_a_huge_one_a_clear_error():
    from autodiff import Value

    def chain(n):
        node = Value(0.3, "x")
        for _ in range(n):
            node = node.tanh()
        node.label = "end"
        return node

    page = page_html(trace(chain(400)))
    if "<svg" in page:
        assert "showing 300 of 401 value nodes" in page
    assert page.count('data-name=') == 0  # rows are built by the script, from the data
    assert '"name": "end"' in page
    with pytest.raises(ValueError, match="6,001 nodes; a step-through page is for up to 5,000"):
        page_data(trace(chain(6000)))
