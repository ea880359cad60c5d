"""Turning a dataset's four raw files into the arrays training reads, and the order batches come in."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_mlp.errors import UserError
from mnist_mlp.data.datasets import DATASET_INFO, content_sha256, identify
from mnist_mlp.data.idx import IdxFormatError, read_idx

DATASETS = tuple(DATASET_INFO)  # the datasets a run can train on
N_CLASSES = 10
TRAIN_SET_SIZE = 60_000  # images in the training file: the largest training subset
IMAGE_PIXELS = 28 * 28
UNIFORM_GUESS_PCT = 100 / N_CLASSES  # a guess that ignores the class counts too
PREPARED_ROOT = "results/data"
# Which images of the training file a run trains on: a seeded random subset (the default), or the
# first n (as Nielsen's mnist.pkl.gz holds them). Either is drawn from the images a validation set
# leaves: the last ``validation`` images of the training file, held out as mnist.pkl.gz holds out
# the last 10,000.
SUBSETS = ("random", "first")
EVALUATION_SETS = ("test", "validation")  # what a run is evaluated on after every epoch
# The rules' pattern of a data stem: its options' wildcards carry their own "_first", "_val10000".
DATA_STEM_PATTERN = "{dataset}_n{n_train}{subset}{validation}"


def data_stem(dataset: str, n_train, subset: str = SUBSETS[0], validation: int = 0) -> str:
    """The name of a dataset's preprocessed files (see ``prepared_paths``) and of the preprocess
    job's log and benchmark: mnist_n30000; mnist_n50000_first_val10000 for the first 50,000 images
    with the last 10,000 held out. A run's first folder is spelled the same (``runs.key``)."""
    return (
        f"{dataset}_n{n_train}"
        + ("" if subset == SUBSETS[0] else f"_{subset}")
        + (f"_val{validation}" if validation else "")
    )


def prepared_files(stem: str) -> dict[str, str]:
    """Where preprocessing writes the data of ``stem`` (``data_stem``, or DATA_STEM_PATTERN for the
    rules' wildcard patterns): ``data``, the arrays training reads (results/data/mnist_n30000.npz),
    and ``summary``, its sizes and class counts (JSON)."""
    return {"data": f"{PREPARED_ROOT}/{stem}.npz", "summary": f"{PREPARED_ROOT}/{stem}_summary.json"}


def prepared_paths(dataset: str, n_train, subset: str = SUBSETS[0], validation: int = 0) -> dict[str, str]:
    """``prepared_files`` of ``dataset``'s training subset of ``n_train`` images (``subset``), with
    ``validation`` images held out: one pair per split, so that runs on different splits live side by
    side."""
    return prepared_files(data_stem(dataset, n_train, subset, validation))


def chance_level(class_counts) -> float:
    """Chance, in percent: the best accuracy of a network that ignores its input, which always
    answers the commonest class (11.35 % on MNIST's test set, whose commonest digit is 1)."""
    return 100 * max(class_counts) / sum(class_counts)


def chance_of_test_set(summary_path) -> float:
    """``chance_level`` of the test set, from the summary preprocessing writes (``prepared_paths``)."""
    return chance_level(json.loads(Path(summary_path).read_text())["test_class_counts"])


class DataError(UserError, ValueError):
    """The data on disk is not what the study runs on."""


def verified_sources(*paths) -> tuple[str, dict]:
    """Which dataset the four raw files are, and each file's decompressed-content SHA-256; refused
    unless every file is that one dataset's (``datasets.identify``): a file swapped after the
    download, even one in the same IDX format or another dataset's, must not slip through."""
    paths = [Path(p) for p in paths]
    for dataset in DATASETS:
        if all(identify(path, dataset) is None for path in paths):
            return dataset, {path.name: content_sha256(path) for path in paths}
    first = paths[0].parent
    problems = "; ".join(problem for path in paths for problem in [identify(path, _likeliest(paths))] if problem)
    raise DataError(
        f"{problems}. The file was changed after the download: delete {first} and run again to fetch a verified copy"
    )


def _likeliest(paths) -> str:
    """The dataset most of ``paths`` are, for naming the odd one out."""
    return max(DATASETS, key=lambda d: sum(identify(p, d) is None for p in paths))


@dataclass(frozen=True)
class Dataset:
    x_train: np.ndarray  # (n_train, 784) float32 in [0, 1]
    y_train: np.ndarray  # (n_train,) int64
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray | None = None  # the validation set held out of the training file, if any
    y_val: np.ndarray | None = None

    def evaluation_set(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The images and labels of ``name`` (EVALUATION_SETS): what a run is evaluated on after every epoch."""
        if name == "test":
            return self.x_test, self.y_test
        if name == "validation" and self.x_val is not None:
            return self.x_val, self.y_val
        raise DataError(f"no {name} set in this data; a validation set is held out with data.validation")


def load_idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read an images file and its labels file, checking that they belong together.

    Returns:
        Images as (n, 784) uint8 and labels as (n,) uint8.
    """
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise IdxFormatError(f"{images_path}: expected n x 28 x 28 images, found shape {images.shape}")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise IdxFormatError(f"{labels_path}: {labels.shape} labels do not match {images.shape[0]} images")
    if labels.max(initial=0) >= N_CLASSES:
        raise IdxFormatError(f"{labels_path}: label {labels.max()} outside 0..9")
    return images.reshape(len(images), IMAGE_PIXELS), labels


def training_subset(n_available: int, n_train: int, seed: int, subset: str = SUBSETS[0]) -> np.ndarray:
    """The sorted indices of ``n_train`` of the first ``n_available`` images: a seeded random subset,
    or (``subset`` "first") the first ``n_train``."""
    if not 0 < n_train <= n_available:
        raise ValueError(f"n_train must be in 1..{n_available}, got {n_train}")
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}; choose one of {SUBSETS}")
    if n_train == n_available or subset == "first":
        return np.arange(n_train)
    return np.sort(np.random.default_rng(seed).choice(n_available, size=n_train, replace=False))


def split_problem(n_train: int, validation: int, n_images: int = TRAIN_SET_SIZE) -> str | None:
    """Why ``n_train`` training images cannot be drawn beside a validation set of ``validation``, or None."""
    if validation < 0 or validation >= n_images:
        return f"a validation set of {validation} images leaves none of the {n_images} to train on"
    if n_train > n_images - validation:
        return (
            f"{n_train} training images do not fit beside a validation set of {validation}: "
            f"{n_images - validation} of the {n_images} are left"
        )
    return None


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 pixels to float32 in [0, 1]."""
    return images.astype(np.float32) / np.float32(255)


def preprocess(
    train_images,
    train_labels,
    test_images,
    test_labels,
    n_train: int,
    seed: int,
    subset: str = SUBSETS[0],
    validation: int = 0,
) -> dict:
    """Scale, subset and label-check a dataset's four raw files (MNIST's, Fashion-MNIST's: the files say which).

    Args:
        n_train, seed, subset: the training images: ``training_subset`` of those the validation set leaves.
        validation: the last ``validation`` images of the training file are held out as a validation set.

    Returns:
        A dict of arrays, ready for ``np.savez``: x_train, y_train, x_test, y_test, the subset's
        ``train_indices`` into the original 60,000, its ``train_class_counts``, ``dataset`` (its
        key in ``datasets.DATASETS``) and ``source_sha256`` (the verified decompressed-content
        SHA-256s of the four files, as JSON); with a validation set also x_val, y_val and
        ``val_indices``.
    """
    dataset, sources = verified_sources(train_images, train_labels, test_images, test_labels)
    (x_train, y_train), (x_test, y_test) = (
        load_idx_pair(train_images, train_labels),
        load_idx_pair(test_images, test_labels),
    )
    problem = split_problem(n_train, validation, len(x_train))
    if problem:
        raise ValueError(problem)
    kept = len(x_train) - validation
    chosen = training_subset(kept, n_train, seed, subset)
    y_sub = y_train[chosen].astype(np.int64)
    arrays = {
        "x_train": scale_pixels(x_train[chosen]),
        "y_train": y_sub,
        "x_test": scale_pixels(x_test),
        "y_test": y_test.astype(np.int64),
        "train_indices": chosen,
        "train_class_counts": np.bincount(y_sub, minlength=N_CLASSES),
        "dataset": np.array(dataset),
        "source_sha256": np.array(json.dumps(sources, sort_keys=True)),
    }
    if validation:
        held_out = np.arange(kept, len(x_train))
        arrays.update(
            x_val=scale_pixels(x_train[held_out]), y_val=y_train[held_out].astype(np.int64), val_indices=held_out
        )
    return arrays


def dataset_of(path: Path) -> str:
    """Which dataset the file ``preprocess`` wrote was made from; DataError unless from one dataset's
    four verified files."""
    with np.load(path) as f:
        if "dataset" in f.files and "source_sha256" in f.files:
            dataset = str(f["dataset"])
            if dataset in DATASETS and json.loads(str(f["source_sha256"])) == DATASET_INFO[dataset].content_sha256:
                return dataset
    raise DataError(
        f"{path} was not made from one dataset's four verified files (or by an older version of this "
        "workflow); delete it and run again"
    )


def load_dataset(path: Path, dataset: str) -> Dataset:
    """Load the file ``preprocess`` wrote, refusing one not made from ``dataset``'s verified files."""
    made_from = dataset_of(path)
    if made_from != dataset:
        raise DataError(
            f"{path} holds {DATASET_INFO[made_from].title}, not {DATASET_INFO[dataset].title}; delete it and run again"
        )
    with np.load(path) as f:
        validation = (f["x_val"], f["y_val"]) if "x_val" in f.files else (None, None)
        return Dataset(f["x_train"], f["y_train"], f["x_test"], f["y_test"], *validation)


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The index batches of one epoch: a fresh seeded shuffle, the last batch possibly smaller.

    Both backends draw their batches from this one function, which is what lets them follow the
    same trajectory.
    """
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
