"""How robust is each conclusion: a claim judged in every universe of the study's unstated choices.

A universe is the whole study with one option per axis (an unstated choice: initialisation, section
2's learning rate, ...). Each claim gets a verdict in every universe by the rules of ``claims``;
here those verdicts are summarised per claim: how many universes it holds in, how many with the
family-wise error controlled (Holm over the universes' one-sided p-values, Bonferroni-type because
the universes share one test set), which choices flip it, and one robustness label.
"""

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mnist_mlp.judge.claims import Evidence, Rules, judge
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE, UNTESTED
from mnist_mlp.runs import run_format
from mnist_mlp.runs.aggregate import axis_column, universe_columns

ROBUST, CONDITIONAL, NOT_SUPPORTED = "robust", "conditional", "not supported"
LABELS = (ROBUST, CONDITIONAL, NOT_SUPPORTED)  # their rules in words: study_reported.yaml, robustness.labels


def holm(p_values: list[float], alpha: float) -> list[bool]:
    """Which of the hypotheses Holm's step-down procedure rejects at family-wise level ``alpha``:
    the k-th smallest p-value (from 0) is compared with alpha / (m - k), stopping at the first that
    is not below it. A missing p-value (None: nothing to test) is never rejected, and not counted in m."""
    tested = [(p, i) for i, p in enumerate(p_values) if p is not None]
    rejected = [False] * len(p_values)
    for k, (p, i) in enumerate(sorted(tested)):
        if p > alpha / (len(tested) - k):
            break
        rejected[i] = True
    return rejected


def flipping_choices(verdicts: dict[tuple, str], axes: list[str]) -> dict[str, list[tuple]]:
    """The axes that flip a claim, each with the pairs of options it flips between.

    An axis flips a claim when two universes that differ only in that axis get different verdicts.

    Args:
        verdicts: the verdict of each universe, keyed by its options in the order of ``axes``.
        axes: the axes' names.

    Returns:
        axis -> sorted unique (option, option) pairs, for the axes that flip it only.
    """
    flips = {}
    for position, axis in enumerate(axes):
        pairs = set()
        for a, b in itertools.combinations(verdicts, 2):
            others_equal = all(x == y for i, (x, y) in enumerate(zip(a, b)) if i != position)
            if others_equal and a[position] != b[position] and verdicts[a] != verdicts[b]:
                pairs.add(tuple(sorted((a[position], b[position]), key=str)))
        if pairs:
            flips[axis] = sorted(pairs, key=str)
    return flips


def robustness(verdicts: list[str]) -> str:
    """The claim's label over universes: robust when it holds in every universe, conditional in some,
    not supported in none; untested when no universe could test it (a claim that needs a sweep). A
    claim that fails, ties or is inconclusive in one universe is never robust."""
    if verdicts and all(v == UNTESTED for v in verdicts):
        return UNTESTED
    held = [v == HOLDS for v in verdicts]
    if held and all(held):
        return ROBUST
    return CONDITIONAL if any(held) else NOT_SUPPORTED


@dataclass
class Summary:
    """One claim over every universe."""

    counts: dict  # verdict -> number of universes
    quartiles: tuple | None  # (min, q1, median, q3, max) of the estimated difference, where estimated
    n_holm: int | None  # universes where the claimed direction survives Holm; None: not a directional claim
    flips: dict  # axis -> option pairs (``flipping_choices``)
    label: str


def summarise(
    verdicts: dict[tuple, str],
    estimates: dict[tuple, float | None],
    p_values: dict[tuple, float | None],
    axes: list[str],
    alpha: float,
) -> Summary:
    """A claim's verdict, estimate and one-sided p-value in every universe, summarised."""
    keys = list(verdicts)
    counts = {v: sum(verdicts[k] == v for k in keys) for v in (HOLDS, FAILS, TIE, INCONCLUSIVE, UNTESTED)}
    found = np.array([estimates[k] for k in keys if estimates.get(k) is not None], dtype=float)
    quartiles = tuple(float(q) for q in np.percentile(found, [0, 25, 50, 75, 100])) if len(found) else None
    ps = [p_values.get(k) for k in keys]
    n_holm = sum(holm(ps, alpha)) if any(p is not None for p in ps) else None
    return Summary(counts, quartiles, n_holm, flipping_choices(verdicts, axes), robustness(list(verdicts.values())))


def is_own_scope(options: dict, own: dict) -> bool:
    """Whether a scope's ``options`` are the study's own (``own``), compared as text, as the CSV reads back."""
    return all(str(value) == str(own.get(axis)) for axis, value in options.items())


def scopes(verdicts: pd.DataFrame, scope_axes: list[str], own: dict) -> list[tuple[dict, pd.DataFrame]]:
    """One claim's universes split by the options of the scope axes (how much data: what the study
    is about, not a choice it left open), the study's own scope first.

    Args:
        verdicts: rows of results/multiverse_verdicts.csv for one claim.
        own: scope axis -> the option the study itself uses; compared as text, as the CSV reads back.

    Returns:
        (scope options, their universes) per scope, in the config's order, the study's first; one
        group of every universe when there is no scope axis.
    """
    if not scope_axes:
        return [({}, verdicts)]
    columns = [axis_column(a) for a in scope_axes]
    groups = [
        (dict(zip(scope_axes, key if isinstance(key, tuple) else (key,))), rows)
        for key, rows in verdicts.sort_values("position").groupby(columns, sort=False)
    ]
    return sorted(groups, key=lambda group: not is_own_scope(group[0], own))


def own_scope_rows(table: pd.DataFrame, scope_axes: list[str], own: dict) -> pd.DataFrame:
    """The rows of ``table`` (a multiverse table) at the study's own scope (``own``: scope axis ->
    its option), compared as text, as the CSV reads back; all of them without a scope axis."""
    at_own = [table[axis_column(a)].astype(str) == str(own[a]) for a in scope_axes]
    return table[np.logical_and.reduce(at_own)] if at_own else table


def judge_universes(
    table: pd.DataFrame, claims: list[dict], rules: Rules, axes: list[str], read_predictions=run_format.read_predictions
) -> tuple[pd.DataFrame, dict]:
    """Every claim judged in every universe of ``table`` (results/multiverse.csv), by the rules the
    study's own runs are judged by; the study's reported numbers are not per universe.

    Returns:
        One row per (claim, universe): claim, universe, position, default, axis_<name> options,
        verdict, estimate, low, high (the binding comparison's test-set interval) and p (one-sided);
        and (claim, position) -> the paired outcomes of its comparisons (``Judgement.outcomes``).
    """
    columns = ["claim", *universe_columns(axes), "verdict", "estimate", "low", "high", "p"]
    read_once = functools.cache(read_predictions)  # universes share most of their runs: read each file once
    rows, outcomes = [], {}
    for position, universe in table.groupby("position", sort=True):
        evidence = Evidence(universe, read_predictions=read_once)
        first = universe.iloc[0]
        for claim in claims:
            judged = judge(claim, evidence, rules)
            outcomes[claim["id"], position] = judged.outcomes
            interval = judged.interval
            rows.append(
                {
                    "claim": claim["id"],
                    **{c: first[c] for c in universe_columns(axes)},
                    "verdict": judged.verdict,
                    "estimate": judged.estimate,
                    "low": interval.low if interval else None,
                    "high": interval.high if interval else None,
                    "p": judged.p,
                }
            )
    return pd.DataFrame(rows, columns=columns), outcomes
