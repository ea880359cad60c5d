import gzip

import numpy as np
import pytest

from mnist_mlp.data.arrays import load_idx_pair
from mnist_mlp.data.idx import IdxFormatError, read_idx, write_idx
from mnist_mlp.data.datasets import identify


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_idx_round_trip(tmp_path, rng, suffix):
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    path = tmp_path / f"images{suffix}"
    write_idx(path, images)
    np.testing.assert_array_equal(read_idx(path), images)


def test_real_mnist_parses_to_canonical_shapes(mnist_raw):
    images, labels = load_idx_pair(mnist_raw / "t10k-images-idx3-ubyte.gz", mnist_raw / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10_000, 784) and labels.shape == (10_000,)


def test_corrupted_magic_number_is_rejected_naming_the_file(tmp_path, mnist_raw):
    raw = bytearray(gzip.decompress((mnist_raw / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    raw[2] = 0x0D  # claims float data
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(IdxFormatError, match=r"t10k-labels-idx1-ubyte\.gz: bad magic number"):
        read_idx(path)


def test_truncated_data_is_rejected(tmp_path, mnist_raw):
    raw = gzip.decompress((mnist_raw / "t10k-labels-idx1-ubyte.gz").read_bytes())
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(IdxFormatError, match=r"labels\.gz: header declares shape \(10000,\).*file holds 9900"):
        read_idx(path)


def test_truncated_gzip_stream_is_rejected(tmp_path, mnist_raw):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes((mnist_raw / "t10k-images-idx3-ubyte.gz").read_bytes()[:50_000])
    with pytest.raises(IdxFormatError, match="cannot be decompressed"):
        read_idx(path)


def test_labels_that_do_not_match_the_images_are_rejected(tmp_path, rng):
    write_idx(tmp_path / "i.gz", rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "l.gz", np.zeros(4, dtype=np.uint8))
    with pytest.raises(IdxFormatError, match="do not match 5 images"):
        load_idx_pair(tmp_path / "i.gz", tmp_path / "l.gz")


def test_a_gzip_file_with_a_valid_header_and_a_corrupt_body_is_named_with_its_fix(tmp_path, mnist_raw):
    data = bytearray((mnist_raw / "t10k-images-idx3-ubyte.gz").read_bytes())
    data[1000:1100] = bytes(100)  # the header is intact; the deflate stream is not
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(IdxFormatError, match=r"t10k-images-idx3-ubyte\.gz: cannot be decompressed .*download again"):
        read_idx(path)
    assert identify(path, "mnist").startswith("t10k-images-idx3-ubyte.gz: not a readable .gz file (")
