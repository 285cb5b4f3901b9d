"""The order statements are written in: layer by layer, as the textbook computes and reads.

A unit is a node's position (one statement) or a `Layer` (one step for all its neurons).
"""

from __future__ import annotations

from .analysis import Analysis
from .fusion import Fusion
from .layers import Layer

__all__ = ["forward_order", "backward_order"]


def forward_order(a: Analysis, fusion: Fusion) -> list[int | Layer]:
    """The op nodes and layers layer by layer, as the textbook computes them: by the
    longest path up from a leaf (every input of a node is lower), then topologically."""
    height = [0] * len(a.order)
    units = []
    layer_of = fusion.layer_of
    for i, node_ins in enumerate(a.ins):
        layer = layer_of.get(i)
        if layer is not None:
            if i == layer.nets[0]:  # its first node: every input is lower already
                h = 1 + max([height[x] for x in layer.xs])
                for m in layer.members:
                    height[m] = h
                units.append((h, i, layer))
        elif node_ins:
            height[i] = 1 + max([height[c] for c in node_ins])
            units.append((height[i], i, i))
    units.sort(key=lambda unit: (unit[0], unit[1]))
    return [unit for _, _, unit in units]


def backward_order(a: Analysis, fusion: Fusion) -> list[int | Layer]:
    """The nodes and layers that need a gradient, each after every node made from it: by
    the longest path from the root (a node made from x is always nearer), then forward
    order, as the textbook reads it layer by layer."""
    depth, layer_depth = _depths(a, fusion)
    units = []
    layer_of, loose, ins, root = fusion.layer_of, fusion.loose, a.ins, a.root_at
    for i in range(len(a.order)):
        if not a.needs[i]:
            continue
        layer = layer_of.get(i)
        if layer is not None and i == layer.nets[0]:
            units.append((layer_depth[id(layer)], i, layer))
        if (layer is None or i in loose) and (ins[i] or i == root):
            units.append((depth[i], i, i))
    units.sort(key=lambda unit: (unit[0], unit[1]))
    return [unit for _, _, unit in units]


def _depths(a: Analysis, fusion: Fusion) -> tuple[list[int], dict[int, int]]:
    """Each node's and each layer's longest path from the root."""
    ins, layer_of, loose = a.ins, fusion.layer_of, fusion.loose
    depth = [0] * len(a.order)
    layer_depth: dict[int, int] = {}
    for p in range(len(a.order) - 1, -1, -1):
        layer = layer_of.get(p)
        if layer is None:
            d = depth[p] + 1
            for c in ins[p]:
                if depth[c] < d:
                    depth[c] = d
            continue
        key = id(layer)
        if p in loose:  # read one by one: the layer comes after its reader's steps
            layer_depth[key] = max(layer_depth.get(key, 0), depth[p] + 1)
        if p != layer.nets[0]:
            continue
        # Its first node: every node made from the layer's outputs is done.
        if layer.consumer is not None:
            layer_depth[key] = max(layer_depth.get(key, 0),
                                   layer_depth[id(layer.consumer)] + 1)
        d = layer_depth.setdefault(key, 0) + 1
        for x in layer.xs:
            if x in layer_of and x not in loose:
                continue  # the source layer's outputs: it takes its depth from here
            if depth[x] < d:
                depth[x] = d
    return depth, layer_depth
