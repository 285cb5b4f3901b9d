"""The chain-rule steps into a node, as terms of the sum that is its gradient.

The engine adds `local * g` into an input's slot as it visits each node made from it; the
compiled code writes a node's gradient as one sum of those same products, in the same order
(x * y == y * x exactly in IEEE arithmetic, so `g * local` is the engine's `local * g`). A
layer's steps into one node come as one term: a row of its input gradient for an input, an
entry of its weight gradient for a weight.
"""

from __future__ import annotations

from .analysis import Analysis
from .emit_forward import Forward
from .fusion import Fusion
from .naming import Gradients, Naming

__all__ = ["Step", "ChainSteps"]

# (term, how a comment reads it, whether it is an array, whether a layer made it)
Step = tuple[str, str, bool, bool]


class ChainSteps:
    """The terms of each gradient; `grad_array` says which gradients written so far are
    arrays (numpy backend), which decides how the steps through them are summed. A batch
    node's gradient that is not an array is one number standing for equal entries."""

    def __init__(self, a: Analysis, fusion: Fusion, naming: Naming, grads: Gradients,
                 forward: Forward) -> None:
        self.a, self.fusion, self.naming = a, fusion, naming
        self.grads, self.forward = grads, forward
        self.grad_array = [False] * len(a.order)
        # With dp: the nets of the layers whose weights are in p gather their steps into dp.
        self.gathered: set[int] = set()
        if fusion.assembly:
            self.gathered = {i for weights in fusion.weights if weights.from_p
                             for layer in weights.layers for i in layer.nets}

    def term(self, p: int, s: int, i: int) -> tuple[str, bool]:
        """The chain-rule step from node p down to its input i (slot s): its text, and whether
        it is an array (numpy backend)."""
        template, args = self.forward.local_from[p]
        term = template.step(self.grads.grad[p], s, args, self.naming.var[p])
        a = self.a
        local_arrays = self.forward.local_arrays
        if a.numpy and (self.grad_array[p] or (p in local_arrays and local_arrays[p][s])):
            if not a.batch[i]:
                return f"batch_sum({term})", False  # as the engine: summed to a scalar
            if not a.uniform:
                return f"reduce_to({term}, {self.naming.atom[i]})", True  # back to i's shape
            return term, True
        if a.numpy and a.batch[p] and not a.batch[i]:
            # p's gradient is one number standing for equal entries (from a mean over fixed
            # data): the engine sums its entries, so they are made first
            return f"batch_sum(zeros_like({self.naming.var[p]}) + {term})", False
        return term, False

    def node_step(self, p: int, s: int, i: int) -> Step:
        term, array = self.term(p, s, i)
        var = self.naming.var[p]
        return term, f"{self.grads.prefix}{var} * d{var}/d{self.naming.atom[i]}", array, False

    def steps_of(self, i: int) -> list[Step]:
        """The chain-rule steps into node i, in the engine's order.

        A scalar layer's terms keep the engine's order: its steps are one run (checked), and
        a weight's steps before the run are the start of the layer's sum (`start_of`).
        """
        users, slots = self.a.uses(i)
        fusion = self.fusion
        if not fusion.net_at and not fusion.vdots:  # no layers: every step is one node's
            return [self.node_step(p, s, i) for p, s in zip(users, slots)]
        steps, begin = [], 0
        member = fusion.scalar_member.get(i)
        if member is not None:
            term, net, begin = self.member_term(member, users)
            steps.append((term, self.layer_reads(net, i), False, True))
        seen: set[tuple] = set()
        gathered = fusion.assembly and i in fusion.p_at
        for p, s in zip(users[begin:], slots[begin:]):
            hit = fusion.net_at.get(p)
            if gathered and (hit is not None and hit[0].weights.from_p or
                             p in fusion.vdots and s < len(self.a.ins[p]) - 1):
                continue  # gathered into dp by the layer or the dot product
            if hit is None:
                steps.append(self.node_step(p, s, i))
                continue
            layer, r = hit
            k = len(layer.xs)
            if k <= s < 2 * k:
                if layer.source is not None:
                    continue  # an output of the layer before: that layer gathers this step
                key, term, array = (id(layer), "X", s), f"{layer.names['dX']}[{s - k}]", True
            elif s < k:
                key, term, array = (id(layer), r, s), f"{layer.names['dW']}[{r}][{s}]", False
            elif layer.weights.shared_bias:
                key, term, array = (id(layer), "b"), layer.names["db"], False
            else:
                key, term, array = (id(layer), r, s), f"{layer.names['db']}[{r}]", False
            if key not in seen:
                seen.add(key)
                steps.append((term, self.layer_reads(layer.names["net"], i), array, True))
        return steps

    def member_term(self, member: tuple, users: list[int]) -> tuple[str, str, int]:
        """A scalar layer's input, weight or bias: the one term its run of steps becomes,
        the layer's net, and where its other steps begin."""
        kind, owner, r, j = member
        if kind == "x":
            return f"{owner.names['dX']}[{j}]", owner.names["net"], len(owner.nets)
        run = owner.runs[r] if kind != "shared" else owner.runs[-1]
        dW, db = owner.names["dW"], owner.names["db"]
        term = {"w": f"{dW}[{r}][{j}]", "b": f"{db}[{r}]", "shared": db}[kind]
        return term, owner.layers[0].names["net"], users.index(run[0]) + len(run)

    def layer_reads(self, net: str, i: int) -> str:
        return f"{self.grads.prefix}{net} * d{net}/d{self.naming.atom[i]}"

    def start_of(self, i: int, run: list[int]) -> str:
        """What node i adds before the run of a layer's steps, as one sum ("None": nothing)."""
        users, slots = self.a.uses(i)
        first = users.index(run[0])
        if not first:
            return "None"
        return " + ".join(self.term(p, s, i)[0] for p, s in zip(users[:first], slots[:first]))

    def rest_of(self, i: int) -> list[Step]:
        """An input's steps that no layer or dot product gathers into dp (most have none)."""
        vdots, ins = self.fusion.vdots, self.a.ins
        if all(p in self.gathered or p in vdots and s < len(ins[p]) - 1
               for p, s in zip(*self.a.uses(i))):
            return []
        return self.steps_of(i)
