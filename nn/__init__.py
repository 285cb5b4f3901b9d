"""nn: neurons, layers, MLPs, a naive Conv2d, losses, optimizers, data sets and training,
all built from `autodiff.Value`s so every gradient can be traced, drawn and checked;
`to_torch`/`from_torch` carry an MLP to PyTorch and back (optional extra `[torch]`)."""

from . import datasets, drawing, examples, losses, tasks, training  # noqa: F401 (submodules users reach)
from .conv import Conv2d
from .modules import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, Optimizer
from .serialization import load, save
from .torch_bridge import from_torch, to_torch
from .training import History, accuracy, evaluate, fit, predict

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Conv2d",
    "Optimizer",
    "SGD",
    "Adam",
    "losses",
    "datasets",
    "examples",
    "training",
    "fit",
    "History",
    "predict",
    "evaluate",
    "accuracy",
    "save",
    "load",
    "to_torch",
    "from_torch",
]
