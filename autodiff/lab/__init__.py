"""The lab: this package running in the browser through Pyodide, live.

`site` writes the static site (`autodiff lab --out DIR`); `wheel` packs the package into it;
`browser` is what the site's script calls in the browser for a formula (its graph, gradients,
step-through page and a check of the learner's numbers). The network trained live is
`nn.live`'s: the engine never imports `nn`, the site's script imports both.
"""

from .site import build_site

__all__ = ["build_site"]
