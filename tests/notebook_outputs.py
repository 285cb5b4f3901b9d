"""The notebooks' committed outputs: run a notebook on a fresh kernel, compare what it shows
with what is committed, and refresh what is committed.

Refresh every notebook in notebooks/ (or only those named) after a change alters its output:

    .venv/bin/python tests/notebook_outputs.py [notebooks/01_backprop_by_hand.ipynb ...]

Outputs are compared as text, output by output, after normalising only what legitimately
changes from run to run or machine to machine:
- memory addresses (`<Drawing at 0x7f...>`), temporary paths; in printed text and plain-text
  results also timings (`12.3 ms`, `4.5 it/s`, a progress bar's `00:12`);
- pictures: an image (PNG, SVG) is compared by its presence and type, never its bytes, also
  one inlined in HTML as a `data:image/...;base64,` address (a drawing beside its text);
- Graphviz's layout in a step-through page (the `picture.views` of its JSON data): its
  numbers and edge paths are blanked, its words kept. Everything else of the page is compared.
Consecutive pieces of one stream are joined first: how a kernel splits printed text into
messages depends on timing.
"""

from __future__ import annotations

import copy
import difflib
import html
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted([*(ROOT / "notebooks").glob("*.ipynb"),
                    *(ROOT / "notebooks").glob("zh/*.ipynb")])  # the Chinese ones too
REFRESH_COMMAND = ".venv/bin/python tests/notebook_outputs.py"

# Text a notebook may show whose bytes are its meaning; anything else (images) is compared
# by its presence only.
_TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{4,}\b")
_TIMING = re.compile(r"\d+(\.\d+)?\s?(ns|µs|us|ms|s|sec|seconds|it/s|s/it)\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")  # a progress bar's elapsed / left
_TEMP = re.compile(re.escape(tempfile.gettempdir()) + r"/[^\s'\"<>]*")
_JSON_SCRIPT = re.compile(r'(<script[^>]*type="application/json"[^>]*>)(.*?)(</script>)', re.S)
_SVG_PATH = re.compile(r"M[-0-9. ]+(c[-0-9. ]+)*")
_SRCDOC = re.compile(r"^<iframe srcdoc=(['\"])(.*?)\1", re.S)
_IMAGE_URI = re.compile(r"(data:image/[\w.+-]+;base64,)[A-Za-z0-9+/=\s]+")


# --- running ----------------------------------------------------------------------------------


def execute(path: Path, timeout: int = 600):
    """The notebook at `path` run top to bottom on a fresh kernel started in its folder; its
    streams joined (see `join_streams`). Raises CellExecutionError, naming the cell, on error."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(copy.deepcopy(notebook), timeout=timeout, kernel_name="python3",
                            record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    fresh = client.execute()
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = join_streams(cell.outputs)
    return fresh


def join_streams(outputs: list) -> list:
    """Consecutive pieces of one stream as one output; text a carriage return overwrote
    (a progress bar redrawing its line) dropped, as a notebook shows it."""
    joined: list = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = previous["text"] + output["text"]
        else:
            joined.append(copy.deepcopy(output))
    for output in joined:
        if output.get("output_type") == "stream":
            text = output["text"].replace("\r\n", "\n")
            output["text"] = re.sub(r"[^\n]*\r(?=[^\n])", "", text)
    return joined


# --- comparing --------------------------------------------------------------------------------


def normalise(text: str, timings: bool = True) -> str:
    """Text with its addresses, temporary paths and (printed text only) timings written the
    same every run."""
    text = _ADDRESS.sub("0x…", text)
    text = _TEMP.sub("<temporary path>", text)
    if timings:  # not in HTML, where `.2s` is a style's duration, the same every run
        text = _CLOCK.sub("<clock>", _TIMING.sub("<time>", text))
    return text


def _without_coordinates(value):
    # Numbers zeroed and an edge's SVG path ("M12 34c5 6 ...") one word: Graphviz versions
    # differ in where they put things and in how many curve pieces an edge takes.
    if isinstance(value, str):
        return "<path>" if _SVG_PATH.fullmatch(value) else value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return 0
    if isinstance(value, list):
        return [_without_coordinates(v) for v in value]
    return {k: _without_coordinates(v) for k, v in value.items()}


def _json_block(match: re.Match) -> str:
    # A page's data, one entry a line so that a difference shows where it is; Graphviz's
    # coordinates zeroed: another Graphviz version lays the same graph out a little apart.
    data = json.loads(match.group(2))
    picture = data.get("picture") if isinstance(data, dict) else None
    if isinstance(picture, dict) and "views" in picture:
        picture["views"] = _without_coordinates(picture["views"])
    return match.group(1) + "\n" + json.dumps(data, ensure_ascii=False, indent=0) + "\n" + \
        match.group(3)


def normalise_html(text: str) -> str:
    """HTML as compared: a framed page unframed (its srcdoc unescaped), its JSON data one
    entry a line with Graphviz's coordinates zeroed, an inlined picture's bytes blanked, then
    `normalise`."""
    framed = _SRCDOC.match(text)
    if framed:
        text = ("<iframe srcdoc=…>\n" + html.unescape(framed.group(2)) + "\n</iframe>"
                + text[framed.end():])
    text = _IMAGE_URI.sub(r"\1<picture>", text)
    return normalise(_JSON_SCRIPT.sub(_json_block, text), timings=False)


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(value)
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def render(outputs: list) -> list[str]:
    """A cell's outputs as the lines that are compared: a heading per output and mime type,
    then its normalised text (for an image, only the heading)."""
    lines: list[str] = []
    for output in join_streams(outputs):
        kind = output.get("output_type")
        if kind == "stream":
            lines.append(f"[{output['name']}]")
            lines.extend(normalise(output["text"]).splitlines())
        elif kind in ("execute_result", "display_data"):
            for mime, value in sorted(output.get("data", {}).items()):
                if mime not in _TEXT_TYPES:
                    lines.append(f"[{kind} {mime}: compared by presence only]")
                    continue
                lines.append(f"[{kind} {mime}]")
                text = _as_text(value)
                lines.extend((normalise_html(text) if mime == "text/html" else
                              normalise(text)).splitlines())
        elif kind == "error":
            lines.append(f"[error {output.get('ename')}: {normalise(output.get('evalue', ''))}]")
        else:
            lines.append(f"[{kind}]")
    return lines


def differences(committed, fresh, name: str, max_lines: int = 80) -> list[str]:
    """For each code cell whose committed outputs differ from the fresh run's: a readable
    unified diff naming the notebook and the cell (empty when they agree)."""
    found = []
    if len(committed.cells) != len(fresh.cells):
        return [f"{name}: {len(committed.cells)} cells committed, {len(fresh.cells)} run"]
    for number, (old, new) in enumerate(zip(committed.cells, fresh.cells), start=1):
        if old.cell_type != "code":
            continue
        before, after = render(old.get("outputs", [])), render(new.get("outputs", []))
        if before == after:
            continue
        first = old.source.strip().splitlines()[:1] or [""]
        where = f"{name}, cell {number} ({first[0][:60]!r})"
        if not before:
            where += ": no outputs are committed, but a fresh run shows some"
        diff = list(difflib.unified_diff(before, after, "committed", "fresh run", lineterm="",
                                         n=2))
        if len(diff) > max_lines:
            diff = diff[:max_lines] + [f"... {len(diff) - max_lines} more diff lines"]
        found.append(where + "\n" + "\n".join(diff))
    return found


# --- refreshing -------------------------------------------------------------------------------


def _same_bytes(old: list, new: list) -> bool:
    # Pictures too: a refresh writes a new drawing, though the test looks only at its presence.
    def payloads(outputs):
        return [sorted((k, _as_text(v)) for k, v in o.get("data", {}).items())
                for o in outputs if "data" in o]
    return payloads(old) == payloads(new)


def refreshed(committed, fresh):
    """The committed notebook with the fresh run's outputs. A cell whose outputs differ only
    by what `render` normalises keeps its committed ones, so that a refresh changes no line
    without a reason; notebook metadata stays as committed, with no timestamps."""
    result = copy.deepcopy(committed)
    for old, new in zip(result.cells, fresh.cells):
        old.metadata.pop("execution", None)
        if old.cell_type != "code":
            continue
        new_outputs = join_streams(new.outputs)
        if not (render(old.outputs) == render(new_outputs)
                and _same_bytes(old.outputs, new_outputs)):
            old.outputs = new_outputs
        old.execution_count = new.execution_count
    return result


def refresh(path: Path) -> bool:
    """Run the notebook at `path` and write it back with its fresh outputs; whether it changed."""
    import nbformat

    committed = nbformat.read(path, as_version=4)
    text = nbformat.writes(refreshed(committed, execute(path))) + "\n"
    if path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    """Refresh the notebooks named in argv, or all of them."""
    paths = [Path(a).resolve() for a in argv] or NOTEBOOKS
    failed = 0
    for path in paths:
        try:
            changed = refresh(path)
        except Exception as error:  # a failing cell, a missing extra: say so, refresh the rest
            failed += 1
            message = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()  # no terminal colours
            print(f"{path.name}: not refreshed, it fails to run: {type(error).__name__}: "
                  f"{message.splitlines()[-1] if message else ''}")
            continue
        print(f"{path.name}: {'refreshed' if changed else 'unchanged'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
