"""The `autodiff` command line, its formula language and its demos."""

from .main import main

__all__ = ["main"]
