"""What a report says to a learner: each slip as a sentence that names the nodes involved.

Every sentence is made here, in one place, from the language tables (autodiff/language:
`work.*`), so that a slip reads in the reader's language with the same names and numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..engine import rows
from ..engine.value import Value
from ..language import reading, say
from ..language.numbers import constant_text, format_number, number_text
from .change import Change

if TYPE_CHECKING:
    from .sheet import Sheet

__all__ = ["node_name", "row_title", "slip_text", "practise_text", "local_said",
           "edge_change_text", "formula_slip_text", "rounding_text"]

_LETTER = re.compile(r"\b[abn]\b")


def node_name(node: Value, depth: int = 2) -> str:
    """A node as the learner knows it: its label, a constant, or a short formula."""
    if node.label:
        return node.label
    if not node.inputs:
        return constant_text(node.data)
    if depth == 0 or node.op == "linear":
        return "…"
    args = [node_name(x, depth - 1) for x in node.inputs]
    names = {"a": args[0], "b": args[-1], "n": number_text(node.exponent)}
    text = _LETTER.sub(lambda m: names[m.group(0)], node.op_entry.reads[0])
    return f"({text})" if " " in text else text


def name_of(sheet: Sheet, node: Value) -> str:
    """A node as this sheet's reader knows it: the names handed to the sheet (the page's),
    else `node_name`."""
    return sheet.names[node] if sheet.names is not None else node_name(node)


def _after_d(sheet: Sheet, node: Value) -> str:
    """A node's name as it follows a d: `node_name` brackets a formula itself, a page's name
    is bracketed here (d(x × y + e^x))."""
    name = name_of(sheet, node)
    return name if sheet.names is None else reading.d_name(name)


def row_title(sheet: Sheet, index: int) -> str:
    """A row's name, or for a node without a label, what it is."""
    step = sheet.steps[index]
    if step.name:
        return step.name
    if step.kind == "grad":
        return f"d{sheet.root_name}/d{_after_d(sheet, step.node)}"
    if step.kind == "new":
        return say("work.after_step", node=name_of(sheet, step.node))
    return name_of(sheet, step.node)


def _local_name(sheet: Sheet, user: Value, node: Value) -> str:
    return f"d{_after_d(sheet, user)}/d{_after_d(sheet, node)}"


def slip_text(sheet: Sheet, change: Change) -> str:
    """One sentence for one slip, naming its row and the nodes involved."""
    row = row_title(sheet, change.step)
    step = sheet.steps[change.step]
    if step.kind == "new":
        return _step_text(sheet, change, row)
    if change.kind == "rounding":
        return say("work.rounded_before_use", row=row, round_to=change.round_to)
    if step.kind == "value":
        if change.kind == "sign":
            return say("work.wrong_sign", row=row)
        x = step.node.inputs[change.position]
        other = name_of(sheet, sheet.steps[change.source].node)
        adds = step.node.op == "+" or (step.node.op == "linear"
                                       and change.position == len(step.node.inputs) - 1)
        return say("work.adds_where" if adds else "work.uses_where", row=row, other=other,
                   right=name_of(sheet, x))
    return _gradient_text(sheet, change, row)


def _gradient_text(sheet: Sheet, change: Change, row: str) -> str:
    node = sheet.steps[change.step].node
    if change.edge is None:  # the whole sum: only a sign flips a whole gradient
        return say("work.wrong_sign", row=row)
    user, _ = sheet.users[node][change.edge]
    through = name_of(sheet, user)
    local = _local_name(sheet, user, node)
    if change.kind == "missing path":
        return say("work.leaves_out_path", row=row, through=through)
    if change.kind == "sign":
        return say("work.term_sign", row=row, through=through)
    if change.kind == "missing factor":
        left_out = local if change.drop == "local" else row_title(
            sheet, sheet.grad_step[user].index)
        return say("work.leaves_out_factor", row=row, factor=left_out)
    if change.kind == "wrong slope":
        return say("work.wrong_slope", row=row, other=name_of(sheet, change.slope_at),
                   through=through, local=local)
    if change.kind == "updated weight":
        return say("work.updated_weight", row=row, x=name_of(sheet, user.inputs[change.position]),
                   after=change.constant, local=local)
    if change.upstream is not None:
        return say("work.takes_where", row=row, other=row_title(sheet, change.upstream),
                   right=row_title(sheet, sheet.grad_step[user].index))
    return say("work.uses_where_in", row=row, other=name_of(sheet, sheet.steps[change.source].node),
               right=name_of(sheet, user.inputs[change.position]), local=local)


def practise_text(sheet: Sheet, change: Change) -> str:
    """The slip's sentence for practise mode: `slip_text`, and where the slip is a local
    derivative left out or taken at another node, that derivative's formula and number:
    "... leaves out the factor dout_o1/dnet_o1 = out_o1·(1 − out_o1) = 0.18681560"."""
    text = slip_text(sheet, change)
    if change.edge is None or change.kind not in ("missing factor", "wrong slope") or \
            change.drop == "upstream":
        return text
    node = sheet.steps[change.step].node
    user, k = sheet.users[node][change.edge]
    if user.op_entry is None:
        return text
    said = local_said(sheet, user, k)
    if change.kind == "missing factor":
        return f"{text} = {said}"
    return f"{text}; {_local_name(sheet, user, node)} = {said}"


def local_said(sheet: Sheet, user: Value, k: int) -> str:
    """d user / d its k-th input as the op table writes it, in the sheet's names, and its
    number: "out_o1·(1 − out_o1) = 0.18681560" (a formula that is its number: just that)."""
    local = sheet.local(user, k, sheet.truth.__getitem__)
    names = [name_of(sheet, x) for x in user.inputs]
    formula = reading.reads_local(user.op_entry, names, name_of(sheet, user), user.exponent)[k]
    number = format_number(local)
    return formula if formula == number_text(local) else f"{formula} = {number}"


# --- one edge of a backward step: its local derivative and its contribution (edge_slips.py) ---
def edge_change_text(sheet: Sheet, change: Change, part: str) -> str:
    """A catalog slip on one edge's term, said of the edge's local derivative (`part`
    "local") or of its contribution, local × upstream ("contribution")."""
    node = sheet.steps[change.step].node
    user, k = sheet.users[node][change.edge]
    local = _local_name(sheet, user, node)
    upstream = row_title(sheet, sheet.grad_step[user].index)
    row = local if part == "local" else f"{local} × {upstream}"
    if change.kind == "sign":
        return say("work.wrong_sign", row=row)
    if change.drop == "local":
        said = local_said(sheet, user, k)
        return (say("work.edge_local_as_one", local=local, said=said) if part == "local" else
                say("work.leaves_out_factor", row=row, factor=f"{local} = {said}"))
    if change.drop == "upstream":
        return say("work.leaves_out_factor", row=row, factor=upstream)
    if change.kind == "wrong slope":
        return say("work.edge_slope_of", local=local, other=name_of(sheet, change.slope_at),
                   through=name_of(sheet, user))
    if change.upstream is not None:
        return say("work.takes_where", row=row, other=row_title(sheet, change.upstream),
                   right=upstream)
    return say("work.uses_where", row=local, other=name_of(sheet, sheet.steps[change.source].node),
               right=name_of(sheet, user.inputs[change.position]))


def formula_slip_text(sheet: Sheet, user: Value, k: int, how: str, factor: str) -> str:
    """The op table's local derivative worked wrongly (edge_slips.py): taken at the output
    ("at output"), fed the input where it takes the output ("input for output"), or with
    the factor `factor` (code over a, b, n, out) left out ("factor")."""
    x = user.inputs[k]
    fields = {"local": _local_name(sheet, user, x), "said": local_said(sheet, user, k),
              "out": name_of(sheet, user), "input": name_of(sheet, x)}
    if how == "at output":
        return say("work.edge_at_output", op=reading.symbol(user.op_entry, user.exponent),
                   **fields)
    if how == "input for output":
        return say("work.edge_input_for_output", **fields)
    names = dict(zip(rows.arg_names(user.op_entry, len(user.inputs)),
                     (name_of(sheet, v) for v in user.inputs)), out=fields["out"])
    if user.op_entry.param:
        names["n"] = number_text(user.exponent)
    return say("work.edge_factor", factor=_code_text(factor, names), **fields)


_WORD = re.compile(r"[A-Za-z_]\w*|\d+\.0\b")


def _code_text(code: str, names: dict[str, str]) -> str:
    """A piece of the op table's code as a reader writes it: the nodes' names for a, b and
    out, 1 for 1.0, − for -, · for *."""
    text = _WORD.sub(lambda m: names.get(m.group(0), m.group(0).removesuffix(".0")), code)
    return text.replace(" - ", " − ").replace(" * ", "·")


def _step_text(sheet: Sheet, change: Change, row: str) -> str:
    grad = row_title(sheet, sheet.grad_step[sheet.steps[change.step].node].index)
    if change.kind == "wrong lr":
        return say("work.wrong_lr", row=row, lr=change.lr, right=sheet.lr)
    if change.kind == "sign":
        return say("work.step_sign", row=row, grad=grad)
    return say("work.step_rounded", row=row, round_to=change.round_to)


def rounding_text(sheet: Sheet, sources: list[tuple[int, str]], row: str) -> str:
    """Numbers written rounded and worked on (their rows and texts): the later row inherits
    their error."""
    written = say("work.and").join(f"{row_title(sheet, index)} = {text}"
                                    for index, text in sources)
    return say("work.rounded_sources", written=written, row=row)
