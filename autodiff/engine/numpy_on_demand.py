"""NumPy loaded at its first use: numbers never need it (the browser fetches it apart)."""
import importlib
import sys


class _NumPyOnDemand:
    """Stands for the `numpy` module: an attribute is fetched at its first use, then kept."""

    def __getattr__(self, name: str):
        value = getattr(importlib.import_module("numpy"), name)
        setattr(self, name, value)  # found directly from now on: __getattr__ runs on a miss only
        return value


np = _NumPyOnDemand()


def is_array(x: object) -> bool:
    """Whether x is a NumPy array; never imports NumPy (were it not loaded, x could not be one)."""
    return "numpy" in sys.modules and isinstance(x, sys.modules["numpy"].ndarray)


def is_numpy_scalar(x: object, kinds: tuple[str, ...] = ("integer", "floating")) -> bool:
    """Whether x is a NumPy scalar of these kinds; never imports NumPy (as `is_array`)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(x, tuple(getattr(numpy, k) for k in kinds))
