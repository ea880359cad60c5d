"""Judging a claim over universes, on hand-made outcomes with known answers; and a small
multiverse through the whole workflow."""

import re
import shutil

import pandas as pd
import pytest
import yaml

from conftest import REPO, SARKAR, SMOKE_TRAIN, smoke_overlay, snakemake
from mnist_mlp.data.arrays import prepared_paths
from mnist_mlp.judge.multiverse import (
    CONDITIONAL,
    NOT_SUPPORTED,
    ROBUST,
    flipping_choices,
    holm,
    robustness,
    scopes,
    summarise,
)
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE, UNTESTED
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.judge.study import choices_figure, multiverse_figure
from mnist_mlp.runs.plan import universe_variants, universes

AXES = {"init": ["glorot_normal", "standard_normal"], "lr": [0.1, 0.01]}


def test_every_combination_of_one_option_per_axis_is_a_universe():
    assert universes(AXES) == [
        {"init": "glorot_normal", "lr": 0.1},
        {"init": "glorot_normal", "lr": 0.01},
        {"init": "standard_normal", "lr": 0.1},
        {"init": "standard_normal", "lr": 0.01},
    ]
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
    diagonal = {
        ("glorot_normal", 0.1): HOLDS,
        ("glorot_normal", 0.01): HOLDS,
        ("standard_normal", 0.1): HOLDS,
        ("standard_normal", 0.01): TIE,
    }
    assert flipping_choices(diagonal, list(AXES)) == {
        "init": [("glorot_normal", "standard_normal")],
        "lr": [(0.01, 0.1)],
    }
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


def scoped(verdict_at) -> pd.DataFrame:
    """A claim's rows of multiverse_verdicts.csv over init (2 options) x n_train (30000, 60000)."""
    rows = [
        {
            "claim": "c",
            "position": i,
            "default": u == {"init": "auto", "n_train": 30000},
            "axis_init": u["init"],
            "axis_n_train": u["n_train"],
            "verdict": verdict_at(u),
            "estimate": 1.0 + i,
            "low": 0.5 + i,
            "high": 1.5 + i,
            "p": 0.01,
        }
        for i, u in enumerate(universes({"init": ["auto", "standard_normal"], "n_train": [60000, 30000]}))
    ]
    return pd.DataFrame(rows)


def test_a_scope_axis_splits_the_universes_the_studys_own_scope_first():
    table = scoped(lambda u: HOLDS if u["n_train"] == 30000 else FAILS)
    (own, at_own), (other, at_other) = scopes(table, ["n_train"], {"n_train": 30000})
    assert own == {"n_train": 30000} and set(at_own["verdict"]) == {HOLDS} and len(at_own) == 2
    assert other == {"n_train": 60000} and set(at_other["verdict"]) == {FAILS}
    # read back from the CSV the option is a number or text; either matches the config's
    assert scopes(table.astype({"axis_n_train": str}), ["n_train"], {"n_train": 30000})[0][0] == {"n_train": "30000"}
    assert scopes(table, [], {})[0][1] is table  # no scope axis: one group of every universe


def test_a_claim_that_fails_only_at_another_scope_is_robust_at_the_studys_and_says_where_it_fails(tmp_path):
    from mnist_mlp.present.figures import plot_specification_curve, save
    from mnist_mlp.present.html import Figures
    from mnist_mlp.present.robustness import Multiverse, robust_section

    table = scoped(lambda u: HOLDS if u["n_train"] == 30000 else FAILS)
    files = {ext: tmp_path / f"curve.{ext}" for ext in ("png", "svg", "csv")}
    save(plot_specification_curve(table, ["init", "n_train"], 0.5, scope=["n_train"]), *files.values(), 50)
    figures = Figures({multiverse_figure("c"): files}, DATASET_INFO["mnist"])
    claim = {"id": "c", "section": "1", "text": "t", "verdict": HOLDS}
    settings = {"familywise_alpha": 0.05, "labels": {}}
    context = robust_section(
        Multiverse(table, axes=["init", "n_train"], scope_axes=["n_train"], own_scope={"n_train": 30000}),
        [claim],
        settings,
        figures,
        "",
    )
    (row,) = context["rows"]
    assert row["label"] == ROBUST and row["n"] == 2 and row["flips"] == [] and row["scope"] is None
    assert [(o["scope"], o["label"], o["n"]) for o in row["other_scopes"]] == [
        ("at 60,000 training images", NOT_SUPPORTED, 2)
    ]
    assert context["axes"] == ["init"] and context["n_at_scope"] == 2
    # without the scope axis the same universes make it conditional, flipped by the data's size
    mixed = robust_section(Multiverse(table, axes=["init", "n_train"]), [claim], settings, figures, "")["rows"][0]
    assert mixed["label"] == CONDITIONAL and mixed["flips"][0].startswith("n_train")


def test_universes_vary_hidden_widths_and_training_size_as_runs_of_their_own():
    from mnist_mlp.runs.plan import experiment_runs

    experiments = {"torch": {"backend": "torch", "lr": 0.1, "activations": ["relu"]}}
    default = {"dataset": "mnist", "n_train": 30000, "hidden": [500, 250, 100], "init": "auto", "weight_decay": 0}
    axes = {
        "hidden": {"options": [[500, 250, 100], [100]], "experiments": ["torch"]},
        "n_train": {"options": [30000, 60000], "experiments": ["torch"]},
    }
    variants = universe_variants(experiments, {"axes": axes}, default)
    assert [v["default"] for v in variants] == [True, False, False, False]
    runs = [experiment_runs(v["experiment"], [0], default)[0] for v in variants]
    assert [(r.hidden, r.n_train) for r in runs] == [
        ((500, 250, 100), 30000),
        ((500, 250, 100), 60000),
        ((100,), 30000),
        ((100,), 60000),
    ]
    assert len({r.path() for r in runs}) == 4
    assert variants[2]["universe"] == "hidden 100, 30,000 training images"


ALL = ["baseline", "lr_0.001", "lr_0.1", "torch", "torch_l2"]
# init, and the training set's size: a scope axis, with data of its own to preprocess
TWO_BY_TWO = {
    "train": {"seeds": [0, 1]},
    "multiverse": {
        "axes": {
            "init": {"options": ["auto", "standard_normal"], "experiments": ALL},
            "n_train": {"options": [SMOKE_TRAIN, SMOKE_TRAIN // 2], "experiments": ALL},
        }
    },
}


def test_a_two_by_two_multiverse_runs_through_the_dag_and_labels_every_claim(smoke_run, mnist_raw, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(smoke_run, work)
    overlay = smoke_overlay(mnist_raw, **TWO_BY_TWO)
    snakemake(work, "--cores", "2", overlay=overlay)
    verdicts = pd.read_csv(work / "results" / "multiverse_verdicts.csv")
    claims = yaml.safe_load((SARKAR / "study.yaml").read_text())["claims"]
    assert len(verdicts) == 4 * len(claims) and verdicts["position"].nunique() == 4
    # the default universe is the config's own: init auto, the config's training images
    default = verdicts[verdicts["default"]]
    assert set(zip(default["axis_init"], default["axis_n_train"])) == {("auto", SMOKE_TRAIN)}
    assert (work / prepared_paths("mnist", SMOKE_TRAIN // 2)["data"]).exists()
    html = (work / "report.html").read_text()
    section = html[html.index('<h2 id="robust">') : html.index('<h2 id="beyond">')]
    labels = re.findall(r'<tr id="robust-([^"]+)">.*?<span class="robustness [\w-]+">([^<]+)</span>', section, re.S)
    assert [claim for claim, _ in labels] == [c["id"] for c in claims]
    # each label is over the study's own scope; the other scope has its own, in each row
    smaller = f"at {SMOKE_TRAIN // 2:,} training images: "
    assert all(smaller in row for row in section.split('<tr id="robust-')[1:])
    assert {label for _, label in labels} <= {ROBUST, CONDITIONAL, NOT_SUPPORTED, UNTESTED}
    assert dict(labels)["larger_wd_raises_train_loss"] == UNTESTED  # it needs the weight-decay sweep
    for claim in claims:  # each with its specification curve, and the numbers behind it
        figure = work / "results" / "figures" / f"{multiverse_figure(claim['id'])}.csv"
        assert f'<figure id="{multiverse_figure(claim["id"])}" class="wide">' in section and figure.exists()
    # the study's numbers are held against the universes at its own scope, which they allow or not
    fit = pd.read_csv(work / "results" / "multiverse_fit.csv")
    assert len(fit) == 2 and set(fit["axis_n_train"]) == {SMOKE_TRAIN} and fit["allowed"].any()
    assert set(fit["n_numbers"]) == {15}
    n_allowed = fit["allowed"].sum()
    allowed = f"over the {n_allowed} universe{'s' if n_allowed != 1 else ''} the study's numbers allow"
    assert all(row.count(allowed) == 2 for row in section.split('<tr id="robust-')[1:])  # both scopes
    # the summary's first lines give each claim both labels, each linking to the claim's row
    summary = html[html.index('<h2 id="summary">') : html.index('<h2 id="since">')]
    over_all = re.findall(r'href="#robust-([^"]+)">([^<]+)</a> over 2 universes', summary)
    over_allowed = re.findall(rf'href="#robust-([^"]+)">([^<]+)</a> {allowed}', summary)
    assert over_all == labels
    in_rows = re.findall(
        rf'<tr id="robust-([^"]+)">.*?{allowed}: <span class="robustness [\w-]+">([^<]+)<', section, re.S
    )
    assert over_allowed == in_rows and len(in_rows) == len(claims)
    # "since the last report" counts the runs only the universes hold, and names them so
    start = html.index('<h2 id="since">')
    since = html[start : html.index("<h2 ", start + 1)]
    study_dirs = set(pd.read_csv(work / "results" / "runs.csv")["dir"])
    study_dirs |= set(pd.read_csv(work / "results" / "sensitivity.csv")["dir"])
    universe_only = set(pd.read_csv(work / "results" / "multiverse.csv")["dir"]) - study_dirs
    assert universe_only and f"{len(universe_only)} only in the universes)" in since
    assert since.count(">universe ") == len(universe_only)
    assert '<h3 id="allowed">' in section
    # which choices move each claim: shares that add up to 100 per claim and scope, or a reason
    choices = pd.read_csv(work / "results" / "multiverse_choices.csv")
    shares = choices[choices["part"] == "share"]
    decomposed = shares.dropna(subset=["term"]).groupby(["claim", "axis_n_train"])["value"].sum()
    assert len(decomposed) and all(abs(total - 100) < 1e-6 for total in decomposed)
    assert shares[shares["term"].isna()]["note"].notna().all()
    assert '<h3 id="choices">' in section
    for claim in claims:
        assert f'<figure id="{choices_figure(claim["id"])}">' in section
    # each "A beats B" claim tested across the universes of each scope, its p-values per universe
    joint = pd.read_csv(work / "results" / "multiverse_joint.csv")
    directional = [c["id"] for c in claims if c["kind"] in ("beats", "best_activation")]
    assert sorted(set(joint["claim"])) == sorted(directional) and len(joint) == 2 * len(directional)
    assert (joint["draws"] == 10000).all() and joint["p_median"].between(0, 1).all()
    tested = verdicts[verdicts["claim"].isin(directional)]
    found = tested.dropna(subset=["p_maxt"])
    assert found["p_maxt"].between(0, 1).all() and (found["p_maxt"] >= found["p_flip"]).all()
    assert (tested[tested["p_maxt"].isna()]["verdict"] != HOLDS).all()  # left out of the test: it cannot hold
    assert verdicts[~verdicts["claim"].isin(directional)]["p_maxt"].isna().all()
    assert '<h3 id="joint">' in section and section.count('<tr id="joint-') == len(directional)
    assert "Nothing to be done" in snakemake(work, "-n", overlay=overlay).stdout


def test_the_specification_curve_draws_its_table_sorted_with_verdict_colours_and_the_default_ring(tmp_path):
    from matplotlib.colors import to_hex

    from mnist_mlp.present.figures import VERDICT_COLOURS, plot_specification_curve, save

    estimates = [2.0, -1.0, 0.3, 5.0]  # universes 0..3, by position
    verdicts = pd.DataFrame(
        {
            "claim": "c",
            "universe": [f"u{i}" for i in range(4)],
            "position": range(4),
            "default": [False, False, True, False],
            "axis_init": ["auto", "auto", "standard_normal", "standard_normal"],
            "axis_lr": [0.1, 0.01, 0.1, 0.01],
            "verdict": [HOLDS, FAILS, TIE, HOLDS],
            "estimate": estimates,
            "low": [e - 0.5 for e in estimates],
            "high": [e + 0.5 for e in estimates],
            "p": [0.01, 0.9, 0.3, 0.001],
        }
    )
    plotted = plot_specification_curve(verdicts, ["init", "lr"], margin=0.5, study_estimate=1.4)
    fig, table = plotted
    # panel A, sorted: -1.0 (u1), 0.3 (u2, the default), 2.0 (u0), 5.0 (u3)
    drawn = table.set_index("series")
    assert sorted(zip(drawn.loc[HOLDS, "x"], drawn.loc[HOLDS, "y"])) == [(2, 2.0), (3, 5.0)]
    assert (drawn.loc[[FAILS], "x"].tolist(), drawn.loc[[TIE], "x"].tolist()) == ([0], [1])
    assert drawn.loc[["default universe"], "x"].tolist() == [1]
    curve, board = fig.axes[:2]
    points = {
        to_hex(line.get_color()): sorted(map(tuple, line.get_xydata()))
        for line in curve.lines
        if line.get_marker() == "o" and line.get_markerfacecolor() != "none"
    }
    assert points[to_hex(VERDICT_COLOURS[HOLDS])] == [(2.0, 2.0), (3.0, 5.0)]
    assert points[to_hex(VERDICT_COLOURS[FAILS])] == [(0.0, -1.0)] and points[to_hex(VERDICT_COLOURS[TIE])] == [
        (1.0, 0.3)
    ]
    (ring,) = [line for line in curve.lines if line.get_markerfacecolor() == "none"]
    assert ring.get_xydata().tolist() == [[1.0, 0.3]]
    # panel B: each option's row marks exactly the universes that take it, labelled beside the row
    assert [t.get_text() for t in board.get_yticklabels()] == [
        "init: auto",
        "init: standard_normal",
        "lr: 0.1",
        "lr: 0.01",
    ]
    assert sorted(drawn.loc[["init: auto"], "x"]) == [0, 2] and sorted(drawn.loc[["lr: 0.1"], "x"]) == [1, 2]
    save(plotted, tmp_path / "s.png", tmp_path / "s.svg", tmp_path / "s.csv", 100)  # the CSV beside it is this table
    written = pd.read_csv(tmp_path / "s.csv")
    assert written["series"].tolist() == table["series"].tolist() and written["x"].tolist() == table["x"].tolist()


def test_a_scope_axis_draws_each_scope_as_its_own_sorted_block_named_above_it():
    from mnist_mlp.present.figures import plot_specification_curve, specification_order

    estimates = pd.Series([4.0, 1.0, 3.0, 2.0])  # (auto|std) x (60000|30000), by position
    table = scoped(lambda u: HOLDS).assign(estimate=estimates, low=estimates - 0.5, high=estimates + 0.5)
    ordered = specification_order(table, ["n_train"])
    # block 0 is 60,000 (the config lists it first), sorted by estimate; a one-universe gap before block 1
    assert list(zip(ordered["axis_n_train"], ordered["estimate"], ordered["rank"])) == [
        (60000, 3.0, 0),
        (60000, 4.0, 1),
        (30000, 1.0, 3),
        (30000, 2.0, 4),
    ]
    fig, _ = plot_specification_curve(table, ["init", "n_train"], margin=0.5, scope=["n_train"])
    curve = fig.axes[0]
    assert [t.get_text() for t in curve.texts] == ["60,000 training images", "30,000 training images"]
    assert [
        line.get_xdata()[0]
        for line in curve.lines
        if line.get_linestyle() == "-" and len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ] == [2]
    board = fig.axes[1]
    fig.canvas.draw()  # the tick labels exist once drawn
    numbered = {tick.get_loc(): tick.label1.get_text() for tick in board.xaxis.get_major_ticks()}
    assert {x: numbered.get(x) for x in range(5)} == {0: "1", 1: "2", 2: "", 3: "3", 4: "4"}  # no number for the gap


def test_with_a_dataset_axis_each_claim_has_its_verdict_and_label_on_each_dataset(tmp_path):
    from mnist_mlp.present.figures import plot_specification_curve, save
    from mnist_mlp.present.html import Figures
    from mnist_mlp.present.robustness import Multiverse, robust_section

    on_mnist = lambda u: u["dataset"] == "mnist"  # noqa: E731
    rows = [
        {
            "claim": "c",
            "position": i,
            "default": u == {"init": "auto", "dataset": "mnist"},
            "axis_init": u["init"],
            "axis_dataset": u["dataset"],
            "verdict": HOLDS if on_mnist(u) else FAILS,
            "estimate": 1.0,
            "low": 0.5,
            "high": 1.5,
            "p": 0.01,
        }
        for i, u in enumerate(universes({"init": ["auto", "standard_normal"], "dataset": ["mnist", "fashion_mnist"]}))
    ]
    table = pd.DataFrame(rows)
    files = {ext: tmp_path / f"curve.{ext}" for ext in ("png", "svg", "csv")}
    save(plot_specification_curve(table, ["init", "dataset"], 0.5, scope=["dataset"]), *files.values(), 50)
    claim = {"id": "c", "section": "1", "text": "t", "verdict": HOLDS}
    settings = {"familywise_alpha": 0.05, "labels": {}}
    figures = Figures({multiverse_figure("c"): files}, DATASET_INFO["mnist"])
    context = robust_section(
        Multiverse(table, axes=["init", "dataset"], scope_axes=["dataset"], own_scope={"dataset": "mnist"}),
        [claim],
        settings,
        figures,
        "",
    )
    assert context["datasets"] == ["MNIST", "Fashion-MNIST"]
    assert context["rows"][0]["by_dataset"] == [
        {"title": "MNIST", "verdict": HOLDS, "label": ROBUST},
        {"title": "Fashion-MNIST", "verdict": FAILS, "label": NOT_SUPPORTED},
    ]
    assert context["rows"][0]["other_scopes"][0]["scope"] == "on Fashion-MNIST"
