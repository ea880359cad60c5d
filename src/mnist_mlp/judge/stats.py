"""The statistics behind every verdict: intervals for a difference between runs, and the rule that
turns them into holds / fails / tie / inconclusive.

Two sources of noise are measured separately and a verdict needs both to agree:

- the test set: the image is the unit. Every seed and every stratum (activation) is scored on the
  same 10,000 images, and the images one network gets wrong tend to be the ones the next gets
  wrong, so each image gives one number: A's correctness minus B's (1, 0 or -1), averaged over
  seeds and strata. A t-interval of the mean of these per-image differences is the test-set
  interval of the accuracy difference. (Pooling every seed's discordant images into one binomial,
  as if each seed brought new images, and conditioning on their count, made it too narrow.)
  McNemar's exact test stays the per-seed test of "no difference";
- training randomness (initial weights, batch order): with 2 or more seeds, a t-interval of the
  mean per-seed difference (n - 1 degrees of freedom).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

HOLDS, FAILS, TIE, INCONCLUSIVE, UNTESTED = "holds", "fails", "tie", "inconclusive", "untested"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def __str__(self) -> str:
        return f"[{self.low:+.2f}, {self.high:+.2f}]"


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[int, int, float]:
    """McNemar's exact test on paired predictions.

    Returns:
        (images only a gets right, images only b gets right, two-sided p-value), the p-value being
        twice the smaller binomial tail of the discordant counts under p = 1/2 (1 when there are none).
    """
    a_only = int(np.count_nonzero(correct_a & ~correct_b))
    b_only = int(np.count_nonzero(~correct_a & correct_b))
    return a_only, b_only, mcnemar_p(a_only, b_only)


def mcnemar_p(a_only: int, b_only: int) -> float:
    """McNemar's exact two-sided p-value from the discordant counts (1 when there are none)."""
    if a_only + b_only == 0:
        return 1.0
    return float(sps.binomtest(a_only, a_only + b_only, 0.5).pvalue)


def _mean_and_error(values) -> tuple[float, float, int]:
    """The mean of ``values``, its standard error and their number."""
    d = np.asarray(values, dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))), len(d)


def t_interval(values, alpha: float) -> Interval | None:
    """(1 - alpha) t-interval of the mean of ``values`` (n - 1 degrees of freedom), such as the
    per-seed differences of a comparison; None with fewer than 2 values."""
    if len(values) < 2:
        return None
    mean, error, n = _mean_and_error(values)
    half = sps.t.ppf(1 - alpha / 2, n - 1) * error
    return Interval(mean - half, mean + half)


def image_interval(per_image, alpha: float) -> Interval:
    """(1 - alpha) t-interval, in points, of the accuracy difference A - B from each test image's
    difference (A right minus B right, averaged over seeds and strata).

    Equal differences on every image (no image tells the runs apart, or all do the same way) leave
    no spread: the interval is the estimate itself.
    """
    return t_interval(100 * np.asarray(per_image, dtype=float), alpha)


def p_greater(values) -> float | None:
    """One-sided p-value of a t-test that the mean of ``values`` is above 0 (n - 1 degrees of
    freedom); None with fewer than 2 values. Values without spread give 0 or 1."""
    if len(values) < 2:
        return None
    mean, error, n = _mean_and_error(values)
    if error == 0:
        return 0.0 if mean > 0 else 1.0
    return float(sps.t.sf(mean / error, n - 1))


def decide(estimate: float, intervals: list[Interval], margin: float) -> str:
    """The verdict on "a beats b" from the estimated difference a - b and its intervals.

    holds: every interval lies above 0 and the estimate is at least the margin; fails: the same
    the other way; tie: every interval lies inside (-margin, +margin); inconclusive otherwise.
    With no interval (no measure of noise) the margin alone decides between holds, fails and tie.
    """
    if all(i.low > 0 for i in intervals) and estimate >= margin:
        return HOLDS
    if all(i.high < 0 for i in intervals) and estimate <= -margin:
        return FAILS
    if all(-margin < i.low and i.high < margin for i in intervals) and abs(estimate) < margin:
        return TIE
    return INCONCLUSIVE


def combine_every(verdicts: list[str]) -> str:
    """A claim "for every activation": each must hold; any that fails fails it; all ties are a tie."""
    if not verdicts:
        return INCONCLUSIVE
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    if FAILS in verdicts:
        return FAILS
    if all(v == TIE for v in verdicts):
        return TIE
    return INCONCLUSIVE
