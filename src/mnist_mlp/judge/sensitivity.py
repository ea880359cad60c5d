"""What the study leaves unstated, shown instead of guessed: the sensitivity sweeps summarised, the
study's numbers placed among them, its large gaps explained (or not), and the closest settings."""

import math

import pandas as pd
from scipy import stats as sps

from mnist_mlp.runs.key import RunKey

GROUP = ["sweep", "variant_of", "position", "setting", "activation"]


def setting_summary(sweeps: pd.DataFrame) -> pd.DataFrame:
    """Per (sweep, experiment varied, setting, activation): test accuracy in percent over seeds (mean,
    std with 2+ seeds, min, max), mean final train loss, seeds and diverged seeds."""
    pct = sweeps.assign(acc=sweeps["test_accuracy"] * 100)
    grouped = pct.groupby(GROUP, sort=False)
    summary = pd.DataFrame(
        {
            "mean": grouped["acc"].mean(),
            "std": grouped["acc"].std(ddof=1),
            "min": grouped["acc"].min(),
            "max": grouped["acc"].max(),
            "train_loss": grouped["train_loss"].mean(),
            "n_seeds": grouped.size(),
            "n_finished": grouped["acc"].count(),
            "n_diverged": grouped["diverged"].sum(),
        }
    ).reset_index()
    return summary.sort_values(["sweep", "variant_of", "position"], kind="stable", ignore_index=True)


def coinciding_experiments(sweeps: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """For each sweep setting, the study experiments whose runs it shares (the same run but for the
    seed): columns sweep, variant_of, position, activation, experiment."""
    seedless = [name for name in RunKey.names() if name != "seed"]
    study = runs[[*seedless, "experiment"]].drop_duplicates()
    swept = sweeps[["sweep", "variant_of", "position", *seedless]].drop_duplicates()
    return swept.merge(study, on=seedless)[["sweep", "variant_of", "position", "activation", "experiment"]]


def study_marks(sweeps: pd.DataFrame, runs: pd.DataFrame, reported: dict) -> pd.DataFrame:
    """The study's reported accuracies where a sweep's setting is one of the study's own experiments:
    sweep, variant_of, position, activation, experiment, reported."""
    marks = coinciding_experiments(sweeps, runs)
    marks["reported"] = [reported.get(e, {}).get(a) for e, a in zip(marks["experiment"], marks["activation"])]
    return marks.dropna(subset=["reported"]).reset_index(drop=True)


def _seeds_range(group: pd.DataFrame) -> tuple[float, float]:
    return float(group["min"].min()), float(group["max"].max())


def prediction_half_width(std: float, n: int, alpha: float) -> float:
    """Half the (1 - alpha) prediction interval for one more run, from ``n`` runs with sample
    standard deviation ``std``: t(1 - alpha/2, n - 1) * std * sqrt(1 + 1/n); 0 below two runs."""
    if n < 2 or pd.isna(std):
        return 0.0
    return float(sps.t.ppf(1 - alpha / 2, n - 1) * std * math.sqrt(1 + 1 / n))


def consistent_with(value: float, mean: float, std: float, n: int, close_pp: float, alpha: float) -> bool:
    """Could one more run of a setting (n finished seeds, their mean and std) land on the study's
    ``value``? Yes when it lies within the prediction interval for one new run, or within
    ``close_pp`` of the mean (all that one seed can say)."""
    return abs(value - mean) <= max(close_pp, prediction_half_width(std, n, alpha))


def consistency_rule(close_pp: float, alpha: float) -> str:
    """``consistent_with`` in words, for the report (the sentence goes on from "A setting is
    consistent with one of the study's numbers")."""
    return (
        f"(which is one run) when one more run of the setting could land there: the number lies within the "
        f"{100 * (1 - alpha):g} % prediction interval for one new run, mean ± t·s·√(1 + 1/n) over the "
        f"setting's n seeds, or within {close_pp:g} points of its mean, which is all one seed can say."
    )


def explained_gaps(
    off_numbers: list[dict], summary: pd.DataFrame, sweeps_config: dict, close_pp: float, alpha: float
) -> list[dict]:
    """For each study number far from ours: what the unstated choices span, and which agree with it
    (``consistent_with``: the study reports one run, so the question is where one more run can land).

    Args:
        off_numbers: dicts with experiment, activation, reported, mean (ours).
        summary: ``setting_summary``.
        sweeps_config: the config's ``sensitivity`` section.
    """
    unstated = [s for s, cfg in sweeps_config.items() if cfg.get("unstated", True)]
    rows = []
    for number in off_numbers:
        tested = summary[
            summary["sweep"].isin(unstated)
            & (summary["variant_of"] == number["experiment"])
            & (summary["activation"] == number["activation"])
            & summary["mean"].notna()
        ]
        row = {**number, "settings": len(tested), "low": None, "high": None, "consistent": [], "nearest": None}
        if len(tested):
            row["low"], row["high"] = _seeds_range(tested)
            nearest = tested.loc[(tested["mean"] - number["reported"]).abs().idxmin()]
            row["nearest"] = {"setting": nearest["setting"], "mean": float(nearest["mean"])}
            value = number["reported"]
            row["consistent"] = [
                t.setting
                for t in tested.itertuples()
                if consistent_with(value, t.mean, t.std, t.n_finished, close_pp, alpha)
            ]
        row["explained"] = bool(row["consistent"])
        rows.append(row)
    return rows


def closest_settings(
    summary: pd.DataFrame, marks_default: pd.DataFrame, reported: dict, sweeps_config: dict
) -> list[dict]:
    """Per unstated sweep: the setting whose accuracies come closest to the study's, by the mean
    absolute difference over every (experiment varied, activation) the study reports, beside the
    same distance for the setting the study experiments use here.

    Args:
        marks_default: ``coinciding_experiments`` (which settings are the study runs' own).
    """
    rows = []
    for sweep_id, cfg in sweeps_config.items():
        if not cfg.get("unstated", True):
            continue
        sel = summary[summary["sweep"] == sweep_id].copy()
        sel["reported"] = [reported.get(e, {}).get(a) for e, a in zip(sel["variant_of"], sel["activation"])]
        sel = sel.dropna(subset=["reported", "mean"])
        if sel.empty:
            continue
        sel["gap"] = (sel["mean"] - sel["reported"]).abs()
        by_setting = sel.groupby(["position", "setting"], sort=True)["gap"].agg(["mean", "count"]).reset_index()
        best = by_setting.loc[by_setting["mean"].idxmin()]
        own_marks = marks_default[
            (marks_default["sweep"] == sweep_id) & (marks_default["experiment"] == marks_default["variant_of"])
        ]
        counts = own_marks.groupby("position").size()  # auto is every activation's own; he_normal only ReLU's
        own = counts[counts == counts.max()].index if len(counts) else []
        ours = by_setting[by_setting["position"].isin(own)]
        rows.append(
            {
                "sweep": sweep_id,
                "title": cfg["title"],
                "setting": best["setting"],
                "gap": float(best["mean"]),
                "n_numbers": int(best["count"]),
                "ours": ", ".join(ours["setting"]) or None,
                "ours_gap": float(ours["mean"].mean()) if len(ours) else None,
                "by_setting": by_setting.sort_values("mean").to_dict("records"),
            }
        )
    return rows
