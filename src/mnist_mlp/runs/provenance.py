"""Where a result came from: the code's commit, the packages, the machine. Standard library only,
so the Snakefile can ask for the commit without paying for pandas at every parse."""

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ["snakemake", "numpy", "scipy", "torch", "torchvision", "pandas", "matplotlib", "jinja2"]


def git_commit(repo: Path) -> str:
    """The commit of the checkout at ``repo`` (with -dirty for uncommitted changes), or why not."""
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    return out.stdout.strip() if out.returncode == 0 else "unknown (not a git checkout)"


def package_versions() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def cpu_model() -> str:
    """The CPU's name as /proc/cpuinfo gives it (Linux), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def compute(threads: int, with_torch: bool) -> dict:
    """What a run's last digits depend on besides its settings: threads, BLAS build and CPU.

    Summation order in BLAS depends on the thread count and the kernels picked for the CPU, so
    reruns are bit-identical only when these match.
    """
    from threadpoolctl import threadpool_info

    libraries = [i for i in threadpool_info() if i["user_api"] == "blas"]
    numpys = [i for i in libraries if "numpy" in i.get("filepath", "")] or libraries[:1]  # not scipy's own copy
    blas = [
        f"{i['internal_api']} {i.get('version') or '?'} ({i.get('architecture') or '?'}, "
        f"{i.get('threading_layer') or '?'})"
        for i in numpys
    ]
    info = {"threads": threads, "blas": "; ".join(blas) or "unknown", "cpu": cpu_model(), "host": platform.node()}
    if with_torch:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["torch_blas"] = "mkl" if torch.backends.mkl.is_available() else "other"
    return info


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else None
    return {
        "platform": platform.platform(),
        "processor": cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1) if memory else None,
        "python": platform.python_version(),
    }
