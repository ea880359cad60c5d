"""One training run from its settings to its files, identical in format for both backends."""

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from mnist_mlp import run_format
from mnist_mlp.data import IMAGE_PIXELS, N_CLASSES, Dataset
from mnist_mlp.init import init_params, resolve_scheme
from mnist_mlp.training import History, confusion_matrix, per_class_accuracy, train

BACKENDS = ("numpy", "torch")


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


def write_run(directory, model, history: History, metrics: dict, data: Dataset) -> None:
    """Write a trained run's files (see ``run_format``) into ``directory``."""
    predictions = history.final.predictions if history.final is not None else None
    run_format.write_run(directory, model.params, history.batch_loss, history.epochs, metrics, data.y_test,
                         predictions)
