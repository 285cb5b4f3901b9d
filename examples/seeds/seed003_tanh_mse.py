"""Seed 003, MPL中的梯度下降函数与后向传播函数应该怎么写: a tanh MLP with MSE, beside ours.

The post's `MultilayerPerceptron`: a tanh hidden layer, a linear output, full-batch gradient
descent. Its slip: the loss it prints, `np.mean(np.square(output - y))`, is not the loss its
backward pass differentiates. `delta2 = a2 - y` with `1/m` is the gradient of
(1/m) Σ ½‖a2 − y‖², half the printed mean square error (for one output). The training is
right for that half loss; its printed numbers are twice it (nn: `losses.half_sse` is the
loss differentiated, `losses.mse` the one printed).

The post gives no data and an unseeded `np.random.randn`; here: y = sin(x) on 64 points of
[−π, π], a 1-8-1 network whose start weights are drawn the post's way from a seeded
generator, lr 0.1, 1,000 epochs.

    python examples/seeds/seed003_tanh_mse.py
"""

from __future__ import annotations

import numpy as np

from autodiff import compile_graph
from nn import MLP, SGD, losses

EPOCHS, LR, HIDDEN = 1_000, 0.1, 8
X = np.linspace(-np.pi, np.pi, 64)[:, None]
Y = np.sin(X)


# --- the post's program, as it is (only `print` is a parameter of gradient_descent here) -----
class MultilayerPerceptron:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        # 初始化权重和偏置
        self.weights1 = np.random.randn(self.input_size, self.hidden_size)
        self.bias1 = np.zeros((1, self.hidden_size))
        self.weights2 = np.random.randn(self.hidden_size, self.output_size)
        self.bias2 = np.zeros((1, self.output_size))

    def forward(self, X):
        # 前向传播
        self.z1 = np.dot(X, self.weights1) + self.bias1
        self.a1 = np.tanh(self.z1)
        self.z2 = np.dot(self.a1, self.weights2) + self.bias2
        self.a2 = self.z2
        return self.a2

    def backward(self, X, y, learning_rate):
        m = X.shape[0]
        # 计算输出层的梯度
        delta2 = self.a2 - y
        dw2 = 1/m * np.dot(self.a1.T, delta2)
        db2 = 1/m * np.sum(delta2, axis=0)
        # 计算隐藏层的梯度
        delta1 = np.dot(delta2, self.weights2.T) * (1 - np.power(self.a1, 2))
        dw1 = 1/m * np.dot(X.T, delta1)
        db1 = 1/m * np.sum(delta1, axis=0)
        # 参数更新
        self.weights2 -= learning_rate * dw2
        self.bias2 -= learning_rate * db2
        self.weights1 -= learning_rate * dw1
        self.bias1 -= learning_rate * db1

    def gradient_descent(self, X, y, epochs, learning_rate, print=print):
        for epoch in range(epochs):
            # 前向传播
            output = self.forward(X)
            # 反向传播和参数更新
            self.backward(X, y, learning_rate)
            # 计算损失
            loss = np.mean(np.square(output - y))
            # 打印每个epoch的损失
            if epoch % 100 == 0:
                print(f"Epoch {epoch}: Loss = {loss}")
# --- end of the post's program ---------------------------------------------------------------


def start_weights(seed: int = 0) -> list[np.ndarray]:
    """weights1, bias1, weights2, bias2 as the post's __init__ draws them, seeded."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((1, HIDDEN)), np.zeros((1, HIDDEN)),
            rng.standard_normal((HIDDEN, 1)), np.zeros((1, 1))]


def seed_program(weights: list[np.ndarray], epochs: int = EPOCHS,
                 print=lambda *args: None) -> MultilayerPerceptron:
    """The post's network from the given start weights, trained by its gradient_descent."""
    mlp = MultilayerPerceptron(1, HIDDEN, 1)
    mlp.weights1, mlp.bias1, mlp.weights2, mlp.bias2 = (w.copy() for w in weights)
    mlp.gradient_descent(X, Y, epochs, LR, print=print)
    return mlp


def seed_numbers(weights: list[np.ndarray], epochs: int = EPOCHS) -> dict:
    """The post's printed losses (every 100 epochs, read back from its prints), its weights."""
    printed: list[str] = []
    mlp = seed_program(weights, epochs, print=printed.append)
    return {"printed": [float(line.split("= ")[1]) for line in printed],
            "weights": [mlp.weights1, mlp.bias1.ravel(), mlp.weights2, mlp.bias2.ravel()]}


# --- ours ------------------------------------------------------------------------------------

def ours(weights: list[np.ndarray], epochs: int = EPOCHS, lr: float = LR) -> dict:
    """The same network; the loss is the one the post differentiates, half_sse (mean over
    the samples of ½ Σ (a − y)²); the post's printed number is mse of the same outputs."""
    model = MLP.from_arrays([weights[:2], weights[2:]], layout="nin_nout", activation="tanh")
    opt = SGD(model.parameters(), lr=lr)
    trained, printed = [], []
    for _ in range(epochs):
        out = model(X)
        loss = losses.half_sse(out, Y[:, 0])
        opt.zero_grad()
        loss.backward()
        opt.step()
        trained.append(loss.data)
        printed.append(losses.mse(out, Y[:, 0]).data)
    return _result(model, trained, printed)


def ours_compiled(weights: list[np.ndarray], epochs: int = EPOCHS, lr: float = LR) -> dict:
    """The loss recorded once and compiled for NumPy (each layer one matrix product); the
    parameters one vector p, each step one call of the function of p and `p -= lr * dp`."""
    model = MLP.from_arrays([weights[:2], weights[2:]], layout="nin_nout", activation="tanh")
    params = model.parameters()
    step = compile_graph(losses.half_sse(model(X), Y[:, 0]), params, backend="numpy")
    p, trained = np.array([q.data for q in params]), []
    for _ in range(epochs):
        loss, dp = step.function_p(p)
        p -= lr * dp
        trained.append(loss)
    for q, v in zip(params, p.tolist()):
        q.data = v
    return _result(model, trained, [2.0 * t for t in trained])  # mse = 2 · half_sse here


def _result(model: MLP, trained: list[float], printed: list[float]) -> dict:
    (W1, b1), (W2, b2) = model.to_arrays("nin_nout")
    return {"weights": [W1, b1, W2, b2], "losses": trained, "printed": printed}


def main() -> None:
    """Train both ways; print the post's printed losses beside ours and the loss trained."""
    weights = start_weights()
    seed, mine, fast = seed_numbers(weights), ours(weights), ours_compiled(weights)
    print("seed 003: a 1-8-1 tanh MLP fitting sin(x), 1,000 full-batch epochs at lr 0.1")
    print("  epoch   the post prints      ours: mse (printed)   half_sse (trained)")
    for k, value in enumerate(seed["printed"]):
        epoch = 100 * k
        print(f"  {epoch:5d}   {value:.15f}   {mine['printed'][epoch]:.15f}   "
              f"{mine['losses'][epoch]:.15f}")
    diff = max(float(np.max(np.abs(a - b))) for run in (mine, fast)
               for a, b in zip(run["weights"], seed["weights"]))
    print(f"  final weights, ours (eager and compiled) against the post's: largest difference "
          f"{diff:.1e}")
    print("  the slip: the post prints mean((a − y)²) but its backward pass (delta2 = a2 − y,")
    print("  times 1/m) is the gradient of mean(½ (a − y)²), half of it: the printed numbers")
    print("  are twice the loss it trains.")


if __name__ == "__main__":
    main()
