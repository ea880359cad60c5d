"""The judging rules no other test holds: each test fails when its rule is inverted or dropped, on
small hand-made data with a known answer."""

import numpy as np
import pandas as pd
import pytest

from conftest import universe_rows
from mnist_mlp.judge.across import choices_table
from mnist_mlp.judge.allowed import fit_table, misses_of
from mnist_mlp.judge.choices import SEEDS, shares
from mnist_mlp.judge.claims import Rules
from mnist_mlp.judge.joint import maxt_adjusted, p_at_least
from mnist_mlp.judge.multiverse import judge_universes
from mnist_mlp.judge.study import accuracy_summary

RULES = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5)
N = 2000  # test images: enough for a +1-point difference to be measured, few enough to be quick
LABELS = np.random.default_rng(0).integers(0, 10, N)


def test_a_reported_number_whose_runs_all_diverged_is_a_miss():
    reported = {"baseline": {"relu": 95.0, "tanh": 90.0}}
    runs = pd.DataFrame(universe_rows(0, {("baseline", "relu"): [None, None], ("baseline", "tanh"): [0.90, 0.901]}))
    misses, diverged, n_numbers = misses_of(accuracy_summary(runs), reported, close_pp=2.0, alpha=0.05)
    assert (misses, diverged, n_numbers) == (["baseline/relu"], ["baseline/relu"], 2)
    fit = fit_table(runs, ["init"], reported, close_pp=2.0, alpha=0.05, allowed_misses=1).iloc[0]
    assert fit["n_fit"] == 1 and fit["misses"] == "baseline/relu"  # fits tanh only, not the diverged relu


def test_a_choice_smaller_than_the_seed_noise_gets_a_share_of_zero_not_a_negative_one():
    # one axis of two options, two seeds each: the options' means differ by 0.5, the seeds by 2, so
    # the axis's sum of squares (0.25) is below the noise its 1 degree of freedom expects (2)
    values = np.array([[0.0, 2.0], [0.5, 2.5]])
    assert shares(values, ["lr"]) == {"lr": 0.0, SEEDS: 100.0}


def test_a_sign_flip_p_value_counts_the_observed_statistic_as_one_of_the_draws():
    none_reach, all_reach = np.zeros(9), np.full(9, 5.0)
    assert p_at_least(none_reach, 1.0) == pytest.approx(1 / 10)  # (0 + 1) / (9 + 1), never 0
    assert p_at_least(all_reach, 1.0) == 1.0
    assert p_at_least(np.array([0.0, 0.0, 0.0, 1.0]), 1.0) == pytest.approx(2 / 5)  # a tie reaches it
    observed = np.array([3.0, 2.0])
    assert maxt_adjusted(observed, np.zeros((9, 2))) == pytest.approx([1 / 10, 1 / 10])
    assert maxt_adjusted(observed, np.full((9, 2), 5.0)) == pytest.approx([1.0, 1.0])


def predictions(accuracy: float, seed: int) -> pd.DataFrame:
    """A run's predictions with ``accuracy`` on the N images; runs of one seed err on nested sets of
    images, as similar networks largely do."""
    predicted = LABELS.copy()
    wrong = np.random.default_rng(seed).permutation(N)[: round(N * (1 - accuracy))]
    predicted[wrong] = (predicted[wrong] + 1) % 10
    return pd.DataFrame({"label": LABELS, "predicted": predicted})


def test_a_claim_of_several_comparisons_rests_on_its_weakest_in_the_multiverse_tables():
    # fast beats slow by 5 points on relu and 1 on tanh in universe 0; by 2 on relu and 5 on tanh in
    # universe 1: the weakest comparison is the last in one universe and the first in the other
    runs = pd.DataFrame(
        universe_rows(
            0,
            {
                ("fast", "relu"): [0.95, 0.955],
                ("fast", "tanh"): [0.92, 0.925],
                ("slow", "relu"): [0.90, 0.905],
                ("slow", "tanh"): [0.91, 0.915],
            },
        )
        + universe_rows(
            1,
            {
                ("fast", "relu"): [0.94, 0.945],
                ("fast", "tanh"): [0.95, 0.955],
                ("slow", "relu"): [0.92, 0.925],
                ("slow", "tanh"): [0.90, 0.905],
            },
        )
    )
    tables = {row["dir"]: predictions(row["test_accuracy"], row["seed"]) for _, row in runs.iterrows()}
    claim = {"id": "fast_beats_slow", "kind": "beats", "better": "fast", "worse": "slow", "over": "every"}
    verdicts, outcomes = judge_universes(runs, [claim], RULES, ["init"], read_predictions=tables.__getitem__)
    assert list(verdicts["estimate"]) == pytest.approx([1.0, 2.0])
    # its interval is the weakest comparison's too: tanh's in universe 0, relu's in universe 1
    tanh_0 = judge_universes(
        runs[(runs["position"] == 0) & (runs["activation"] == "tanh")],
        [claim],
        RULES,
        ["init"],
        read_predictions=tables.__getitem__,
    )[0].iloc[0]
    assert (verdicts["low"].iloc[0], verdicts["high"].iloc[0]) == (tanh_0["low"], tanh_0["high"])
    # "which choices matter" splits the same comparison: universe 1's is 1 point above universe 0's
    effects = choices_table(verdicts, outcomes, [claim], ["init"], [], {})
    options = effects[effects["part"] == "option"].set_index("option")["value"]
    assert options.to_dict() == pytest.approx({"i0": 0.0, "i1": 1.0})
