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
        out = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty", "--abbrev=12"],
                             capture_output=True, text=True, timeout=10)
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


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else None
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "memory_gib": round(memory, 1) if memory else None,
            "python": platform.python_version()}
