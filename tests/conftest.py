import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from mnist_mlp.data.arrays import Dataset, preprocess
from mnist_mlp.data.datasets import FILES
from mnist_mlp.data.download import DownloadError, download_dataset
from mnist_mlp.runs.execute import RunSpec
from mnist_mlp.runs import plan
from mnist_mlp.runs.key import RunKey

REPO = Path(__file__).resolve().parents[1]
SARKAR = REPO / "studies" / "sarkar2022"  # the first study's folder: its runs (config.yaml) and its report (study.yaml)
CANONICAL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


WORKFLOW_FIXTURES = {"smoke_run"}  # the session fixture that runs the workflow (others build on it)
_current = {"slow": True}


def pytest_collection_modifyitems(items):
    """A test that uses a fixture running the workflow is slow, wherever it is declared."""
    for item in items:
        if WORKFLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current["slow"] = item.get_closest_marker("slow") is not None


def snakemake(
    workdir: Path,
    *args: str,
    overlay: dict | None = None,
    smoke: bool = True,
    check: bool = True,
    env: dict | None = None,
    sensitivity: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run the real workflow in ``workdir`` on config.yaml (+ smoke.yaml) (+ sensitivity.yaml) + ``overlay``.

    The working directory is outside the repository, so the study's reported values are named
    by their absolute path. Only a test marked ``slow`` may run it, so ``-m "not slow"`` stays quick.
    Past ``timeout`` seconds it is killed and subprocess.TimeoutExpired raised.
    """
    assert _current["slow"], "a test that runs the workflow must be marked slow (@pytest.mark.slow)"
    configs = [
        REPO / "config" / name
        for name, used in (("config.yaml", True), ("smoke.yaml", smoke), ("sensitivity.yaml", sensitivity))
        if used
    ]
    overlay_path = workdir / "overlay.yaml"
    overlay_path.write_text(yaml.safe_dump({"study": str(SARKAR), **(overlay or {})}))
    configs.append(overlay_path)
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        *map(str, configs),
        *args,
    ]
    result = subprocess.run(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout[-8000:]}")
    return result


def stopped_with(console: str) -> str:
    """The last line of the console of a build that stopped before any job: the fault, with its
    fix. Asserted alone: no traceback, and none of Snakemake's lines on where it was raised."""
    assert "Traceback" not in console and '  File "' not in console and " in file " not in console, console[-3000:]
    return console.rstrip().splitlines()[-1]


@pytest.fixture(scope="session")
def mnist_raw(tmp_path_factory) -> Path:
    """The four original MNIST files, fetched once per session by the real downloader (source auto)."""
    dest = tmp_path_factory.mktemp("mnist_raw")
    download_dataset(dest, "mnist", "auto", timeout_s=5)
    assert sorted(p.name for p in dest.iterdir()) == sorted(FILES)
    return dest


@pytest.fixture(scope="session")
def fashion_raw(tmp_path_factory) -> Path:
    """Fashion-MNIST's four files, fetched once per session by the real downloader (source auto:
    the official mirror, then Debian's package). Skipped where neither is there, unless
    MNIST_MLP_REQUIRE_FASHION=1 (CI, which installs the package)."""
    dest = tmp_path_factory.mktemp("fashion_raw")
    try:
        download_dataset(dest, "fashion_mnist", "auto", timeout_s=5)
    except DownloadError as err:
        if os.environ.get("MNIST_MLP_REQUIRE_FASHION") == "1":
            pytest.fail(f"MNIST_MLP_REQUIRE_FASHION=1 but no Fashion-MNIST source: {err}")
        pytest.skip("no Fashion-MNIST source here (apt-get install dataset-fashion-mnist)")
    return dest


DRY_RUN_JOB = re.compile(r"^would run (\w+)(?: ([^:]*))?: ", re.MULTILINE)  # the console's line of a planned job


def planned_rules(stdout: str) -> set[str]:
    """The rules of the jobs a dry run lists."""
    return {rule for rule, _ in DRY_RUN_JOB.findall(stdout)}


def local_data(mnist_raw: Path) -> dict:
    """A config overlay that reads MNIST from the session's copy instead of downloading again."""
    return {"data": {"source": "path", "path": str(mnist_raw)}}


@pytest.fixture(scope="session")
def mnist_arrays(mnist_raw) -> dict:
    """Preprocessed arrays of the study's 30,000-image subset and the full test set."""
    return preprocess(*(mnist_raw / name for name in FILES), n_train=30_000, seed=0)


@pytest.fixture(scope="session")
def study_data(mnist_arrays) -> Dataset:
    a = mnist_arrays
    return Dataset(a["x_train"], a["y_train"], a["x_test"], a["y_test"])


@pytest.fixture(scope="session")
def small_data(study_data) -> Dataset:
    """2,000 training and 1,000 test images of real MNIST, for quick runs."""
    d = study_data
    return Dataset(d.x_train[:2000], d.y_train[:2000], d.x_test[:1000], d.y_test[:1000])


# An extra experiment whose learning rate makes training blow up: ReLU's loss becomes infinite
# (diverged), sigmoid's stays finite but ends thousands of times higher (failed to learn). The
# pipeline must carry on, and show both.
DIVERGING = {
    "diverge": {"title": "forced to diverge", "backend": "numpy", "lr": 1000.0, "activations": ["relu", "sigmoid"]}
}


def smoke_overlay(mnist_raw: Path, experiments: dict | None = None, **sections) -> dict:
    """The overlay of the session's smoke run, with ``experiments`` and other ``sections`` changed."""
    return {**local_data(mnist_raw), "experiments": {**DIVERGING, **(experiments or {})}, **sections}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory, mnist_raw) -> Path:
    """The working directory of one full smoke-config run of the workflow up to report.html,
    with one extra run that diverges."""
    workdir = tmp_path_factory.mktemp("smoke")
    result = snakemake(workdir, "--cores", "2", overlay=smoke_overlay(mnist_raw))
    smoke_console(workdir).write_text(result.stdout)
    return workdir


def smoke_console(smoke_run: Path) -> Path:
    """Where the smoke run's console (stdout and stderr) is kept: beside its folder, not in it."""
    return smoke_run.with_name(smoke_run.name + "_console.txt")


SMOKE_TRAIN = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())["data"]["n_train"]
HIDDEN = yaml.safe_load((SARKAR / "config.yaml").read_text())["model"]["hidden"]


def run_key(
    backend: str,
    activation: str,
    lr: float,
    wd: float = 0.0,
    seed: int = 0,
    init: str = "auto",
    n_train: int = SMOKE_TRAIN,
    hidden=tuple(HIDDEN),
) -> RunKey:
    """The key of a run of the smoke config (unless ``n_train`` or ``hidden`` say otherwise), made
    as the workflow makes it (``init`` may be ``auto``)."""
    settings = dict(dataset="mnist", n_train=n_train, backend=backend, init=init, hidden=hidden, lr=lr, weight_decay=wd)
    return plan.run_key(settings, activation, seed, {})


def run_spec(
    backend: str,
    activation: str,
    lr: float,
    wd: float = 0.0,
    seed: int = 0,
    init: str = "auto",
    hidden=tuple(HIDDEN),
    epochs: int = 1,
    batch_size: int = 64,
    dtype: str = "float32",
    device: str = "cpu",
) -> RunSpec:
    """The training of the run ``run_key`` names (the smoke config's data, unless ``hidden`` says otherwise)."""
    return RunSpec(run_key(backend, activation, lr, wd, seed, init, hidden=hidden), epochs, batch_size, dtype, device)


def planned_train_jobs(stdout: str) -> list[str]:
    """The wildcards of each train job a dry run plans ("dataset=mnist, n_train=3000, ...", those with
    a value), sorted."""
    return sorted(wildcards for rule, wildcards in DRY_RUN_JOB.findall(stdout) if rule == "train")


def run_dir(workdir: Path, *settings, **named) -> Path:
    """The folder of the run ``run_key(*settings, **named)`` in ``workdir``."""
    return workdir / run_key(*settings, **named).path("dir")


@pytest.fixture
def mounted():
    """``mounted(target, *mount_options)``: ``target``, a new folder with a file system mounted on
    it (a small tmpfs, a read-only bind mount), unmounted after the test whatever happens; skips the
    test where mounting is not allowed (not root)."""
    targets = []

    def mount(target: Path, *options: str) -> Path:
        target.mkdir()
        result = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount here ({result.stderr.strip() or 'not root'})")
        targets.append(target)
        return target

    yield mount
    for target in reversed(targets):
        subprocess.run(["umount", str(target)], check=False)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def universe_rows(position: int, accuracies: dict) -> list[dict]:
    """One universe's rows of results/multiverse.csv: (experiment, activation) -> each seed's test
    accuracy (None: diverged)."""
    return [
        {
            "universe": f"u{position}",
            "position": position,
            "default": position == 0,
            "axis_init": f"i{position}",
            "experiment": experiment,
            "activation": activation,
            "seed": seed,
            "dir": f"u{position} {experiment}/{activation} seed {seed}",
            "test_accuracy": accuracy,
            "diverged": accuracy is None,
            "failed_to_learn": False,
        }
        for (experiment, activation), seeds in accuracies.items()
        for seed, accuracy in enumerate(seeds)
    ]
