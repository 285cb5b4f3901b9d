"""Compiled backprop: a recorded graph written out as one plain Python function, then run.

`compile_graph(root, inputs)` writes the graph as `value_and_grad(*inputs) -> (value, grads)`
(see `codegen`: a forward block, one statement per node, then a backward block, one statement
per gradient, named after the labels) and compiles that text once, registered where Python's
tools read it (`loading`: `inspect.getsource`, tracebacks, pdb); the `CompiledGraph` it
returns is then called with new input values as often as needed.

Its answers are the engine's: the same operations in the same order, so the same floats to the
last bit. The differences, all at the edges:
- the engine starts each gradient sum at +0.0, the compiled code at its first term, so a
  gradient that is exactly zero may come out as -0.0;
- the compiled code checks the answer, not each step: an overflow that the answer does not
  show (tanh of an inf) goes unnoticed, where the engine raises OverflowError;
- it differentiates only what leads to an input in `wrt`; the engine also pushes gradients into
  constants, and raises if a constant's local derivative is undefined (x / c with c tiny).
Where the engine refuses an input outside an op's domain (the op table's `domain`: log of a
number <= 0, x ** y with x <= 0, a division by zero, the mean of an empty batch), the code
refuses it too, with a check written before that op's statement, even where the answer would
not show it. Wherever the fast function raises or answers inf or nan, the graph is rebuilt with
the engine at those values (`CompiledGraph.reference`), so errors are the engine's, naming op
and node.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine import errors
from ..engine.backward import topological_order
from ..engine.collector import gc_paused
from ..engine.numpy_on_demand import is_array as is_ndarray
from ..engine.numpy_on_demand import np
from ..engine.replay import record, replay
from ..engine.value import Value
from .codegen import FUNCTION_NAME, VECTOR_NAME, write_program
from .loading import define
from .text import describe_node, name_list

__all__ = ["compile_graph", "CompiledGraph"]

BACKENDS = ("python", "numpy")
_RUN_ERRORS = (ArithmeticError, ValueError, TypeError)


class CompiledGraph:
    """A graph compiled to one Python function: `compiled(*values) -> (value, grads)`.

    `source` is the function's text and `function` the function itself (no checks: the
    fastest way to call it); `inspect.getsource(function)` reads the source back. Calling
    the `CompiledGraph` checks the answer: where the fast path raises or gives inf or nan,
    the graph is rebuilt with the engine at those values (`reference`), so errors read
    exactly as the engine's, naming the op and the node.
    `input_names` and `wrt_names` are the function's parameters and the gradients it returns.
    `vector_function(p) -> (value, dp)`, where the numpy backend gathers every input into one
    vector (all of them numbers, parameters with a gradient), is the function of that
    NumPy vector, in `input_names` order, and returns the gradient as one vector too: a
    training loop on one array (`p -= lr * dp`), with no list in between. Its answer is
    checked as a call's is (one test of the vector): never a silent inf or nan. It is None for
    other graphs. `function_p` is the generated function of p itself (`value_and_grad_p`, no
    checks: the fastest way to call it, as `function` is for a call), None where there is none.
    """

    def __init__(self, *, source: str, function, vector_function, backend: str,
                 input_names: list[str],
                 wrt_names: list[str], root_name: str, tape: list[tuple],
                 wrt_positions: list[int], array_inputs: list[bool], uniform: bool,
                 fixed_shape: tuple | None, node_count: int) -> None:
        self.source = source
        self.function = function
        self._vector = self.function_p = vector_function
        self.vector_function = None if vector_function is None else self._vector_checked
        self.backend = backend
        self.input_names = input_names
        self.wrt_names = wrt_names
        self.root_name = root_name
        self.node_count = node_count
        self._tape = tape
        self._wrt_positions = wrt_positions
        self._array_inputs = array_inputs
        self._array_grads = [array_inputs[k] for k in wrt_positions]
        self._uniform = uniform  # numpy: all arrays share one shape, so inputs must too
        self._fixed_shape = fixed_shape  # numpy: the shape of the constant arrays, if any
        # numpy: recorded on numbers and elementwise, so it also runs over arrays of points
        self._reads_whole = next((entry[1].name for entry in tape if entry[0] == "op"
                                  and entry[1].name in ("sum", "mean", "linear")), "")

    def __call__(self, *values):
        """(value, grads) at these input values; grads follow `wrt_names`."""
        if self.backend == "numpy":
            return self._call_numpy(values)
        if not all(type(v) is float for v in values):  # the common case: floats, as they are
            values = self._numbers(values)
        try:
            result = self.function(*values)
            check = result[0] + sum(result[1])
            # A float, and finite: no inf or nan anywhere in the answer.
            if type(result[0]) is float and check - check == 0.0:
                return result
        except _RUN_ERRORS:
            pass
        return self.reference(*values)

    def _vector_checked(self, p: np.ndarray) -> tuple:
        """The vector function, its answer checked: inf or nan anywhere, and the engine says
        why (the graph rebuilt at p, as a call does)."""
        if type(p) is not np.ndarray or p.shape != (len(self.input_names),):
            raise TypeError(f"vector_function takes one vector of the {len(self.input_names)} "
                            f"inputs, got {_what(p)}")
        try:
            with np.errstate(all="ignore"):  # as in the engine; the answer is checked below
                value, dp = self._vector(p)
            if value - value == 0.0 and np.isfinite(dp).all():
                return value, dp
        except _RUN_ERRORS:
            pass
        value, grads = self.reference(*self._numbers(p.tolist()))
        return value, np.array(grads)

    def backward(self, nodes: Sequence[Value]) -> float:
        """Run at the `.data` of `nodes` (the inputs, in order) and add each gradient to the
        `.grad` of its wrt node, as `root.backward()` would; return the value.

        The step of a training loop: `zero_grad()`, `loss = compiled.backward(params)`,
        `optimizer.step()`, with no graph built at all.
        """
        self._check_count(nodes)
        value, grads = self(*[node.data for node in nodes])
        for k, g in zip(self._wrt_positions, grads):
            node = nodes[k]
            node.grad = node.grad + g
        return value

    def reference(self, *values) -> tuple:
        """(value, grads) from the engine itself: the graph rebuilt at `values`, then backward()."""
        self._check_count(values)
        root, inputs = replay(self._tape, values)
        root.backward()
        return root.data, [inputs[k].grad for k in self._wrt_positions]

    def __repr__(self) -> str:
        return (
            f"<CompiledGraph {FUNCTION_NAME}({name_list(self.input_names)}) -> "
            f"{self.root_name}, {len(self.wrt_names)} gradients, {self.node_count} nodes, "
            f"backend={self.backend!r}>"
        )

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.source}```"

    def _check_count(self, values: tuple) -> None:
        if len(values) != len(self.input_names):
            raise TypeError(
                f"the compiled graph takes {len(self.input_names)} values "
                f"({name_list(self.input_names)}), got {len(values)}"
            )

    # --- the numpy backend -------------------------------------------------------------------

    def _call_numpy(self, values: tuple):
        prepared = self._prepare(values)
        points = self._points(prepared)
        if points is not None:
            return self._call_points(prepared, points)
        try:
            with np.errstate(all="ignore"):  # as in the engine; the answer is checked below
                value, grads = self.function(*prepared)
            if self._finite(value, grads):
                return value, grads
        except _RUN_ERRORS:
            pass
        return self.reference(*prepared)

    def _points(self, prepared: list) -> tuple | None:
        """The shape of the points, where inputs recorded as numbers were given arrays."""
        given = {name: np.shape(v) for name, v, is_array
                 in zip(self.input_names, prepared, self._array_inputs)
                 if not is_array and type(v) is np.ndarray}
        if not given:
            return None
        if any(self._array_inputs):  # a batch graph: its numbers stay numbers
            name, shape = next(iter(given.items()))
            raise TypeError(
                f"input {name!r} was a number when the graph was recorded, so it takes a number, "
                f"got an array of shape {shape}; record the graph with an array there to "
                "compile it for arrays"
            )
        if self._reads_whole:
            raise TypeError(
                f"this graph was recorded on numbers and holds a {self._reads_whole} node, which "
                "reads its inputs as a whole: it runs on numbers only, not on arrays of points; "
                "give each input a number"
            )
        try:
            return np.broadcast_shapes(*given.values())
        except ValueError:
            shapes = ", ".join(map(str, given.values()))
            raise ValueError(f"the arrays of points have shapes {shapes}, which do not "
                             "broadcast; give every array the same shape") from None

    def _call_points(self, prepared: list, shape: tuple) -> tuple:
        """One value and one gradient per point: the code is elementwise, so it runs on the
        arrays at once; where that answers inf or nan, the engine runs point by point, so its
        error names the point."""
        try:
            with np.errstate(all="ignore"):
                value, grads = self.function(*prepared)
            value = np.broadcast_to(value, shape).astype(float)
            grads = [np.broadcast_to(g, shape).astype(float) for g in grads]
            if np.isfinite(value).all() and all(np.isfinite(g).all() for g in grads):
                return value, grads
        except _RUN_ERRORS:
            pass
        value, grads = np.empty(shape), [np.empty(shape) for _ in self._wrt_positions]
        arrays = [np.broadcast_to(v, shape) if type(v) is np.ndarray else v for v in prepared]
        for point in np.ndindex(shape):
            at = [float(v[point]) if type(v) is np.ndarray else v for v in arrays]
            try:
                value[point], found = self.reference(*at)
            except (ArithmeticError, ValueError) as error:
                raise type(error)(f"at point {point}: {error}") from None
            for g, one in zip(grads, found):
                g[point] = one
        return value, grads

    def _finite(self, value: float, grads: list) -> bool:
        check = value
        for g, is_array in zip(grads, self._array_grads):
            if not is_array:
                check += g
            elif not np.isfinite(g).all():
                return False
        return check - check == 0.0

    def _numbers(self, values: tuple) -> list[float]:
        """The python backend's inputs as the engine takes them: each one a float."""
        self._check_count(values)
        numbers = []
        for name, value in zip(self.input_names, values):
            if is_ndarray(value) and value.ndim:
                raise TypeError(
                    f"input {name!r} is an array, but this graph was compiled for numbers "
                    "(backend='python'); record the graph with arrays and compile it with "
                    "backend='numpy' to run it on a batch"
                )
            numbers.append(_number(name, value))
        return numbers

    def _prepare(self, values: tuple) -> list:
        """Each value as the kind it was recorded as: a float, or a float array."""
        self._check_count(values)
        prepared = []
        shape = self._fixed_shape
        for name, value, is_array in zip(self.input_names, values, self._array_inputs):
            kind = type(value)
            if kind is float and not is_array:  # the common cases first, with no conversion
                prepared.append(value)
                continue
            if is_array and kind is np.ndarray and value.dtype == float and value.ndim:
                if shape is None or not self._uniform:
                    shape = value.shape
                if value.shape == shape:
                    prepared.append(value)
                    continue
            if not is_array:
                if is_ndarray(value) and value.ndim:  # points: see _points
                    if value.dtype.kind not in "fiu":
                        raise _bad_data(f"input {name!r}", value)
                    prepared.append(np.asarray(value, dtype=float))
                else:
                    prepared.append(_number(name, value))
                continue
            if not is_ndarray(value) or value.ndim == 0:
                if errors.is_number(value) or is_ndarray(value):
                    _number(name, value)  # a bad number is refused as the engine would first
                    raise TypeError(f"input {name!r} was an array when the graph was recorded, "
                                    "so it takes an array (of any batch size), got a number")
                raise _bad_data(f"input {name!r}", value)
            if value.dtype.kind not in "fiu":  # as Value: no bool, complex or object arrays
                raise _bad_data(f"input {name!r}", value)
            array = np.asarray(value, dtype=float)
            if self._uniform:
                if shape is None:
                    shape = array.shape
                elif array.shape != shape:
                    raise ValueError(
                        f"input {name!r} has shape {array.shape}, but the other arrays of this "
                        f"graph have shape {shape}; give every array the same shape"
                    )
            prepared.append(array)
        return prepared


def _what(x) -> str:
    return f"an array of shape {x.shape}" if is_ndarray(x) else type(x).__name__


def _bad_data(where: str, data) -> Exception:
    """The engine's own error for data a Value cannot hold."""
    if isinstance(data, int) and not isinstance(data, bool):
        return errors.error("data too big", where=where, digits=len(str(abs(data))))
    kind = f"an array of {data.dtype}" if is_ndarray(data) else type(data).__name__
    return errors.error("data type", where=where, kind=kind)


def _number(name: str, value) -> float:
    """One input as a float, by the engine's rule: a finite int, float or NumPy real scalar (a
    0-d array too), never a bool; anything else is the error `Value` would raise."""
    if is_ndarray(value) and value.dtype.kind in "fiu":
        value = value.item()  # 0-d: the number it holds
    if not errors.is_number(value):
        raise _bad_data(f"input {name!r}", value)
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        raise _bad_data(f"input {name!r}", value) from None
    if number - number != 0.0:
        raise errors.error("data infinite", where=f"input {name!r}", value=repr(number))
    return number


# --- compiling ---------------------------------------------------------------------------------


def compile_graph(root: Value, inputs: Sequence[Value], *, backend: str = "python",
                  wrt: Sequence[Value] | None = None, fuse: bool = True) -> CompiledGraph:
    """Write root's graph as one Python function of `inputs` and compile it.

    Every leaf not in `inputs` becomes a constant. The function returns `(value, grads)`:
    root's value and d root / d input for each input in `wrt` (default: all of `inputs`),
    in that order. `backend="numpy"` compiles a batch-mode graph: inputs recorded as arrays
    take arrays (of any batch size), inputs recorded as numbers take numbers.

    With `fuse` (the default), neurons are written as vectorised code (see `layers`): a wide
    neuron, or one applied to many samples, as a dot product of named tuples (the engine's
    numbers, bit for bit), and in the numpy backend a batch layer as one matrix product (the
    numbers of the unfused code to about 1e-15). `fuse=False` writes one statement per node.
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph needs a Value as root, got {type(root).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    inputs = _check_nodes(inputs, "inputs")
    wrt = inputs if wrt is None else _check_nodes(wrt, "wrt")
    if type(root.data) is not float:
        raise ValueError(
            f"compile_graph needs a scalar root, but it holds an array of shape "
            f"{root.data.shape} (batch mode); reduce it first with .sum() or .mean()"
        )
    # The writer and Python's compiler make many short-lived containers and no cycles; the
    # cyclic collector would only walk the whole graph (and the syntax tree) again and again.
    with gc_paused():
        order = topological_order(root)
        program = write_program(root, order, inputs, wrt, backend, fuse_layers=fuse)
        function = define(program.source, program.root_name, program.namespace)
        tape = record(order, inputs, program.node_inputs)  # to rebuild it: `reference`
    index = {id(node): k for k, node in enumerate(inputs)}
    return CompiledGraph(
        source=program.source, function=function, backend=backend,
        vector_function=program.namespace.get(VECTOR_NAME),
        input_names=program.input_names, wrt_names=program.wrt_names,
        root_name=program.root_name, tape=tape,
        wrt_positions=[index[id(node)] for node in wrt], array_inputs=program.array_inputs,
        uniform=program.uniform, fixed_shape=program.fixed_shape, node_count=len(order),
    )


def _check_nodes(nodes, what: str) -> list[Value]:
    if isinstance(nodes, Value) or not isinstance(nodes, Sequence) or isinstance(nodes, str):
        raise TypeError(
            f"compile_graph: {what} must be a list of Values, got {type(nodes).__name__}"
            + ("; wrap one Value in a list" if isinstance(nodes, Value) else "")
        )
    if all(type(node) is Value for node in nodes) and len(set(map(id, nodes))) == len(nodes):
        return list(nodes)  # the common case, checked at once; else find the one to name
    seen: set[int] = set()
    for k, node in enumerate(nodes):
        if not isinstance(node, Value):
            raise TypeError(f"compile_graph: {what}[{k}] must be a Value, got "
                            f"{type(node).__name__}")
        if id(node) in seen:
            raise ValueError(f"compile_graph: {what}[{k}] ({describe_node(node)}) is listed twice")
        seen.add(id(node))
    return list(nodes)
