"""A study the repository does not hold, written from scratch in a temporary folder as README's
"Adding a study" says, runs through the whole workflow and is judged; a study file that asks for
what its runs cannot give is refused in one line before any job, with nothing written."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, local_data, stopped_with
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE

# Its runs: another cost, another bias initialisation, the textbook L2, a validation set it is
# evaluated on after every epoch; small enough for a test (2,000 images, 4 epochs, 2 seeds).
CONFIG = {
    "data": {"dataset": "mnist", "n_train": 2000, "subset": "first", "validation": 1000},
    "model": {"hidden": [32], "init": "lecun_normal", "bias_init": "standard_normal", "cost": "sigmoid_cross_entropy"},
    "train": {"epochs": 4, "batch_size": 20, "seeds": [0, 1], "dtype": "float32", "evaluate_on": "validation"},
    "experiments": {
        "narrow": {"title": "Narrow, decayed", "backend": "numpy", "lr": 0.5, "weight_decay": 1.0e-3, "l2": "textbook", "activations": ["tanh"]},
        "wide": {"title": "Wide, torch", "backend": "torch", "lr": 0.5, "hidden": [64], "activations": ["tanh"]},
        "still": {"title": "Hardly trained", "backend": "numpy", "lr": 1.0e-4, "activations": ["tanh"]},
    },
}  # fmt: skip
STUDY = {
    "study": {
        "title": "A study written from scratch",
        "author": "The test suite",
        "date": "2026",
        "dataset": "mnist",
        "first_epoch": 0,
        "setup": {"n_train": 2000, "n_test": 10000, "batch_size": 20, "epochs": 4},
        "unstated": ["nothing it needs"],
    },
    "numbers": [
        {"experiment": "narrow", "activation": "tanh", "value": 85.0, "statistic": "peak", "set": "validation", "epoch": 3, "quote": "'about 85'"},
        {"experiment": "wide", "activation": "tanh", "value": 88.0, "statistic": "peak", "best_of": 2, "set": "validation"},
    ],
    "curves": [{"experiment": "narrow", "activation": "tanh", "set": "validation", "points": [[0, 80.0], [3, 86.0]]}],
    "verdicts": {"alpha": 0.05, "margin_pp": 0.5, "loss_margin_pct": 5, "close_pp": 2},
    "claims": [
        {"id": "reaches_80", "section": "1", "quote": "q", "text": "narrow reaches 80 % on validation", "kind": "reaches",
         "experiment": "narrow", "activation": "tanh", "value": 80, "statistic": "peak", "set": "validation"},
        {"id": "wide_beats_still", "section": "2", "quote": "q", "text": "wide beats the hardly trained", "kind": "beats",
         "better": "wide", "worse": "still", "over": "every", "statistic": "peak", "set": "validation"},
        {"id": "narrow_still_rising", "section": "3", "quote": "q", "text": "narrow still rises", "kind": "still_improving",
         "experiment": "narrow", "activation": "tanh", "window": 2, "set": "validation"},
    ],
}  # fmt: skip


def write_study(folder: Path, study: dict = STUDY, config: dict = CONFIG) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True))
    return folder


def build(workdir: Path, folder: Path, mnist_raw: Path, *args: str) -> subprocess.CompletedProcess:
    """The workflow as README says to build a study, in ``workdir``, reading MNIST from the session's copy."""
    overlay = workdir / "data.yaml"
    workdir.mkdir(exist_ok=True)
    overlay.write_text(yaml.safe_dump(local_data(mnist_raw)))
    cmd = [
        sys.executable, "-m", "snakemake", *args, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(REPO / "config" / "config.yaml"), str(overlay), "--config", f"study={folder}",
    ]  # fmt: skip
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_a_study_written_from_scratch_runs_through_the_workflow_and_is_judged(tmp_path, mnist_raw):
    folder = write_study(tmp_path / "elsewhere" / "scratch2026")
    work = tmp_path / "work"
    result = build(work, folder, mnist_raw, "--cores", "2")
    assert result.returncode == 0, result.stdout[-5000:]
    out = work / "results" / "scratch2026"
    assert (out / "report.html").is_file() and not (
        work / "report.html"
    ).exists()  # its own place, not the first study's

    runs = pd.read_csv(out / "runs.csv")
    folders = set(runs["dir"])
    assert any("mnist_n2000_first_val1000/numpy/tanh/lecun_normal_bias-standard_normal/h32_sigmoid_cross_entropy/"
               "lr0.5_wd0.001_l2-textbook/seed0_on-validation" in d for d in folders), folders  # fmt: skip
    epochs = pd.read_csv(work / runs["dir"].iloc[0] / "epochs.csv")
    assert list(epochs.columns) == ["epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy"]
    assert runs["peak_epoch"].between(1, 4).all() and runs["test_accuracy"].notna().all()

    manifest = json.loads((out / "claims.json").read_text())
    verdicts = {c["id"]: c["verdict"] for c in manifest["claims"]}
    assert verdicts["reaches_80"] in (HOLDS, FAILS)
    assert (
        verdicts["wide_beats_still"] == HOLDS
    )  # a trained network against one that hardly moved, on the validation peak
    assert verdicts["narrow_still_rising"] in (HOLDS, FAILS, TIE, INCONCLUSIVE)
    peak = next(n for n in manifest["numbers"] if n["experiment"] == "narrow")
    assert (
        peak["statistic"]["of"] == "peak" and peak["statistic"]["set"] == "validation" and peak["reported_epoch"] == 4
    )
    wide = runs[runs["experiment"] == "wide"]["peak_accuracy"]
    best = next(n for n in manifest["numbers"] if n["experiment"] == "wide")
    assert best["reproduced_pct"] == pytest.approx(100 * wide.max())  # the best of its two runs' peaks
    assert (out / "figures" / "curve_narrow_tanh.png").is_file()
    report = (out / "report.html").read_text()
    assert "Does not apply to this study" in report and "A study written from scratch" in report


@pytest.mark.slow
@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s["claims"][0].update(kind="exceeds"), "key claims.0.kind: 'exceeds' is not one of ['beats'"),
        (lambda s: s["claims"][1].update(worse="hardly"), "key claims.1.worse: no experiment 'hardly' in the config"),
        (lambda s: s["curves"][0]["points"].append([4, 90.0]), "key curves.0.points.2: epoch 4 is not one of the study's 4"),
        (lambda s: s["numbers"][1].update(best_of=3), "key numbers.1.best_of: the best of 3 runs needs 3 seeds"),
        (lambda s: s["numbers"][0].update(set="test"), "key numbers.0.set: 'narrow' is evaluated on its validation set"),
    ],
    ids=["unknown kind", "unknown experiment", "curve point past the epochs", "best of more runs than seeds", "a set not evaluated"],
)  # fmt: skip
def test_a_bad_study_file_is_one_line_before_any_job_and_nothing_is_written(edit, message, tmp_path, mnist_raw):
    study = json.loads(json.dumps(STUDY))
    edit(study)
    folder = write_study(tmp_path / "bad", study)
    work = tmp_path / "work"
    result = build(work, folder, mnist_raw, "--cores", "2")
    assert result.returncode != 0
    assert f"Invalid study file {folder / 'study.yaml'}, {message}" in stopped_with(result.stdout)
    assert not (work / "results").exists() and not (work / "resources").exists()
