"""Stage 4c, emit the function around the passes: its signature, docstring and return.

`def value_and_grad(x1, x2, ...)`, or, where many numbers go into the vector p, `def
value_and_grad(*inputs)`; where every gradient is an entry of dp, the work is a function of
the vector p itself (`value_and_grad_p(p)`), and value_and_grad only packs and unpacks.
"""

from __future__ import annotations

from ..engine.numpy_on_demand import np
from .analysis import Analysis
from .emit_backward import Backward
from .emit_forward import P_LINE, p_comment
from .fusion import Fusion
from .namespace import FUNCTION_NAME, VECTOR_NAME
from .naming import Gradients, Naming
from .optext import IDENT
from .text import WIDTH, fill, name_list, tuple_text, wrap_list

__all__ = ["docstring", "return_lines", "function_lines"]


def docstring(root_name: str, wrt_names: list[str]) -> str:
    """What the function returns, as many names as fit on the line."""
    doc = f"{root_name}, the value alone (no gradients asked for)."
    for limit in range(6, 1, -1):
        if wrt_names:
            doc = f"{root_name} and its gradient with respect to {name_list(wrt_names, limit)}."
        if len(doc) + 10 <= WIDTH:
            break
    return doc


def return_lines(a: Analysis, fusion: Fusion, naming: Naming, grads: Gradients | None,
                 backward: Backward | None, namespace: dict) -> list[str]:
    """`return value, [gradients]`: each in its input's shape; or dp, or entries of it."""
    root = naming.atom[a.root_at]
    if fusion.assembly:
        wrt = [fusion.p_at[i] for i in a.wrt_pos]
        if wrt == list(range(len(fusion.p_at))):
            return [f"    return {root}, {grads.dp}.tolist()"]  # all of dp: see function_lines
        name = naming.names.take("wrt_at")  # where the gradients asked for are in dp
        namespace[name] = np.array(wrt, dtype=np.intp)
        return [f"    return {root}, {grads.dp}[{name}].tolist()"]
    found = []
    for i in a.wrt_pos:
        if i in backward.direct:
            g = backward.direct[i]
            array = a.batch[i] and a.numpy
        else:
            g = grads.grad[i]
            array = backward.grad_array[i] if i != a.root_at else False
        if a.batch[i] and not (array and a.uniform):
            g = f"zeros_like({naming.var[i]}) + {g}"  # the input's shape, as the engine
        found.append(g)
    return wrap_list(f"return {root}, [", found, "]", indent="    ")


def function_lines(a: Analysis, fusion: Fusion, naming: Naming, dp: str, doc: str,
                   body: list[str]) -> list[str]:
    """`def value_and_grad(x1, x2, ...):`, the docstring, the body. Where many numbers go
    into the vector p and nothing else reads them by name: `def value_and_grad(*inputs)`,
    `p = np.array(inputs[:K])`, their names in the docstring (a list of hundreds of
    parameters reads no better, and Python's compiler reads it twice). Where every input is
    a number in p and every gradient one entry of dp, the work is a function of the vector p
    (`value_and_grad_p`: a training loop can keep its parameters as one array), and
    value_and_grad only packs and unpacks."""
    p_at, p = fusion.p_at, naming.p
    input_names = [naming.var[i] for i in a.input_pos]
    count = len(p_at)
    start = body.index(P_LINE) if count else len(body)
    rest = body[:start] + body[start + 1:]
    in_order = sorted(p_at.values()) == [a.input_at[i] for i in p_at]
    read_by_name = bool(set(input_names[:count]) & set(IDENT.findall("\n".join(
        line for line in rest if not line.startswith("    #")))))
    vector = (in_order and not read_by_name and count == len(input_names)
              and _returns_dp(a, fusion))
    if count < 32 or not in_order or read_by_name:
        p_line = []
        if count:  # p = np.array((x1, x2, ...)), the inputs by name
            scalars = sorted(p_at, key=p_at.get)
            p_line = tuple_text([naming.atom[i] for i in scalars], f"{p} = np.array(", "    ")
            p_line[-1] += ")"
        head = [*wrap_list(f"def {FUNCTION_NAME}(", input_names, "):", indent=""),
                f'    """{doc}"""']
        if not vector:
            return [*head, *body[:start], *p_line, *body[start + 1:]]
        # A few parameters: by name first, as a textbook lists them; then the function of p.
        root = naming.atom[a.root_at]
        return [*head, *p_line, f"    {root}, {dp} = {VECTOR_NAME}({p})",
                f"    return {root}, {dp}.tolist()", "", "",
                *_vector_lines(a, naming, dp, count, body, start)]
    inputs = naming.names.take("inputs")
    unpacked = [f"    {p} = np.array({inputs}[:{count}])"]
    others = input_names[count:]
    if others:
        unpacked.append(f"    {', '.join(others)}{',' if len(others) == 1 else ''} = "
                        f"{inputs}[{count}:]")
    listing = fill(f"The {len(input_names)} inputs, in order: {', '.join(input_names)}.", "    ")
    head = [f"def {FUNCTION_NAME}(*{inputs}):", f'    """{doc}', "", *listing, '    """']
    if not vector:
        return [*head, *body[:start], *unpacked, *body[start + 1:]]
    root = naming.atom[a.root_at]
    return [*_vector_lines(a, naming, dp, count, body, start), "", "", *head,
            f"    {root}, {dp} = {VECTOR_NAME}(np.array({inputs}))",
            f"    return {root}, {dp}.tolist()"]


def _vector_lines(a: Analysis, naming: Naming, dp: str, count: int, body: list[str],
                  start: int) -> list[str]:
    """`def value_and_grad_p(p)`: the body, a function of the vector p, returning dp."""
    p, root = naming.p, naming.atom[a.root_at]
    about = fill(f'"""{root} and its gradient d{root}/d{p}: {p} is the {count} '
                 f"inputs of {FUNCTION_NAME} as one vector, in the order it lists them, and "
                 f'd{root}/d{p} one vector too."""', "    ")
    before = body[:start - 1] if start and body[start - 1] == p_comment(count) else body[:start]
    return [f"def {VECTOR_NAME}({p}):", *about, *before, *body[start + 1:-1],
            f"    return {root}, {dp}"]


def _returns_dp(a: Analysis, fusion: Fusion) -> bool:
    """Whether the function returns all of dp, in order (every input's gradient, in p)."""
    return (fusion.assembly and bool(a.wrt_pos)
            and [fusion.p_at[i] for i in a.wrt_pos] == list(range(len(fusion.p_at))))
