import json
import shutil

import numpy as np
import pytest

from conftest import CANONICAL_TEST_COUNTS, local_data, run_key, snakemake
from mnist_mlp.data.arrays import DataError, epoch_batches, load_dataset, prepared_paths, training_subset
from mnist_mlp.data.idx import read_idx, write_idx
from mnist_mlp.runs.execute import training_job


@pytest.mark.slow
def test_preprocess_rule_writes_the_study_subset(tmp_path, mnist_raw):
    prepared = prepared_paths("mnist", 30000)
    snakemake(tmp_path, "--cores", "2", prepared["data"], overlay=local_data(mnist_raw), smoke=False)
    with np.load(tmp_path / prepared["data"]) as f:
        x_train, y_train, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
        counts = f["train_class_counts"]
    assert x_train.shape == (30_000, 784) and x_train.dtype == np.float32
    assert x_test.shape == (10_000, 784) and x_test.dtype == np.float32
    assert 0.0 == min(x_train.min(), x_test.min()) and max(x_train.max(), x_test.max()) == 1.0
    assert np.bincount(y_test).tolist() == CANONICAL_TEST_COUNTS
    assert counts.tolist() == np.bincount(y_train, minlength=10).tolist() and counts.sum() == 30_000
    summary = json.loads((tmp_path / prepared["summary"]).read_text())
    assert summary["train_class_counts"] == counts.tolist()


def test_the_rules_patterns_and_the_code_name_the_same_preprocessed_files():
    patterns = prepared_paths("{dataset}", "{n_train}")  # as the rules call it
    spelled = {kind: pattern.format(dataset="mnist", n_train=30000) for kind, pattern in patterns.items()}
    assert spelled == prepared_paths("mnist", 30000)
    assert spelled == {"data": "results/data/mnist_n30000.npz", "summary": "results/data/mnist_n30000_summary.json"}


def test_subset_is_seeded_and_without_repeats():
    a, b, c = training_subset(60_000, 30_000, 0), training_subset(60_000, 30_000, 0), training_subset(60_000, 30_000, 1)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 30_000 and not np.array_equal(a, c)


def test_epoch_batches_cover_every_sample_once_in_a_seeded_order():
    batches = epoch_batches(1000, 64, seed=3, epoch=1)
    assert [len(b) for b in batches] == [64] * 15 + [40]
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    again = epoch_batches(1000, 64, seed=3, epoch=1)
    assert all(np.array_equal(x, y) for x, y in zip(batches, again))
    assert not np.array_equal(batches[0], epoch_batches(1000, 64, seed=3, epoch=2)[0])


@pytest.mark.slow
def test_a_swapped_raw_file_in_the_same_format_is_refused_before_any_job(tmp_path, mnist_raw):
    resources = tmp_path / "resources" / "mnist"
    shutil.copytree(mnist_raw, resources)
    images = read_idx(resources / "train-images-idx3-ubyte.gz").copy()
    images[0, 0, 0] ^= 0xFF  # another dataset's file would do the same: valid IDX, other bytes
    write_idx(resources / "train-images-idx3-ubyte.gz", images)
    prepared = prepared_paths("mnist", 30000)
    result = snakemake(
        tmp_path,
        "--cores",
        "1",
        prepared["data"],
        overlay=local_data(mnist_raw),
        smoke=False,
        check=False,
    )
    assert result.returncode != 0 and "Job stats" not in result.stdout
    assert (
        "Data file resources/mnist/train-images-idx3-ubyte.gz: neither its .gz MD5 nor its decompressed content "
        "is MNIST's" in result.stdout
    )
    assert not any((tmp_path / path).exists() for path in prepared.values())


def test_training_refuses_data_not_made_from_the_datasets_verified_files(tmp_path, mnist_arrays):
    path = tmp_path / "mnist.npz"
    sources = json.loads(str(mnist_arrays["source_sha256"]))
    np.savez(
        path, **{**mnist_arrays, "source_sha256": np.array(json.dumps({**sources, "t10k-labels-idx1-ubyte.gz": "0"}))}
    )
    with pytest.raises(DataError, match="not made from one dataset's four verified files"):
        load_dataset(path, "mnist")
    np.savez(path, **mnist_arrays)
    assert str(mnist_arrays["dataset"]) == "mnist" and load_dataset(path, "mnist").x_test.shape == (10_000, 784)
    with pytest.raises(DataError, match="holds MNIST, not Fashion-MNIST"):
        load_dataset(path, "fashion_mnist")


def test_a_run_refuses_data_of_another_training_set_size(tmp_path, mnist_arrays):
    path = tmp_path / "mnist_n30000.npz"
    np.savez(path, **mnist_arrays)
    key = run_key("numpy", "relu", 0.1, n_train=100)  # its data would be mnist_n100.npz
    log = tmp_path / "train.log"
    with pytest.raises(SystemExit) as exited:
        training_job(
            key,
            {"epochs": 1, "batch_size": 64, "dtype": "float32", "device": "cpu"},
            path,
            tmp_path / "run",
            log,
            threads=1,
        )
    assert exited.value.code == 1
    assert f"holds 30000 training images; the run {key.label()} trains on 100" in log.read_text()
    assert not (tmp_path / "run" / "metrics.json").exists()
