"""Every run's files gathered into tidy tables: one row per run, and the curves in long form."""

import io
from pathlib import Path

import numpy as np
import pandas as pd

from mnist_mlp.runs import run_format
from mnist_mlp.runs.key import RunKey

SETTINGS = list(RunKey.names())
RUN_KEYS = ["experiment", "title", *SETTINGS]
SWEEP_NAME = ["sweep", "variant_of", "setting"]  # what names a sweep's row, as its experiment names a study run's
SWEEP_KEYS = [*SWEEP_NAME, "position", *SETTINGS]
FINAL_NUMBERS = ["test_accuracy", "test_loss", "train_accuracy", "train_loss"]  # empty where a run diverged
STATES = ["diverged", "failed_to_learn"]  # True or False
METRIC_COLUMNS = [
    *FINAL_NUMBERS,
    *STATES,
    "failure",
    "epochs_completed",
    "wall_time_s",
    "train_time_s",
    "samples_per_s",
]
# The accuracy after each epoch on the set the run is evaluated on (evaluate_on): its peak, the epoch
# of it, and the last epoch's; empty where a run diverged. What a reported peak is held against.
EPOCH_STATISTICS = ["peak_accuracy", "peak_epoch", "last_epoch_accuracy"]


def read_benchmark(path: Path) -> dict:
    """Snakemake's benchmark file of a job: wall seconds and peak resident memory (MB)."""
    row = pd.read_csv(path, sep="\t").iloc[0]
    return {"job_s": float(row["s"]), "max_rss_mb": float(row["max_rss"]) if row["max_rss"] != "-" else np.nan}


COMPUTE_COLUMNS = ["host", "threads", "blas", "cpu"]  # where it ran, and what its last digits depend on


def table_columns(keys: list[str]) -> list[str]:
    """The columns of a table of runs named by ``keys`` (runs.csv: RUN_KEYS), in order: the keys,
    the metrics, device, compute, the job's benchmark, what the run's files take on disk and its folder."""
    return [
        *keys,
        *METRIC_COLUMNS,
        *EPOCH_STATISTICS,
        "device",
        *COMPUTE_COLUMNS,
        "job_s",
        "max_rss_mb",
        "cpu_share",
        "disk_mb",
        "dir",
    ]


def _compute(metrics: dict) -> dict:
    """host, threads, BLAS and CPU of a run, as its metrics.json recorded them."""
    info = metrics["compute"]
    blas = info["blas"]
    if info.get("torch_blas"):  # torch runs only
        blas = f"{blas} (numpy), {info['torch_blas']} (torch)"
    return {"host": info["host"], "threads": info["threads"], "blas": blas, "cpu": info["cpu"]}


def cpu_share(metrics: dict) -> float:
    """The share of its cores' time a run's job got (``jobs.cpu_use``); NaN for a run from before it was measured."""
    return metrics.get("cpu_use", {}).get("share", np.nan)


def _table(records: list[dict], metrics_by_dir: dict, keys: list[str]) -> pd.DataFrame:
    rows = [
        {
            **{k: r[k] for k in keys},
            **{k: metrics_by_dir[r["dir"]][k] for k in METRIC_COLUMNS},
            **run_format.epoch_statistics(
                r["dir"], run_format.evaluated_on(metrics_by_dir[r["dir"]]), metrics_by_dir[r["dir"]]["diverged"]
            ),
            "device": metrics_by_dir[r["dir"]]["run"]["device"],
            **_compute(metrics_by_dir[r["dir"]]),
            **read_benchmark(Path(r["benchmark"])),
            "cpu_share": cpu_share(metrics_by_dir[r["dir"]]),
            "disk_mb": run_format.disk_mb(r["dir"]),
            "dir": r["dir"],
        }
        for r in records
    ]
    table = pd.DataFrame(rows, columns=table_columns(keys))
    table[STATES] = table[STATES].astype(bool)
    return table


def run_table(records: list[dict], metrics_by_dir: dict) -> pd.DataFrame:
    """One row per (experiment, run).

    Args:
        records: dicts with the RUN_KEYS and the run's ``dir`` and ``benchmark`` paths.
        metrics_by_dir: each run's metrics.json by its folder.
    """
    return _table(records, metrics_by_dir, RUN_KEYS)


def sweep_table(records: list[dict], metrics_by_dir: dict) -> pd.DataFrame:
    """One row per (sweep, experiment it varies, setting, run): the SWEEP_KEYS, metrics and folder."""
    return _table(records, metrics_by_dir, SWEEP_KEYS)


UNIVERSE_KEYS = ["universe", "position", "default"]  # a universe's label, its index, whether it is the config's own


def axis_column(axis: str) -> str:
    """The column of a multiverse table (multiverse.csv, multiverse_verdicts.csv) holding each
    universe's option of ``axis``: ``axis_<name>``."""
    return f"axis_{axis}"


def universe_columns(axes: list[str]) -> list[str]:
    """The columns that name a universe in a multiverse table: UNIVERSE_KEYS, then its option of each
    of ``axes`` (``axis_column``)."""
    return [*UNIVERSE_KEYS, *map(axis_column, axes)]


def multiverse_table(records: list[dict], metrics_by_dir: dict, axes: list[str]) -> pd.DataFrame:
    """One row per (universe, experiment, run): the ``universe_columns``, the experiment, the run's
    settings, metrics and folder."""
    return _table(records, metrics_by_dir, [*universe_columns(axes), "experiment", *SETTINGS])


# The most batch losses curves.csv holds of one run: a run of more batches (Nielsen's 150,000 at batch
# size 10) gives the mean of each k consecutive ones, as metric batch_loss_mean_<k>; its own batches.csv
# keeps every one.
MAX_BATCH_POINTS = 10_000


def batch_points(batches: pd.DataFrame, max_points: int | None) -> tuple[str, pd.Series, pd.Series]:
    """A run's batch losses as curves.csv holds them: (metric, x in fractional epochs, loss), every batch
    or, past ``max_points``, the means of blocks of k consecutive batches (the block's last x)."""
    per_epoch = batches.groupby("epoch")["batch"].transform("max") + 1
    x = batches["epoch"] - 1 + (batches["batch"] + 1) / per_epoch
    if max_points is None or len(batches) <= max_points:
        return "batch_loss", x, batches["loss"]
    k = -(-len(batches) // max_points)
    block = np.arange(len(batches)) // k
    return f"batch_loss_mean_{k}", x.groupby(block).last(), batches["loss"].groupby(block).mean()


def curves_table(records: list[dict], batch_loss: bool = True, max_batch_points: int | None = None) -> pd.DataFrame:
    """All curves in long form: RUN_KEYS, metric, x (epochs, fractional for batches), value; the
    per-epoch curves alone without ``batch_loss``; at most ``max_batch_points`` batch losses a run
    (``batch_points``)."""
    frames = []
    for run in records:
        keys = {k: run[k] for k in RUN_KEYS}
        if batch_loss:
            metric, x, loss = batch_points(run_format.read_batches(run["dir"]), max_batch_points)
            frames.append(pd.DataFrame({**keys, "metric": metric, "x": x.to_numpy(), "value": loss.to_numpy()}))
        epochs = run_format.read_epochs(run["dir"])
        long = epochs.melt(id_vars="epoch", var_name="metric", value_name="value").rename(columns={"epoch": "x"})
        long["x"] = long["x"].astype(float)  # as beside the batches' fractional epochs, with or without them
        frames.append(long.assign(**keys)[RUN_KEYS + ["metric", "x", "value"]])
    return pd.concat(frames, ignore_index=True)


def confusion_table(records: list[dict], metrics_by_dir: dict) -> pd.DataFrame:
    """Test confusion counts in long form: RUN_KEYS, true, predicted, count (no rows for diverged runs)."""
    frames = []
    for run in records:
        matrix = metrics_by_dir[run["dir"]]["confusion_matrix"]
        if matrix is None:
            continue
        counts = pd.DataFrame(matrix).rename_axis(index="true", columns="predicted").stack().rename("count")
        frames.append(counts.reset_index().assign(**{k: run[k] for k in RUN_KEYS}))
    columns = RUN_KEYS + ["true", "predicted", "count"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def as_written(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as a reader of the CSV file aggregation writes gets it back, with the same dtypes."""
    return pd.read_csv(io.StringIO(table.to_csv(index=False)))


def experiment_tables(records: list[dict], batch_loss: bool = True) -> dict[str, pd.DataFrame]:
    """runs, curves and confusion tables of some experiments' runs (records as for ``run_table``),
    as runs.csv, curves.csv and confusion.csv hold them: what the figures of a section draw from as
    soon as its runs end, without waiting for every run's aggregation. The curves leave out the
    batch losses without ``batch_loss``. The runs' format is checked by aggregation, not here."""
    metrics = {r["dir"]: run_format.read_metrics(r["dir"]) for r in records}
    tables = {
        "runs": run_table(records, metrics),
        "curves": curves_table(records, batch_loss),
        "confusion": confusion_table(records, metrics),
    }
    return {name: as_written(table) for name, table in tables.items()}
