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
)
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE, UNTESTED
from mnist_mlp.judge.study import multiverse_figure
from mnist_mlp.runs.plan import universes

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
    for claim in claims:  # each with its specification curve, and the numbers behind it
        figure = work / "results" / "figures" / f"{multiverse_figure(claim['id'])}.csv"
        assert f'<figure id="{multiverse_figure(claim["id"])}" class="wide">' in section and figure.exists()
    glance = html[html.index('<h2 id="glance">'):html.index('<h2 id="since">')]
    assert len(re.findall(r'<a class="robustness [\w-]+" href="#robust-', glance)) == len(claims)
    assert "Nothing to be done" in snakemake(work, "-n", overlay=overlay).stdout


def test_the_specification_curve_draws_its_table_sorted_with_verdict_colours_and_the_default_ring(tmp_path):
    from matplotlib.colors import to_hex

    from mnist_mlp.present.figures import VERDICT_COLOURS, plot_specification_curve, save

    estimates = [2.0, -1.0, 0.3, 5.0]  # universes 0..3, by position
    verdicts = pd.DataFrame({
        "claim": "c", "universe": [f"u{i}" for i in range(4)], "position": range(4), "default": [False, False, True, False],
        "axis_init": ["auto", "auto", "standard_normal", "standard_normal"], "axis_lr": [0.1, 0.01, 0.1, 0.01],
        "verdict": [HOLDS, FAILS, TIE, HOLDS], "estimate": estimates,
        "low": [e - 0.5 for e in estimates], "high": [e + 0.5 for e in estimates], "p": [0.01, 0.9, 0.3, 0.001]})
    plotted = plot_specification_curve(verdicts, ["init", "lr"], margin=0.5, study_estimate=1.4)
    fig, table = plotted
    # panel A, sorted: -1.0 (u1), 0.3 (u2, the default), 2.0 (u0), 5.0 (u3)
    drawn = table.set_index("series")
    assert sorted(zip(drawn.loc[HOLDS, "x"], drawn.loc[HOLDS, "y"])) == [(2, 2.0), (3, 5.0)]
    assert (drawn.loc[[FAILS], "x"].tolist(), drawn.loc[[TIE], "x"].tolist()) == ([0], [1])
    assert drawn.loc[["default universe"], "x"].tolist() == [1]
    curve, board = fig.axes[:2]
    points = {to_hex(line.get_color()): sorted(map(tuple, line.get_xydata())) for line in curve.lines
              if line.get_marker() == "o" and line.get_markerfacecolor() != "none"}
    assert points[to_hex(VERDICT_COLOURS[HOLDS])] == [(2.0, 2.0), (3.0, 5.0)]
    assert points[to_hex(VERDICT_COLOURS[FAILS])] == [(0.0, -1.0)] and points[to_hex(VERDICT_COLOURS[TIE])] == [(1.0, 0.3)]
    (ring,) = [line for line in curve.lines if line.get_markerfacecolor() == "none"]
    assert ring.get_xydata().tolist() == [[1.0, 0.3]]
    # panel B: each option's row marks exactly the universes that take it, labelled beside the row
    assert [t.get_text() for t in board.get_yticklabels()] == ["init: auto", "init: standard_normal", "lr: 0.1",
                                                               "lr: 0.01"]
    assert sorted(drawn.loc[["init: auto"], "x"]) == [0, 2] and sorted(drawn.loc[["lr: 0.1"], "x"]) == [1, 2]
    save(plotted, tmp_path / "s.png", tmp_path / "s.svg", tmp_path / "s.csv", 100)  # the CSV beside it is this table
    written = pd.read_csv(tmp_path / "s.csv")
    assert written["series"].tolist() == table["series"].tolist() and written["x"].tolist() == table["x"].tolist()
