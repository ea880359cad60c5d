"""The files of one training run: their names, columns and schema, and how to write, check and read
them. Both backends write through this module and aggregation reads through it, so a run's format
is spelled here and nowhere else.
"""

import functools
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnist_mlp.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

FILES = {
    "batches": "batches.csv",  # the loss of every batch
    "epochs": "epochs.csv",  # train loss and accuracy, and the evaluation set's, per epoch
    "metrics": "metrics.json",  # final numbers, confusion matrix, timing, settings
    "predictions": "predictions.csv",  # the final model's class for every test image (none if diverged)
    "weights": "weights.npz",  # the final weights and biases
}
BATCH_COLUMNS = ["epoch", "batch", "loss"]
EPOCH_COLUMNS = ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"]


def epoch_columns(evaluate_on: str = "test") -> list[str]:
    """epochs.csv's columns for a run evaluated on ``evaluate_on`` after every epoch: EPOCH_COLUMNS,
    with the validation set's loss and accuracy in place of the test set's where it is evaluated on that."""
    return [c.replace("test_", f"{evaluate_on}_") for c in EPOCH_COLUMNS]


def evaluated_on(metrics: dict) -> str:
    """The set a run was evaluated on after every epoch, as its metrics.json records it (the test set
    for a run recorded before the choice existed)."""
    return metrics["run"].get("evaluate_on", "test")


PREDICTION_COLUMNS = ["label", "predicted"]
METRICS_SCHEMA = json.loads((Path(__file__).parent / "metrics.schema.json").read_text())


class RunFormatError(UserError, ValueError):
    """A run's folder does not hold the files this module writes, or its files disagree."""


# What a reader can do about a run whose files disagree: one of them was edited or cut short.
REBUILD = "its files disagree (one was edited or cut short): delete the run's folder (rm -r {dir}) and build again"


def path(directory, kind: str) -> Path:
    """The file of ``kind`` (a key of FILES) in a run's folder."""
    return Path(directory) / FILES[kind]


def write_run(
    directory, params, batch_loss, epochs, metrics: dict, labels: np.ndarray, predictions: np.ndarray | None
) -> None:
    """Write a run's files into ``directory``; every backend writes exactly these.

    Args:
        params: the final [(W, b), ...].
        batch_loss: (epoch, batch, loss) per batch.
        epochs: one dict per completed epoch, with ``epoch_columns`` of the run's evaluation set.
        metrics: as documented by metrics.schema.json.
        labels: the test labels.
        predictions: the final model's predicted class per test image, or None if it diverged.
    """
    write_csv(path(directory, "batches"), BATCH_COLUMNS, batch_loss)
    columns = epoch_columns(evaluated_on(metrics))
    write_csv(path(directory, "epochs"), columns, ([e[c] for c in columns] for e in epochs))
    path(directory, "metrics").write_text(json.dumps(metrics, indent=1) + "\n")
    write_csv(
        path(directory, "predictions"),
        PREDICTION_COLUMNS,
        zip(labels.tolist(), predictions.tolist()) if predictions is not None else [],
    )
    arrays = {}
    for i, (w, b) in enumerate(params):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    np.savez(path(directory, "weights"), **arrays)


def _cell(value) -> str:
    """As pandas writes it: shortest round-trip float, an empty cell for NaN."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(file: Path, columns: list[str], rows) -> None:
    """A plain CSV writer: training jobs need not import pandas to write three small tables."""
    with open(file, "w") as f:
        f.write(",".join(columns) + "\n")
        f.writelines(",".join(map(_cell, row)) + "\n" for row in rows)


def _check_columns(file: Path, expected: list[str]) -> None:
    import pandas as pd

    found = list(pd.read_csv(file, nrows=0).columns)
    if found != expected:
        raise RunFormatError(f"{file}: columns {found}, expected {expected}")


@functools.cache
def _metrics_validator():
    """A validator of metrics.json, its schema checked once: jsonschema.validate checks the schema
    again for every run, about 17 ms each (0.26 s of the default study's 15 runs)."""
    import jsonschema

    validator = jsonschema.validators.validator_for(METRICS_SCHEMA)
    validator.check_schema(METRICS_SCHEMA)
    return validator(METRICS_SCHEMA)


def check_run(directory) -> dict:
    """Raise RunFormatError if a run's files do not have the shared format, or if its summary
    numbers are not those of its per-epoch and per-image records, naming the files and the fix;
    return its metrics.

    This is what lets aggregation ignore which backend ran, and what keeps an edited number out of
    the tables: metrics.json's final train loss and accuracy are epochs.csv's last row, its test
    accuracy and confusion matrix are the predictions'.
    """
    try:
        return _check_run(directory)
    except RunFormatError as error:
        raise RunFormatError(f"{error}; {REBUILD.format(dir=directory)}") from None


def _check_run(directory) -> dict:
    from jsonschema.exceptions import best_match

    metrics = read_metrics(directory)
    error = best_match(_metrics_validator().iter_errors(metrics))  # what jsonschema.validate raises
    if error is not None:
        raise RunFormatError(f"{path(directory, 'metrics')}: {error.message}")
    epochs = epoch_columns(evaluated_on(metrics))
    for kind, columns in (("batches", BATCH_COLUMNS), ("epochs", epochs), ("predictions", PREDICTION_COLUMNS)):
        _check_columns(path(directory, kind), columns)
    _check_epochs(directory, metrics)
    if not metrics["diverged"]:
        _check_predictions(directory, metrics)
    n_layers = len(metrics["run"]["hidden"]) + 1
    with np.load(path(directory, "weights")) as weights:
        expected = {f"{p}{i}" for i in range(n_layers) for p in "Wb"}
        if set(weights.files) != expected:
            raise RunFormatError(
                f"{path(directory, 'weights')}: arrays {sorted(weights.files)}, expected {sorted(expected)}"
            )
    return metrics


def _check_epochs(directory, metrics: dict) -> None:
    """metrics.json's epoch count and final train loss and accuracy are epochs.csv's (its last row),
    and so is its test loss where the run was evaluated on the test set."""
    table, file = read_epochs(directory), path(directory, "epochs")
    if len(table) != metrics["epochs_completed"]:
        raise RunFormatError(
            f"{file}: {len(table)} epochs, but metrics.json's epochs_completed is {metrics['epochs_completed']}"
        )
    if table.empty:
        return
    last = table.iloc[-1]
    pairs = ["train_loss", "train_accuracy"] + (["test_loss"] if evaluated_on(metrics) == "test" else [])
    for key in pairs:
        recorded, summary = float(last[key]), metrics[key]
        same = (
            summary is None
            and not math.isfinite(recorded)
            or (summary is not None and math.isclose(recorded, summary, rel_tol=1e-9, abs_tol=1e-12))
        )
        if not same:
            raise RunFormatError(
                f"{file}: the last epoch's {key} is {recorded:.6g}, but metrics.json's {key} is {summary!r}"
            )


def _check_predictions(directory, metrics: dict) -> None:
    """A finished run's predictions are of every test image, and get right the share of them its
    test_accuracy says (to within one image): the claims are judged on the predictions, the tables
    show the accuracy, and both must be of the same images."""
    table = read_predictions(directory)
    file, n_test = path(directory, "predictions"), metrics["run"]["n_test"]
    if len(table) != n_test:
        raise RunFormatError(f"{file}: {len(table)} predictions, but the run was tested on {n_test} images")
    share = float((table["label"] == table["predicted"]).mean())
    if abs(share - metrics["test_accuracy"]) > 0.5 / n_test:
        raise RunFormatError(
            f"{file}: the predictions get {100 * share:.2f} % of the test images right, but metrics.json's "
            f"test_accuracy is {100 * metrics['test_accuracy']:.2f} %"
        )
    confusion = np.asarray(metrics["confusion_matrix"])
    counted = np.zeros_like(confusion)
    np.add.at(counted, (table["label"].to_numpy(), table["predicted"].to_numpy()), 1)
    if not np.array_equal(counted, confusion):
        raise RunFormatError(f"{file}: the predictions' confusion matrix is not metrics.json's confusion_matrix")


def read_metrics(directory) -> dict:
    return json.loads(path(directory, "metrics").read_text())


def read_batches(directory) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(path(directory, "batches"))


def read_epochs(directory) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(path(directory, "epochs"))


def epoch_statistics(directory, evaluate_on: str, diverged: bool) -> dict:
    """What a run's per-epoch accuracy on its evaluation set gives a reported statistic: its peak
    over epochs and the epoch of it, and its last epoch's; NaN for a run that diverged, which has no
    accuracy."""
    if diverged:
        return {"peak_accuracy": math.nan, "peak_epoch": math.nan, "last_epoch_accuracy": math.nan}
    accuracy = read_epochs(directory).set_index("epoch")[f"{evaluate_on}_accuracy"]
    return {
        "peak_accuracy": float(accuracy.max()),
        "peak_epoch": float(accuracy.idxmax()),  # the first epoch to reach it; a number, empty where none
        "last_epoch_accuracy": float(accuracy.iloc[-1]),
    }


def read_predictions(directory) -> "pd.DataFrame":
    """The test labels and the final model's predictions, in test-set order; no rows if it diverged."""
    import pandas as pd

    return pd.read_csv(path(directory, "predictions"))


def disk_mb(directory) -> float:
    """What a run's files take on disk, in MB (10^6 bytes): the sizes of the files ``write_run`` wrote."""
    return sum(path(directory, kind).stat().st_size for kind in FILES) / 1e6
