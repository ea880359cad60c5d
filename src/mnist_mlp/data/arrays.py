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


def data_stem(dataset: str, n_train) -> str:
    """The name of a dataset's preprocessed files (see ``prepared_paths``) and of the preprocess
    job's log and benchmark: mnist_n30000."""
    return f"{dataset}_n{n_train}"


def prepared_paths(dataset: str, n_train) -> dict[str, str]:
    """Where preprocessing writes ``dataset``'s training subset of ``n_train`` images, one pair per
    size so that runs on different sizes live side by side: ``data``, the arrays training reads
    (results/data/mnist_n30000.npz), and ``summary``, its sizes and class counts (JSON). Called
    with "{dataset}" and "{n_train}" it gives the rules' wildcard patterns."""
    stem = data_stem(dataset, n_train)
    return {"data": f"{PREPARED_ROOT}/{stem}.npz", "summary": f"{PREPARED_ROOT}/{stem}_summary.json"}


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


def training_subset(n_available: int, n_train: int, seed: int) -> np.ndarray:
    """The sorted indices of a seeded random subset of ``n_train`` of ``n_available`` images."""
    if not 0 < n_train <= n_available:
        raise ValueError(f"n_train must be in 1..{n_available}, got {n_train}")
    if n_train == n_available:
        return np.arange(n_available)
    return np.sort(np.random.default_rng(seed).choice(n_available, size=n_train, replace=False))


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 pixels to float32 in [0, 1]."""
    return images.astype(np.float32) / np.float32(255)


def preprocess(train_images, train_labels, test_images, test_labels, n_train: int, seed: int) -> dict:
    """Scale, subset and label-check a dataset's four raw files (MNIST's, Fashion-MNIST's: the files say which).

    Returns:
        A dict of arrays, ready for ``np.savez``: x_train, y_train, x_test, y_test, the subset's
        ``train_indices`` into the original 60,000, its ``train_class_counts``, ``dataset`` (its
        key in ``datasets.DATASETS``) and ``source_sha256`` (the verified decompressed-content
        SHA-256s of the four files, as JSON).
    """
    dataset, sources = verified_sources(train_images, train_labels, test_images, test_labels)
    (x_train, y_train), (x_test, y_test) = (
        load_idx_pair(train_images, train_labels),
        load_idx_pair(test_images, test_labels),
    )
    subset = training_subset(len(x_train), n_train, seed)
    y_sub = y_train[subset].astype(np.int64)
    return {
        "x_train": scale_pixels(x_train[subset]),
        "y_train": y_sub,
        "x_test": scale_pixels(x_test),
        "y_test": y_test.astype(np.int64),
        "train_indices": subset,
        "train_class_counts": np.bincount(y_sub, minlength=N_CLASSES),
        "dataset": np.array(dataset),
        "source_sha256": np.array(json.dumps(sources, sort_keys=True)),
    }


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
        return Dataset(f["x_train"], f["y_train"], f["x_test"], f["y_test"])


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The index batches of one epoch: a fresh seeded shuffle, the last batch possibly smaller.

    Both backends draw their batches from this one function, which is what lets them follow the
    same trajectory.
    """
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
