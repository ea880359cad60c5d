"""What the study leaves unstated, shown instead of guessed: the sensitivity sweeps summarised, the
study's numbers placed among them, its large gaps explained (or not), and the closest settings."""

import pandas as pd

from mnist_mlp.runs.key import RunKey

GROUP = ["sweep", "variant_of", "position", "setting", "activation"]


def setting_summary(sweeps: pd.DataFrame) -> pd.DataFrame:
    """Per (sweep, experiment varied, setting, activation): test accuracy in percent over seeds (mean,
    std with 2+ seeds, min, max), mean final train loss, seeds and diverged seeds."""
    pct = sweeps.assign(acc=sweeps["test_accuracy"] * 100)
    grouped = pct.groupby(GROUP, sort=False)
    summary = pd.DataFrame({
        "mean": grouped["acc"].mean(),
        "std": grouped["acc"].std(ddof=1),
        "min": grouped["acc"].min(),
        "max": grouped["acc"].max(),
        "train_loss": grouped["train_loss"].mean(),
        "n_seeds": grouped.size(),
        "n_diverged": grouped["diverged"].sum(),
    }).reset_index()
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


def explained_gaps(off_numbers: list[dict], summary: pd.DataFrame, sweeps_config: dict, close_pp: float) -> list[dict]:
    """For each study number far from ours: what the unstated choices span, and which agree with it.

    A setting is consistent with the study's number when the number lies within the setting's range
    over seeds, or within ``close_pp`` of its mean.

    Args:
        off_numbers: dicts with experiment, activation, reported, mean (ours).
        summary: ``setting_summary``.
        sweeps_config: the config's ``sensitivity`` section.
    """
    unstated = [s for s, cfg in sweeps_config.items() if cfg.get("unstated", True)]
    rows = []
    for number in off_numbers:
        tested = summary[summary["sweep"].isin(unstated) & (summary["variant_of"] == number["experiment"])
                         & (summary["activation"] == number["activation"]) & summary["mean"].notna()]
        row = {**number, "settings": len(tested), "low": None, "high": None, "consistent": [], "nearest": None}
        if len(tested):
            row["low"], row["high"] = _seeds_range(tested)
            nearest = tested.loc[(tested["mean"] - number["reported"]).abs().idxmin()]
            row["nearest"] = {"setting": nearest["setting"], "mean": float(nearest["mean"])}
            value = number["reported"]
            row["consistent"] = [
                t.setting for t in tested.itertuples()
                if t.min <= value <= t.max or abs(t.mean - value) <= close_pp]
        row["explained"] = bool(row["consistent"])
        rows.append(row)
    return rows


def closest_settings(summary: pd.DataFrame, marks_default: pd.DataFrame, reported: dict, sweeps_config: dict) -> list[dict]:
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
        own_marks = marks_default[(marks_default["sweep"] == sweep_id)
                                  & (marks_default["experiment"] == marks_default["variant_of"])]
        counts = own_marks.groupby("position").size()  # auto is every activation's own; he_normal only ReLU's
        own = counts[counts == counts.max()].index if len(counts) else []
        ours = by_setting[by_setting["position"].isin(own)]
        rows.append({"sweep": sweep_id, "title": cfg["title"], "setting": best["setting"], "gap": float(best["mean"]),
                     "n_numbers": int(best["count"]),
                     "ours": ", ".join(ours["setting"]) or None,
                     "ours_gap": float(ours["mean"].mean()) if len(ours) else None,
                     "by_setting": by_setting.sort_values("mean").to_dict("records")})
    return rows
