import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SARKAR, SMOKE_TRAIN, snakemake, stopped_with
from mnist_mlp.runs.layout import A_FILE_FOR_A_FOLDER, A_FOLDER_FOR_A_FILE


@pytest.mark.slow
@pytest.mark.parametrize(
    "overlay, key, reason",
    [
        (
            {"experiments": {"baseline": {"activations": ["softplus"]}}},
            "experiments.baseline.activations.0",
            "'softplus' is not one of",
        ),
        (
            {"experiments": {"baseline": {"lr": -0.1}}},
            "experiments.baseline.lr",
            "less than or equal to the minimum of 0",
        ),
        ({"train": {"batch_size": 0}}, "train.batch_size", "less than the minimum of 1"),
        ({"train": {"batch_sise": 64}}, "train", "'batch_sise' was unexpected"),
        ({"train": {"epochs": "fifteen"}}, "train.epochs", "'fifteen' is not of type 'integer'"),
        # JSON Schema alone lets these through, to crash inside a job or name a path like seed1.0
        ({"train": {"epochs": 1.0}}, "train.epochs", "1.0 is a whole-number float; write 1"),
        ({"model": {"hidden": [100.0]}}, "model.hidden.0", "100.0 is a whole-number float; write 100"),
        ({"train": {"seeds": [1.0]}}, "train.seeds.0", "1.0 is a whole-number float; write 1"),
        ({"experiments": {"baseline": {"lr": float("inf")}}}, "experiments.baseline.lr", "inf is not a finite number"),
        (
            {"experiments": {"baseline": {"weight_decay": float("nan")}}},
            "experiments.baseline.weight_decay",
            "nan is not a finite number",
        ),
        (
            {"experiments": {"baseline": {"lr": "1e-2"}}},
            "experiments.baseline.lr",
            "'1e-2' is a string (YAML reads a number without a dot that way); write 1.0e-2",
        ),
        (
            {"data": {"n_train": "1e4"}},
            "data.n_train",
            "'1e4' is a string (YAML reads a number without a dot that way); write 10000",
        ),
        (
            {"sensitivity": {"x": {"title": "t", "variants_of": ["nope"], "settings": [{"lr": 0.1}]}}},
            "sensitivity.x.variants_of",
            "no experiment 'nope'",
        ),
        # a multiverse's axes: settings the run key carries, over experiments that leave them unstated
        (
            {"multiverse": {"axes": {"batch_size": {"options": [32], "experiments": ["torch"]}}}},
            "multiverse.axes.batch_size",
            "not a setting an axis can vary; the axes are init, lr, weight_decay, hidden, n_train",
        ),
        (
            {"multiverse": {"axes": {"hidden": {"options": [[100], 100], "experiments": ["torch"]}}}},
            "multiverse.axes.hidden.options.1",
            "100 is not a list of hidden layer widths",
        ),
        (
            {"multiverse": {"axes": {"n_train": {"options": [30000, 70000], "experiments": ["torch"]}}}},
            "multiverse.axes.n_train.options.1",
            "70000 is not a number of training images (a whole number, 1 to 60000)",
        ),
        (
            {"multiverse": {"axes": {"init": {"options": [], "experiments": ["torch"]}}}},
            "multiverse.axes.init.options",
            "should be non-empty",
        ),
        (
            {"multiverse": {"axes": {"init": {"options": ["zeros"], "experiments": ["torch"]}}}},
            "multiverse.axes.init.options.0",
            "'zeros' is not an init scheme",
        ),
        (
            {"multiverse": {"axes": {"lr": {"options": [0.1], "experiments": ["torch", "nope"]}}}},
            "multiverse.axes.lr.experiments",
            "no experiment 'nope'",
        ),
        (
            {"multiverse": {"axes": {"lr": {"options": [0.1], "experiments": ["lr_0.1"]}}}},
            "multiverse.axes.lr.experiments",
            "the study states the lr of 'lr_0.1', which is what defines it",
        ),
        (
            {"multiverse": {"axes": {"lr": {"options": [0], "experiments": ["torch"]}}}},
            "multiverse.axes.lr.options.0",
            "0 is not a valid lr",
        ),
        (
            {"multiverse": {"axes": {"init": {"options": ["auto", "auto"], "experiments": ["torch"]}}}},
            "multiverse.axes.init.options.1",
            "'auto' is already option 0: list each once",
        ),
        (
            {"multiverse": {"axes": {"lr": {"options": [0.1], "experiments": ["torch", "torch_l2", "torch"]}}}},
            "multiverse.axes.lr.experiments.2",
            "'torch' is already experiment 0: list each once",
        ),
        (
            {
                "multiverse": {
                    "max_training_jobs": 10,
                    "axes": {"init": {"options": ["auto", "he_normal"], "experiments": ["torch"]}},
                }
            },
            "multiverse.max_training_jobs",
            "the multiverse has 2 universes and more than 10 distinct training jobs (up to 21; no calibration saved",
        ),
        (
            {"multiverse": {"draws": 10, "axes": {"lr": {"options": [0.1], "experiments": ["torch"]}}}},
            "multiverse.draws",
            "10 is less than the minimum of 100",
        ),
        (
            {"data": {"dataset": "fashion_mnist", "source": "pypi"}},
            "data.source",
            "Fashion-MNIST has no pypi source; its sources are mirrors, debian, path",
        ),
        ({"data": {"dataset": "cifar10"}}, "data.dataset", "'cifar10' is not one of ['mnist', 'fashion_mnist']"),
        (
            {"experiments": {"a/b": {"title": "t", "backend": "numpy", "lr": 0.1, "activations": ["relu"]}}},
            "experiments",
            "'a/b' is not a valid name: letters, digits, '.', '_' and '-' only",
        ),
        # what a fully specified study states
        ({"model": {"cost": "hinge"}}, "model.cost", "'hinge' is not one of ['softmax_cross_entropy'"),
        (
            {"data": {"validation": 40000}},
            "data.validation",
            "30000 training images do not fit beside a validation set of 40000: 20000 of the 60000 are left",
        ),
        (
            {"experiments": {"torch": {"evaluate_on": "validation"}}},
            "experiments.torch.evaluate_on",
            "validation needs a validation set: set data.validation",
        ),
        ({"study": "studies/nope"}, "study", "no study folder studies/nope (looked in"),
        ({"study": "config"}, "study", "config holds no study.yaml; a study folder holds both"),
    ],
)
def test_invalid_config_stops_before_any_job_naming_the_key(tmp_path, overlay, key, reason):
    result = snakemake(tmp_path, "-n", overlay=overlay, smoke=False, check=False)
    assert result.returncode != 0
    assert f"Invalid config, key {key}: " in stopped_with(result.stdout)
    assert reason in result.stdout
    assert "Job stats" not in result.stdout


@pytest.mark.slow
def test_default_config_plans_the_study(tmp_path):
    result = snakemake(tmp_path, "-n", "--quiet", "rules", smoke=False)
    counts = dict(
        line.split()[:2]
        for line in result.stdout.splitlines()
        if line.split()[:1] and line.split()[0] in {"download", "preprocess", "train"}
    )
    # 5 experiments x 3 activations x 1 seed, no two experiments share a run
    assert counts == {"download": "1", "preprocess": "1", "train": "15"}


@pytest.mark.slow
@pytest.mark.parametrize("overlay, datasets, runs", [("fashion.yaml", 1, 15), ("datasets.yaml", 2, 30)])
def test_the_dataset_overlays_plan_the_study_on_their_datasets(tmp_path, overlay, datasets, runs):
    result = snakemake(
        tmp_path, "-n", "--quiet", "rules", smoke=False, overlay=yaml.safe_load((REPO / "config" / overlay).read_text())
    )
    counts = dict(
        line.split()[:2]
        for line in result.stdout.splitlines()
        if line.split()[:1] and line.split()[0] in {"download", "preprocess", "train"}
    )
    assert counts == {"download": str(datasets), "preprocess": str(datasets), "train": str(runs)}


@pytest.mark.slow
def test_workflow_lints_clean(tmp_path):
    result = snakemake(tmp_path, "--lint", smoke=False)
    assert "Congratulations, your workflow is in a good condition!" in result.stdout


def test_workflow_is_formatted_with_snakefmt():
    result = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", str(REPO)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_python_is_formatted_with_ruff():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(REPO)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout


# the parser notices the unclosed mapping on the line after it: two below "accuracy:"
STUDY_TEXT = (SARKAR / "study.yaml").read_text()


def malformed_study(tmp_path, name: str, edit) -> Path:
    """The first study's folder copied, its study.yaml edited: the path of that file."""
    study = yaml.safe_load((SARKAR / "study.yaml").read_text())
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.yaml").write_text((SARKAR / "config.yaml").read_text())
    path = folder / "study.yaml"
    path.write_text(edit(study) if name == "syntax" else yaml.safe_dump(edit(study) or study))
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, edit, message",
    [
        ("missing", lambda s: s.pop("claims") and None, "key (top level): 'claims' is a required property."),
        (
            "wrong_type",
            lambda s: s["accuracy"]["baseline"].update(sigmoid="62%"),
            "key accuracy.baseline.sigmoid: '62%' is not of type 'number'.",
        ),
        (
            "allowed_misses",
            lambda s: s["robustness"].update(allowed_misses=-1),
            "key robustness.allowed_misses: -1 is less than the minimum of 0.",
        ),
        (
            "unknown_experiment",
            lambda s: s["accuracy"].update(baselin={"relu": 95}),
            "key accuracy.baselin: no experiment 'baselin' in the config (its experiments: baseline, lr_0.001, lr_0.1, torch, torch_l2).",
        ),
        (
            "syntax",
            lambda s: (
                (SARKAR / "study.yaml")
                .read_text()
                .replace("accuracy:\n", "accuracy:\n  baseline: {sigmoid: 62, tanh: 94.3\n", 1)
            ),
            f"line {STUDY_TEXT[: STUDY_TEXT.index('accuracy:')].count(chr(10)) + 3}: expected ',' or '}}'",
        ),
    ],
)
def test_a_malformed_study_file_is_one_line_naming_file_and_key(tmp_path, name, edit, message):
    path = malformed_study(tmp_path, name, edit)
    result = snakemake(tmp_path, "-n", overlay={"study": str(path.parent)}, smoke=False, check=False)
    assert result.returncode != 0
    # named from the working directory
    assert f"Invalid study file {path.relative_to(tmp_path)}, {message}" in stopped_with(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    "where, make, says",
    [
        ("results", "file", A_FILE_FOR_A_FOLDER),
        (
            f"results/runs/mnist_n{SMOKE_TRAIN}/numpy/relu/he_normal/h500-250-100/lr0.1_wd0.0/seed0",
            "file",
            A_FILE_FOR_A_FOLDER,
        ),
        (
            f"results/runs/mnist_n{SMOKE_TRAIN}/numpy/relu/he_normal/h500-250-100/lr0.1_wd0.0/seed0/metrics.json",
            "folder",
            A_FOLDER_FOR_A_FILE,
        ),
    ],
    ids=["results-a-file", "a-run-folder-a-file", "a-runs-file-a-folder"],
)
def test_a_file_where_a_folder_should_be_and_the_reverse_is_one_line_before_any_job(tmp_path, where, make, says):
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir() if make == "folder" else path.write_text("x")
    result = snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert f"{where}: {says}" in stopped_with(result.stdout)


# A YAML file that is no mapping of keys, and how the line naming it says why.
NO_MAPPING = {
    "empty": ("", "empty, not a mapping of keys (key: value at the top level)."),
    "a-list": ("- a\n- list\n", "a YAML list, not a mapping of keys (key: value at the top level)."),
    "binary": (b"\x89PNG\r\n\x1a\n\xff\xfe", "not text (not UTF-8): a config or study file is YAML text"),
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, content, says",
    [
        ("config.yaml", *NO_MAPPING["a-list"]),
        ("study.yaml", *NO_MAPPING["empty"]),
        ("study.yaml", *NO_MAPPING["binary"]),
    ],
    ids=["config-a-list", "study-empty", "study-binary"],
)
def test_a_study_file_that_is_no_mapping_or_no_text_is_one_line_naming_it(tmp_path, name, content, says):
    folder = tmp_path / "study"
    shutil.copytree(SARKAR, folder)
    path = folder / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    result = snakemake(tmp_path, "-n", overlay={"study": str(folder)}, smoke=False, check=False)
    assert result.returncode != 0
    assert f"Invalid study file {path.relative_to(tmp_path)}, {says}" in stopped_with(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, content, says",
    [
        *((f"{kind}.yaml", *case) for kind, case in NO_MAPPING.items()),
        ("missing.yaml", None, "not found; a target written after --configfile is read as one more config file"),
        (
            "report.html",
            "<!DOCTYPE html>\n<html>\n",
            "a YAML str, not a mapping of keys (key: value at the top level); a target written after --configfile",
        ),
    ],
    ids=["empty", "a-list", "binary", "missing", "a-target"],
)
def test_a_configfile_overlay_that_is_no_mapping_is_one_line_naming_it(tmp_path, name, content, says):
    """Snakemake reads --configfile files before the workflow: its own words name no file (an empty
    file, a list) or end in a traceback (not text, missing); the console logger names the file."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    smoke = REPO / "config" / "smoke.yaml"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    result = subprocess.run(
        [*cmd, "-n", "--configfile", str(smoke), name],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode != 0
    assert f"Invalid config file {name}, {says}" in stopped_with(result.stdout)
