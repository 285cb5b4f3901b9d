"""What a report says to a learner: each slip as a sentence that names the nodes involved.

Every sentence is made here, in one place, from the language tables (autodiff/language:
`work.*`), so that a slip reads in the reader's language with the same names and numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..engine.value import Value
from ..language import reading, say
from ..language.numbers import constant_text, format_number, number_text
from .change import Change

if TYPE_CHECKING:
    from .sheet import Sheet

__all__ = ["node_name", "row_title", "slip_text", "practise_text", "rounding_text"]

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
    user, k = sheet.users[sheet.steps[change.step].node][change.edge]
    local = sheet.local(user, k, sheet.truth.__getitem__)
    if user.op_entry is None:
        return text
    names = [name_of(sheet, x) for x in user.inputs]
    formula = reading.reads_local(user.op_entry, names, name_of(sheet, user), user.exponent)[k]
    number = format_number(local)
    said = formula if formula == number_text(local) else f"{formula} = {number}"
    if change.kind == "missing factor":
        return f"{text} = {said}"
    return f"{text}; {_local_name(sheet, user, sheet.steps[change.step].node)} = {said}"


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
