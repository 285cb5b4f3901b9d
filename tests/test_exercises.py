"""nn.exercises: right answers (written as the seed posts write them) pass every check; each
known wrong formula is named; a wrong number is shown with the engine's and the learner's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn.exercises import EXERCISES, grade


def sig(x):
    return 1 / (1 + np.exp(-x))


def neuron_backward(x, w, b, upstream):
    out = sig(np.dot(w, x) + b)
    d = upstream * out * (1 - out)
    return d * w, d * x, d


def softmax_ce_grad(z, y):  # seed 000
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[range(z.shape[0]), y] -= 1
    return p


def conv_backward(dout, x, w, b, conv_param):  # seed 002's loops
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    s, pad = conv_param["stride"], conv_param["pad"]
    h_new, w_new = 1 + (h + 2 * pad - hh) // s, 1 + (wd + 2 * pad - ww) // s
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), "constant")
    dx_padded = np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad)), "constant")
    for i in range(n):
        for k in range(f):
            for j in range(h_new):
                for m in range(w_new):
                    window = x_padded[i, :, j * s:hh + j * s, m * s:ww + m * s]
                    db[k] += dout[i, k, j, m]
                    dw[k] += window * dout[i, k, j, m]
                    dx_padded[i, :, j * s:hh + j * s, m * s:ww + m * s] += w[k] * dout[i, k, j, m]
    return dx_padded[:, :, pad:pad + h, pad:pad + wd], dw, db


def adam(x, dx, config):  # seed 002
    t = config["t"] + 1
    m = config["beta1"] * config["m"] + (1 - config["beta1"]) * dx
    v = config["beta2"] * config["v"] + (1 - config["beta2"]) * dx**2
    m_bias, v_bias = m / (1 - config["beta1"] ** t), v / (1 - config["beta2"] ** t)
    x = x - config["learning_rate"] * m_bias / (np.sqrt(v_bias) + config["epsilon"])
    return x, {**config, "m": m, "v": v, "t": t}


RIGHT = {
    "sigmoid": lambda x: sig(x) * (1 - sig(x)),
    "tanh": lambda x: 1 - math.tanh(x) ** 2,
    "neuron": neuron_backward,
    "softmax_ce": softmax_ce_grad,
    "l2": lambda W, reg: reg * W,
    "conv_backward": conv_backward,
    "adam": adam,
}


def test_every_exercise_has_a_right_answer_here():
    assert set(RIGHT) == set(EXERCISES)


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_pass_every_check(name):
    report = grade(name, RIGHT[name])
    assert report.ok, str(report)
    assert report.first_wrong is None and report.slip is None
    assert len(report.checks) >= 6
    for check in report.checks:  # the engine agrees with finite differences wherever both exist
        if check.numeric is not None:
            assert check.expected == pytest.approx(check.numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name,text", [(n, t) for n, e in EXERCISES.items() for t in e.slips])
def test_each_known_wrong_formula_is_named(name, text):
    wrong = EXERCISES[name].slips[text]
    report = grade(name, wrong)
    assert not report.ok and report.error is None
    assert report.slip == text
    first = report.first_wrong
    assert not math.isclose(first.given, first.expected, rel_tol=1e-5, abs_tol=1e-7)
    assert f"expected: {EXERCISES[name].formula}" in str(report)


def test_sigmoid_first_wrong_point_and_edge_carry_both_numbers():
    report = grade("sigmoid", lambda x: x * (1 - x))
    first = report.first_wrong
    assert first.where == "x = -4"
    assert first.expected == pytest.approx(sig(-4.0) * (1 - sig(-4.0)), rel=1e-12)
    assert first.given == -20.0
    assert first.numeric == pytest.approx(first.expected, rel=1e-6)
    edge = report.first_wrong_edge
    # The textbook network's output o2: net_o2 = 1.2249214, out_o2 = 0.77292847.
    assert edge.where == "edge out_o2 ← net_o2"
    assert edge.expected == pytest.approx(0.77292847 * (1 - 0.77292847), abs=1e-8)
    assert edge.given == pytest.approx(1.2249214 * (1 - 1.2249214), abs=1e-6)
    # Through the graph, the wrong local derivative spoils the weights' gradients.
    w5 = next(c for c in report.checks if c.where.startswith("dE_total/dw5"))
    assert w5.expected == pytest.approx(0.082167041, abs=1e-9) and not w5.right


def test_a_wrong_number_without_a_known_slip_is_still_shown():
    def off(x, w, b, upstream):
        dx, dw, db = neuron_backward(x, w, b, upstream)
        return dx, dw + np.r_[0.0, 0.25, np.zeros(len(w) - 2)], db

    report = grade("neuron", off)
    assert report.slip is None
    assert report.first_wrong.where == "dw[1] (case 1)"
    assert report.first_wrong.given == pytest.approx(report.first_wrong.expected + 0.25)


def test_conv_db_not_summed_over_the_batch_shows_in_db():
    def first_sample_only(dout, x, w, b, conv_param):
        dx, dw, db = conv_backward(dout, x, w, b, conv_param)
        return dx, dw, dout[0].sum(axis=(1, 2))

    report = grade("conv_backward", first_sample_only)
    wrong = {c.where.split("[")[0] for c in report.checks if not c.right}
    assert wrong == {"db"}
    assert report.first_wrong.where.endswith("(case 2)")  # the first case with two samples


def test_errors_are_reported_not_raised():
    assert "shape" in grade("l2", lambda W, reg: (reg * W).T).error
    assert "raised ZeroDivisionError" in grade("tanh", lambda x: 1 / 0).error
    assert "3 values" in grade("neuron", lambda x, w, b, up: (x, w)).error
    with pytest.raises(KeyError, match="no exercise 'relu'"):
        grade("relu", lambda x: x)


def test_the_learners_function_may_change_its_inputs():
    def in_place(z, y):
        z -= z.max(axis=1, keepdims=True)  # spoils z where the grader had kept no copy
        return softmax_ce_grad(z, y)

    assert grade("softmax_ce", in_place).ok


def test_adam_that_changes_m_in_place_is_judged_on_its_answers():
    def in_place(x, dx, config):
        config["m"] *= config["beta1"]  # the running mean updated in place, then returned
        config["m"] += (1 - config["beta1"]) * dx
        m = config["m"]
        return adam(x, dx, {**config, "m": (m - (1 - config["beta1"]) * dx) / config["beta1"]})

    assert grade("adam", in_place).ok
