"""`python -m autodiff`: the command line."""

from .cli import main

raise SystemExit(main())
