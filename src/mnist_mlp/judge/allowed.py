"""Which universes the study's own numbers allow. Each accuracy the study reports is held against
each universe's runs of the same experiment and activation, by the rule the sensitivity analysis
uses for one number (``sensitivity.consistent_with``). A universe is allowed when it misses at most
``allowed_misses`` of the numbers that the best-fitting universe fits, and never when every run of
an experiment and activation the study reports diverged in it.

Counting only the numbers the best universe fits makes the rule blind to a number that no universe
explains, or that every universe explains: neither tells universes apart.
"""

import pandas as pd

from mnist_mlp.judge.sensitivity import consistent_with
from mnist_mlp.judge.study import accuracy_summary
from mnist_mlp.runs.aggregate import universe_columns


def number_name(experiment: str, activation: str) -> str:
    """How a reported number is named in the fit table: baseline/sigmoid."""
    return f"{experiment}/{activation}"


def misses_of(summary: pd.DataFrame, reported: dict, close_pp: float, alpha: float) -> tuple[list, list, int]:
    """The study's numbers one universe's runs do not fit, those where every run diverged (missed
    too), and how many numbers could be held against its runs.

    Args:
        summary: the universe's runs per (experiment, activation), ``study.accuracy_summary``.
    """
    misses, diverged, n_numbers = [], [], 0
    for experiment, by_activation in reported.items():
        for activation, value in by_activation.items():
            if (experiment, activation) not in summary.index:
                continue
            n_numbers += 1
            runs = summary.loc[(experiment, activation)]
            name = number_name(experiment, activation)
            if runs["n_finished"] == 0:
                diverged.append(name)
                misses.append(name)
            elif not consistent_with(value, runs["mean"], runs["std"], int(runs["n_finished"]), close_pp, alpha):
                misses.append(name)
    return misses, diverged, n_numbers


def allowed(misses: dict, diverged: set, allowed_misses: int) -> set:
    """The universes the study's numbers allow.

    Args:
        misses: universe -> the set of the study's numbers it does not fit.
        diverged: the universes in which every run of a reported number diverged: never allowed.
        allowed_misses: how many of the numbers a best-fitting universe fits another may miss.

    Returns:
        Every universe not in ``diverged`` that misses at most ``allowed_misses`` of the numbers one
        of the best-fitting universes (fewest misses, ``diverged`` aside) fits.
    """
    eligible = {u: set(m) for u, m in misses.items() if u not in diverged}
    if not eligible:
        return set()
    fewest = min(len(m) for m in eligible.values())
    best = [m for m in eligible.values() if len(m) == fewest]
    return {u for u, m in eligible.items() if any(len(m - b) <= allowed_misses for b in best)}


def fit_table(
    table: pd.DataFrame, axes: list[str], reported: dict, close_pp: float, alpha: float, allowed_misses: int
) -> pd.DataFrame:
    """Each universe of ``table`` (results/multiverse.csv, the universes of the study's own scope):
    how many of the study's numbers it fits, which it misses and where its runs all diverged, and
    whether the study's numbers allow it.

    Returns:
        One row per universe: its ``universe_columns``, n_numbers, n_fit, misses and
        diverged (names joined by "; "), allowed.
    """
    rows, found = [], {}
    for position, universe in table.groupby("position", sort=True):
        misses, diverged, n_numbers = misses_of(accuracy_summary(universe), reported, close_pp, alpha)
        found[position] = (misses, diverged)
        first = universe.iloc[0]
        rows.append(
            {
                **{c: first[c] for c in universe_columns(axes)},
                "n_numbers": n_numbers,
                "n_fit": n_numbers - len(misses),
                "misses": "; ".join(misses),
                "diverged": "; ".join(diverged),
            }
        )
    keep = allowed({p: m for p, (m, _) in found.items()}, {p for p, (_, d) in found.items() if d}, allowed_misses)
    columns = [*universe_columns(axes), "n_numbers", "n_fit", "misses", "diverged", "allowed"]
    return pd.DataFrame([{**row, "allowed": row["position"] in keep} for row in rows], columns=columns)
