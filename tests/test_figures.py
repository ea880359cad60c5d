"""The figures from real aggregated runs: one seed is a line, several seeds a line with a band; and from
small tables made here: text from the config, however long, never squeezes a figure's axes."""

import inspect
import textwrap
import warnings
from functools import partial

import matplotlib.collections
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd
import yaml

from conftest import CANONICAL_TEST_COUNTS, REPO, SARKAR
from mnist_mlp.data.arrays import chance_level
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.present import figures
from mnist_mlp.present.figures import (
    BAR_NAME_WIDTH,
    CONFIG_TEXT_LINES,
    GRID_TITLE_WIDTH,
    SETTING_WIDTH,
    SWEEP_TITLE_WIDTH,
    chance_label,
    fit_text,
    plot_confusion_figure,
)
from mnist_mlp.runs.plan import setting_label

CHANCE_PCT = chance_level(CANONICAL_TEST_COUNTS)
MNIST = DATASET_INFO["mnist"]
plot_curve_figure = partial(figures.plot_curve_figure, chance_pct=CHANCE_PCT, dataset=MNIST)
plot_reported_vs_reproduced = partial(figures.plot_reported_vs_reproduced, chance_pct=CHANCE_PCT, dataset=MNIST)
plot_sweep = partial(figures.plot_sweep, chance_pct=CHANCE_PCT, dataset=MNIST)
plot_test_accuracy_grid = partial(figures.plot_test_accuracy_grid, chance_pct=CHANCE_PCT, dataset=MNIST)

SPECS = {fig["id"]: fig for fig in yaml.safe_load((SARKAR / "study.yaml").read_text())["figures"]}


def bands(fig) -> int:
    return sum(isinstance(c, matplotlib.collections.PolyCollection) for ax in fig.axes for c in ax.collections)


def two_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """The smoke run's rows again as seed 1, values nudged, as a second seed would give."""
    other = table.assign(seed=1)
    if "value" in other:
        other["value"] = other["value"] * 1.05
    return pd.concat([table, other], ignore_index=True)


def test_one_seed_draws_lines_several_seeds_add_a_band(smoke_run):
    runs = pd.read_csv(smoke_run / "results" / "runs.csv")
    curves = pd.read_csv(smoke_run / "results" / "curves.csv")
    for fig_id in ("fig01", "fig09b", "fig15"):
        assert bands(plot_curve_figure(SPECS[fig_id], runs, curves, smooth=5).figure) == 0
        assert bands(plot_curve_figure(SPECS[fig_id], two_seeds(runs), two_seeds(curves), smooth=5).figure) > 0


def test_missing_runs_are_written_on_the_figure(smoke_run):
    runs = pd.read_csv(smoke_run / "results" / "runs.csv")
    confusion = pd.read_csv(smoke_run / "results" / "confusion.csv")
    spec = {**SPECS["fig07"], "experiment": "not_run"}
    texts = [t.get_text() for ax in plot_confusion_figure(spec, runs, confusion, MNIST).figure.axes for t in ax.texts]
    assert "relu: no runs (missing)" in texts


def test_each_figure_names_the_classes_as_its_dataset_does():
    fashion = DATASET_INFO["fashion_mnist"]
    runs = pd.DataFrame([{"experiment": "e", "activation": "relu", "diverged": False}])
    confusion = pd.DataFrame(
        [
            {"experiment": "e", "activation": "relu", "true": t, "predicted": p, "count": 5 * (t == p)}
            for t in range(10)
            for p in range(10)
        ]
    )
    for dataset, ticks in ((MNIST, [str(i) for i in range(10)]), (fashion, list(fashion.classes))):
        ax = plot_confusion_figure({"experiment": "e", "activation": "relu"}, runs, confusion, dataset).figure.axes[0]
        assert (ax.get_ylabel(), ax.get_xlabel()) == (f"true {dataset.noun}", f"predicted {dataset.noun}")
        assert [t.get_text() for t in ax.get_yticklabels()] == ticks
    bars = {"e0": [{"activation": a, "reported": None, "mean": 85.0, "std": 0.5} for a in figures.ACTIVATIONS]}
    figure, _ = figures.plot_reported_vs_reproduced(bars, {"e0": "1.1"}, chance_pct=10.0, dataset=fashion)
    assert "chance: commonest class (10.00 %)" in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    plt.close("all")


def test_no_figure_function_assumes_a_dataset():
    for name, function in inspect.getmembers(figures, inspect.isfunction):
        if function.__module__ != figures.__name__:
            continue
        for parameter in inspect.signature(function).parameters.values():
            if parameter.name in ("dataset", "noun", "classes"):
                assert parameter.default is inspect.Parameter.empty, f"{name}({parameter.name}=...) has a default"


def sweep_summary(settings: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "sweep": "s",
                "variant_of": "torch",
                "position": i,
                "setting": setting,
                "activation": a,
                "mean": 90.0 + i,
                "std": float("nan"),
                "train_loss": 0.1 * (i + 1),
                "n_seeds": 1,
                "n_diverged": 0,
            }
            for i, setting in enumerate(settings)
            for a in ("sigmoid", "tanh", "relu")
        ]
    )


def test_a_sweep_marks_the_studys_numbers_where_its_setting_is_known_else_draws_lines():
    reported = {"torch": {"relu": 97, "tanh": 96, "sigmoid": 93}, "torch_l2": {"relu": 96.3}}
    summary = sweep_summary(["weight decay 0", "weight decay 1e-05", "weight decay 0.01"])
    marks = pd.DataFrame([{"variant_of": "torch", "position": 1, "activation": "relu", "reported": 96.3}])
    fig, table = plot_sweep(False, summary, marks, reported, {"torch": "2.1"})
    accuracy = fig.axes[0]
    stars = [line for line in accuracy.lines if line.get_marker() == "*"]
    assert [tuple(line.get_xydata()[0]) for line in stars] == [(1.0, 96.3)]  # at weight decay 1e-5, the study's own
    assert stars[0].get_label() == "torch / final test accuracy (%) / relu / reported by the study"
    assert table[table["series"] == stars[0].get_label()][["x", "y"]].values.tolist() == [["1e-05", 96.3]]
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["0", "1e-05", "0.01"]
    assert fig.axes[1].get_xlabel() == "weight decay"

    unstated, table = plot_sweep(
        True, sweep_summary(["init auto", "init standard_normal"]), marks.iloc[:0], reported, {"torch": "2.1"}
    )
    lines = {
        round(line.get_ydata()[0], 1)
        for line in unstated.axes[0].lines
        if len(set(line.get_ydata())) == 1
        and line.get_linestyle() == "--"
        and line.get_label() != chance_label(CHANCE_PCT, MNIST.noun)
    }
    assert lines == {97.0, 96.0, 93.0}  # the study's 2.1 numbers, whose init it does not state
    study_rows = table[table["series"].str.endswith("(setting unknown)")]
    assert sorted(study_rows["y"]) == [93.0, 96.0, 97.0] and study_rows["x"].isna().all()


def test_any_text_from_the_config_is_drawn_literally(smoke_run):
    runs = pd.read_csv(smoke_run / "results" / "runs.csv")
    curves = pd.read_csv(smoke_run / "results" / "curves.csv")
    title = "a $\\notacommand$ b \\ 5 % _x_ é ü Ω"
    figure, _ = plot_test_accuracy_grid(runs, curves, {"baseline": title})
    figure.canvas.draw()  # mathtext would raise on \notacommand here
    drawn = [t.get_text() for ax in figure.axes for t in [ax.title]]
    assert any(title in text.replace("\n", " ") for text in drawn)


# A title of config/config.yaml that takes two lines over a panel, as many as config text may; and a
# 2,000-character one, as pasting a paragraph would give.
TWO_LINE_TITLE = "1.1 Backpropagation on the baseline model"
LONG_TITLE = (TWO_LINE_TITLE + ", " + "and a further clause that goes on " * 60)[:2000]
# Axes positions are figure fractions. A title's lines are as tall whatever they say: 1e-3, about a
# pixel. A turned label takes room by its glyphs' widths ("…" is wider than the letter it replaces):
# 0.02, about two characters, where an uncut label takes the whole figure.
SAME_PLACE = 1e-3
SAME_PLACE_TURNED = 0.02


def laid_out(figure) -> tuple[np.ndarray, list[str]]:
    """The figure as saved: each axes' position (x0, y0, width, height) and each text drawn."""
    with warnings.catch_warnings():
        # where it cannot fit everything, constrained layout gives up with no more than a warning
        warnings.simplefilter("error")
        figure.canvas.draw()
    positions = np.array([ax.get_position().bounds for ax in figure.axes])
    texts = [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    plt.close(figure)
    return positions, texts


def over_bound(texts: list[str], width: int, max_lines: int = CONFIG_TEXT_LINES) -> list[str]:
    """The texts longer than ``max_lines`` lines or with a line longer than ``width`` characters."""
    return [t for t in texts if len(t.split("\n")) > max_lines or max(map(len, t.split("\n"))) > width]


def starts(text: str, drawn: str) -> bool:
    """Whether ``drawn`` is the start of ``text``, wrapped (at a space or inside a word) and cut with "…"."""
    return drawn.endswith("…") and "".join(text.split()).startswith("".join(drawn[:-1].split()))


def accuracy_tables(experiments: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and test-accuracy curves of one seed and two epochs, per experiment and activation."""
    activations = figures.ACTIVATIONS
    runs = pd.DataFrame(
        [{"experiment": e, "activation": a, "diverged": False} for e in experiments for a in activations]
    )
    curves = pd.DataFrame(
        [
            {
                "experiment": e,
                "activation": a,
                "seed": 0,
                "metric": "test_accuracy",
                "x": epoch,
                "value": 0.5 + 0.2 * epoch,
            }
            for e in experiments
            for a in activations
            for epoch in (1, 2)
        ]
    )
    return runs, curves


def test_config_text_that_fits_is_drawn_as_before_and_longer_text_is_cut_with_an_ellipsis():
    config = yaml.safe_load((SARKAR / "config.yaml").read_text())
    for exp in config["experiments"].values():
        for width in (GRID_TITLE_WIDTH, SWEEP_TITLE_WIDTH):
            assert fit_text(exp["title"], width, CONFIG_TEXT_LINES) == textwrap.fill(exp["title"], width)
    assert fit_text(TWO_LINE_TITLE, GRID_TITLE_WIDTH, CONFIG_TEXT_LINES) == "1.1 Backpropagation on the\nbaseline model"
    for text in (LONG_TITLE, "x" * 2000, "ab " * 600):
        cut = fit_text(text, GRID_TITLE_WIDTH, CONFIG_TEXT_LINES)
        assert not over_bound([cut], GRID_TITLE_WIDTH) and starts(text, cut)
    assert fit_text(LONG_TITLE, GRID_TITLE_WIDTH, CONFIG_TEXT_LINES).endswith(" further…")  # cut at a word's end


def test_a_long_experiment_title_is_cut_over_its_overview_panel_and_no_panel_shrinks():
    experiments = ["e0", "e1", "e2", "e3"]  # two rows: a runaway title would cover the legend and the next row
    runs, curves = accuracy_tables(experiments)
    titles = dict.fromkeys(experiments, "2.1 PyTorch without regularisation") | {"e0": TWO_LINE_TITLE}
    normal, _ = laid_out(plot_test_accuracy_grid(runs, curves, titles).figure)
    figure, _ = plot_test_accuracy_grid(runs, curves, titles | {"e0": LONG_TITLE})
    long, texts = laid_out(figure)
    np.testing.assert_allclose(long, normal, atol=SAME_PLACE)
    assert not over_bound(texts, GRID_TITLE_WIDTH)
    assert starts(LONG_TITLE, figure.axes[0].get_title())


def sweep_summary_of(variants: list[str], settings: list[str]) -> pd.DataFrame:
    return pd.concat([sweep_summary(settings).assign(variant_of=variant) for variant in variants], ignore_index=True)


def test_a_long_title_is_cut_over_its_sweep_column_and_no_panel_shrinks():
    summary = sweep_summary_of(["baseline", "torch"], ["lr 0.01", "lr 0.1"])
    titles = {"baseline": TWO_LINE_TITLE, "torch": "2.1 PyTorch without regularisation"}
    normal, _ = laid_out(plot_sweep(True, summary, pd.DataFrame(), {}, titles).figure)
    figure, table = plot_sweep(True, summary, pd.DataFrame(), {}, titles | {"baseline": LONG_TITLE})
    long, texts = laid_out(figure)
    np.testing.assert_allclose(long, normal, atol=SAME_PLACE)
    assert not over_bound(texts, SWEEP_TITLE_WIDTH)
    assert starts(f"varying {LONG_TITLE}", figure.axes[0].get_title())
    assert table["series"].str.startswith(("baseline / ", "torch / ")).all()  # series are named by id, not title


def test_a_long_setting_is_cut_under_its_sweep_column_and_keeps_its_whole_name_in_the_table():
    digits = 0.000123456789012345
    longest = setting_label({"init": "glorot_uniform", "lr": digits, "weight_decay": digits})  # 79 characters
    two_lines = setting_label({"init": "glorot_uniform", "lr": 0.001, "weight_decay": 0.0001})
    assert fit_text(two_lines, SETTING_WIDTH, CONFIG_TEXT_LINES).count("\n") == 1  # drawn in full, on two lines
    titles = {"torch": "2.1 PyTorch without regularisation"}
    normal, _ = laid_out(
        plot_sweep(True, sweep_summary([two_lines, "init auto, lr 0.1"]), pd.DataFrame(), {}, titles).figure
    )
    figure, table = plot_sweep(True, sweep_summary([longest, "init auto, lr 0.1"]), pd.DataFrame(), {}, titles)
    long, _ = laid_out(figure)
    np.testing.assert_allclose(long, normal, atol=SAME_PLACE_TURNED)
    ticks = [t.get_text() for t in figure.axes[-1].get_xticklabels()]
    assert not over_bound(ticks, SETTING_WIDTH)
    assert starts(longest, ticks[0]) and ticks[1] == "init auto, lr 0.1"
    assert set(table["x"]) == {longest, "init auto, lr 0.1"}


def test_a_long_first_word_is_cut_under_its_bars_and_the_bars_keep_their_height():
    experiments = ["e0", "e1", "e2", "e3", "e4"]  # as many as the study has: fewer bars leave no room for the legend
    bars = {
        exp: [{"activation": a, "reported": 90.0, "mean": 91.0, "std": 0.5} for a in figures.ACTIVATIONS]
        for exp in experiments
    }
    unbroken = LONG_TITLE.replace(" ", "_")  # no space: the whole title is the first word
    titles = dict.fromkeys(experiments, "1.2.1 Backpropagation, learning rate 0.001")
    titles["e0"] = f"{unbroken[:BAR_NAME_WIDTH]} fits"
    normal, _ = laid_out(plot_reported_vs_reproduced(bars, titles).figure)
    figure, table = plot_reported_vs_reproduced(bars, titles | {"e0": unbroken})
    long, _ = laid_out(figure)
    np.testing.assert_allclose(long, normal, atol=SAME_PLACE_TURNED)
    names = [t.get_text().rsplit(" ", 1)[0] for t in figure.axes[0].get_xticklabels()]
    assert not over_bound(names, BAR_NAME_WIDTH, max_lines=1)
    assert starts(unbroken, names[0]) and names[-1] == "1.2.1"
    assert set(table["x"]) == {f"{name} {a}" for name in (names[0], "1.2.1") for a in figures.ACTIVATIONS}


def test_with_no_number_of_the_studys_the_bars_are_this_runs_alone():
    bars = {"e0": [{"activation": a, "reported": None, "mean": 85.0, "std": 0.5} for a in figures.ACTIVATIONS]}
    figure, table = plot_reported_vs_reproduced(bars, {"e0": "1.1 Backpropagation"})
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert figures.REPORTED_LABEL not in legend and "this run (± std over seeds)" in legend
    assert len(figure.axes[0].containers) == 2  # one set of bars and its error bars, no hatched ones
    assert set(table["series"]) == {"this run"}


def test_the_choices_figure_lists_each_share_and_option_per_scope_and_says_why_one_is_missing():
    from mnist_mlp.present.figures import plot_choices

    rows = [
        {"axis_n_train": 30000, "part": "share", "term": "init", "value": 80.0},
        {"axis_n_train": 30000, "part": "share", "term": "seeds", "value": 20.0},
        {"axis_n_train": 30000, "part": "option", "term": "init", "option": "auto", "value": 0.0},
        {"axis_n_train": 30000, "part": "option", "term": "init", "option": "he_normal", "value": -3.5},
        {"axis_n_train": 60000, "part": "share", "term": None, "value": None, "note": "1 of 2 universes have nothing"},
    ]
    plotted = plot_choices(pd.DataFrame(rows), ["n_train"])
    table = plotted.table
    assert list(table["series"].unique()) == ["share at 30,000 training images", "option at 30,000 training images"]
    assert list(table["x"]) == ["init", "seeds", "init auto", "init he_normal"]
    assert list(table["y"]) == [80.0, 20.0, 0.0, -3.5]
    texts = [" ".join(t.get_text().split()) for ax in plotted.figure.axes for t in ax.texts]
    assert any("not decomposed: 1 of 2 universes have nothing" in t for t in texts)
    plt.close(plotted.figure)
