import gzip

import pytest

from mnist_mlp.data.datasets import DATASET_INFO, gz_md5
from mnist_mlp.data.download import DownloadError, download_dataset

MNIST_MD5 = DATASET_INFO["mnist"].gz_md5


def test_every_fetched_file_has_its_canonical_md5(mnist_raw):
    assert {name: gz_md5(mnist_raw / name) for name in MNIST_MD5} == MNIST_MD5


def copy_of(mnist_raw, directory):
    directory.mkdir()
    for name in MNIST_MD5:
        (directory / name).write_bytes((mnist_raw / name).read_bytes())
    return directory


def test_path_source_copies_verified_files(tmp_path, mnist_raw):
    source = copy_of(mnist_raw, tmp_path / "offline")
    assert download_dataset(tmp_path / "dest", "mnist", "path", source) == "path"
    assert {name: gz_md5(tmp_path / "dest" / name) for name in MNIST_MD5} == MNIST_MD5


def test_a_truncated_or_altered_file_is_rejected_and_leaves_nothing(tmp_path, mnist_raw):
    source = copy_of(mnist_raw, tmp_path / "offline")
    tampered = source / "t10k-labels-idx1-ubyte.gz"
    tampered.write_bytes(tampered.read_bytes()[:-10])
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=r"t10k-labels-idx1-ubyte\.gz: not a readable \.gz file"):
        download_dataset(dest, "mnist", "path", source)
    assert list(dest.iterdir()) == []
    labels = gzip.decompress((mnist_raw / "t10k-labels-idx1-ubyte.gz").read_bytes())
    tampered.write_bytes(gzip.compress(labels[:-1] + bytes([(labels[-1] + 1) % 10])))  # one label changed
    with pytest.raises(
        DownloadError,
        match=r"t10k-labels-idx1-ubyte\.gz: neither its \.gz MD5 nor its decompressed "
        r"content is MNIST's \(truncated, altered or another dataset's\)",
    ):
        download_dataset(dest, "mnist", "path", source)
    assert list(dest.iterdir()) == []


def test_path_source_without_a_path_says_which_key_to_set(tmp_path):
    with pytest.raises(DownloadError, match="data.path is not set"):
        download_dataset(tmp_path, "mnist", "path", None)


def test_path_source_names_missing_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DownloadError, match="lacks train-images-idx3-ubyte.gz"):
        download_dataset(tmp_path / "dest", "mnist", "path", tmp_path / "empty")


def test_when_every_source_fails_the_message_points_to_the_offline_route(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        DownloadError, match=r"(?s)no source could deliver MNIST.*set data\.source: path and data\.path"
    ):
        download_dataset(tmp_path / "dest", "mnist", "path", tmp_path / "empty")


def test_the_configs_source_is_for_its_own_dataset_another_comes_from_its_own_sources(tmp_path):
    from mnist_mlp.data.download import where_from

    data = {"dataset": "fashion_mnist", "source": "path", "path": str(tmp_path)}
    assert where_from(data, "fashion_mnist") == ("path", tmp_path)
    assert where_from(data, "mnist") == ("auto", None)  # a multiverse's other dataset
