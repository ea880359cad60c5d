"""Telling the datasets' files apart: official .gz MD5s, pinned decompressed-content checksums for
recompressed copies (Debian's Fashion-MNIST), and a swapped file refused in one line."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from mnist_mlp.data.arrays import DataError, preprocess, verified_sources
from mnist_mlp.data.datasets import DATASET_INFO, FILES, content_sha256, gz_md5, identify
from mnist_mlp.data.download import DownloadError, download_dataset, fetch_from_mirrors
from mnist_mlp.data.idx import read_idx

FASHION, MNIST = DATASET_INFO["fashion_mnist"], DATASET_INFO["mnist"]
DEBIAN = Path(FASHION.debian_dir)


def test_each_datasets_files_decompress_to_the_pinned_content(mnist_raw, fashion_raw):
    for raw, info in ((mnist_raw, MNIST), (fashion_raw, FASHION)):
        assert {name: content_sha256(raw / name) for name in FILES} == info.content_sha256
    assert {name: gz_md5(mnist_raw / name) for name in FILES} == MNIST.gz_md5  # MNIST's are the originals


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="no Debian package dataset-fashion-mnist here")
def test_debians_recompressed_copy_is_accepted_by_its_content_alone():
    for name in FILES:
        assert gz_md5(DEBIAN / name) != FASHION.gz_md5[name]  # recompressed: other .gz bytes
        assert content_sha256(DEBIAN / name) == FASHION.content_sha256[name]
        assert identify(DEBIAN / name, "fashion_mnist") is None


def test_the_official_fashion_files_match_their_md5_and_the_pinned_content(tmp_path):
    try:
        fetch_from_mirrors(tmp_path, timeout_s=5, dataset="fashion_mnist")
    except DownloadError as err:
        pytest.skip(f"Fashion-MNIST's official mirror is not reachable here: {str(err)[:200]}")
    for name in FILES:
        assert gz_md5(tmp_path / name) == FASHION.gz_md5[name]
        assert content_sha256(tmp_path / name) == FASHION.content_sha256[name]


@pytest.mark.parametrize("wanted, other", [("fashion_mnist", "mnist"), ("mnist", "fashion_mnist")])
def test_a_swapped_file_is_refused_in_one_line_naming_what_it_is(tmp_path, mnist_raw, fashion_raw, wanted, other):
    raws = {"mnist": mnist_raw, "fashion_mnist": fashion_raw}
    folder = tmp_path / "copy"
    shutil.copytree(raws[wanted], folder)
    shutil.copyfile(raws[other] / "t10k-labels-idx1-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz")
    problem = identify(folder / "t10k-labels-idx1-ubyte.gz", wanted)
    assert f"it is {DATASET_INFO[other].title}'s t10k-labels-idx1-ubyte.gz" in problem and "\n" not in problem
    with pytest.raises(DownloadError, match=f"it is {DATASET_INFO[other].title}'s t10k-labels") as err:
        download_dataset(tmp_path / "dest", wanted, "path", folder)
    assert not list((tmp_path / "dest").glob("*.gz"))  # nothing half-kept
    with pytest.raises(DataError, match=f"it is {DATASET_INFO[other].title}'s t10k-labels"):
        verified_sources(*(folder / name for name in FILES))
    assert "Traceback" not in str(err.value)


def test_preprocessing_says_which_dataset_its_files_are(fashion_raw):
    arrays = preprocess(*(fashion_raw / name for name in FILES), n_train=600, seed=0)
    assert str(arrays["dataset"]) == "fashion_mnist" and arrays["x_train"].shape == (600, 784)
    assert np.bincount(arrays["y_test"]).tolist() == [1000] * 10  # Fashion-MNIST's test set is balanced


def test_a_dataset_without_a_source_says_which_it_has(tmp_path):
    with pytest.raises(DownloadError, match="Fashion-MNIST has no pypi source; its sources are mirrors, debian, path"):
        download_dataset(tmp_path, "fashion_mnist", "pypi")


@pytest.mark.parametrize("dataset, raw", [("mnist", "mnist_raw"), ("fashion_mnist", "fashion_raw")])
def test_each_datasets_test_class_counts_are_its_test_labels(dataset, raw, request):
    """The counts the captions and chance are stated from are the pinned test labels' own."""
    labels = read_idx(request.getfixturevalue(raw) / "t10k-labels-idx1-ubyte.gz")
    info = DATASET_INFO[dataset]
    assert list(info.test_class_counts) == np.bincount(labels, minlength=10).tolist()
    assert info.chance_pct == pytest.approx(100 * np.bincount(labels).max() / len(labels))
