"""Worked examples: `mazur()`, the hand-worked 2-2-2 network of Matt Mazur's
"A Step by Step Backpropagation Example", with its published weights and labels.

The network: inputs i1, i2; hidden neurons h1 (weights w1, w2) and h2 (w3, w4) sharing the
bias b1; output neurons o1 (w5, w6) and o2 (w7, w8) sharing b2; sigmoid everywhere; the error
E_total = E_o1 + E_o2 with E_o = ½ (target - out)².
"""

from __future__ import annotations

from dataclasses import dataclass

from autodiff import Value

from .modules import MLP

__all__ = ["Mazur", "mazur"]

WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)  # w1..w8
BIASES = (0.35, 0.60)  # b1, b2
INPUTS = (0.05, 0.10)  # i1, i2
TARGETS = (0.01, 0.99)  # for o1, o2


@dataclass
class Mazur:
    """The textbook network and its one training example."""

    model: MLP
    x: list[float]
    target: list[float]

    def loss(self) -> Value:
        """Build the forward graph with the textbook's labels and return E_total."""
        i1 = Value(self.x[0], label="i1")
        i2 = Value(self.x[1], label="i2")
        out_o1, out_o2 = self.model([i1, i2])  # labels net_h1 … out_o2 come from the neurons
        E_o1 = 0.5 * (self.target[0] - out_o1) ** 2
        E_o1.label = "E_o1"
        E_o2 = 0.5 * (self.target[1] - out_o2) ** 2
        E_o2.label = "E_o2"
        E_total = E_o1 + E_o2
        E_total.label = "E_total"
        return E_total

    def weights(self) -> list[Value]:
        """w1..w8, the model's own parameter Values (the textbook trains these only)."""
        return [w for layer in self.model.layers for n in layer.neurons for w in n.w]

    def biases(self) -> list[Value]:
        """b1, b2 (shared by each layer's neurons)."""
        return [layer.b for layer in self.model.layers]


def mazur() -> Mazur:
    """The 2-2-2 sigmoid network with w1 = .15 … w8 = .55, b1 = .35, b2 = .60."""
    model = MLP(2, [2, 2], activation="sigmoid", out_activation="sigmoid", shared_bias=True)
    names = (("h1", "h2"), ("o1", "o2"))
    weights = iter(enumerate(WEIGHTS, start=1))
    for layer, layer_names, bias in zip(model.layers, names, BIASES):
        for neuron, name in zip(layer.neurons, layer_names):
            neuron.name = name
            for w in neuron.w:
                k, value = next(weights)
                w.data = value
                w.label = f"w{k}"
        layer.b.data = bias
    for k, layer in enumerate(model.layers, start=1):
        layer.b.label = f"b{k}"
    return Mazur(model=model, x=list(INPUTS), target=list(TARGETS))
