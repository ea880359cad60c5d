"""The sensitivity overlay (config/sensitivity.yaml) end to end on the smoke data, trimmed."""

import re
import shutil

import pandas as pd
import pytest
import yaml

from conftest import REPO, planned_rules, planned_train_jobs, smoke_overlay, snakemake
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.plan import setting_label

# Two seeds and fewer settings than config/sensitivity.yaml, so that the suite stays short.
TRIM = {
    "train": {"seeds": [0, 1]},
    "sensitivity": {
        "init": {"settings": [{"init": "auto"}, {"init": "standard_normal"}]},
        "section2": {"settings": [{"init": "auto", "lr": 0.1}, {"init": "torch_default", "lr": 0.1}]},
        "weight_decay": {"settings": [{"weight_decay": 0}, {"weight_decay": 1e-5}, {"weight_decay": 1e-2}]},
        "learning_rate": {"settings": [{"lr": 0.01}, {"lr": 0.1}, {"lr": 1.0}]},
    },
}


def train_jobs(stdout: str) -> list[dict]:
    """The wildcards of each train job a dry run plans (an option the console leaves out is at its default: empty)."""
    every = RunKey.names()
    return [
        {**dict.fromkeys(every, ""), **dict(kv.split("=") for kv in line.split(", "))}
        for line in planned_train_jobs(stdout)
    ]


@pytest.fixture(scope="module")
def sensitivity_run(smoke_run, mnist_raw, tmp_path_factory):
    """A copy of the smoke run, then the trimmed sensitivity overlay on top: the dry run's plan and the result."""
    workdir = tmp_path_factory.mktemp("sensitivity") / "run"
    shutil.copytree(smoke_run, workdir)
    overlay = smoke_overlay(mnist_raw, **TRIM)
    plan = snakemake(workdir, "-n", overlay=overlay, sensitivity=True)
    snakemake(workdir, "--cores", "2", overlay=overlay, sensitivity=True)
    return plan.stdout, workdir


def test_the_overlay_reuses_every_study_run_and_trains_each_new_run_once(sensitivity_run):
    plan, _ = sensitivity_run
    jobs = train_jobs(plan)
    keys = [tuple(job.values()) for job in jobs]
    assert len(keys) == len(set(keys))  # no run is trained twice
    runs = [RunKey.from_wildcards(job) for job in jobs]
    assert not [
        run
        for run in runs
        if run.seed == 0
        and run.init in ("glorot_normal", "he_normal")
        and run.weight_decay in (0.0, 1e-5)
        and run.lr in (0.01, 0.001, 0.1)
    ]
    # the 17 smoke runs (15 study, 2 at lr 1000) with seed 1, and the new settings with seeds 0 and 1:
    # standard_normal init x 3 activations x 2 learning rates, torch_default in section 2 x 3,
    # weight decay 1e-2 x 3, learning rate 1.0 x 3
    assert len(jobs) == 17 + 2 * (6 + 3 + 3 + 3)
    assert {"download", "preprocess"}.isdisjoint(planned_rules(plan))


def test_the_report_shows_what_the_study_left_unstated(sensitivity_run):
    _, workdir = sensitivity_run
    html = (workdir / "report.html").read_text()
    section = html[html.index('<h2 id="unstated">') : html.index('<h2 id="robust">')]
    for sweep in TRIM["sensitivity"]:
        assert f'id="sweep-{sweep}"' in section
        assert (workdir / "results" / "figures" / f"sensitivity_{sweep}.png").stat().st_size > 0
    assert len(re.findall(r'<img src="data:image/png;base64,', section)) == 4
    assert "Which setting comes closest to the study" in section
    gaps = section[section.index('id="explained"') : section.index('id="closest"')]
    assert re.search(r"consistent with|not explained by any tested choice", gaps)
    assert "Not run here" not in section
    claim = html[html.index('<tr id="claim-larger_wd_raises_train_loss">') :]
    assert re.match(r'.*?<span class="verdict (holds|fails|tie|inconclusive)">', claim, re.S)


def test_the_sweep_table_holds_every_setting_of_every_sweep(sensitivity_run):
    _, workdir = sensitivity_run
    sweeps = pd.read_csv(workdir / "results" / "sensitivity.csv")
    full = yaml.safe_load((REPO / "config" / "sensitivity.yaml").read_text())["sensitivity"]
    expected = {
        (sweep, experiment, setting_label(setting))
        for sweep, trimmed in TRIM["sensitivity"].items()
        for experiment in full[sweep]["variants_of"]
        for setting in trimmed["settings"]
    }
    assert set(zip(sweeps["sweep"], sweeps["variant_of"], sweeps["setting"])) == expected
    assert len(sweeps) == 2 * 3 * len(expected)  # seeds x activations
