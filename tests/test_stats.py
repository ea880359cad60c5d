"""The statistics behind the verdicts, on constructed predictions with known answers."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from mnist_mlp.judge.stats import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    TIE,
    Interval,
    combine_every,
    decide,
    image_interval,
    mcnemar_exact,
    t_interval,
)

N = 10_000


def paired(a_only: int, b_only: int, both: int = 9000) -> tuple[np.ndarray, np.ndarray]:
    """Correctness of two runs on N images: ``both`` right for both, then a_only, then b_only."""
    a, b = np.zeros(N, bool), np.zeros(N, bool)
    a[:both] = b[:both] = True
    a[both : both + a_only] = True
    b[both + a_only : both + a_only + b_only] = True
    return a, b


def verdict(a_only, b_only, margin=0.5, alpha=0.05):
    a, b = paired(a_only, b_only)
    return decide(100 * (a.mean() - b.mean()), [image_interval(a.astype(float) - b, alpha)], margin)


def test_mcnemar_p_value_is_the_hand_computed_binomial_tail():
    a, b = paired(12, 3)
    a_only, b_only, p = mcnemar_exact(a, b)
    # two-sided exact: 2 * P(X <= 3), X ~ Binomial(15, 1/2) = 2 * (1 + 15 + 105 + 455) / 2**15
    assert (a_only, b_only) == (12, 3)
    assert p == pytest.approx(2 * (1 + 15 + 105 + 455) / 2**15, rel=1e-12)
    assert mcnemar_exact(*paired(0, 0))[2] == 1.0


def test_the_test_set_interval_is_the_hand_computed_paired_difference_interval():
    a, b = paired(300, 50)  # +2.5 points: far from zero, where conditioning on the discordant count narrowed it
    d = np.r_[np.ones(300), -np.ones(50), np.zeros(N - 350)]  # each image: A right minus B right
    mean = 250 / N
    sd = math.sqrt((350 - N * mean**2) / (N - 1))
    half = sps.t.ppf(0.975, N - 1) * sd / math.sqrt(N)
    interval = image_interval(a.astype(float) - b, 0.05)
    assert interval.low == pytest.approx(100 * (mean - half)) and interval.high == pytest.approx(100 * (mean + half))
    assert image_interval(d, 0.05) == interval
    assert round(100 * half, 3) == 0.363  # the exact interval of the 350 discordant images gave [+2.21, +2.74]


def test_one_seed_copied_three_times_is_one_seed_not_three():
    from mnist_mlp.judge.claims import Rules
    from mnist_mlp.judge.claims import paired as judge_pair

    rules = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5)
    a, b = paired(120, 80)
    once = judge_pair([[(a, b)]], rules)
    thrice = judge_pair([[(a, b)]] * 3, rules)
    assert thrice.test == once.test and thrice.estimate == once.estimate
    assert thrice.p_by_seed == once.p_by_seed * 3 and (thrice.a_only, thrice.b_only) == (360, 240)


def test_a_clear_win_holds_and_a_clear_loss_fails():
    assert verdict(300, 50) == HOLDS  # +2.5 points, p ~ 1e-45
    assert verdict(50, 300) == FAILS


def test_an_exact_tie_is_a_tie():
    assert verdict(40, 40) == TIE  # same accuracy, the interval is about ±0.2 points


def test_noise_only_is_inconclusive():
    # +0.4 points on few discordant images: the interval spans both zero and the margin
    assert verdict(400, 360) == INCONCLUSIVE


def test_a_significant_difference_below_the_margin_is_a_tie_not_a_win():
    # +0.3 points with p < 0.001, but the interval [+0.16, +0.40] lies inside the 0.5-point margin
    assert mcnemar_exact(*paired(40, 10))[2] < 0.001
    assert verdict(40, 10) == TIE


def test_the_seed_interval_is_a_hand_computed_t_interval():
    differences = [1.2, 0.4, 0.8]
    interval = t_interval(differences, 0.05)
    mean, sd = 0.8, 0.4  # sample standard deviation of 1.2, 0.4, 0.8
    half = 4.302652729911275 * sd / math.sqrt(3)  # t(0.975, 2 degrees of freedom)
    assert interval.low == pytest.approx(mean - half) and interval.high == pytest.approx(mean + half)
    assert sps.t.ppf(0.975, 2) == pytest.approx(4.302652729911275)
    assert t_interval([0.5], 0.05) is None


def test_every_interval_must_agree():
    test_set = Interval(1.0, 3.0)
    assert decide(2.0, [test_set, Interval(0.5, 3.5)], 0.5) == HOLDS
    # the seeds disagree: a spread over training randomness that crosses zero
    assert decide(2.0, [test_set, Interval(-1.0, 5.0)], 0.5) == INCONCLUSIVE


def test_the_margin_alone_decides_without_intervals():
    assert decide(0.7, [], 0.5) == HOLDS
    assert decide(-0.7, [], 0.5) == FAILS
    assert decide(0.3, [], 0.5) == TIE


@pytest.mark.parametrize(
    "verdicts, combined",
    [
        ([HOLDS, HOLDS, HOLDS], HOLDS),
        ([HOLDS, HOLDS, INCONCLUSIVE], INCONCLUSIVE),
        ([HOLDS, FAILS, HOLDS], FAILS),
        ([HOLDS, TIE, HOLDS], INCONCLUSIVE),
        ([TIE, TIE], TIE),
        ([INCONCLUSIVE, FAILS], FAILS),
        ([], INCONCLUSIVE),
    ],
)
def test_for_every_activation_each_comparison_must_hold(verdicts, combined):
    assert combine_every(verdicts) == combined


def test_a_claims_one_sided_p_is_the_larger_of_the_image_and_the_seed_tests():
    from mnist_mlp.judge.claims import Rules
    from mnist_mlp.judge.claims import paired as judge_paired
    from mnist_mlp.judge.stats import p_greater

    # three seeds on the same images: two clearly ahead, one behind. Over images the mean gain is
    # significant; over seeds (n = 3) it is not: the claim's p must be the seed test's.
    seeds = [paired(400, 100), paired(380, 100), paired(100, 260)]
    result = judge_paired([[(a, b)] for a, b in seeds], Rules(0.05, 0.5, 5))
    per_image = np.mean([a.astype(float) - b for a, b in seeds], axis=0)
    per_seed = [100 * (a.mean() - b.mean()) for a, b in seeds]
    image_p, seed_p = p_greater(per_image), p_greater(per_seed)
    assert image_p < 0.001 and seed_p > 0.05  # they disagree
    assert result.p_greater == seed_p  # the larger: taking the smaller would call the claim significant
