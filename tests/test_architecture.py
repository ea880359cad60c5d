"""The package's shape as a contract: its layering (import-linter, configured in pyproject.toml) and
the closed lists that the schemas, the wildcards and the figures must share with the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO
from mnist_mlp.judge.claims import CLAIM_KINDS
from mnist_mlp.judge.multiverse import LABELS
from mnist_mlp.data.arrays import DATASETS, EVALUATION_SETS, SUBSETS
from mnist_mlp.data.download import SOURCES
from mnist_mlp.nn.activations import ACTIVATIONS
from mnist_mlp.nn.backends import BACKENDS, DEVICES, DTYPES
from mnist_mlp.judge.study import STATISTICS
from mnist_mlp.nn.costs import COSTS
from mnist_mlp.nn.init import BIAS_DRAWS, BIAS_INITS, CONCRETE_SCHEMES, SCHEMES
from mnist_mlp.nn.l2 import L2_FORMS
from mnist_mlp.present.figures import ACTIVATION_STYLES, FIGURE_KINDS
from mnist_mlp.runs.plan import SETTING_KEYS
from mnist_mlp.runs.run_format import METRICS_SCHEMA

LINT_IMPORTS = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
]


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """import-linter on the package under ``project``/src, with ``project``'s contracts."""
    return subprocess.run(
        [*LINT_IMPORTS, "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
    )


def test_the_layers_hold_and_an_import_from_a_lower_layer_up_breaks_them(tmp_path):
    kept = lint_imports(REPO)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "3 kept, 0 broken" in kept.stdout

    scratch = tmp_path / "project"
    shutil.copytree(REPO / "src", scratch / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", scratch)
    idx = scratch / "src" / "mnist_mlp" / "data" / "idx.py"  # the data layer, reaching up to the report
    idx.write_text(idx.read_text() + "\nfrom mnist_mlp.present import report  # noqa: E402,F401\n")
    broken = lint_imports(scratch)
    assert broken.returncode == 1
    assert "mnist_mlp.data.idx -> mnist_mlp.present.report" in broken.stdout
    assert "No Snakemake, Jinja2, matplotlib or MLflow below the presentation layer BROKEN" in broken.stdout


def test_an_import_circle_inside_a_subpackage_breaks_the_contract(tmp_path):
    scratch = tmp_path / "project"
    shutil.copytree(REPO / "src", scratch / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", scratch)
    stats = scratch / "src" / "mnist_mlp" / "judge" / "stats.py"  # claims imports stats; now stats imports claims
    stats.write_text(stats.read_text() + "\nfrom mnist_mlp.judge import claims  # noqa: E402,F401\n")
    broken = lint_imports(scratch)
    assert broken.returncode == 1 and "No import circle among the modules of any subpackage BROKEN" in broken.stdout


def schema(name: str) -> dict:
    return yaml.safe_load((REPO / "workflow" / "schemas" / name).read_text())


def test_every_closed_list_in_the_schemas_is_the_codes_list():
    config = schema("config.schema.yaml")
    assert config["$defs"]["activation"]["enum"] == list(ACTIVATIONS)
    assert config["$defs"]["init"]["enum"] == list(SCHEMES)
    assert config["$defs"]["bias_init"]["enum"] == list(BIAS_INITS)
    assert config["$defs"]["cost"]["enum"] == list(COSTS)
    assert config["$defs"]["l2"]["enum"] == list(L2_FORMS)
    assert config["$defs"]["subset"]["enum"] == list(SUBSETS)
    assert config["$defs"]["evaluate_on"]["enum"] == list(EVALUATION_SETS)
    assert config["$defs"]["experiment"]["properties"]["backend"]["enum"] == list(BACKENDS)
    assert config["properties"]["data"]["properties"]["source"]["enum"] == ["auto", *SOURCES]
    assert config["properties"]["data"]["properties"]["dataset"]["enum"] == list(DATASETS)
    assert config["properties"]["train"]["properties"]["dtype"]["enum"] == list(DTYPES)
    assert config["properties"]["train"]["properties"]["device"]["enum"] == ["auto", *DEVICES]
    study = schema("study_reported.schema.yaml")
    assert study["$defs"]["activation"]["enum"] == list(ACTIVATIONS)
    assert study["$defs"]["claim"]["properties"]["kind"]["enum"] == list(CLAIM_KINDS)
    assert study["$defs"]["statistic"]["enum"] == list(STATISTICS)
    assert study["$defs"]["set"]["enum"] == list(EVALUATION_SETS)
    assert study["properties"]["figures"]["items"]["properties"]["kind"]["enum"] == list(FIGURE_KINDS)
    assert study["properties"]["stated"]["additionalProperties"]["items"]["enum"] == list(SETTING_KEYS)
    assert study["properties"]["robustness"]["properties"]["labels"]["required"] == list(LABELS)


def enums(node, path=()) -> dict:
    """Every ``enum`` in a JSON schema, by the keys that lead to it."""
    found = {path: node["enum"]} if isinstance(node, dict) and "enum" in node else {}
    for key, value in node.items() if isinstance(node, dict) else ():
        found |= enums(value, (*path, key))
    return found


def test_every_closed_list_of_a_runs_metrics_is_the_codes_list():
    run = ("properties", "run", "properties")
    assert enums(METRICS_SCHEMA) == {
        (*run, "backend"): list(BACKENDS),
        (*run, "activation"): list(ACTIVATIONS),
        (*run, "init"): list(CONCRETE_SCHEMES),  # as run: auto resolved
        (*run, "dtype"): list(DTYPES),
        (*run, "device"): list(DEVICES),  # as run: auto resolved
        (*run, "dataset"): list(DATASETS),
        (*run, "bias_init"): ["", *BIAS_DRAWS],  # as run: "" for the scheme's own
        (*run, "cost"): list(COSTS),
        (*run, "l2"): list(L2_FORMS),
        (*run, "subset"): list(SUBSETS),
        (*run, "evaluate_on"): list(EVALUATION_SETS),
    }


def test_each_backend_and_figure_covers_exactly_the_activations():
    from mnist_mlp.nn.torch_mlp import TORCH_ACTIVATIONS

    assert list(TORCH_ACTIVATIONS) == list(ACTIVATIONS)
    assert list(ACTIVATION_STYLES) == list(ACTIVATIONS)
