"""The study as data (config/study_reported.yaml): its numbers beside the reproduced ones."""

import re
from pathlib import Path

import pandas as pd
import yaml

# Figures the study lacks, by id; the study's own are listed in its YAML.
GRID_FIGURE, BARS_FIGURE = "test_accuracy_grid", "reported_vs_reproduced"
EXTRA_FIGURES = {
    GRID_FIGURE: "Test accuracy per epoch, every run",
    BARS_FIGURE: "Reported and reproduced test accuracy",
}


def multiverse_figure(claim_id: str) -> str:
    """The id of a claim's specification curve over the multiverse."""
    return "multiverse_" + re.sub(r"[^A-Za-z0-9_]", "_", claim_id)


def choices_figure(claim_id: str) -> str:
    """The id of the figure of which choices move a claim's difference over the multiverse."""
    return "choices_" + re.sub(r"[^A-Za-z0-9_]", "_", claim_id)


def sensitivity_figure(sweep_id: str) -> str:
    """The id of a sensitivity sweep's figure."""
    return f"sensitivity_{sweep_id}"


def load_study(path) -> dict:
    """The study's reported values, claims, verdict rules and figure list."""
    return yaml.safe_load(Path(path).read_text())


def reported_accuracy(study: dict, dataset: str) -> dict:
    """The study's test accuracies, as numbers to set beside runs on ``dataset``: none unless the
    runs are on the dataset the study's numbers are of (its ``study.dataset``)."""
    return study["accuracy"] if dataset == study["study"]["dataset"] else {}


def figure_specs(study: dict) -> dict:
    """The study's figures by id."""
    return {fig["id"]: fig for fig in study["figures"]}


def accuracy_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (experiment, activation): test accuracy in percent over seeds, and how many diverged.

    Diverged runs have no accuracy; ``mean`` and ``std`` are over the runs that finished.
    """
    pct = runs.assign(acc=runs["test_accuracy"] * 100)
    grouped = pct.groupby(["experiment", "activation"], sort=False)
    return pd.DataFrame(
        {
            "mean": grouped["acc"].mean(),
            "std": grouped["acc"].std(ddof=1),  # NaN with one finished seed: no spread was measured
            "n_seeds": grouped.size(),
            "n_finished": grouped["acc"].count(),
            "n_diverged": grouped["diverged"].sum(),
            "n_failed": grouped["failed_to_learn"].sum(),
        }
    )


def accuracy_rows(summary: pd.DataFrame, reported: dict, experiment: str, close_pp: float = 2.0) -> list[dict]:
    """Table rows for one experiment: reported, reproduced mean (± std with 2+ seeds), difference,
    whether it reproduces the reported number, and the health of its runs.

    ``reproduction`` is "within" or "outside" ``close_pp`` points of the study's number, or None
    when there is nothing to compare; ``health`` is "ok", "failed to learn" (some finished seed did:
    see ``runs.learning_failure``), "diverged" (every seed), "partly diverged" or "missing".
    """
    activations = list(reported.get(experiment, {}))
    if experiment in summary.index.get_level_values(0):
        activations += [a for a in summary.loc[experiment].index if a not in activations]
    rows = []
    for activation in activations:
        claimed = reported.get(experiment, {}).get(activation)
        row = {
            "activation": activation,
            "reported": claimed,
            "mean": None,
            "std": None,
            "n_seeds": 0,
            "n_finished": 0,
            "n_diverged": 0,
            "n_failed": 0,
            "difference": None,
            "reproduction": None,
        }
        if (experiment, activation) in summary.index:
            s = summary.loc[(experiment, activation)]
            row.update(
                n_seeds=int(s["n_seeds"]),
                n_finished=int(s["n_finished"]),
                n_diverged=int(s["n_diverged"]),
                n_failed=int(s["n_failed"]),
            )
            if s["n_finished"] > 0:
                row.update(mean=float(s["mean"]), std=None if pd.isna(s["std"]) else float(s["std"]))
                if claimed is not None:
                    row["difference"] = float(s["mean"]) - claimed
                    row["reproduction"] = "within" if abs(row["difference"]) <= close_pp else "outside"
        row["health"] = (
            "missing"
            if row["n_seeds"] == 0
            else "diverged"
            if row["mean"] is None
            else "partly diverged"
            if row["n_diverged"]
            else "failed to learn"
            if row["n_failed"]
            else "ok"
        )
        rows.append(row)
    return rows


def comparison_rows(runs: pd.DataFrame, reported: dict, close_pp: float, experiments) -> dict:
    """Per experiment, its table rows (``accuracy_rows``): what the report and the overview figure
    show, beside ``reported`` (``reported_accuracy``: none when the runs are on another dataset)."""
    summary = accuracy_summary(runs)
    return {exp: accuracy_rows(summary, reported, exp, close_pp) for exp in experiments}
