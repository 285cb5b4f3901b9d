"""Stage 4b, emit the backward pass: one statement per gradient, one step per layer.

Each gradient is written once every node made from it is done, as the sum of its chain-rule
steps (`steps`), in the engine's order:

    dE_total_dout_h1 = dE_total_dnet_o1 * w5 + dE_total_dnet_o2 * w7

A layer's backward pass is one step: the gradient of its outputs, through the activation,
then into its weights, biases and inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import Analysis
from .emit_forward import Forward, product
from .fusion import Fusion
from .layers import Layer, Weights
from .naming import Gradients, Naming
from .optext import IDENT, template
from .schedule import backward_order
from .steps import ChainSteps
from .text import WIDTH, assignment, comment, tuple_text

__all__ = ["Backward", "write_backward"]


@dataclass(eq=False)
class Backward:
    """The backward pass's lines, and what the return statement needs of them."""

    lines: list[str] = field(default_factory=list)
    direct: dict[int, str] = field(default_factory=dict)  # a leaf's gradient: one layer's term
    grad_array: list[bool] = field(default_factory=list)  # which gradients are arrays


def write_backward(a: Analysis, fusion: Fusion, naming: Naming, grads: Gradients,
                   forward: Forward, namespace: dict) -> Backward:
    """Every gradient asked for, from the root back to the inputs."""
    writer = _BackwardWriter(a, fusion, naming, grads, ChainSteps(a, fusion, naming, grads,
                                                                  forward), namespace)
    root_name = naming.root_name(a.root_at)
    lines = [
        "",
        f"    # backward pass: d{root_name}/d(node) for each node, from {root_name} back to "
        "the inputs.",
        "    # Each term is one step of the chain rule, through one node made from that node.",
    ]
    if fusion.assembly:
        lines += [f"    # d{root_name}/d{naming.p}: every gradient asked for, gathered in one "
                  "vector as the layers give them",
                  f"    {grads.dp} = np.zeros({len(fusion.p_at)})"]
    for unit in backward_order(a, fusion):
        if type(unit) is Layer:
            lines += writer.layer_lines(unit)
        elif unit == a.root_at:
            lines += [f"    # d{root_name}/d{root_name} = 1", f"    {grads.grad[unit]} = 1.0"]
        else:
            lines += writer.gradient_lines(unit)
            if fusion.assembly and unit in fusion.vdots:
                lines += writer.vdot_lines(unit)
    for weights in fusion.weights:
        if not weights.layers[0].array and "dW" in weights.names:
            lines += writer.weight_grad_lines(weights)
    lines += writer.input_lines()
    return Backward(lines, writer.direct, writer.steps.grad_array)


class _BackwardWriter:
    """The statements of one backward pass."""

    def __init__(self, a: Analysis, fusion: Fusion, naming: Naming, grads: Gradients,
                 steps: ChainSteps, namespace: dict) -> None:
        self.a, self.fusion, self.naming, self.grads = a, fusion, naming, grads
        self.steps, self.namespace = steps, namespace
        self.direct: dict[int, str] = {}  # a leaf whose gradient is one term, returned as is

    def gradient_lines(self, i: int, leaf: bool = False) -> list[str]:
        """`d root / d node i = the sum of its steps`, with its comment. A leaf whose gradient
        is one term a layer made is returned as it is, without a statement of its own."""
        steps = self.steps.steps_of(i)
        if leaf and len(steps) == 1 and steps[0][3]:
            self.direct[i] = steps[0][0]
            return []
        self.steps.grad_array[i] = any(step[2] for step in steps)
        shown = steps if len(steps) <= 4 else steps[:2]
        terms = [step[0] for step in steps]
        if self.a.numpy and len(terms) > 1 and terms[0][:1] == "-" and terms[0][1:].isidentifier():
            # -a + b is b - a to the last bit (a sum of two commutes): one array op, not two
            terms[:2] = terms[1], terms[0]
        return (comment(f"{self.grads.prefix}{self.naming.atom[i]}",
                        [step[1] for step in shown], len(steps))
                + assignment(self.grads.grad[i], terms))

    def input_lines(self) -> list[str]:
        """The inputs' gradients; with dp, only what the layers and dot products left."""
        lines = []
        fusion, p_at, dp = self.fusion, self.fusion.p_at, self.grads.dp
        loose_inputs = self.loose_inputs() if fusion.assembly else set()
        for i in self.a.wrt_pos:
            if i == self.a.root_at:
                continue
            if not fusion.assembly:
                lines += self.gradient_lines(i, leaf=True)
                continue
            if i not in loose_inputs:
                continue  # every step into it gathered into dp: no rest (most inputs)
            steps = self.steps.rest_of(i)
            if steps:  # what the layers and dot products do not gather
                lines += comment(f"{self.grads.prefix}{self.naming.atom[i]}, the rest",
                                 [step[1] for step in steps[:2]], len(steps))
                lines += assignment(f"{dp}[{p_at[i]}]",
                                    [f"{dp}[{p_at[i]}]", *(t for t, *_ in steps)])
        return lines

    def loose_inputs(self) -> set[int]:
        """The nodes some step into which no layer or dot product gathers (a superset: a dot
        product's bias may be one of its own inputs); every other input has no rest."""
        found: set[int] = set()
        a, vdots, gathered = self.a, self.fusion.vdots, self.steps.gathered
        for p in range(len(a.order)):
            if a.needs[p] and p not in gathered:
                found.update(a.ins[p][-1:] if p in vdots else a.ins[p])
        return found

    def vdot_lines(self, i: int) -> list[str]:
        """A dot product of entries of p, backward: each side gets d(node) * the other side."""
        w_at, x_at = self.naming.vdot_names[i]
        g, p, dp = self.grads.grad[i], self.naming.p, self.grads.dp
        return [f"    {dp}{w_at} += {g} * {p}{x_at}", f"    {dp}{x_at} += {g} * {p}{w_at}"]

    def scatter(self, at: str, value: str) -> str:
        """`dp[at] += value`; np.add.at where an index repeats (a += would add it once)."""
        indices = self.namespace[at].ravel().tolist()
        if len(set(indices)) < len(indices):
            return f"    np.add.at({self.grads.dp}, {at}, {value})"
        return f"    {self.grads.dp}[{at}] += {value}"

    def layer_lines(self, layer: Layer) -> list[str]:
        """A layer's backward pass in one step: the gradient of its outputs (from the next
        layer, or gathered one by one), through the activation, then into W, b and X."""
        lines = [f"    # layer {layer.weights.names['stem']}, backward"
                 + (": a row per neuron, a column per sample" if layer.array else "")]
        lines += assignment(layer.names["drows"], self.output_grad_parts(layer))
        if layer.act is not None:
            lines += self.activation_lines(layer)
        if layer.array and self.fusion.assembly and layer.weights.from_p:
            lines += self.gathered_weight_lines(layer)
        elif layer.array:
            lines += self.batch_weight_lines(layer)
        elif layer.source is None and all(self.a.needs[x] for x in layer.xs):
            lines.append(f"    {layer.names['dX']} = input_grads({layer.names['dnet']}, "
                         f"{layer.weights.names['W']})")
        return lines

    def output_grad_parts(self, layer: Layer) -> list[str]:
        """The terms of d(outputs): from the layer that reads them whole, and a row per
        output read one by one."""
        names, consumer, parts = layer.names, layer.consumer, []
        if consumer is not None:
            dnext = consumer.names["dnet"]
            parts.append(f"{consumer.weights.names['W']}.T {product(len(consumer.nets))} {dnext}"
                         if layer.array
                         else f"input_grads({dnext}, {consumer.weights.names['W']})")
        loose = self.fusion.loose
        if any(row in loose for row in layer.rows):
            entries = []
            for r, row in enumerate(layer.rows):
                g = self.grads.grad[row] if row in loose else None
                if not layer.array:
                    entries.append(g)
                elif g is None:
                    entries.append(f"zeros_like({names['rows']}[{r}])")
                else:
                    entries.append(g if self.steps.grad_array[row] else
                                   f"zeros_like({names['rows']}[{r}]) + {g}")
            rows = tuple_text(entries)
            if layer.array and len(entries) == 1 and entries[0].isidentifier():
                parts.append(f"{entries[0]}[None]")  # one row: a view of it, not a copy
            else:
                parts.append(f"np.array({rows[0].strip()})" if layer.array else rows[0].strip())
        return parts

    def gathered_weight_lines(self, layer: Layer) -> list[str]:
        """A batch layer whose weights are in p: their gradients added into dp."""
        names, weights = layer.names, layer.weights
        X, dnet = names["X"], names["dnet"]
        lines = [self.scatter(weights.names["W_at"], f"{dnet} @ {X}.T")]
        if weights.shared_bias or len(layer.nets) == 1:
            # one bias: the sum of every entry of dnet (one row, or one bias for all rows)
            k = self.fusion.p_at[weights.biases[0]]
            total = f"float(np.sum({dnet}))" if weights.shared_bias else f"batch_sum({dnet})"
            lines.append(f"    {self.grads.dp}[{k}] += {total}")
        else:
            lines.append(self.scatter(weights.names["b_at"], f"np.add.reduce({dnet}, axis=1)"))
        if layer.source is None and any(self.a.needs[x] for x in layer.xs):
            lines.append(f"    {names['dX']} = {weights.names['W']}.T {product(len(layer.nets))} "
                         f"{dnet}")
        return lines

    def batch_weight_lines(self, layer: Layer) -> list[str]:
        """A batch layer's dW, db and dX as lists and arrays."""
        names, weights, needs = layer.names, layer.weights, self.a.needs
        lines = []
        if any(needs[w] for row in weights.rows for w in row):
            lines.append(f"    {names['dW']} = ({names['dnet']} @ {names['X']}.T).tolist()")
        if any(needs[b] for b in weights.biases):
            # np.add.reduce, what np.sum calls (without its Python layers), not the
            # array's method: that one imports NumPy's helpers lazily, from this function's
            # (bare) builtins.
            lines.append(f"    {names['db']} = float(np.sum({names['dnet']}))"
                         if weights.shared_bias else
                         f"    {names['db']} = np.add.reduce({names['dnet']}, axis=1).tolist()")
        if layer.source is None and any(needs[x] for x in layer.xs) and layer.xs:
            lines.append(f"    {names['dX']} = {weights.names['W']}.T "
                         f"{product(len(layer.nets))} {names['dnet']}")
        return lines

    def activation_lines(self, layer: Layer) -> list[str]:
        """d(net) = d(out) * the activation's local derivative, for every neuron at once."""
        names = layer.names
        act = template(layer.act, 1, None, layer.array)
        dnet, drows, net, out = names["dnet"], names["drows"], names["net"], names["out"]
        if layer.array:
            return [f"    {dnet} = {act.step(drows, 0, [net], out)}"]
        local = act.local_text(0, ["v"], "o")
        if local == "1.0":
            return [f"    {dnet} = {drows}"]
        if local == "-1.0":
            return [f"    {dnet} = [-g for g in {drows}]"]
        used = set(IDENT.findall(local))
        pairs = [("g", drows)] + [(v, m) for v, m in (("v", net), ("o", out)) if v in used]
        loop = ", ".join(v for v, _ in pairs)
        over = ", ".join(m for _, m in pairs)
        return [f"    {dnet} = [{act.step('g', 0, ['v'], 'o')} for {loop} in zip({over})]"]

    def weight_grad_lines(self, weights: Weights) -> list[str]:
        """The weights and biases of a scalar layer run on many samples: one sum of scaled rows
        each, over every sample, in the engine's order; what a weight adds first (an L2 term)
        is the start of its sum."""
        names, order, start_of = weights.names, weights.order, self.steps.start_of
        dnets = _tuple([layer.names["dnet"] for layer in order])
        xs = _tuple([layer.names["X"] for layer in order])
        lines = [f"    # layer {names['stem']}'s weights and biases: through its {len(order)} "
                 "samples, the last one first"]
        starts = [[start_of(w, weights.runs[r]) for w in row]
                  for r, row in enumerate(weights.rows)]
        args = [dnets, xs]
        if any(s != "None" for row in starts for s in row):
            args.append(_tuple([_tuple(row) for row in starts]))
        lines += _call(names["dW"], "weight_grads", args)
        if weights.shared_bias:
            start = start_of(weights.biases[0], weights.runs[-1])
            lines += _call(names["db"], "shared_bias_grad",
                           [dnets] + ([start] if start != "None" else []))
        else:
            b_starts = [start_of(b, weights.runs[r]) for r, b in enumerate(weights.biases)]
            args = [dnets]
            if any(s != "None" for s in b_starts):
                args.append(_tuple(b_starts))
            lines += _call(names["db"], "bias_grads", args)
        return lines


def _tuple(items: list[str]) -> str:
    """A tuple's text on one line: (a, b), (a,)."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _call(target: str, function: str, args: list[str]) -> list[str]:
    """`target = function(args...)`, wrapped: each argument a tuple (of names, or of tuples)."""
    one_line = f"    {target} = {function}({', '.join(args)})"
    if len(one_line) <= WIDTH:
        return [one_line]
    lines = [f"    {target} = {function}("]
    for arg in args:
        lines += _nested(arg, "        ")
        lines[-1] += ","
    lines.append("    )")
    return lines


def _nested(text: str, indent: str) -> list[str]:
    """A tuple's text as lines: on one line where it fits, else one item (or line of items)
    at a time, and a tuple of tuples one inner tuple at a time."""
    if len(indent) + len(text) <= WIDTH or not text.startswith("("):
        return [indent + text]
    items = _top_level_items(text[1:-1].rstrip(","))
    if not any(item.startswith("(") for item in items):
        return tuple_text(items, indent=indent)
    lines = [indent + "("]
    for item in items:
        lines += _nested(item, indent + "    ")
        lines[-1] += ","
    return [*lines, indent + ")"]


def _top_level_items(text: str) -> list[str]:
    """The comma-separated items of `text` at bracket depth 0."""
    items, depth, start = [], 0, 0
    for k, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:k].strip())
            start = k + 1
    last = text[start:].strip()
    if last:
        items.append(last)
    return items
