"""The statistics behind every verdict: intervals for a difference between runs, and the rule that
turns them into holds / fails / tie / inconclusive.

Two sources of noise are measured separately and a verdict needs both to agree:

- the test set: two runs of the same seed are compared image by image (McNemar's exact test); the
  images only one of them gets right decide, and a discordant image goes either way with
  probability 1/2 when the runs are equally good. Pooled over seeds and activations (each pair of
  runs a stratum of the same 10,000 images), the share of discordant images the first run wins
  has an exact Clopper-Pearson interval, which maps to an interval for the accuracy difference;
- training randomness (initial weights, batch order): with 2 or more seeds, a t-interval of the
  mean per-seed difference (n - 1 degrees of freedom).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

HOLDS, FAILS, TIE, INCONCLUSIVE, UNTESTED = "holds", "fails", "tie", "inconclusive", "untested"
VERDICTS = (HOLDS, FAILS, TIE, INCONCLUSIVE)


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


def discordant_interval(a_only: int, b_only: int, n_images: int, alpha: float) -> Interval:
    """(1 - alpha) interval of the accuracy difference a - b, in points, from pooled discordant counts.

    The difference is (a_only - b_only) / n = m / n * (2 pi - 1), with m discordant images of which
    a wins a share pi; the exact interval of pi gives the interval. It excludes 0 exactly when
    McNemar's exact test has p < alpha.
    """
    m = a_only + b_only
    if m == 0:
        return Interval(0.0, 0.0)
    ci = sps.binomtest(a_only, m).proportion_ci(1 - alpha, method="exact")
    scale = 100 * m / n_images
    return Interval(scale * (2 * ci.low - 1), scale * (2 * ci.high - 1))


def seed_interval(differences, alpha: float) -> Interval | None:
    """(1 - alpha) t-interval of the mean of per-seed differences; None with fewer than 2 seeds."""
    d = np.asarray(differences, dtype=float)
    if len(d) < 2:
        return None
    half = sps.t.ppf(1 - alpha / 2, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return Interval(d.mean() - half, d.mean() + half)


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
