"""Every run's files gathered into tidy tables: one row per run, and the curves in long form."""

from pathlib import Path

import numpy as np
import pandas as pd

RUN_KEYS = ["experiment", "title", "backend", "activation", "lr", "weight_decay", "seed"]
METRIC_COLUMNS = ["test_accuracy", "test_loss", "train_accuracy", "train_loss", "diverged", "epochs_completed",
                  "wall_time_s", "train_time_s", "samples_per_s"]


def read_benchmark(path: Path) -> dict:
    """Snakemake's benchmark file of a job: wall seconds and peak resident memory (MB)."""
    row = pd.read_csv(path, sep="\t").iloc[0]
    return {"job_s": float(row["s"]), "max_rss_mb": float(row["max_rss"]) if row["max_rss"] != "-" else np.nan}


def run_table(runs: list[dict], metrics_of_runs: list[dict]) -> pd.DataFrame:
    """One row per (experiment, run).

    Args:
        runs: dicts with the RUN_KEYS and the run's ``dir`` and ``benchmark`` paths.
        metrics_of_runs: each run's metrics.json, in the same order.
    """
    rows = []
    for run, metrics in zip(runs, metrics_of_runs, strict=True):
        rows.append({**{k: run[k] for k in RUN_KEYS}, **{k: metrics[k] for k in METRIC_COLUMNS},
                     "device": metrics["run"]["device"], **read_benchmark(Path(run["benchmark"]))})
    table = pd.DataFrame(rows)
    table["diverged"] = table["diverged"].astype(bool)
    return table


def curves_table(runs: list[dict]) -> pd.DataFrame:
    """All curves in long form: RUN_KEYS, metric, x (epochs, fractional for batches), value."""
    frames = []
    for run in runs:
        keys = {k: run[k] for k in RUN_KEYS}
        batches = pd.read_csv(Path(run["dir"]) / "batches.csv")
        per_epoch = batches.groupby("epoch")["batch"].transform("max") + 1
        batch_x = batches["epoch"] - 1 + (batches["batch"] + 1) / per_epoch
        frames.append(pd.DataFrame({**keys, "metric": "batch_loss", "x": batch_x, "value": batches["loss"]}))
        epochs = pd.read_csv(Path(run["dir"]) / "epochs.csv")
        long = epochs.melt(id_vars="epoch", var_name="metric", value_name="value").rename(columns={"epoch": "x"})
        frames.append(long.assign(**keys)[RUN_KEYS + ["metric", "x", "value"]])
    return pd.concat(frames, ignore_index=True)


def confusion_table(runs: list[dict], metrics_of_runs: list[dict]) -> pd.DataFrame:
    """Test confusion counts in long form: RUN_KEYS, true, predicted, count (no rows for diverged runs)."""
    frames = []
    for run, metrics in zip(runs, metrics_of_runs, strict=True):
        matrix = metrics["confusion_matrix"]
        if matrix is None:
            continue
        counts = pd.DataFrame(matrix).rename_axis(index="true", columns="predicted").stack().rename("count")
        frames.append(counts.reset_index().assign(**{k: run[k] for k in RUN_KEYS}))
    columns = RUN_KEYS + ["true", "predicted", "count"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
