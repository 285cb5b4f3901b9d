"""Seed 000, python实现反向传播算法: a NumPy XOR network 2-3-2 beside ours.

The post's network: tanh hidden layer, softmax output, the cross-entropy summed over the four
XOR samples (its `delta3 = y_hat; delta3[range(N), y] -= 1` is that loss's gradient), plain
SGD at lr 0.01 for 10,000 steps; then it prints `nn.y_hat`. Its one slip: `delta3 = self.y_hat`
is the same array, not a copy, so `delta3[...] -= 1` changes `y_hat` too, and the matrix
printed at the end is y_hat − onehot(y), not the probabilities (training is not affected:
y_hat is not read again before the next forward pass).

The post draws its weights with an unseeded `np.random.randn`; here both programs start from
the same weights (`start_weights`), drawn the post's way: randn(n_in, n_out) / sqrt(n_in).

    python examples/seeds/seed000_xor.py
"""

from __future__ import annotations

import numpy as np

from autodiff import compile_graph
from nn import MLP, SGD, losses

STEPS, LR = 10_000, 0.01
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([0, 1, 1, 0])


# --- the post's program, as it is ------------------------------------------------------------
# 1. 定义神经网络
class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(input_size, hidden_size) / np.sqrt(input_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size) / np.sqrt(hidden_size)
        self.b2 = np.zeros((1, output_size))

    # 2. 前向传播计算损失函数
    def forward(self, X):
        self.z1 = np.dot(X, self.W1) + self.b1
        self.a1 = np.tanh(self.z1)
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.y_hat = np.exp(self.z2) / np.sum(np.exp(self.z2), axis=1, keepdims=True)

    # 3. 计算每个输出节点对输入的偏导数
    def backward_output(self, X, y):
        self.delta3 = self.y_hat
        self.delta3[range(X.shape[0]), y] -= 1

    # 4. 计算每个中间节点对输入的偏导数
    def backward_hidden(self):
        self.delta2 = np.dot(self.delta3, self.W2.T) * (1 - np.power(self.a1, 2))

    # 5. 计算每个权重对输入的偏导数
    def gradient(self, X):
        self.dW2 = np.dot(self.a1.T, self.delta3)
        self.db2 = np.sum(self.delta3, axis=0, keepdims=True)
        self.dW1 = np.dot(X.T, self.delta2)
        self.db1 = np.sum(self.delta2, axis=0)

    # 6. 利用梯度下降法更新每个权重
    def update(self, learning_rate):
        self.W1 -= learning_rate * self.dW1
        self.b1 -= learning_rate * self.db1
        self.W2 -= learning_rate * self.dW2
        self.b2 -= learning_rate * self.db2
# --- end of the post's class; its test loop is in seed_program below ------------------------


def start_weights(seed: int = 0) -> list[np.ndarray]:
    """W1, b1, W2, b2 as the post's __init__ draws them, from a seeded generator."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((2, 3)) / np.sqrt(2), np.zeros((1, 3)),
            rng.standard_normal((3, 2)) / np.sqrt(3), np.zeros((1, 2))]


def seed_program(weights: list[np.ndarray], steps: int = STEPS) -> NeuralNetwork:
    """The post's test loop, on the given start weights; returns its network."""
    nn = NeuralNetwork(2, 3, 2)
    nn.W1, nn.b1, nn.W2, nn.b2 = (w.copy() for w in weights)
    for i in range(steps):
        nn.forward(X)
        nn.backward_output(X, y)
        nn.backward_hidden()
        nn.gradient(X)
        nn.update(0.01)
    return nn


def seed_numbers(weights: list[np.ndarray], steps: int = STEPS) -> dict:
    """What the post's program ends with: its weights, and the matrix it prints."""
    nn = seed_program(weights, steps)
    return {"weights": [nn.W1, nn.b1.ravel(), nn.W2, nn.b2.ravel()], "printed": nn.y_hat}


# --- ours ------------------------------------------------------------------------------------

def ours(weights: list[np.ndarray], steps: int = STEPS, lr: float = LR) -> dict:
    """The same network in batch mode: the post's arrays in, its loss, SGD."""
    model = MLP.from_arrays([weights[:2], weights[2:]], layout="nin_nout", activation="tanh")
    opt = SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = losses.softmax_cross_entropy(model(X), y, reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
    return _result(model)


def ours_compiled(weights: list[np.ndarray], steps: int = STEPS, lr: float = LR) -> dict:
    """The loss recorded once and compiled. Four samples are few: one graph per sample, for
    Python floats, is faster than any array code at this size (each layer one step per
    sample, its sums written out)."""
    model = MLP.from_arrays([weights[:2], weights[2:]], layout="nin_nout", activation="tanh")
    params = model.parameters()
    loss = sum(losses.softmax_cross_entropy(model(x), label) for x, label in zip(X, y))
    step = compile_graph(loss, params)   # value_and_grad(17 parameters)
    p = [q.data for q in params]
    for _ in range(steps):
        _, grads = step.function(*p)
        p = [pi - lr * g for pi, g in zip(p, grads)]
    for q, v in zip(params, p):
        q.data = v
    return _result(model)


def _result(model: MLP) -> dict:
    (W1, b1), (W2, b2) = model.to_arrays("nin_nout")
    probabilities = losses.softmax(model(X))             # one Value per class
    y_hat = np.column_stack([p.data for p in probabilities])
    return {"weights": [W1, b1, W2, b2], "y_hat": y_hat}


def max_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """The largest absolute difference between two lists of arrays."""
    return max(float(np.max(np.abs(np.asarray(u) - np.asarray(v)))) for u, v in zip(a, b))


def main() -> None:
    """Train both ways from the same start; print the post's matrix, ours, and the slip."""
    weights = start_weights()
    seed, mine, fast = seed_numbers(weights), ours(weights), ours_compiled(weights)
    np.set_printoptions(precision=6, suppress=True)
    print("seed 000: XOR, 2-3-2 tanh, softmax, summed cross-entropy, 10,000 SGD steps at 0.01")
    print(f"  final weights, ours against the post's: largest difference "
          f"{max_difference(mine['weights'], seed['weights']):.1e} (compiled: "
          f"{max_difference(fast['weights'], seed['weights']):.1e})")
    print("  the post prints nn.y_hat:\n" + _indent(seed["printed"]))
    print("  but delta3 = self.y_hat is the same array, so delta3[range(N), y] -= 1 changed it:")
    print("  that is y_hat − onehot(y). The probabilities (ours, losses.softmax(model(X))):\n"
          + _indent(mine["y_hat"]))
    onehot = np.eye(2)[y]
    print(f"  the post's matrix + onehot(y) against them: largest difference "
          f"{max_difference([seed['printed'] + onehot], [mine['y_hat']]):.1e}")
    print("  (the post's y_hat is from its last forward pass, before the last update)")


def _indent(matrix: np.ndarray) -> str:
    return "\n".join("    " + line for line in str(matrix).splitlines())


if __name__ == "__main__":
    main()
