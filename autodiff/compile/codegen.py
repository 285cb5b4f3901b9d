"""Writing a recorded graph as Python source: the stages, one after another.

`write_program(root, order, inputs, wrt, backend)` returns a `Program`: the source of one
function `value_and_grad(*inputs) -> (value, grads)` and the namespace it runs in. Each stage
is a module of its own and hands the next one a value:

1. `analysis.analyse`: the graph by positions, checked (`Analysis`);
2. `fusion.fuse` (optional): the layers written as one step each, the vector p (`Fusion`);
3. `schedule.forward_order`, then `naming.name_nodes`: what everything is called (`Naming`);
4. `emit_forward`, `naming.name_gradients`, `emit_backward`, `emit_function`: the lines.

Every expression comes from the op table (`optext`), the text the engine itself runs, so no
derivative is written twice and the arithmetic is the engine's; where an op has a domain, a
check refuses what the engine refuses (`domains`). Names and layout are in `text.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.value import Value
from .analysis import analyse
from .emit_backward import write_backward
from .emit_forward import write_forward
from .emit_function import docstring, function_lines, return_lines
from .fusion import fuse
from .namespace import FUNCTION_NAME, VECTOR_NAME, namespace
from .naming import name_gradients, name_nodes
from .schedule import forward_order

__all__ = ["Program", "write_program", "FUNCTION_NAME", "VECTOR_NAME"]


@dataclass
class Program:
    """The written function: its source, the globals it needs, and what its names mean."""

    source: str
    namespace: dict[str, object]
    root_name: str
    input_names: list[str]
    wrt_names: list[str]
    array_inputs: list[bool]  # which inputs were recorded as arrays (numpy backend)
    uniform: bool  # all arrays of the graph share one shape
    fixed_shape: tuple | None  # the shape constant arrays fix for every array input, if any
    node_inputs: list[list[int]]  # each node's inputs, as positions in the topological order


def write_program(root: Value, order: list[Value], inputs: list[Value], wrt: list[Value],
                  backend: str, fuse_layers: bool = True) -> Program:
    """Check the graph (raising ValueError naming the node) and write its function.

    With `fuse_layers`, layers of neurons are written as a textbook's vectorised code does
    (`layers`); without, one statement per node.
    """
    a = analyse(order, inputs, wrt, numpy=backend == "numpy")
    fusion = fuse(a, fuse_layers)
    forward = forward_order(a, fusion)
    naming = name_nodes(a, fusion, forward)
    globals_ = namespace(a.numpy, bool(fusion.layers)) | naming.bindings
    root_name = naming.root_name(a.root_at)
    input_names = [naming.var[i] for i in a.input_pos]
    wrt_names = [naming.var[i] for i in a.wrt_pos]
    written = write_forward(a, fusion, naming, forward, globals_)
    body = written.lines
    grads = backward = None
    if wrt_names:
        grads = name_gradients(a, fusion, naming)
        backward = write_backward(a, fusion, naming, grads, written, globals_)
        body += backward.lines
    body += return_lines(a, fusion, naming, grads, backward, globals_)
    lines = function_lines(a, fusion, naming, grads.dp if grads else "",
                           docstring(root_name, wrt_names), body)
    return Program(
        source="\n".join(lines) + "\n", namespace=globals_, root_name=root_name,
        input_names=input_names, wrt_names=wrt_names,
        array_inputs=[type(node.data) is not float for node in inputs],
        uniform=a.uniform, fixed_shape=a.shape if a.constant_arrays() else None,
        node_inputs=a.ins,
    )
