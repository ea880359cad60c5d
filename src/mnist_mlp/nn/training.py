"""The training loop both backends share, and evaluation.

A backend is anything with ``train_step(x, y) -> (loss, n_correct)``, ``logits(x)``, ``params``,
``dtype`` and ``cost`` (the name of its cost): ``NumpyMLP`` and ``TorchMLP`` both are.
"""

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from mnist_mlp.data.arrays import N_CLASSES, Dataset, epoch_batches
from mnist_mlp.nn import costs

EVAL_CHUNK = 10_000


@dataclass
class Evaluation:
    loss: float
    accuracy: float
    predictions: np.ndarray


@dataclass
class History:
    """What one training run produced. Losses of a diverged run keep the non-finite value that stopped it."""

    batch_loss: list = field(default_factory=list)  # (epoch, batch, loss)
    epochs: list = field(default_factory=list)  # dicts, one per completed epoch
    diverged: bool = False
    diverged_at: dict | None = None  # {"epoch": e, "batch": b}
    final: Evaluation | None = None  # on the test set; None when the run diverged
    train_time_s: float = 0.0  # the training batches alone
    eval_time_s: float = 0.0  # the per-epoch test evaluation
    samples_trained: int = 0

    @property
    def samples_per_s(self) -> float:
        return self.samples_trained / self.train_time_s if self.train_time_s > 0 else float("nan")


def evaluate(model, x: np.ndarray, y: np.ndarray, chunk: int = EVAL_CHUNK) -> Evaluation:
    """Mean loss in the model's own cost, accuracy and predictions of ``model`` on (x, y), in large chunks."""
    summed_loss = costs.cost_kind(model.cost).summed_loss
    total_loss = 0.0
    predictions = np.empty(len(y), dtype=np.int64)
    for start in range(0, len(y), chunk):
        logits = model.logits(x[start : start + chunk])
        total_loss += summed_loss(logits, y[start : start + chunk])
        predictions[start : start + chunk] = logits.argmax(axis=1)
    return Evaluation(total_loss / len(y), float(np.mean(predictions == y)), predictions)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """counts[i, j] = number of samples of true class i predicted as j."""
    return np.bincount(n_classes * y_true + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    return np.diag(confusion) / confusion.sum(axis=1)


def train(
    model,
    data: Dataset,
    epochs: int,
    batch_size: int,
    seed: int,
    progress: bool = True,
    evaluate_on: str = "test",
    on_epoch: Callable[[dict], None] | None = None,
) -> History:
    """Train ``model`` by mini-batch SGD, evaluating on ``evaluate_on`` (the test set, or the validation
    set held out of the training images) after every epoch, and on the test set at the end.

    Training accuracy and loss per epoch are the running means over that epoch's batches (what the
    forward passes already computed), as in the study's "accuracy on train set" figures.
    ``on_epoch``, if given, gets each epoch's record as it is made (the console's progress line).
    A non-finite batch loss ends the run and marks it diverged.

    Returns:
        The History of the run.
    """
    history = History()
    x, y = data.x_train.astype(model.dtype, copy=False), data.y_train  # float64 runs copy once
    x_eval, y_eval = data.evaluation_set(evaluate_on)
    x_eval = x_eval.astype(model.dtype, copy=False)  # once, not at every epoch's evaluation
    x_batch = np.empty((batch_size, x.shape[1]), dtype=model.dtype)
    for epoch in range(1, epochs + 1):
        batches = epoch_batches(len(y), batch_size, seed, epoch)
        loss_sum, n_correct, n_seen = 0.0, 0, 0
        started = time.perf_counter()
        for b, idx in enumerate(
            tqdm(batches, desc=f"epoch {epoch}/{epochs}", file=sys.stderr, mininterval=2, disable=not progress)
        ):
            xb = x_batch[: len(idx)]
            np.take(x, idx, axis=0, out=xb)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected just below
                loss, correct = model.train_step(xb, y[idx])
            history.batch_loss.append((epoch, b, loss))
            if not math.isfinite(loss):
                history.diverged, history.diverged_at = True, {"epoch": epoch, "batch": b}
                break
            loss_sum += loss * len(idx)
            n_correct += correct
            n_seen += len(idx)
        history.train_time_s += time.perf_counter() - started
        history.samples_trained += n_seen
        if history.diverged:
            break
        started = time.perf_counter()
        held = evaluate(model, x_eval, y_eval)
        history.eval_time_s += time.perf_counter() - started
        history.epochs.append(
            {
                "epoch": epoch,
                "train_loss": loss_sum / n_seen,
                "train_accuracy": n_correct / n_seen,
                f"{evaluate_on}_loss": held.loss,
                f"{evaluate_on}_accuracy": held.accuracy,
            }
        )
        if on_epoch is not None:
            on_epoch(history.epochs[-1])
    if not history.diverged and history.epochs:
        # on the test set, which the last epoch's evaluation already was unless it was another set
        history.final = held if evaluate_on == "test" else evaluate(model, data.x_test, data.y_test)
    return history
