"""One training run from its settings to its files, identical in format for both backends."""

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd

from mnist_mlp.data import IMAGE_PIXELS, N_CLASSES, Dataset
from mnist_mlp.init import init_params, resolve_scheme
from mnist_mlp.training import History, confusion_matrix, per_class_accuracy, train

BACKENDS = ("numpy", "torch")
RUN_FILES = ("batches.csv", "epochs.csv", "metrics.json", "weights.npz")  # in write_outputs' order
BATCH_COLUMNS = ["epoch", "batch", "loss"]
EPOCH_COLUMNS = ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"]
METRICS_SCHEMA = json.loads((Path(__file__).parent / "metrics.schema.json").read_text())


class DeviceError(RuntimeError):
    """The configured device is not there (a user's config error, not a bug)."""


@dataclass(frozen=True)
class RunSpec:
    """Everything a training run depends on."""

    backend: str
    activation: str
    lr: float
    weight_decay: float
    seed: int
    hidden: tuple[int, ...]
    epochs: int
    batch_size: int
    init: str = "auto"
    dtype: str = "float32"
    device: str = "cpu"  # torch only


def make_model(spec: RunSpec):
    """The backend's model at its seeded initial weights."""
    sizes = [IMAGE_PIXELS, *spec.hidden, N_CLASSES]
    params = init_params(sizes, spec.activation, spec.init, spec.seed, np.dtype(spec.dtype))
    if spec.backend == "numpy":
        from mnist_mlp.numpy_mlp import NumpyMLP

        return NumpyMLP(params, spec.activation, spec.lr, spec.weight_decay)
    if spec.backend == "torch":
        from mnist_mlp.torch_mlp import TorchMLP

        return TorchMLP(params, spec.activation, spec.lr, spec.weight_decay, spec.device)
    raise ValueError(f"unknown backend {spec.backend!r}; choose one of {BACKENDS}")


def execute(spec: RunSpec, data: Dataset, progress: bool = True):
    """Train a fresh model as ``spec`` says.

    Returns:
        (model, history, metrics dict as written to metrics.json).
    """
    started = time.perf_counter()
    model = make_model(spec)
    history = train(model, data, spec.epochs, spec.batch_size, spec.seed, progress=progress)
    metrics = summarise(spec, model, data, history)
    metrics["wall_time_s"] = time.perf_counter() - started
    return model, history, metrics


def _finite_or_none(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def summarise(spec: RunSpec, model, data: Dataset, history: History) -> dict:
    last_epoch = history.epochs[-1] if history.epochs else {}
    metrics = {
        "run": {**asdict(spec), "hidden": list(spec.hidden), "init": resolve_scheme(spec.init, spec.activation),
                "device": str(getattr(model, "device", "cpu")), "n_train": len(data.y_train), "n_test": len(data.y_test)},
        "diverged": history.diverged,
        "diverged_at": history.diverged_at,
        "epochs_completed": len(history.epochs),
        "test_accuracy": None,
        "test_loss": None,
        "train_accuracy": _finite_or_none(last_epoch.get("train_accuracy")),
        "train_loss": _finite_or_none(last_epoch.get("train_loss")),
        "per_class_accuracy": None,
        "confusion_matrix": None,
        "train_time_s": history.train_time_s,
        "samples_per_s": _finite_or_none(history.samples_per_s),
    }
    if history.final is not None:
        confusion = confusion_matrix(data.y_test, history.final.predictions)
        metrics.update(
            test_accuracy=history.final.accuracy,
            test_loss=_finite_or_none(history.final.loss),
            per_class_accuracy=per_class_accuracy(confusion).tolist(),
            confusion_matrix=confusion.tolist(),
        )
    return metrics


def write_outputs(model, history: History, metrics: dict, batches_csv, epochs_csv, metrics_json, weights_npz) -> None:
    """Write a run's four files; every backend writes exactly these."""
    pd.DataFrame(history.batch_loss, columns=BATCH_COLUMNS).to_csv(batches_csv, index=False)
    pd.DataFrame(history.epochs, columns=EPOCH_COLUMNS).to_csv(epochs_csv, index=False)
    Path(metrics_json).write_text(json.dumps(metrics, indent=1) + "\n")
    arrays = {}
    for i, (w, b) in enumerate(model.params):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    np.savez(weights_npz, **arrays)


def check_outputs(batches_csv, epochs_csv, metrics_json, weights_npz) -> dict:
    """Raise if a run's files do not have the shared format; return the metrics.

    This is what lets aggregation ignore which backend ran.
    """
    metrics = json.loads(Path(metrics_json).read_text())
    jsonschema.validate(metrics, METRICS_SCHEMA)
    for path, columns in ((batches_csv, BATCH_COLUMNS), (epochs_csv, EPOCH_COLUMNS)):
        found = list(pd.read_csv(path, nrows=0).columns)
        if found != columns:
            raise ValueError(f"{path}: columns {found}, expected {columns}")
    n_layers = len(metrics["run"]["hidden"]) + 1
    with np.load(weights_npz) as weights:
        expected = {f"{p}{i}" for i in range(n_layers) for p in "Wb"}
        if set(weights.files) != expected:
            raise ValueError(f"{weights_npz}: arrays {sorted(weights.files)}, expected {sorted(expected)}")
    return metrics


def check_run_dir(directory: Path) -> dict:
    """``check_outputs`` on the RUN_FILES of one run's folder; returns its metrics."""
    return check_outputs(*(Path(directory) / name for name in RUN_FILES))
