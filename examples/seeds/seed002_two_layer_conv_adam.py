"""Seed 002, bp神經網路python實現: cs231n's two-layer ReLU net, a naive convolution and Adam,
beside ours.

The post's pieces, as its page shows them (the site lower-cased its names: `w1` is `W1`,
`.t` is `.T`): the loss and gradients of a two-layer ReLU network (softmax, the data loss
averaged over the samples, ½·reg·Σ W² on the weights only), its parameter update, a naive
convolution forward and backward on (N, C, H, W) arrays, and one Adam step.

Its first slip is in the update: `self.params['w1'] -= learning_rate*w1` subtracts the weights
themselves, not their gradients (`dw1`, and `dh1` for b1): every step only shrinks the
parameters by (1 − lr), whatever the data. `mended_update` subtracts the gradients. Its
second: the convolution's backward pass loops `for f in range(f)`, reusing `f`, the number
of filters; from the second image on, the last filter is left out of dx, dw and db (one
image comes out right).

The post has no data or loop: here two moons (200 points, noise 0.2), 16 hidden units,
start weights 0.5·randn (seeded), reg 1e-3, lr 0.5, 1,000 full-batch steps.

    python examples/seeds/seed002_two_layer_conv_adam.py
"""

from __future__ import annotations

import numpy as np

from autodiff import compile_graph
from nn import MLP, SGD, Adam, Conv2d, datasets, losses

STEPS, LR, REG, HIDDEN = 1_000, 0.5, 1e-3, 16
X, Y = datasets.make_moons(200, noise=0.2, seed=0)


# --- the post's code, as it is (inside a function: its `self.params` is `params`) ------------
def seed_loss(params, x, y, reg):
    w1, b1, w2, b2 = params['w1'], params['b1'], params['w2'], params['b2']
    n = x.shape[0]
    h1 = np.maximum(0,np.dot(x, w1)+ b1)
    # 計算第乙個隱層的啟用資料(nxh)
    scores=np.dot(h1, w2)+ b2 # 神經元輸出(nxc)
    scores = scores - np.reshape(np.max(scores,axis=1),(n,-1))#nxc
    p = np.exp(scores)/np.reshape(np.sum(np.exp(scores),axis=1),(n,-1))#nxc
    loss =-sum(np.log(p[np.arange(n),y]))/n
    loss +=0.5*reg*np.sum(w1*w1)+0.5*reg*np.sum(w2*w2)
    dscores = p
    dscores[range(n),y]-=1.0
    dscores/=n
    dw2 = np.dot(h1.T,dscores)
    dh2 = np.sum(dscores,axis=0,keepdims=False)
    da2 = np.dot(dscores,w2.T)
    da2[h1<=0]=0
    dw1 = np.dot(x.T,da2)
    dh1 = np.sum(da2,axis=0,keepdims=False)
    dw2 += reg*w2#正則化
    dw1 += reg*w1#正則化
    return loss, {'w1': dw1, 'b1': dh1, 'w2': dw2, 'b2': dh2}


def seed_update(params, learning_rate):
    w1, b1, w2, b2 = params['w1'], params['b1'], params['w2'], params['b2']
    params['w1']-= learning_rate*w1
    params['b1']-= learning_rate*b1
    params['w2']-= learning_rate*w2
    params['b2']-= learning_rate*b2


def conv_forward_naive(x, w, b, conv_param):
    n, c, h, w_=x.shape  # the post names both the width and the weights `w`
    f, _, hh, ww=w.shape
    stride=conv_param['stride']
    pad=conv_param['pad']
    x_pad=np.pad(x,((0,0),(0,0),(pad,pad),(pad,pad)),mode='constant')
    h_out =1+(h +2* pad - hh)// stride
    w_out =1+(w_ +2* pad - ww)// stride
    out=np.zeros((f, n, h_out, w_out))
    for i in range(f):
        for j in range(n):
            for k in range(h_out):
                for l in range(w_out):  # noqa: E741
                    out[i,j,k,l]=np.sum(x_pad[j,:,k*stride:k*stride+hh,l*stride:l*stride+ww]*w[i])+b[i]
    out=out.transpose(1,0,2,3)#n,f,h_out,w_out
    return out


def conv_backward_naive(dout, x, w, b, conv_param):
    n, c, h, w_=x.shape
    f, _, hh, ww=w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    h_new =1+(h +2* pad - hh)// stride
    w_new =1+(w_ +2* pad - ww)// stride
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    s = stride
    x_padded = np.pad(x,((0,0),(0,0),(pad, pad),(pad, pad)),'constant')
    dx_padded = np.pad(dx,((0,0),(0,0),(pad, pad),(pad, pad)),'constant')
    for i in range(n):
        # ith image
        for f in range(f):  # noqa: B020 (the post's second slip: f is reused)
            # fth filter
            for j in range(h_new):
                for k in range(w_new):
                    window = x_padded[i,:, j*s:hh+j*s, k*s:ww+k*s]
                    db[f]+= dout[i, f, j, k]
                    dw[f]+= window * dout[i, f, j, k]
                    dx_padded[i,:, j*s:hh+j*s, k*s:ww+k*s]+= w[f]* dout[i, f, j, k]
    # unpad
    dx = dx_padded[:,:, pad:pad+h, pad:pad+w_]
    return dx, dw, db


def adam(x, dx, config):
    m = config['m']
    v = config['v']
    beta1 = config['beta1']
    beta2 = config['beta2']
    learning_rate = config['learning_rate']
    epsilon = config['epsilon']
    t = config['t']
    t +=1
    m = beta1 * m +(1- beta1)* dx
    v = beta2 * v +(1- beta2)*(dx **2)
    m_bias = m /(1- beta1 ** t)
    v_bias = v /(1- beta2 ** t)
    x +=- learning_rate * m_bias /(np.sqrt(v_bias)+ epsilon)
    next_x = x
    config['m']= m
    config['v']= v
    config['t']= t
    return next_x, config
# --- end of the post's code ------------------------------------------------------------------


def mended_update(params, grads, learning_rate):
    """The update the post means: each parameter minus lr times its gradient."""
    for name in ('w1', 'b1', 'w2', 'b2'):
        params[name] -= learning_rate * grads[name]


def start_params(seed: int = 0) -> dict:
    """w1 (2, H), b1 (H,), w2 (H, 2), b2 (2,): cs231n's layout, 0.5·randn, zero biases."""
    rng = np.random.default_rng(seed)
    return {'w1': 0.5 * rng.standard_normal((2, HIDDEN)), 'b1': np.zeros(HIDDEN),
            'w2': 0.5 * rng.standard_normal((HIDDEN, 2)), 'b2': np.zeros(2)}


def seed_program(params: dict, steps: int = STEPS, update=mended_update) -> dict:
    """The post's loss and gradients in a loop; `update=seed_update_as_written` runs its slip."""
    params = {k: v.copy() for k, v in params.items()}
    history = []
    for _ in range(steps):
        loss, grads = seed_loss(params, X, Y, REG)
        update(params, grads, LR)
        history.append(loss)
    return {"losses": history, "weights": [params[k] for k in ('w1', 'b1', 'w2', 'b2')]}


def seed_update_as_written(params, grads, learning_rate):
    """The post's update as it is: the gradients unused."""
    seed_update(params, learning_rate)


# --- ours ------------------------------------------------------------------------------------

def _model(params: dict) -> MLP:
    return MLP.from_arrays([(params['w1'], params['b1']), (params['w2'], params['b2'])],
                           layout="nin_nout", activation="relu")


def _loss(model: MLP):
    return (losses.softmax_cross_entropy(model(X), Y)
            + 0.5 * REG * losses.l2(model.weights()))     # L2 on the weights only


def ours(params: dict, steps: int = STEPS) -> dict:
    """The same network and loss with our API, trained with SGD."""
    model = _model(params)
    opt = SGD(model.parameters(), lr=LR)
    history = []
    for _ in range(steps):
        loss = _loss(model)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.data)
    return _result(model, history)


def ours_compiled(params: dict, steps: int = STEPS) -> dict:
    """The loss recorded once and compiled for NumPy: the layers as matrix products, the
    parameters one vector p, each step one call of the function of p and `p -= LR * dp`."""
    model = _model(params)
    weights = model.parameters()
    step = compile_graph(_loss(model), weights, backend="numpy")
    p, history = np.array([q.data for q in weights]), []
    for _ in range(steps):
        loss, dp = step.function_p(p)
        p -= LR * dp
        history.append(loss)
    for q, v in zip(weights, p.tolist()):
        q.data = v
    return _result(model, history)


def _result(model: MLP, history: list) -> dict:
    (W1, b1), (W2, b2) = model.to_arrays("nin_nout")
    return {"losses": history, "weights": [W1, b1, W2, b2]}


def adam_both(params: dict, steps: int = 50, lr: float = 1e-2) -> tuple[dict, dict]:
    """The post's adam() on its own gradients, and nn.Adam on ours, from the same start."""
    theirs = {k: v.copy() for k, v in params.items()}
    configs = {k: {'m': np.zeros_like(v), 'v': np.zeros_like(v), 'beta1': 0.9,
                   'beta2': 0.999, 'learning_rate': lr, 'epsilon': 1e-8, 't': 0}
               for k, v in theirs.items()}
    for _ in range(steps):
        _, grads = seed_loss(theirs, X, Y, REG)
        for k in theirs:
            theirs[k], configs[k] = adam(theirs[k], grads[k], configs[k])
    model = _model(params)
    opt = Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = _loss(model)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return ({"weights": [theirs[k] for k in ('w1', 'b1', 'w2', 'b2')]}, _result(model, []))


def conv_both(images: int = 1, seed: int = 0) -> tuple[tuple, tuple]:
    """The post's naive convolution, forward and backward, and nn.Conv2d on the same arrays."""
    rng = np.random.default_rng(seed)
    x, w, b = (rng.normal(size=(images, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)),
               rng.normal(size=4))
    dout = rng.normal(size=(images, 4, 3, 3))
    conv_param = {'stride': 2, 'pad': 1}
    out = conv_forward_naive(x, w, b, conv_param)
    theirs = (out, *conv_backward_naive(dout, x, w, b, conv_param))
    conv = Conv2d(3, 4, 3, stride=2, padding=1)
    conv.set_weights(w, b)
    fm = conv(x)                   # a FeatureMap of shape (N, F, H', W')
    fm.backward(dout)              # the upstream gradient, as the post's dout
    return theirs, (fm.data, fm.input_grad, conv.weight_array(grad=True),
                    conv.bias_vector(grad=True))


def _largest(a, b) -> float:
    return max(float(np.max(np.abs(np.asarray(u) - np.asarray(v)))) for u, v in zip(a, b))


def main() -> None:
    """The three pieces of the post beside ours, and what its update does."""
    params = start_params()
    seed, mine, fast = seed_program(params), ours(params), ours_compiled(params)
    slipped = seed_program(params, update=seed_update_as_written)
    print(f"seed 002: two-layer ReLU net 2-{HIDDEN}-2 on two moons, softmax + ½·reg·ΣW², "
          f"{STEPS:,} steps at lr {LR}")
    for k in (0, 1, 10, 100, STEPS - 1):
        print(f"  step {k + 1:5d}: the post's loss {seed['losses'][k]:.15f}, "
              f"ours {mine['losses'][k]:.15f}, compiled {fast['losses'][k]:.15f}")
    diff = max(_largest(run[key], seed[key])
               for run in (mine, fast) for key in ("losses", "weights"))
    print(f"  every loss and the final weights, ours (eager and compiled) against the post's: "
          f"largest difference {diff:.1e}")
    print(f"  the post's update as written subtracts the weights (w1 -= lr*w1): its loss goes "
          f"{slipped['losses'][0]:.6f} -> {slipped['losses'][-1]:.6f}, "
          f"the weights shrink by {1 - LR} each step")
    theirs, ours_ = adam_both(params)
    print(f"  Adam, 50 steps: the post's adam() against nn.Adam, largest difference "
          f"{_largest(theirs['weights'], ours_['weights']):.1e}")
    theirs, ours_ = conv_both(images=1)
    print(f"  naive convolution against nn.Conv2d (out, dx, dw, db), one image: largest "
          f"difference {_largest(theirs, ours_):.1e}")
    theirs, ours_ = conv_both(images=2)
    print(f"  two images: out {_largest(theirs[:1], ours_[:1]):.1e}, but dx, dw, db "
          f"{_largest(theirs[1:], ours_[1:]):.1e}: the post's backward loop `for f in range(f)`")
    print("  reuses f, the number of filters, as its loop variable; from the second image on,")
    print("  range(f) is range(F - 1) and the last filter is left out of dx, dw and db.")


if __name__ == "__main__":
    main()
