"""Seed 004, 神经网络训练的简单示例以及代码: the 2-2-2 sigmoid network in plain floats, beside ours.

The post trains the textbook network (inputs 0.05 and 0.10, targets 0.01 and 0.99, w1..w8 =
0.15 .. 0.55, b1 = 0.35, b2 = 0.60) for 10,000 steps at lr 0.5, w1..w8 only, and prints the
outputs [0.015914607588423745, 0.9840961824613796]. Its code has two slips:

- `net_o2 = w7 * h1 + w8 * h2 + h2`: o2's bias is typed as `h2` (it should be `b2`);
- w3 and w4 use `outh1_neth1`, h1's sigmoid slope, where h2's (`outh2_neth2`) belongs.

Below: the post's code as it is (`cacu`), the same program with the two slips mended
(`mended`), and ours (`ours`, `ours_compiled`), which equal the mended one to 1e-12.

    python examples/seeds/seed004_mazur_floats.py
"""

from __future__ import annotations

import numpy as np

from autodiff import compile_graph
from nn import SGD, examples

STEPS, LR = 10_000, 0.5
SEED_PRINTS = (0.015914607588423745, 0.9840961824613796)  # the post's outputs after training


# --- the post's program, as it is (only `steps` and `print` are parameters here) ------------
# i1 = 0.05; i2 = 0.10
# out1 = 0.01;out2 = 0.99
# w1 = 0.15 ; w2 = 0.20; w3 = 0.25; w4 = 0.30; b1 = 0.35
# w5 = 0.4 ; w6 = 0.45; w7 = 0.5; w8 = 0.55; b2 = 0.6
def cacu(steps=10000, print=print):
    i1 = 0.05; i2 = 0.10;
    out1 = 0.01;out2 = 0.99
    w1 = 0.15; w2 = 0.20; w3 = 0.25; w4 = 0.30; b1 = 0.35
    w5 = 0.4; w6 = 0.45; w7 = 0.5; w8 = 0.55; b2 = 0.6
    for i in range(steps):
        net_h1 = w1 * i1 + w2 * i2 + b1
        net_h2 = w3 * i1 + w4 * i2 + b1
        h1 = 1 / ( np.exp(-net_h1)+1 )
        h2 = 1 / ( np.exp(-net_h2)+1 )
        net_o1 = w5 * h1 + w6 * h2 + b2
        net_o2 = w7 * h1 + w8 * h2 + h2
        o1 = 1 / ( np.exp(-net_o1)+1 )
        o2 = 1 / ( np.exp(-net_o2)+1 )
        print("o1:",o1,o2 )
        E_total = (o1-out1)*(o1-out1)*0.5 + (o2-out2)*(o2-out2)*0.5
        print("total:",E_total)
        Etotal_O1 = (out1 - o1) * -1
        Eo1_neto1 = o1 *( 1-o1 )
        neto1_w5 = h1
        change_w5 = Etotal_O1 * Eo1_neto1 * neto1_w5
        w5_new = w5 - change_w5 *0.5
        print("w5: ",w5_new)
        neto1_w6 = h2
        change_w6 = Etotal_O1 * Eo1_neto1 * neto1_w6
        w6_new = w6 - change_w6 * 0.5
        print("w6: ",w6_new)
        Etotal_O2 = (out2 - o2) * -1
        Eo2_neto2 = o2 * (1 - o2)
        neto2_w7 = h1
        change_w7 = Etotal_O2 * Eo2_neto2 * neto2_w7
        w7_new = w7 - change_w7 * 0.5
        print("w7: ",w7_new)
        neto2_w8 = h2
        change_w8 = Etotal_O2 * Eo2_neto2 * neto2_w8
        w8_new = w8 - change_w8 * 0.5
        print("w8: ",w8_new)
        E01_outh1 = Etotal_O1 * Eo1_neto1 * w5
        print("E01_outh1 : ", E01_outh1)
        E02_outh1 = Etotal_O2 * Eo2_neto2 * w7
        print("E02_outh1 : ", E02_outh1)
        Etotal_outh1 = E02_outh1 + E01_outh1
        print("Etotal_outh1 : ", Etotal_outh1)
        outh1_neth1 = h1 * ( 1- h1 )
        print("out1_neth1: ",outh1_neth1)
        neth1_w1 = i1
        Etotal_w1 = Etotal_outh1 * outh1_neth1 * neth1_w1
        print("Etotal_w1:",Etotal_w1)
        w1_new = w1 - 0.5 * Etotal_w1
        print("w1_new:",w1_new)
        neth1_w2 = i2
        Etotal_w2 = Etotal_outh1 * outh1_neth1 * neth1_w2
        print("Etotal_w1:", Etotal_w2)
        w2_new = w2 - 0.5 * Etotal_w2
        print("w2_new:", w2_new)
        E01_outh2 = Etotal_O1 * Eo1_neto1 * w6
        print("E01_outh1 : ", E01_outh1)
        E02_outh2 = Etotal_O2 * Eo2_neto2 * w8
        print("E02_outh1 : ", E02_outh1)
        Etotal_outh1 = E02_outh2 + E01_outh2
        print("Etotal_outh1 : ", Etotal_outh1)
        outh2_neth2 = h2 * (1 - h2)
        print("out1_neth1: ", outh2_neth2)
        neth1_w3 = i1
        Etotal_w3 = Etotal_outh1 * outh1_neth1 * neth1_w3
        print("Etotal_w3:", Etotal_w3)
        w3_new = w3 - 0.5 * Etotal_w3
        print("w3_new:", w3_new)
        neth1_w4 = i2
        Etotal_w4 = Etotal_outh1 * outh1_neth1 * neth1_w4
        print("Etotal_w4:", Etotal_w4)
        w4_new = w4 - 0.5 * Etotal_w4
        print("w4_new:", w4_new)
        w1 = w1_new; w2 = w2_new; w3 = w3_new; w4 = w4_new;
        w5 = w5_new; w6 = w6_new; w7 = w7_new; w8 = w8_new;
    print("o1: ", o1 )
    print("o2: ", o2)
# --- end of the post's program ---------------------------------------------------------------


def seed_program(steps: int = STEPS) -> dict:
    """Run the post's code, reading its prints: E_total per step, the final outputs."""
    printed: list[tuple] = []
    cacu(steps, print=lambda *args: printed.append(args))
    totals = [float(args[1]) for args in printed if args[0] == "total:"]
    return {"losses": totals, "outputs": [float(printed[-2][1]), float(printed[-1][1])]}


def silent_seed_program(steps: int = STEPS) -> None:
    """The post's code with its prints going nowhere: what the benchmark times."""
    cacu(steps, print=lambda *args: None)


def mended(steps: int = STEPS, lr: float = LR) -> dict:
    """The post's program with its two slips mended: o2's bias is b2, w3 and w4 use h2's slope."""
    i1, i2, t1, t2, b1, b2 = 0.05, 0.10, 0.01, 0.99, 0.35, 0.60
    w1, w2, w3, w4, w5, w6, w7, w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55
    totals = []
    for _ in range(steps):
        h1 = 1 / (np.exp(-(w1 * i1 + w2 * i2 + b1)) + 1)
        h2 = 1 / (np.exp(-(w3 * i1 + w4 * i2 + b1)) + 1)
        o1 = 1 / (np.exp(-(w5 * h1 + w6 * h2 + b2)) + 1)
        o2 = 1 / (np.exp(-(w7 * h1 + w8 * h2 + b2)) + 1)
        totals.append(float((o1 - t1) * (o1 - t1) * 0.5 + (o2 - t2) * (o2 - t2) * 0.5))
        d_o1, d_o2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)   # dE/dnet_o
        d_h1 = (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1)                      # dE/dnet_h1
        d_h2 = (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2)                      # h2's own slope
        w1, w2, w3, w4 = w1 - lr * d_h1 * i1, w2 - lr * d_h1 * i2, w3 - lr * d_h2 * i1, \
            w4 - lr * d_h2 * i2
        w5, w6, w7, w8 = w5 - lr * d_o1 * h1, w6 - lr * d_o1 * h2, w7 - lr * d_o2 * h1, \
            w8 - lr * d_o2 * h2
    return {"losses": totals, "weights": [float(w) for w in (w1, w2, w3, w4, w5, w6, w7, w8)]}


# --- ours ------------------------------------------------------------------------------------

def ours(steps: int = STEPS, lr: float = LR) -> dict:
    """The textbook network of nn.examples, trained as a PyTorch user writes it."""
    ex = examples.mazur()                        # w1..w8, b1, b2, i1, i2 and the targets
    opt = SGD(ex.weights(), lr=lr)               # w1..w8: the biases stay, as in the post
    totals = []
    for _ in range(steps):
        E_total = ex.loss()
        opt.zero_grad()
        E_total.backward()
        opt.step()
        totals.append(E_total.data)
    return {"losses": totals, "weights": [w.data for w in ex.weights()]}


def ours_compiled(steps: int = STEPS, lr: float = LR) -> dict:
    """The same graph recorded once and compiled: each step one call and an update of 8 floats."""
    ex = examples.mazur()
    step = compile_graph(ex.loss(), ex.weights())   # value_and_grad(w1, ..., w8)
    w, totals = [p.data for p in ex.weights()], []
    for _ in range(steps):
        E_total, grads = step.function(*w)
        w = [wi - lr * g for wi, g in zip(w, grads)]
        totals.append(E_total)
    return {"losses": totals, "weights": w}


def main() -> None:
    """Print the post's numbers, the mended program's, and ours, side by side."""
    seed, fixed, mine, fast = seed_program(), mended(), ours(), ours_compiled()
    print("seed 004: the 2-2-2 network in plain floats, 10,000 steps at lr 0.5")
    print(f"  the post prints   o1, o2 = {SEED_PRINTS[0]!r}, {SEED_PRINTS[1]!r}")
    print(f"  its code, run     o1, o2 = {seed['outputs'][0]!r}, {seed['outputs'][1]!r}")
    print("  its two slips: net_o2 = w7*h1 + w8*h2 + h2 (o2's bias typed as h2, not b2),")
    print("  and w3, w4 use outh1_neth1 (h1's sigmoid slope) where h2's belongs.")
    print(f"  E_total at step 1: the post {seed['losses'][0]:.12f}, "
          f"mended {fixed['losses'][0]:.12f}")
    print(f"  E_total after {STEPS:,} steps: the post's code {seed['losses'][-1]:.12g}, "
          f"mended {fixed['losses'][-1]:.12g}")
    print(f"  ours              {mine['losses'][-1]:.12g}   compiled {fast['losses'][-1]:.12g}")
    differences = [abs(a - b) for run in (mine, fast) for key in ("losses", "weights")
                   for a, b in zip(run[key], fixed[key])]
    print(f"  ours against the mended program, every step's E_total and w1..w8: "
          f"largest difference {max(differences):.1e}")
    for k, (a, b) in enumerate(zip(mine["weights"], fixed["weights"]), 1):
        print(f"    w{k} = {a:.15f}   mended {b:.15f}")


if __name__ == "__main__":
    main()
