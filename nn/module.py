"""`Module`: what every model shares, all of it built on one walk over the module's attributes.

The walk, as PyTorch's `named_parameters`: a module's parameters are the `Value`s among its
attributes, in the order they were assigned; a list or tuple is read item by item (nested
ones too), and an attribute that is itself a `Module` is walked the same way, its names
prefixed with the attribute's: `layers.0.neurons.1.w.0` is `self.layers[0].neurons[1].w[0]`.
`named_parameters()`, `parameters()`, `weights()`, `biases()`, `zero_grad()`, `state_dict()`
and `load_state_dict()` all read that one walk.

A parameter held in several places appears once: where the outermost module holding it holds
it (a layer's shared bias is the layer's `b`, not `neurons.0.b`), and among equals at its
first place.

`parameters()` runs every training step, so a module remembers its last walk together with a
shallow copy of what it read (each module's attributes, each list): while one comparison of
the copies with the originals finds nothing changed, the walk stands. Assigning an attribute,
replacing an item of a list or appending to it is seen; nothing needs registering.

A module also says, from its config alone, which parameters it will have (`parameter_layout`),
so `nn.load` can check a file against its architecture before it builds anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from autodiff import Value
from autodiff.engine.numpy_on_demand import is_array, is_numpy_scalar, np

from .checks import is_number, short_repr

__all__ = [
    "Module", "Repeat", "Layout", "layout_count", "layout_names", "zero_grads", "is_bias_name",
    "check_config_fields", "state_mismatch", "state_values", "listing",
]

# Where a module keeps its last walk (in its __dict__, skipped by the walk itself).
_WALK = "_last_walk"


def zero_grads(params: Iterable[Value]) -> None:
    """Set each parameter's gradient to zero: 0.0, or zeros of its shape in batch mode."""
    for p in params:
        data = p.data
        if type(data) is float:  # the common case, first: one check per parameter
            p.grad = 0.0
            continue
        # An int or a NumPy scalar assigned to data is a scalar parameter too: its grad is 0.0.
        batch = is_array(data) and data.ndim > 0
        p.grad = np.zeros(data.shape) if batch else 0.0


def is_bias_name(name: str) -> bool:
    """True for a bias's dotted name: one of its parts is `b` (`layers.0.neurons.1.b`, `b.0`)."""
    return "b" in name.split(".")


class _Walk:
    """One pass over a module: every parameter once with its dotted name, and what it read on
    the way (each module's attributes, each list), so a later call can tell nothing changed."""

    def __init__(self, root: Module) -> None:
        self.names: list[str] = []
        self.params: list[Value] = []
        self._read: list[dict | list] = []  # the modules' __dict__s and the lists, live
        self._copies: list[dict | list] = []  # and as they were (see `remember`)
        self._seen: set[int] = set()  # the parameters named, or claimed by an outer module
        self._modules: set[int] = set()  # walked already (a module may hold its parent)
        self._module(root, "")
        del self._seen, self._modules  # needed while walking only; the walk is kept

    def remember(self) -> None:
        """Copy what the walk read, as it is now (once the walk is stored on its module)."""
        self._copies = [read.copy() for read in self._read]

    def still_holds(self) -> bool:
        """No attribute of a module walked and no item of a list read has changed since."""
        # One comparison, in C: a Value or a Module equals only itself, so an attribute or an
        # item that is not the same object makes the copies differ.
        try:
            return self._read == self._copies
        except Exception:  # an attribute whose == does not answer (a NumPy array replaced)
            return False

    def _module(self, module: Module, prefix: str) -> None:
        self._modules.add(id(module))
        self._read.append(vars(module))
        # What the module holds, through lists, in order: Values and Modules, and their names.
        names: list[str] = []
        held: list[Value | Module] = []
        for name, value in vars(module).items():  # its last walk (_WALK) is neither kind
            if isinstance(value, (Value, Module)):
                names.append(prefix + name)
                held.append(value)
            elif isinstance(value, (list, tuple)):
                self._gather(value, prefix + name, names, held)
        # The module's own parameters are claimed before its submodules are walked, so one it
        # shares with them is named here, where it is held outermost.
        own = {id(v) for v in held if isinstance(v, Value)} - self._seen
        self._seen |= own
        if len(own) == len(held):  # parameters only, each new and held once (a neuron's)
            self.names += names
            self.params += held
            return
        for name, item in zip(names, held):
            if not isinstance(item, Value):
                if id(item) not in self._modules:
                    self._module(item, name + ".")
            elif id(item) in own:
                own.discard(id(item))  # held twice by this module: named the first time
                self.names.append(name)
                self.params.append(item)

    def _gather(self, value: list | tuple, name: str, names: list[str],
                held: list[Value | Module]) -> None:
        """The Values and Modules in a list or tuple (nested ones too), named by index."""
        if type(value) is list:  # a tuple cannot change; a list can, even when empty
            self._read.append(value)
        for i, item in enumerate(value):
            if isinstance(item, (Value, Module)):
                names.append(f"{name}.{i}")
                held.append(item)
            elif isinstance(item, (list, tuple)):
                self._gather(item, f"{name}.{i}", names, held)


class Module:
    """Anything with parameters: names them, zeroes their gradients, saves and loads them."""

    def __getstate__(self) -> dict[str, Any]:
        # A copy or a pickle walks itself anew.
        return {k: v for k, v in vars(self).items() if k != _WALK}

    def _walk(self) -> _Walk:
        """The walk, remembered: parameters() runs every training step, and the structure
        seldom changes between two calls."""
        walk = self.__dict__.get(_WALK)
        if walk is None or not walk.still_holds():
            walk = _Walk(self)
            self.__dict__[_WALK] = walk
            walk.remember()  # after storing it: this module's attributes now include it
        return walk

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a stable order; a shared parameter appears once."""
        walk = self._walk()
        return list(zip(walk.names, walk.params))

    def parameters(self) -> list[Value]:
        """Every parameter `Value`, each once, in the order of `named_parameters()`."""
        return list(self._walk().params)

    def weights(self) -> list[Value]:
        """The parameters that are not biases (for an L2 term or weight decay on weights only)."""
        return [p for name, p in self.named_parameters() if not is_bias_name(name)]

    def biases(self) -> list[Value]:
        """The biases: every parameter whose dotted name has a part `b` (`neurons.0.b`, `b.2`)."""
        return [p for name, p in self.named_parameters() if is_bias_name(name)]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero (gradients accumulate across backward())."""
        zero_grads(self._walk().params)

    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} for every parameter, as a float (an int assigned to data too)."""
        return {name: _as_float(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set every parameter from `state`; a missing, extra or bad entry changes nothing."""
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict needs a dict, got {type(state).__name__}")
        walk = self._walk()
        mismatch = state_mismatch(walk.names, state)
        if mismatch:
            raise ValueError(f"state dict does not match this {type(self).__name__}: {mismatch}")
        # Check everything before changing anything: a bad entry leaves the model as it was.
        for p, value in zip(walk.params, state_values(walk.names, state)):
            p.data = value

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's architecture (for `nn.save`)."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    @classmethod
    def check_config(cls, config: Any) -> None:
        """Raise ValueError unless `config` is one `config()` could have written (for `nn.load`)."""
        raise NotImplementedError(f"{cls.__name__} does not describe its architecture")

    @classmethod
    def parameter_layout(cls, config: dict[str, Any]) -> Layout:
        """The parameters a module built from a checked `config` has, named as the walk names
        them, without building it (see `Layout`)."""
        raise NotImplementedError(f"{cls.__name__} does not describe its architecture")


class Repeat(NamedTuple):
    """`count` items laid out alike, named `0`, `1`, ... (a layer's neurons)."""

    count: int
    item: Layout


# A module's parameters as its config declares them: a dict, the module's attributes in
# order; a tuple of ints, an array of parameters of that shape (`()`: one parameter); a list,
# items named `0`, `1`, ...; a `Repeat`, many alike (counted without listing them).
Layout = dict[str, "Layout"] | tuple[int, ...] | list["Layout"] | Repeat


def layout_count(layout: Layout) -> int:
    """How many parameters `layout` declares (at once, however many that is)."""
    if isinstance(layout, Repeat):
        return layout.count * layout_count(layout.item)
    if isinstance(layout, tuple):
        return math.prod(layout)
    items = layout.values() if isinstance(layout, dict) else layout
    return sum(layout_count(item) for item in items)


def layout_names(layout: Layout, prefix: str = "") -> Iterator[str]:
    """The dotted names `layout` declares, in the walk's order, one at a time."""
    if isinstance(layout, Repeat):
        named: Iterable[tuple[Any, Layout]] = ((i, layout.item) for i in range(layout.count))
    elif isinstance(layout, tuple):
        yield from (prefix + index for index in _indices(layout))
        return
    elif isinstance(layout, dict):
        named = layout.items()
    else:
        named = enumerate(layout)
    for key, item in named:
        # A scalar parameter's name ends with its key; anything else goes on after a dot.
        yield from layout_names(item, f"{prefix}{key}" if item == () else f"{prefix}{key}.")


def _indices(shape: tuple[int, ...]) -> Iterator[str]:
    """"0.0", "0.1", ... for each index into an array of `shape`, in order, made one at a time
    (a declared shape may be far too large to list)."""
    if len(shape) <= 1:  # () is one parameter: its name is its prefix alone
        yield from map(str, range(shape[0])) if shape else ("",)
        return
    for i in range(shape[0]):
        for rest in _indices(shape[1:]):
            yield f"{i}.{rest}"


def check_config_fields(kind: str, config: Any, fields: Sequence[str]) -> None:
    """Refuse a config that is not a mapping with exactly these fields (for `nn.load`)."""
    if not isinstance(config, dict):
        raise ValueError(f"a {kind} config must be an object of its constructor arguments, "
                         f"got {type(config).__name__}")
    expected = ", ".join(fields)
    for key in config:
        if key not in fields:
            raise ValueError(f"unknown field {short_repr(key)} in a {kind} config "
                             f"(its fields: {expected})")
    for key in fields:
        if key not in config:
            raise ValueError(f"the {kind} config lacks the field {key!r} "
                             f"(its fields: {expected})")


def listing(names: list[str], limit: int = 5) -> str:
    """The first few names, quoted, and how many more there are."""
    shown = ", ".join(short_repr(n) for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{shown}{more}"


def state_mismatch(names: list[str], state: dict) -> str:
    """What a state dict lacks or has too many of ("missing ...; unexpected ..."), or ""."""
    expected = set(names)
    missing = [n for n in names if n not in state]
    extra = [k for k in state if k not in expected]
    parts = [f"missing {listing(missing)}"] if missing else []
    parts += [f"unexpected {listing(extra)}"] if extra else []
    return "; ".join(parts)


def state_values(names: list[str], state: dict) -> list[float]:
    """The entries for `names` as finite floats; a ValueError naming the first that is not."""
    return [_checked_number(name, state[name]) for name in names]


def _as_float(data: Any) -> Any:
    """A parameter's data as a Python float where it is a number (int, NumPy scalar), else as is."""
    if type(data) is float or isinstance(data, bool):
        return data  # a bool is no number here: left for the caller to refuse
    if isinstance(data, int) or is_numpy_scalar(data) or (
        is_array(data) and data.ndim == 0 and data.dtype.kind in "fiu"
    ):
        try:
            return float(data)
        except OverflowError:
            return data  # too large for a float: left for the caller to refuse
    return data


def _checked_number(name: str, value: Any) -> float:
    if not is_number(value):
        raise ValueError(
            f"state dict entry {short_repr(name)} must be a number, got {type(value).__name__}"
        )
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(
            f"state dict entry {short_repr(name)} is too large for a float "
            f"({short_repr(value)}); a parameter must be a finite float"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"state dict entry {short_repr(name)} is not finite ({number!r})")
    return number
