"""One training run from its settings to its files, identical in format for both backends."""

import math
import time
from dataclasses import asdict, dataclass, fields

import numpy as np

from mnist_mlp.data.arrays import N_CLASSES, DataError, Dataset, chance_level, load_dataset
from mnist_mlp.data.datasets import DATASET_INFO, DatasetInfo
from mnist_mlp.nn import backends
from mnist_mlp.nn.training import History, confusion_matrix, per_class_accuracy, train
from mnist_mlp.runs import run_format
from mnist_mlp.runs.jobs import Laps, console, cpu_use, job, process_started, spare_the_collector
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.provenance import compute
from mnist_mlp.runs.threads import limit_threads


@dataclass(frozen=True)
class RunSpec:
    """Everything a training run depends on: the run its key names, trained as the train settings say."""

    key: RunKey
    epochs: int
    batch_size: int
    dtype: str
    device: str  # torch only: a numpy model runs on the CPU whatever this says

    def training(self) -> dict:
        """The settings besides the key's: epochs, batch_size, dtype and device."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "key"}


def make_model(spec: RunSpec):
    """The backend's model at its seeded initial weights."""
    key = spec.key
    return backends.make_model(
        key.backend,
        key.activation,
        key.hidden,
        key.init,
        key.seed,
        key.lr,
        key.weight_decay,
        spec.dtype,
        spec.device,
        cost=key.cost,
        bias_init=key.bias_init,
        l2=key.l2,
        n_train=key.n_train,  # the images it trains on: the textbook L2's n
    )


def execute(spec: RunSpec, data: Dataset, progress: bool = True, laps=None, on_epoch=None):
    """Train a fresh model as ``spec`` says; ``laps`` (a jobs.Laps), if given, times each phase, and
    ``on_epoch``, if given, gets each epoch's record (``training.train``).

    Returns:
        (model, history, metrics dict as written to metrics.json).
    """
    lap = laps.lap if laps else lambda name: None
    started = time.perf_counter()
    model = make_model(spec)
    lap("model")
    history = train(
        model,
        data,
        spec.epochs,
        spec.batch_size,
        spec.key.seed,
        progress=progress,
        evaluate_on=spec.key.evaluate_on,
        on_epoch=on_epoch,
    )
    lap("loop")
    metrics = summarise(spec, model, data, history)
    metrics["wall_time_s"] = time.perf_counter() - started
    lap("summary")
    return model, history, metrics


def _finite_or_none(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None


FAILURE_ALPHA = 0.05  # the significance level of "better than always answering the commonest class"


def binomial_tail_bound(k: int, n: int, p: float) -> float:
    """Hoeffding's upper bound on P(X >= k) for X ~ Binomial(n, p): exp(-2n (k/n - p)^2) when k/n > p,
    else 1. Enough to tell a run that learned from chance without the exact tail (0.1-0.2 s of every
    training job went to importing scipy.special for it)."""
    excess = k / n - p
    return math.exp(-2 * n * excess * excess) if excess > 0 else 1.0


def learning_failure(
    history: History, y_test: np.ndarray, info: DatasetInfo, alpha: float = FAILURE_ALPHA
) -> str | None:
    """Why a run that finished (did not diverge) failed to learn, or None if it learned.

    A run failed to learn when it gives every test image the same class, when its last epoch's
    train loss ends above its first batch's (where it started), or when its test accuracy is not
    significantly above always answering the commonest class (one-sided exact binomial test).
    ``info`` names each class in the reason.
    """
    if history.final is None:
        return None  # diverged, a state of its own
    predictions = history.final.predictions
    counts = np.bincount(y_test, minlength=N_CLASSES)
    commonest, share = int(counts.argmax()), chance_level(counts) / 100
    accuracy = history.final.accuracy
    if np.all(predictions == predictions[0]):
        name = info.class_name(int(predictions[0]))
        return f"answers {name} for every test image ({100 * accuracy:.2f}%, the share of images labelled {name} in the test set)"
    start, end = history.batch_loss[0][2], history.epochs[-1]["train_loss"]
    if end > start:
        return f"its train loss ended at {end:.4g}, above the {start:.4g} it started at"
    n_correct = int(round(accuracy * len(y_test)))
    if binomial_tail_bound(n_correct, len(y_test), share) < alpha:
        return None  # far above chance: the exact p is below the bound, spared scipy's import
    from scipy.special import bdtrc  # the binomial tail itself: scipy.stats costs half a second to import

    p = float(bdtrc(n_correct - 1, len(y_test), share))  # P(X >= n_correct), binomtest's "greater"
    if p >= alpha:
        return (
            f"its test accuracy {100 * accuracy:.2f}% is not significantly above always answering "
            f"{info.class_name(commonest)} "
            f"({100 * share:.2f}%; one-sided binomial p = {p:.2g})"
        )
    return None


def run_record(spec: RunSpec, model, data: Dataset) -> dict:
    """The run as metrics.json records it: its key's settings, its training's, the device the model
    is really on, and how many images it trained and was tested on."""
    return {
        **asdict(spec.key),
        "hidden": list(spec.key.hidden),
        **spec.training(),
        "device": str(getattr(model, "device", "cpu")),
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
    }


def summarise(spec: RunSpec, model, data: Dataset, history: History) -> dict:
    last_epoch = history.epochs[-1] if history.epochs else {}
    metrics = {
        "run": run_record(spec, model, data),
        "diverged": history.diverged,
        "diverged_at": history.diverged_at,
        "failed_to_learn": False,
        "failure": None,
        "epochs_completed": len(history.epochs),
        "test_accuracy": None,
        "test_loss": None,
        "train_accuracy": _finite_or_none(last_epoch.get("train_accuracy")),
        "train_loss": _finite_or_none(last_epoch.get("train_loss")),
        "per_class_accuracy": None,
        "confusion_matrix": None,
        "train_time_s": history.train_time_s,
        "eval_time_s": history.eval_time_s,
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
        failure = learning_failure(history, data.y_test, DATASET_INFO[spec.key.dataset])
        metrics.update(failed_to_learn=failure is not None, failure=failure)
    return metrics


def write_run(directory, model, history: History, metrics: dict, data: Dataset) -> None:
    """Write a trained run's files (see ``run_format``) into ``directory``."""
    predictions = history.final.predictions if history.final is not None else None
    run_format.write_run(directory, model.params, history.batch_loss, history.epochs, metrics, data.y_test, predictions)


def epoch_line(spec: RunSpec, epoch: dict) -> str:
    """A training job's progress on the console, one line per epoch: the run, the epoch, its
    training loss and its accuracy on the set it is evaluated on."""
    held = spec.key.evaluate_on
    return (
        f"  {spec.key.label()}: epoch {epoch['epoch']}/{spec.epochs}, train loss {epoch['train_loss']:.4g}, "
        f"{held} accuracy {100 * epoch[f'{held}_accuracy']:.2f} %"
    )


def diverged_line(spec: RunSpec, at: dict) -> str:
    """A training job's last line on the console when its loss became infinite or NaN."""
    return f"  {spec.key.label()}: diverged in epoch {at['epoch']}/{spec.epochs}, batch {at['batch']}: the loss is not finite"


def training_job(key: RunKey, training: dict, data_path, directory, log_path, threads: int) -> None:
    """What the train rule's job does: train the run ``key`` names on the data at ``data_path`` with
    ``threads`` threads, write its files into ``directory``, and log its progress and the time each
    phase took (start-up, from the process's creation, includes the interpreter and imports).

    Args:
        training: epochs, batch_size, dtype and device (see ``RunSpec``); the rest is the key's.
    """
    started = process_started()
    laps = Laps(started)
    laps.lap("start-up")
    with job(log_path, outputs=[directory]) as log:
        spec = RunSpec(key, **training)
        log.info("run %s with %d thread(s)", spec, threads)
        with limit_threads(threads, include_torch=key.backend == "torch"):
            laps.lap("torch import")  # limit_threads imports torch for torch jobs
            spare_the_collector()  # torch's objects too
            data = load_dataset(data_path, key.dataset)
            if len(data.y_train) != key.n_train:
                raise DataError(
                    f"{data_path} holds {len(data.y_train)} training images; the run "
                    f"{key.label()} trains on {key.n_train}"
                )
            laps.lap("data")
            model, history, metrics = execute(spec, data, laps=laps, on_epoch=lambda e: console(epoch_line(spec, e)))
            if history.diverged:  # the epoch it ended in has no line of its own
                console(diverged_line(spec, history.diverged_at))
            metrics["compute"] = compute(threads, with_torch=key.backend == "torch")
        metrics["phases_s"] = laps.seconds
        metrics["cpu_use"] = cpu_use(started, threads)
        write_run(directory, model, history, metrics, data)
        laps.lap("writing")
        log.info("phases (s): %s", ", ".join(f"{k} {v:.3f}" for k, v in laps.seconds.items()))
        if history.diverged:
            log.warning("diverged at %s: non-finite loss; recorded, not an error", history.diverged_at)
        elif metrics["failed_to_learn"]:
            log.warning("failed to learn: %s; recorded, not an error", metrics["failure"])
        log.info("test accuracy %s, %.0f samples/s", metrics["test_accuracy"], metrics["samples_per_s"] or 0)
