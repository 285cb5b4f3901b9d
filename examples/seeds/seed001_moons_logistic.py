"""Seed 001, 反向传播BP算法原理详解及实战演示: the worked 2-2-2 example and a NumPy two-moons
classifier, beside ours.

Part 1, the worked example: inputs 0.05 and 0.1, targets 0.03 and 0.05, sigmoid everywhere,
a_ij the weight from x_i to y_j (0.1, 0.2, 0.3, 0.4), b_ij from y_i to h_j (0.5, 0.6, 0.7,
0.8), one intercept per layer (c1 = 0.35, c2 = 0.1: the post's pictures hold these numbers;
they give its outputs [0.694, 0.718] and error 0.444), the mean squared error over the two
outputs, one gradient step at lr 0.5. The post prints its numbers to three decimals; ours
agree with every one it derives by the chain rule (b11, b12, b21, a12, a21, a22, c1). Its
slip is at the end: "the new total error 0.44356" is the error of the *old* outputs, rounded
to 0.694 and 0.718 first; and its new outputs [0.667, 0.693] do not follow from the step
(it gives [0.649, 0.676]; the post never shows c2's update, and [0.667, 0.693] needs
c2 ≈ 0.040 where the step gives −0.038).

Part 2, the moons classifier: `train(trainX, trainY, testX, testY, W, B, epochs, flag)` as
the post writes it. The post cuts `forward`, `loss_func` and `backword` (and part of its
data preparation); they are filled in as its text describes them: one layer, W of shape
(q,) and B of shape (1,), the sigmoid (the post uses scipy's expit; here 1 / (1 + exp(-z))),
the cross-entropy, gradient descent at lr 0.05. Its data, make_moons(2000, noise=0.4), 60 %
for training, standardized on the training set, come from nn.datasets (no scikit-learn).

    python examples/seeds/seed001_moons_logistic.py
"""

from __future__ import annotations

import numpy as np

from autodiff import compile_graph, no_grad
from nn import MLP, SGD, datasets, losses

EPOCHS, learning_rate = 1_000, 0.05
X1 = [0.05, 0.1]
TARGET = [0.03, 0.05]
A = np.array([[0.1, 0.2], [0.3, 0.4]])   # a_ij: x_i -> y_j, the layout "nin_nout"
B = np.array([[0.5, 0.6], [0.7, 0.8]])   # b_ij: y_i -> h_j
C1, C2, RHO = 0.35, 0.1, 0.5


# --- part 1: the worked example with our API ------------------------------------------------

def worked_example() -> dict:
    """One forward pass, the error, one SGD step at ρ = 0.5, the forward pass again."""
    model = MLP.from_arrays([(A, [C1, C1]), (B, [C2, C2])], layout="nin_nout",
                            activation="sigmoid", out_activation="sigmoid", shared_bias=True)
    opt = SGD(model.parameters(), lr=RHO)
    h = model(X1)
    E = losses.mse(h, TARGET)             # (1/N) Σ (target − out)², N = 2
    opt.zero_grad()
    E.backward()
    opt.step()
    (A_new, c1_new), (B_new, c2_new) = model.to_arrays("nin_nout")
    h_new = model(X1)
    return {"out": [v.data for v in h], "E": E.data, "A": A_new, "B": B_new,
            "c1": c1_new[0], "c2": c2_new[0], "out_new": [v.data for v in h_new],
            "E_new": losses.mse(h_new, TARGET).data}


# --- part 2: the post's program, as it is where it shows it ---------------------------------
def forward(X, W, B):  # cut from the post: its text's one layer and sigmoid
    return 1 / (1 + np.exp(-(np.dot(X, W) + B)))


def loss_func(Y, pred_Y):  # cut from the post: the cross-entropy, mean over the samples
    return -np.mean(Y * np.log(pred_Y) + (1 - Y) * np.log(1 - pred_Y))


def backword(W, B, Y, pred_Y, X, learning_rate):  # cut from the post: gradient descent in place
    dz = (pred_Y - Y) / len(Y)
    W -= learning_rate * np.dot(X.T, dz)
    B -= learning_rate * np.sum(dz)


def train(trainX, trainY, testX, testY, W, B, epochs, flag):
    train_loss_list = []
    test_loss_list = []
    for i in range(epochs):
        # 训练集
        pred_train_Y = forward(trainX, W, B)
        train_loss = loss_func(trainY, pred_train_Y)

        # 测试集
        pred_test_Y = forward(testX, W, B)
        test_loss = loss_func(testY, pred_test_Y)

        if flag == True:
            print('the traing loss of %s epoch : %s'%(i+1, train_loss))
            print('the test loss of %s epoch : %s'%(i+1, test_loss))
            print('=========================')

        train_loss_list.append(train_loss)
        test_loss_list.append(test_loss)

        #反向传播
        backword(W, B, trainY, pred_train_Y, trainX, learning_rate)
    return train_loss_list, test_loss_list
# --- end of the post's program ---------------------------------------------------------------


def moons_data(seed: int = 0) -> tuple[np.ndarray, ...]:
    """trainX, testX, trainY, testY: 2,000 noisy moons, 60 % to train, standardized."""
    X, y = datasets.make_moons(2000, noise=0.4, seed=seed)
    trainX, testX, trainY, testY = datasets.train_test_split(X, y, test_fraction=0.4, seed=seed)
    trainX, testX = datasets.standardize(trainX, testX)
    return trainX, testX, trainY.astype(float), testY.astype(float)


def start_weights(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """W (2,) and B (1,), drawn at random as the post's _init_ says."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(2), rng.standard_normal(1)


def seed_program(data: tuple, W: np.ndarray, B: np.ndarray, epochs: int = EPOCHS) -> dict:
    """The post's train() on copies of W and B (it changes them in place)."""
    trainX, testX, trainY, testY = data
    W, B = W.copy(), B.copy()
    train_losses, test_losses = train(trainX, trainY, testX, testY, W, B, epochs, False)
    return {"train": train_losses, "test": test_losses, "weights": [W, B]}


# --- ours ------------------------------------------------------------------------------------

def ours(data: tuple, W: np.ndarray, B: np.ndarray, epochs: int = EPOCHS) -> dict:
    """One neuron on a logit, the cross-entropy from the logit (stable), SGD."""
    trainX, testX, trainY, testY = data
    model = MLP.from_arrays([(W[:, None], B)], layout="nin_nout")   # one linear neuron
    opt = SGD(model.parameters(), lr=learning_rate)
    train_losses, test_losses = [], []
    for _ in range(epochs):
        loss = losses.binary_cross_entropy(model(trainX), trainY)
        with no_grad():
            test_losses.append(losses.binary_cross_entropy(model(testX), testY).data)
        opt.zero_grad()
        loss.backward()
        opt.step()
        train_losses.append(loss.data)
    return _result(model, train_losses, test_losses)


def ours_compiled(data: tuple, W: np.ndarray, B: np.ndarray, epochs: int = EPOCHS) -> dict:
    """Both losses recorded once and compiled for NumPy; the test loss's gradient unasked."""
    trainX, testX, trainY, testY = data
    model = MLP.from_arrays([(W[:, None], B)], layout="nin_nout")
    params = model.parameters()
    train_step = compile_graph(losses.binary_cross_entropy(model(trainX), trainY), params,
                               backend="numpy")
    test_loss = compile_graph(losses.binary_cross_entropy(model(testX), testY), params,
                              backend="numpy", wrt=[])
    p, train_losses, test_losses = [q.data for q in params], [], []
    for _ in range(epochs):
        loss, grads = train_step.function(*p)
        test_losses.append(test_loss.function(*p)[0])
        p = [pi - learning_rate * g for pi, g in zip(p, grads)]
        train_losses.append(loss)
    for q, v in zip(params, p):
        q.data = v
    return _result(model, train_losses, test_losses)


def _result(model: MLP, train_losses: list, test_losses: list) -> dict:
    ((W, B),) = model.to_arrays("nin_nout")
    return {"train": train_losses, "test": test_losses, "weights": [W[:, 0], B]}


def main() -> None:
    """Part 1 against the post's printed numbers; part 2 against its program."""
    ex = worked_example()
    print("seed 001, part 1: the worked 2-2-2 example, one step at ρ = 0.5")
    print(f"  outputs {ex['out'][0]:.8f} {ex['out'][1]:.8f}   the post: 0.694 0.718")
    print(f"  error   {ex['E']:.8f}              the post: 0.444")
    named = {"b11": ex["B"][0, 0], "b12": ex["B"][0, 1], "b21": ex["B"][1, 0],
             "a12": ex["A"][0, 1], "a21": ex["A"][1, 0], "a22": ex["A"][1, 1], "c1": ex["c1"]}
    post = {"b11": 0.458, "b12": 0.560, "b21": 0.658, "a12": 0.199, "a21": 0.298,
            "a22": 0.398, "c1": 0.307}
    for name, value in named.items():
        print(f"  {name}_new = {value:.8f}   the post: {post[name]:.3f}")
    print(f"  new outputs {ex['out_new'][0]:.8f} {ex['out_new'][1]:.8f} (c2_new = {ex['c2']:.6f})"
          "   the post: 0.667 0.693")
    print(f"  new error   {ex['E_new']:.8f}   the post: 0.44356, which is the old outputs' "
          f"error rounded first: {((0.694 - 0.03) ** 2 + (0.718 - 0.05) ** 2) / 2:.5f}")

    data, (W, B) = moons_data(), start_weights()
    seed, mine, fast = seed_program(data, W, B), ours(data, W, B), ours_compiled(data, W, B)
    print("seed 001, part 2: two moons (2,000 points, noise 0.4), one sigmoid neuron, "
          f"{EPOCHS:,} epochs at lr {learning_rate}")
    for epoch in (0, 1, 10, 100, EPOCHS - 1):
        print(f"  epoch {epoch + 1:5d}: train {seed['train'][epoch]:.15f} (ours "
              f"{mine['train'][epoch]:.15f}), test {seed['test'][epoch]:.15f} (ours "
              f"{mine['test'][epoch]:.15f})")
    diff = max(abs(a - b) for run in (mine, fast) for key in ("train", "test")
               for a, b in zip(run[key], seed[key]))
    print(f"  every epoch's train and test loss, ours (eager and compiled) against the post's: "
          f"largest difference {diff:.1e}")


if __name__ == "__main__":
    main()
