"""`autodiff lab --out DIR [--pyodide PATH]`: the lab as a static site. `index.html` and its
script load Pyodide (Python compiled for the browser), unpack this package's wheel into it and
call `autodiff.lab.browser` and `nn.live`; graphs are laid out by Graphviz compiled for the
browser (`@viz-js/viz`), so they look as `draw_graph` and the step-through page draw them."""

from __future__ import annotations

import html
import json
import re
import shutil
from importlib import resources
from pathlib import Path

from ..language import get_language, language, texts
from .wheel import pack_wheel

__all__ = ["build_site", "PYODIDE_VERSION", "VIZ_VERSION", "PYODIDE_FILES"]

PYODIDE_VERSION = "0.27.7"  # the npm package `pyodide` the site was made for (core files only)
VIZ_VERSION = "3.31.0"      # the npm package `@viz-js/viz`
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
VIZ_CDN = f"https://cdn.jsdelivr.net/npm/@viz-js/viz@{VIZ_VERSION}/dist/viz-global.js"
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
VIZ_FILE = "dist/viz-global.js"
_TEMPLATES = ("index.html", "lab.js", "lab.css")
# index.html's slots: {{CONFIG}} (what the site holds), {{LANG}} and {{t:KEY}}, the text "lab.KEY"
# of the language tables (markup where KEY ends in _html, else escaped).
_SLOT = re.compile(r"\{\{(CONFIG|LANG)\}\}|\{\{t:(\w+)\}\}")


def _page(template: str, config: dict, lang: str) -> str:
    """index.html with its slots filled: the config for the script, the words in `lang`."""
    with language(lang):
        words = texts("lab.")
    config = {**config, "lang": lang, "texts": words}  # the script's words, and Python's
    slots = {"CONFIG": json.dumps(config).replace("<", "\\u003c"), "LANG": lang}

    def fill(match: re.Match) -> str:
        if match.group(1):
            return slots[match.group(1)]
        key = match.group(2)
        return words[key] if key.endswith("_html") else html.escape(words[key])

    # One pass: what a slot is filled with is never searched for slots again.
    return _SLOT.sub(fill, template)


def _copy_pyodide(pyodide: Path, out: Path) -> str:
    missing = [name for name in PYODIDE_FILES if not (pyodide / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"--pyodide {pyodide}: no {', '.join(missing)} there; give the folder of the npm "
            f"package (npm install pyodide@{PYODIDE_VERSION}: node_modules/pyodide)")
    (out / "pyodide").mkdir(exist_ok=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(pyodide / name, out / "pyodide" / name)
    return "pyodide/"


def _find_viz(pyodide: Path | None, viz: Path | None) -> Path | None:
    """The npm package `@viz-js/viz`: as given, else beside `pyodide` in its node_modules."""
    if viz is not None:
        if not (viz / VIZ_FILE).is_file():
            raise FileNotFoundError(f"--viz {viz}: no {VIZ_FILE} there; give the folder of the "
                                    f"npm package (npm install @viz-js/viz@{VIZ_VERSION})")
        return viz
    beside = pyodide.parent / "@viz-js" / "viz" if pyodide is not None else None
    return beside if beside is not None and (beside / VIZ_FILE).is_file() else None


def build_site(out: str | Path, pyodide: str | Path | None = None,
               viz: str | Path | None = None, lang: str | None = None) -> Path:
    """Write the lab to the folder `out` and return its index.html. With `pyodide` (the npm
    package's folder) its core files are copied in, and with Graphviz's (`viz`, or found
    beside it) the site needs no network; without, it loads them from their CDN. The lab
    speaks `lang` ("en" or "zh"; default: the current language), its pages and messages too."""
    lang = lang or get_language()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    wheels = [pack_wheel("backprop-autodiff", ["autodiff", "nn"], out / "wheels"),
              pack_wheel("graphviz", ["graphviz"], out / "wheels")]
    pyodide = Path(pyodide) if pyodide is not None else None
    found_viz = _find_viz(pyodide, Path(viz) if viz is not None else None)
    config = {
        "pyodide": _copy_pyodide(pyodide, out) if pyodide is not None else PYODIDE_CDN,
        "viz": "viz-global.js" if found_viz is not None else VIZ_CDN,
        "wheels": [f"wheels/{path.name}" for path in wheels],
    }
    if found_viz is not None:
        shutil.copyfile(found_viz / VIZ_FILE, out / "viz-global.js")
    templates = resources.files(__package__).joinpath("templates")
    for name in _TEMPLATES:
        text = templates.joinpath(name).read_text(encoding="utf-8")
        if name == "index.html":
            text = _page(text, config, lang)
        (out / name).write_text(text, encoding="utf-8")
    return out / "index.html"
