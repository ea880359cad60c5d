"""Judging a claim over universes, on hand-made outcomes with known answers; and a small
multiverse through the whole workflow."""

import re
import shutil

import pandas as pd
import pytest
import yaml

from conftest import REPO, smoke_overlay, snakemake
from mnist_mlp.judge.multiverse import (
    CONDITIONAL,
    NOT_SUPPORTED,
    ROBUST,
    flipping_choices,
    holm,
    robustness,
    summarise,
    universes,
)
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE, UNTESTED

AXES = {"init": ["glorot_normal", "standard_normal"], "lr": [0.1, 0.01]}


def test_every_combination_of_one_option_per_axis_is_a_universe():
    assert universes(AXES) == [{"init": "glorot_normal", "lr": 0.1}, {"init": "glorot_normal", "lr": 0.01},
                               {"init": "standard_normal", "lr": 0.1}, {"init": "standard_normal", "lr": 0.01}]
    assert universes({}) == [{}]


def test_holm_rejects_the_hand_computed_hypotheses():
    # m = 4, alpha 0.05: sorted 0.001 <= 0.0125, 0.01 <= 0.0167, 0.03 > 0.025 stops: 0.04 is kept
    # although below 0.05, and so is 0.03
    assert holm([0.03, 0.001, 0.04, 0.01], 0.05) == [False, True, False, True]
    assert holm([0.001, 0.001, 0.001, 0.02], 0.05) == [True, True, True, True]  # last: 0.02 <= 0.05 / 1
    assert holm([0.02, 0.02], 0.05) == [True, True]  # 0.02 <= 0.025, then 0.02 <= 0.05
    assert holm([0.03, 0.03], 0.05) == [False, False]  # 0.03 > 0.025 stops at once
    assert holm([None, 0.01, None], 0.05) == [False, True, False]  # untested: not in the family


def grid(verdict_of) -> dict:
    return {(u["init"], u["lr"]): verdict_of(u) for u in universes(AXES)}


def test_only_the_choice_that_flips_a_verdict_is_named_with_its_options():
    verdicts = grid(lambda u: HOLDS if u["init"] == "glorot_normal" else FAILS)
    assert flipping_choices(verdicts, list(AXES)) == {"init": [("glorot_normal", "standard_normal")]}
    # a verdict that changes only with both axes at once is flipped by each, holding the other fixed
    diagonal = {("glorot_normal", 0.1): HOLDS, ("glorot_normal", 0.01): HOLDS, ("standard_normal", 0.1): HOLDS,
                ("standard_normal", 0.01): TIE}
    assert flipping_choices(diagonal, list(AXES)) == {"init": [("glorot_normal", "standard_normal")],
                                                      "lr": [(0.01, 0.1)]}
    assert flipping_choices(grid(lambda u: HOLDS), list(AXES)) == {}


def test_each_robustness_label_and_one_failure_is_never_robust():
    assert robustness([HOLDS] * 4) == ROBUST
    assert robustness([HOLDS, HOLDS, HOLDS, FAILS]) == CONDITIONAL
    assert robustness([HOLDS, TIE, INCONCLUSIVE, HOLDS]) == CONDITIONAL
    assert robustness([FAILS, TIE, INCONCLUSIVE, FAILS]) == NOT_SUPPORTED
    assert robustness([]) == NOT_SUPPORTED
    assert robustness([UNTESTED] * 4) == UNTESTED  # needs a sweep no universe has: not "not supported"


def test_a_claim_over_universes_is_counted_summarised_and_labelled():
    verdicts = grid(lambda u: HOLDS if u["init"] == "glorot_normal" else INCONCLUSIVE)
    estimates = dict(zip(verdicts, [2.0, 3.0, 0.5, None]))  # a universe whose runs all diverged: no estimate
    p_values = dict(zip(verdicts, [0.001, 0.03, 0.2, None]))
    summary = summarise(verdicts, estimates, p_values, list(AXES), alpha=0.05)
    assert summary.counts == {HOLDS: 2, FAILS: 0, TIE: 0, INCONCLUSIVE: 2, UNTESTED: 0}
    assert summary.quartiles == pytest.approx((0.5, 1.25, 2.0, 2.5, 3.0))
    assert summary.n_holm == 1  # of three tested: 0.001 <= 0.05 / 3; 0.03 > 0.05 / 2 stops
    assert summary.flips == {"init": [("glorot_normal", "standard_normal")]} and summary.label == CONDITIONAL
    undirected = summarise(verdicts, estimates, dict.fromkeys(verdicts), list(AXES), alpha=0.05)
    assert undirected.n_holm is None


TWO_BY_TWO = {"train": {"seeds": [0, 1]},
              "multiverse": {"axes": {"init": {"options": ["auto", "standard_normal"],
                                               "experiments": ["baseline", "lr_0.001", "lr_0.1", "torch", "torch_l2"]},
                                      "lr": {"options": [0.1, 0.01], "experiments": ["torch", "torch_l2"]}}}}


def test_a_two_by_two_multiverse_runs_through_the_dag_and_labels_every_claim(smoke_run, mnist_raw, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(smoke_run, work)
    overlay = smoke_overlay(mnist_raw, **TWO_BY_TWO)
    snakemake(work, "--cores", "2", overlay=overlay)
    verdicts = pd.read_csv(work / "results" / "multiverse_verdicts.csv")
    claims = yaml.safe_load((REPO / "config" / "study_reported.yaml").read_text())["claims"]
    assert len(verdicts) == 4 * len(claims) and verdicts["position"].nunique() == 4
    # the default universe is the config's own: init auto, section 2 at lr 0.1
    default = verdicts[verdicts["default"]]
    assert set(zip(default["axis_init"], default["axis_lr"])) == {("auto", 0.1)}
    html = (work / "report.html").read_text()
    section = html[html.index('<h2 id="robust">'):html.index('<h2 id="beyond">')]
    labels = re.findall(r'<tr id="robust-([^"]+)">.*?<span class="robustness [\w-]+">([^<]+)</span>', section, re.S)
    assert [claim for claim, _ in labels] == [c["id"] for c in claims]
    assert {label for _, label in labels} <= {ROBUST, CONDITIONAL, NOT_SUPPORTED, UNTESTED}
    assert dict(labels)["larger_wd_raises_train_loss"] == UNTESTED  # it needs the weight-decay sweep
    glance = html[html.index('<h2 id="glance">'):html.index('<h2 id="since">')]
    assert len(re.findall(r'<a class="robustness [\w-]+" href="#robust-', glance)) == len(claims)
    assert "Nothing to be done" in snakemake(work, "-n", overlay=overlay).stdout
