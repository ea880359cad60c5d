"""Every bench script answers --help with a whole sentence of what it measures, in an environment
without the test requirements: the benches are run by hand, by people who installed requirements.txt."""

import subprocess
import sys

import pytest

from conftest import REPO

# Imported by the test suite or its tools, never by what requirements.txt installs.
TEST_ONLY = ("pytest", "playwright", "ruff", "importlinter", "snakefmt", "mlflow", "conftest", "test_across")
BARE = f"""
import importlib.abc, runpy, sys
class NoTestRequirements(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {TEST_ONLY!r}:
            raise ImportError(f"{{name}} is a test requirement, not in requirements.txt")
sys.meta_path.insert(0, NoTestRequirements())
sys.argv = [sys.argv[1], "--help"]
sys.path.insert(0, sys.argv[0].rsplit("/", 1)[0])  # as `python bench/x.py` puts its folder first
runpy.run_path(sys.argv[0], run_name="__main__")
"""
SCRIPTS = sorted(p.name for p in (REPO / "bench").glob("*.py") if p.name != "scratch.py")  # scratch: a helper module


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_bench_answers_help_with_a_whole_sentence_without_the_test_requirements(script):
    result = subprocess.run(
        [sys.executable, "-c", BARE, str(REPO / "bench" / script)], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    description = result.stdout.split("\n\n")[1].strip()  # argparse prints usage, then the description
    assert description[-1] in ".?", f"{script}: its description stops mid-sentence: {description[-80:]!r}"
