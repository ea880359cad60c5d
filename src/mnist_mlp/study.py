"""The study's reported numbers and claims held against the reproduced runs."""

import math
from dataclasses import dataclass

import pandas as pd

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"


def accuracy_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (experiment, activation): test accuracy in percent over seeds, and how many diverged.

    Diverged runs have no accuracy; ``mean`` and ``std`` are over the runs that finished.
    """
    pct = runs.assign(acc=runs["test_accuracy"] * 100)
    grouped = pct.groupby(["experiment", "activation"], sort=False)
    return pd.DataFrame({
        "mean": grouped["acc"].mean(),
        "std": grouped["acc"].std(ddof=1).fillna(0.0),
        "n_seeds": grouped.size(),
        "n_finished": grouped["acc"].count(),
        "n_diverged": grouped["diverged"].sum(),
    })


def reported_summary(reported: dict) -> pd.DataFrame:
    """The study's own numbers in the shape of ``accuracy_summary``: one seed each, no spread."""
    rows = [(exp, act, pct) for exp, by_activation in reported.items() for act, pct in by_activation.items()]
    index = pd.MultiIndex.from_tuples([(e, a) for e, a, _ in rows], names=["experiment", "activation"])
    return pd.DataFrame({"mean": [float(p) for *_, p in rows], "std": 0.0, "n_seeds": 1, "n_finished": 1,
                         "n_diverged": 0}, index=index)


def accuracy_rows(summary: pd.DataFrame, reported: dict, experiment: str) -> list[dict]:
    """Table rows for one experiment: reported, reproduced mean +- std, difference, status."""
    activations = list(reported.get(experiment, {}))
    if experiment in summary.index.get_level_values(0):
        activations += [a for a in summary.loc[experiment].index if a not in activations]
    rows = []
    for activation in activations:
        claimed = reported.get(experiment, {}).get(activation)
        row = {"activation": activation, "reported": claimed, "mean": None, "std": None, "n_seeds": 0,
               "n_diverged": 0, "difference": None}
        if (experiment, activation) in summary.index:
            s = summary.loc[(experiment, activation)]
            row.update(n_seeds=int(s["n_seeds"]), n_diverged=int(s["n_diverged"]))
            if s["n_finished"] > 0:
                row.update(mean=float(s["mean"]), std=float(s["std"]))
                if claimed is not None:
                    row["difference"] = float(s["mean"]) - claimed
        row["status"] = ("missing" if row["n_seeds"] == 0 else "diverged" if row["mean"] is None
                         else "partly diverged" if row["n_diverged"] else "ok")
        rows.append(row)
    return rows


@dataclass
class Verdict:
    verdict: str
    details: list[str]


def _stats(summary, experiment, activation):
    if (experiment, activation) not in summary.index:
        return None
    return summary.loc[(experiment, activation)]


def compare(summary, a: tuple, b: tuple, min_difference_pp: float) -> tuple[str, str]:
    """Does run group ``a`` = (experiment, activation) beat ``b``? A fully diverged group loses."""
    sa, sb = _stats(summary, *a), _stats(summary, *b)
    name = lambda key: f"{key[0]}/{key[1]}"  # noqa: E731
    if sa is None or sb is None:
        missing = name(a) if sa is None else name(b)
        return INCONCLUSIVE, f"{missing}: no runs (missing)"
    a_dead, b_dead = sa["n_finished"] == 0, sb["n_finished"] == 0
    if a_dead or b_dead:
        if a_dead and b_dead:
            return INCONCLUSIVE, f"{name(a)} and {name(b)} both diverged"
        return (NOT_REPRODUCED, f"{name(a)} diverged") if a_dead else (REPRODUCED, f"{name(b)} diverged")
    diff = sa["mean"] - sb["mean"]
    margin = max(min_difference_pp, 2 * math.hypot(sa["std"], sb["std"]))
    verdict = REPRODUCED if diff > margin else NOT_REPRODUCED if diff < -margin else INCONCLUSIVE
    spread = f", spread ±{math.hypot(sa['std'], sb['std']):.2f}" if max(sa["n_finished"], sb["n_finished"]) > 1 else ""
    return verdict, f"{name(a)} {sa['mean']:.2f}% vs {name(b)} {sb['mean']:.2f}%: {diff:+.2f} pp{spread}"


def combine(results: list[tuple[str, str]]) -> Verdict:
    verdicts = [v for v, _ in results]
    if not verdicts:
        return Verdict(INCONCLUSIVE, ["nothing to compare (missing runs)"])
    if NOT_REPRODUCED in verdicts:
        overall = NOT_REPRODUCED
    elif all(v == REPRODUCED for v in verdicts):
        overall = REPRODUCED
    else:
        overall = INCONCLUSIVE
    return Verdict(overall, [f"{d} → {v}" for v, d in results])


def evaluate_claim(claim: dict, summary: pd.DataFrame, min_difference_pp: float) -> Verdict:
    kind = claim["kind"]
    if kind == "best_activation":
        exp, best = claim["experiment"], claim["activation"]
        others = [a for e, a in summary.index if e == exp and a != best]
        return combine([compare(summary, (exp, best), (exp, o), min_difference_pp) for o in others])
    if kind == "beats":
        better, worse = claim["better"], claim["worse"]
        activations = [a for e, a in summary.index if e == better]
        return combine([compare(summary, (better, a), (worse, a), min_difference_pp) for a in activations])
    if kind == "below":
        s = _stats(summary, claim["experiment"], claim["activation"])
        limit = claim["threshold_pct"]
        if s is None:
            return Verdict(INCONCLUSIVE, ["no runs (missing)"])
        if s["n_finished"] == 0:
            return Verdict(REPRODUCED, ["every seed diverged, which is failing"])
        margin = 2 * s["std"]
        verdict = REPRODUCED if s["mean"] + margin < limit else NOT_REPRODUCED if s["mean"] - margin > limit else INCONCLUSIVE
        return Verdict(verdict, [f"{s['mean']:.2f}% against the {limit}% line"])
    raise ValueError(f"unknown claim kind {kind!r}")
