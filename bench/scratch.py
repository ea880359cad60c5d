"""What the benches share: the workflow run as a user runs it, in a scratch working directory."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def scratch(mnist: Path, overlay: dict) -> tuple[Path, Path]:
    """A fresh working directory and a config overlay in it that reads MNIST from ``mnist``."""
    workdir = Path(tempfile.mkdtemp(prefix="bench_"))
    path = workdir / "overlay.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "data": {"source": "path", "path": str(mnist.resolve())},
                "study": str(REPO / "studies" / "sarkar2022"),
                **overlay,
            }
        )
    )
    return workdir, path


def snakemake(workdir: Path, configs: list[Path], *args: str, capture: bool = False) -> tuple[float, str]:
    """Run the workflow in ``workdir``; (wall seconds, stdout if captured).

    ``args`` come first: --forcerun and --configfile take every word that follows them."""
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        *args,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        *map(str, configs),
    ]
    started = time.perf_counter()
    out = subprocess.run(
        cmd,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
    )
    return time.perf_counter() - started, out.stdout or ""
