"""Stage 4a, emit the forward pass: constants, each layer's weights, one statement per node.

`write_forward(a, fusion, naming, forward, namespace)` returns the lines and what the backward
pass needs of them (`Forward`); constant arrays and the domain checks' refusal are bound in
`namespace`, the globals the function runs in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..engine import ops
from ..engine.numpy_on_demand import np
from .analysis import Analysis
from .domains import domain, may_leave, refusal, spans
from .fusion import Fusion
from .layers import Layer
from .naming import Naming
from .optext import Template, kinds, template
from .text import WIDTH, assignment, literal, name_list, tuple_text

__all__ = ["Forward", "write_forward", "P_LINE", "p_comment", "product"]

P_LINE = "\0p"  # where the body unpacks the vector p: the signature (`function`) writes it


def p_comment(count: int) -> str:
    """The comment above the line that makes p."""
    return (f"    # the {count} numbers among the inputs as one vector: "
            "the layers' weights are in it")


@dataclass(eq=False)
class Forward:
    """The forward pass's lines, and each op node's local derivatives as text to be."""

    lines: list[str]
    local_from: dict[int, tuple[Template, list[str]]] = field(default_factory=dict)
    local_arrays: dict[int, list[bool]] = field(default_factory=dict)  # numpy: array locals


def write_forward(a: Analysis, fusion: Fusion, naming: Naming, forward: list,
                  namespace: dict) -> Forward:
    """The constants, the weights, then each node and layer in `forward` order."""
    writer = _ForwardWriter(a, fusion, naming, namespace)
    lines = writer.constant_lines() + writer.weight_lines()
    if a.ins[a.root_at]:
        lines.append("    # forward pass: each node once, after its inputs")
    for unit in forward:
        if type(unit) is Layer:
            lines += writer.layer_lines(unit)
        else:
            lines += writer.node_lines(unit)
    return Forward(lines, writer.local_from, writer.local_arrays)


class _ForwardWriter:
    """The statements of one forward pass, and what they bind."""

    def __init__(self, a: Analysis, fusion: Fusion, naming: Naming, namespace: dict) -> None:
        self.a, self.fusion, self.naming, self.namespace = a, fusion, naming, namespace
        self.local_from: dict[int, tuple[Template, list[str]]] = {}
        self.local_arrays: dict[int, list[bool]] = {}
        self.checks: list[tuple] = []  # the domain checks' ops, for out_of_domain
        # Where constant arrays fix every batch's shape (full-batch data), a batch is that.
        a = self.a
        self.fixed = a.shape if a.numpy and a.uniform and a.constant_arrays() else None
        self.spans: list[tuple[float, float]] | None = None
        self.uniform_locals: set[int] = set()  # a sum's or mean's local: one number

    def constant_lines(self) -> list[str]:
        """The leaves that are not inputs: a number as a statement, an array bound."""
        lines = []
        for i in self.a.constants:
            name = self.naming.var[i]
            if name is None:
                continue
            data = self.a.order[i].data
            if type(data) is float:
                lines.append(f"    {name} = {literal(data)}")
            else:
                self.namespace[name] = data
                lines.append(f"    # {name}: a constant array of shape {data.shape}, "
                             "bound when compiled")
        return ["    # constants: the leaves that are not inputs", *lines] if lines else []

    def weight_lines(self) -> list[str]:
        """Each layer's weights as one matrix (a row per neuron) and its biases as a vector."""
        lines = []
        p_at, p = self.fusion.p_at, self.naming.p
        if p_at:
            lines += [p_comment(len(p_at)), P_LINE]  # `p = np.array((x1, ...))`
        for weights in self.fusion.weights:
            count, width = len(weights.rows), len(weights.layers[0].xs)
            names = weights.names
            if weights.from_p:
                at = [names["W_at"]] + ([names["b_at"]] if "b" in names else [])
                lines.append(f"    # layer {names['stem']}: weights ({count} x {width}, a "
                             f"row per neuron) and biases; {' and '.join(at)} say where in {p}")
                lines.append(f"    {names['W']} = {p}[{names['W_at']}]")
                if "b" in names:
                    lines.append(f"    {names['b']} = {p}[{names['b_at']}]")
            else:
                lines += self.weights_as_values(weights, count, width)
        return lines

    def weights_as_values(self, weights, count: int, width: int) -> list[str]:
        """A layer's weights and biases made from their nodes (or bound, if constant)."""
        array, atom, names = weights.layers[0].array, self.naming.atom, weights.names
        what = "matrix" if array else "tuple of rows"
        lines = [f"    # layer {names['stem']}: its weights as a {what}, a row "
                 f"per neuron ({count} x {width}), and its biases"]
        if array and not any(self.a.varies[w] for row in weights.rows for w in row):
            name = names["W"]  # constant weights: one array, made when compiled
            self.namespace[name] = np.array([[self.a.order[w].data for w in row]
                                             for row in weights.rows])
            lines.append(f"    # {name}: a constant matrix of shape ({count}, {width}), "
                         "bound when compiled")
        else:
            lines += _matrix(names["W"], [[atom[w] for w in row] for row in weights.rows],
                             array)
        if "b" in names:
            lines += tuple_text([atom[b] for b in weights.biases], f"{names['b']} = " + (
                "np.array(" if array else ""), indent="    ")
            if array:
                lines[-1] += ")"
        return lines

    def node_lines(self, i: int) -> list[str]:
        """One op node's statement, the op table's text; its domain check before it."""
        a, naming = self.a, self.naming
        node, atom = a.order[i], naming.atom
        args = [atom[c] for c in a.ins[i]]
        array = a.numpy and a.array_kernel[i]
        found = template(node.op_entry, len(args), node.exponent, array)
        if array and a.batch[i] and not a.varies[i]:
            return self.folded_lines(i, found, args)
        if array and self.fixed is not None and node.op_entry in (ops.SUM, ops.MEAN):
            found = self.fixed_size(i, found)
        if i in self.fusion.vdots:  # a wide sum over inputs: one dot product of entries of p
            w_at, x_at = naming.vdot_names[i]
            terms = [f"float({naming.p}{w_at} @ {naming.p}{x_at})", args[-1]]
        else:
            terms = found.terms(args)
        lines = []
        checked = node.op_entry.domain and domain(node.op_entry, len(args), node.exponent)
        if checked and self.may_leave(i, checked):
            lines += self.domain_lines(i, checked.text.format(*args), args, array)
        if array:
            out, self.local_arrays[i] = kinds(node)
            if i in self.uniform_locals:
                self.local_arrays[i] = [False]
            if type(out) is not float and type(node.data) is float:
                terms = [f"float({' + '.join(terms)})"]  # as the engine: a reduction
        if a.needs[i]:
            self.local_from[i] = (found, args)
        return lines + assignment(naming.var[i], terms)

    def folded_lines(self, i: int, found: Template, args: list[str]) -> list[str]:
        """An array made from constants only: the value the engine computed when it recorded
        the graph, bound when compiled, not computed again at every call."""
        name = self.naming.var[i]
        self.namespace[name] = self.a.order[i].data
        return [f"    # {name} = {' + '.join(found.terms(args))}: constants only, computed "
                "once, when compiled"]

    def fixed_size(self, i: int, found: Template) -> Template:
        """A sum or mean over a batch of the fixed shape: its size a number, and its local
        derivative one number too (1.0, or 1/N), where the op table makes an array of it at
        every call. The gradient it gives is then one number standing for an array of equal
        entries, and stays one through every step by a number (x + c, c * x): each such step
        is the engine's own, entry by entry; `ChainSteps` makes it an array where one is due."""
        size = int(np.prod(self.fixed))
        forward = found.forward.replace("np_size({0})", str(size))
        if not self.a.needs[i]:
            return replace(found, forward=forward)
        slope = "1.0" if self.a.order[i].op_entry is ops.SUM else literal(1.0 / size)
        self.uniform_locals.add(i)
        return replace(found, forward=forward, local=(slope,), atomic=(True,))

    def may_leave(self, i: int, checked) -> bool:
        a, ins = self.a, self.a.ins[i]
        free = [k for k in checked.reads if a.varies[ins[k]]]
        if not free:
            return False
        if self.spans is None:  # where every node's values lie: once, where a check may be
            self.spans = spans(a.order, a.ins, a.varies)
        return may_leave(a.order[i], checked, free, [a.batch[c] for c in ins], self.fixed,
                         [self.spans[c] for c in ins])

    def domain_lines(self, i: int, condition: str, args: list[str], array: bool) -> list[str]:
        """`if not <domain>: out_of_domain(k, inputs...)`, the engine's refusal."""
        node = self.a.order[i]
        if "out_of_domain" not in self.namespace:
            self.namespace["out_of_domain"] = refusal(self.checks)
            self.namespace["np"] = np
        self.checks.append((node.op_entry, [c.label for c in node.inputs], node.exponent))
        if array:
            condition = f"np.all({condition})"
        return [f"    if not {condition}:",
                f"        out_of_domain({len(self.checks) - 1}, {', '.join(args)})"]

    def layer_lines(self, layer: Layer) -> list[str]:
        """`net = W @ X + b` and `out = act(net)` for a batch layer; `affine` and one list for
        a scalar layer; then the outputs other code reads one by one."""
        names, weights, atom = layer.names, layer.weights, self.naming.atom
        lines = []
        if layer.array:
            count, width = len(layer.nets), len(layer.xs)
            reading = (f"the {width} rows of {names['X']}" if layer.source is not None
                       else f"{name_list([atom[x] for x in layer.xs], 4)}")
            how = "one matrix product" if width > 1 else "one product (an outer product)"
            lines.append(f"    # layer {weights.names['stem']}: {count} neuron"
                         f"{'s' if count > 1 else ''} reading {reading}, as {how}")
        if layer.source is None:
            lines += self.layer_input_lines(layer)
        W = weights.names["W"]
        if layer.array:
            bias = (f" + {atom[weights.biases[0]]}" if weights.shared_bias
                    else f" + {weights.names['b']}[:, None]")
            lines.append(f"    {names['net']} = {W} {product(len(layer.xs))} {names['X']}{bias}")
        else:
            lines.append(f"    {names['net']} = affine({W}, {names['X']}, {weights.names['b']})")
        if layer.act is not None:
            act = template(layer.act, 1, None, layer.array)
            if layer.array:
                text = " + ".join(act.terms([names["net"]]))
            else:
                text = f"[{' + '.join(act.terms(['v']))} for v in {names['net']}]"
            lines.append(f"    {names['out']} = {text}")
        for r, row in enumerate(layer.rows):
            if row in self.fusion.loose:
                lines.append(f"    {self.naming.var[row]} = {names['rows']}[{r}]")
        return lines

    def layer_input_lines(self, layer: Layer) -> list[str]:
        """X, what a first layer reads: its input nodes as one matrix (or tuple)."""
        items = [self.naming.atom[x] for x in layer.xs]
        X = layer.names["X"]
        if layer.array and not any(self.a.varies[x] for x in layer.xs):
            # The data are constants: X is one matrix, made now.
            data = self.namespace[X] = np.stack([self.a.order[x].data for x in layer.xs])
            return [f"    # {X}: a constant matrix of shape {data.shape}, bound when compiled"]
        if layer.array:
            lines = tuple_text(items, f"{X} = np.stack(", indent="    ")
            lines[-1] += ")"
            return lines
        return tuple_text(items, f"{X} = ", indent="    ")


def product(inner: int) -> str:
    """The operator of a matrix product whose inner size is `inner`: `@`, or `*` where it is 1
    (a column times a row, each entry one product: broadcasting makes it without the
    machinery of a matrix product, and makes the unfused code's very numbers)."""
    return "@" if inner > 1 else "*"


def _matrix(name: str, rows: list[list[str]], array: bool) -> list[str]:
    """`name = ((a, b), (c, d))` (np.array of it for a batch layer), a row per line or more."""
    opening = f"    {name} = np.array((" if array else f"    {name} = ("
    one_line = opening + ", ".join(f"({', '.join(row)},)" if len(row) == 1 else
                                   f"({', '.join(row)})" for row in rows)
    one_line += ",))" if array and len(rows) == 1 else ("))" if array else
                                                        (",)" if len(rows) == 1 else ")"))
    if len(one_line) <= WIDTH:
        return [one_line]
    lines = [opening]
    for row in rows:
        lines += tuple_text(row, indent="        ")
        lines[-1] += ","
    lines.append("    ))" if array else "    )")
    return lines
