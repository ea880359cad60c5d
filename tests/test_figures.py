"""The figures from real aggregated runs: one seed is a line, several seeds a line with a band."""

from functools import partial

import matplotlib.collections
import pandas as pd
import yaml

from conftest import CANONICAL_TEST_COUNTS, REPO
from mnist_mlp.mnist.data import chance_level
from mnist_mlp.present import figures
from mnist_mlp.present.figures import chance_label, plot_confusion_figure

CHANCE_PCT = chance_level(CANONICAL_TEST_COUNTS)
plot_curve_figure = partial(figures.plot_curve_figure, chance_pct=CHANCE_PCT)
plot_sweep = partial(figures.plot_sweep, chance_pct=CHANCE_PCT)
plot_test_accuracy_grid = partial(figures.plot_test_accuracy_grid, chance_pct=CHANCE_PCT)

SPECS = {fig["id"]: fig for fig in yaml.safe_load((REPO / "config" / "study_reported.yaml").read_text())["figures"]}


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
    texts = [t.get_text() for ax in plot_confusion_figure(spec, runs, confusion).figure.axes for t in ax.texts]
    assert "relu: no runs (missing)" in texts


def sweep_summary(settings: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"sweep": "s", "variant_of": "torch", "position": i, "setting": setting, "activation": a,
                          "mean": 90.0 + i, "std": float("nan"), "train_loss": 0.1 * (i + 1), "n_seeds": 1,
                          "n_diverged": 0} for i, setting in enumerate(settings) for a in ("sigmoid", "tanh", "relu")])


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

    unstated, table = plot_sweep(True, sweep_summary(["init auto", "init standard_normal"]), marks.iloc[:0],
                                 reported, {"torch": "2.1"})
    lines = {round(line.get_ydata()[0], 1) for line in unstated.axes[0].lines if len(set(line.get_ydata())) == 1
             and line.get_linestyle() == "--" and line.get_label() != chance_label(CHANCE_PCT)}
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
