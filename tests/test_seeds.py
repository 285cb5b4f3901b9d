"""The seeds' programs (examples/seeds/) beside ours: the same numbers to 1e-12, each seed's
numbers computed here by its own code, and each seed's slip shown to be what it is."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "seeds"))

import seed000_xor as s000  # noqa: E402
import seed001_moons_logistic as s001  # noqa: E402
import seed002_two_layer_conv_adam as s002  # noqa: E402
import seed003_tanh_mse as s003  # noqa: E402
import seed004_mazur_floats as s004  # noqa: E402

TOL = 1e-12


def assert_arrays(ours, theirs, atol=TOL):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a, float).ravel(), np.asarray(b, float).ravel(),
                                   rtol=0, atol=atol)


# --- seed 000 --------------------------------------------------------------------------------

@pytest.mark.parametrize("train", [s000.ours, s000.ours_compiled])
def test_seed_000_weights_after_training_equal_the_posts(train):
    weights = s000.start_weights(1)
    seed = s000.seed_numbers(weights, steps=300)
    assert_arrays(train(weights, steps=300)["weights"], seed["weights"])


def test_seed_000_prints_y_hat_minus_onehot_because_delta3_is_y_hat():
    weights = s000.start_weights(2)
    nn = s000.seed_program(weights, steps=50)
    printed = nn.y_hat.copy()
    assert np.shares_memory(nn.delta3, nn.y_hat)           # the slip: one array, two names
    np.testing.assert_allclose(printed.sum(axis=1), 0.0, atol=1e-15)   # not probabilities
    nn.forward(s000.X)                                     # the probabilities it overwrote
    np.testing.assert_allclose(printed + np.eye(2)[s000.y], nn.y_hat, atol=1e-2)
    ours = s000.ours_compiled(weights, steps=50)
    np.testing.assert_allclose(ours["y_hat"], nn.y_hat, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours["y_hat"].sum(axis=1), 1.0, atol=1e-15)


# --- seed 001 --------------------------------------------------------------------------------

def test_seed_001_worked_example_matches_the_posts_three_decimals():
    ex = s001.worked_example()
    assert [round(v, 3) for v in ex["out"]] == [0.694, 0.718]
    assert round(ex["E"], 2) == 0.44                      # 0.44343; the post rounds to 0.444
    assert [round(ex["B"][0, 0], 3), round(ex["B"][0, 1], 3), round(ex["B"][1, 0], 3)] == \
        [0.458, 0.560, 0.658]                             # b11, b12, b21
    assert [round(ex["A"][0, 1], 3), round(ex["A"][1, 0], 3), round(ex["A"][1, 1], 3)] == \
        [0.199, 0.298, 0.398]                             # a12, a21, a22
    assert round(ex["c1"], 3) == 0.307


def test_seed_001_worked_example_is_the_chain_rule_by_hand():
    sig = lambda z: 1 / (1 + np.exp(-z))
    x, t = np.array(s001.X1), np.array(s001.TARGET)
    A, B, c1, c2 = s001.A, s001.B, s001.C1, s001.C2
    y = sig(x @ A + c1)
    h = sig(y @ B + c2)
    E = np.mean((t - h) ** 2)
    d_net2 = (h - t) * h * (1 - h)                 # dE/dh = 2/N (h − t), N = 2
    d_net1 = (B @ d_net2) * y * (1 - y)
    ex = s001.worked_example()
    assert ex["E"] == pytest.approx(E, abs=TOL)
    np.testing.assert_allclose(ex["B"], B - 0.5 * np.outer(y, d_net2), atol=TOL)
    np.testing.assert_allclose(ex["A"], A - 0.5 * np.outer(x, d_net1), atol=TOL)
    assert ex["c1"] == pytest.approx(c1 - 0.5 * d_net1.sum(), abs=TOL)
    assert ex["c2"] == pytest.approx(c2 - 0.5 * d_net2.sum(), abs=TOL)


def test_seed_001_new_error_in_the_post_is_the_old_outputs_rounded():
    ex = s001.worked_example()
    rounded_old = ((0.694 - 0.03) ** 2 + (0.718 - 0.05) ** 2) / 2
    assert round(rounded_old, 5) == 0.44356                # what the post calls the new error
    assert ex["E_new"] < 0.39                              # the step's real new error
    assert [round(v, 3) for v in ex["out_new"]] == [0.649, 0.676]   # not [0.667, 0.693]


@pytest.mark.parametrize("train", [s001.ours, s001.ours_compiled])
def test_seed_001_moons_losses_every_epoch_equal_the_posts(train):
    data, (W, B) = s001.moons_data(seed=3), s001.start_weights(3)
    seed, mine = s001.seed_program(data, W, B, epochs=150), train(data, W, B, epochs=150)
    assert_arrays(mine["train"], seed["train"])
    assert_arrays(mine["test"], seed["test"])
    assert_arrays(mine["weights"], seed["weights"])


# --- seed 002 --------------------------------------------------------------------------------

@pytest.mark.parametrize("train", [s002.ours, s002.ours_compiled])
def test_seed_002_losses_every_step_equal_the_posts(train):
    params = s002.start_params(1)
    seed, mine = s002.seed_program(params, steps=40), train(params, steps=40)
    assert_arrays(mine["losses"], seed["losses"])
    assert_arrays(mine["weights"], seed["weights"])


def test_seed_002_update_as_written_only_shrinks_the_weights():
    params = s002.start_params(2)
    slipped = s002.seed_program(params, steps=5, update=s002.seed_update_as_written)
    expected = [params[k] * (1 - s002.LR) ** 5 for k in ("w1", "b1", "w2", "b2")]
    assert_arrays(slipped["weights"], expected, atol=1e-15)


def test_seed_002_adam_equals_nn_adam():
    theirs, ours = s002.adam_both(s002.start_params(3), steps=30)
    assert_arrays(ours["weights"], theirs["weights"])


def test_seed_002_convolution_one_image_equals_conv2d():
    theirs, ours = s002.conv_both(images=1, seed=4)
    assert_arrays(ours, theirs)


def test_seed_002_convolution_backward_drops_the_last_filter_from_the_second_image():
    theirs, ours = s002.conv_both(images=2, seed=5)
    out, dx, dw, db = theirs
    assert_arrays([ours[0]], [out])                    # the forward pass is right
    np.testing.assert_allclose(db[:-1], ours[3][:-1], atol=TOL)
    assert abs(db[-1] - ours[3][-1]) > 1e-3            # the last filter misses image 2's share
    assert not np.allclose(dx[1], ours[1][1])


# --- seed 003 --------------------------------------------------------------------------------

@pytest.mark.parametrize("train", [s003.ours, s003.ours_compiled])
def test_seed_003_printed_losses_and_weights_equal_the_posts(train):
    weights = s003.start_weights(1)
    seed, mine = s003.seed_numbers(weights, epochs=250), train(weights, epochs=250)
    assert len(seed["printed"]) == 3                       # epochs 0, 100, 200
    assert_arrays([mine["printed"][e] for e in (0, 100, 200)], seed["printed"])
    assert_arrays(mine["weights"], seed["weights"])


def test_seed_003_prints_twice_the_loss_it_differentiates():
    weights = s003.start_weights(2)
    mine = s003.ours(weights, epochs=3)
    assert_arrays(mine["printed"], [2 * v for v in mine["losses"]], atol=1e-15)
    # Its backward pass is the gradient of half_sse: one step of ours on half_sse is its step.
    seed = s003.seed_numbers(weights, epochs=1)
    assert_arrays(s003.ours(weights, epochs=1)["weights"], seed["weights"])


# --- seed 004 --------------------------------------------------------------------------------

def test_seed_004_transcription_prints_the_posts_outputs():
    assert s004.seed_program()["outputs"] == list(s004.SEED_PRINTS)


@pytest.mark.parametrize("train", [s004.ours, s004.ours_compiled])
def test_seed_004_ours_equals_the_mended_program(train):
    fixed, mine = s004.mended(steps=2000), train(steps=2000)
    assert_arrays(mine["losses"], fixed["losses"])
    assert_arrays(mine["weights"], fixed["weights"])


def test_seed_004_slips_change_its_numbers_from_the_first_step():
    seed, fixed = s004.seed_program(steps=1), s004.mended(steps=1)
    # o2's bias h2 (0.5932...) in place of b2 (0.60): the first error is already different.
    assert seed["losses"][0] != pytest.approx(fixed["losses"][0], abs=1e-6)
    assert fixed["losses"][0] == pytest.approx(0.298371109, abs=1e-9)   # the textbook's
