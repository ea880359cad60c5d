"""What the figures show, checked against the numbers they write: the smoke run's real aggregated tables,
plotted by the real functions, and the CSVs the workflow wrote beside its figures."""

import struct
from functools import partial

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.collections import LineCollection
from matplotlib.container import BarContainer

from conftest import CANONICAL_TEST_COUNTS, REPO, SARKAR, run_key
from mnist_mlp.judge.sensitivity import setting_summary, study_marks
from mnist_mlp.judge.study import comparison_rows, reported_numbers
from mnist_mlp.data.arrays import chance_level
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.nn.training import confusion_matrix
from mnist_mlp.present import figures
from mnist_mlp.present.figures import (
    ACTIVATION_STYLES,
    COLUMNS,
    REPORTED_LABEL,
    by_place,
    chance_label,
    plot_confusion_figure,
)
from mnist_mlp.runs.aggregate import confusion_table, experiment_tables
from mnist_mlp.runs.key import RunKey

CHANCE_PCT = chance_level(CANONICAL_TEST_COUNTS)  # the smoke run tests on all 10,000 images
MNIST = DATASET_INFO["mnist"]
plot_curve_figure = partial(figures.plot_curve_figure, chance_pct=CHANCE_PCT, dataset=MNIST)
plot_reported_vs_reproduced = partial(figures.plot_reported_vs_reproduced, chance_pct=CHANCE_PCT, dataset=MNIST)
plot_sweep = partial(figures.plot_sweep, chance_pct=CHANCE_PCT, dataset=MNIST)
plot_test_accuracy_grid = partial(figures.plot_test_accuracy_grid, chance_pct=CHANCE_PCT, dataset=MNIST)
STUDY = yaml.safe_load((SARKAR / "study.yaml").read_text())
SPECS = {fig["id"]: fig for fig in STUDY["figures"]}
REPORTED = STUDY["accuracy"]  # the sweeps mark the study's final accuracies
MARKS = by_place(reported_numbers(STUDY, "mnist"))  # the curve figures mark every number, where it names an epoch
CONFIG = yaml.safe_load((SARKAR / "config.yaml").read_text())
TITLES = {exp: cfg["title"] for exp, cfg in CONFIG["experiments"].items()} | {"diverge": "forced to diverge"}
ACCURACY_KINDS = ("train_accuracy", "epoch_accuracy")


@pytest.fixture(autouse=True)
def close_figures():
    """A test here holds every figure of the study open at once; pyplot would warn past 20."""
    with matplotlib.rc_context({"figure.max_open_warning": 0}):
        yield
    plt.close("all")


@pytest.fixture(scope="module")
def tables(smoke_run) -> dict:
    return {name: pd.read_csv(smoke_run / "results" / f"{name}.csv") for name in ("runs", "curves", "confusion")}


def test_a_section_draws_from_the_same_tables_as_aggregation_writes(smoke_run, tables, monkeypatch):
    monkeypatch.chdir(smoke_run)  # the records' folders are relative to the working directory
    rows = tables["runs"][tables["runs"]["experiment"] == "lr_0.1"]
    records = [{**row, "benchmark": RunKey.from_row(row).path("benchmark")} for row in rows.to_dict("records")]
    own = experiment_tables(records)
    for name, table in own.items():
        expected = tables[name][tables[name]["experiment"] == "lr_0.1"].reset_index(drop=True)
        pd.testing.assert_frame_equal(table, expected, check_dtype=True)
    per_epoch = experiment_tables(records, batch_loss=False)["curves"]
    assert set(per_epoch["metric"]) == set(own["curves"]["metric"]) - {"batch_loss"}
    pd.testing.assert_frame_equal(
        per_epoch, own["curves"][own["curves"]["metric"] != "batch_loss"].reset_index(drop=True)
    )


def with_seed(table: pd.DataFrame, seed: int, factor: float) -> pd.DataFrame:
    """The rows again as another seed, values scaled, as a second seed would give."""
    other = table.assign(seed=seed)
    if "value" in other:
        other["value"] = other["value"] * factor
    return pd.concat([table, other], ignore_index=True)


def with_epoch(curves: pd.DataFrame, factor: float) -> pd.DataFrame:
    """The per-epoch rows again as epoch 2, values scaled, as a longer run would give."""
    per_epoch = curves[curves["metric"] != "batch_loss"]
    return pd.concat(
        [curves, per_epoch.assign(x=per_epoch["x"] + 1, value=per_epoch["value"] * factor)], ignore_index=True
    )


def study_figures(tables: dict, curves: pd.DataFrame | None = None, runs: pd.DataFrame | None = None) -> dict:
    """Every figure of the study, plotted from the smoke run (or the ``curves``/``runs`` given)."""
    runs = tables["runs"] if runs is None else runs
    curves = tables["curves"] if curves is None else curves
    return {
        fig_id: plot_confusion_figure(spec, runs, tables["confusion"], MNIST)
        if spec["kind"] == "confusion"
        else plot_curve_figure(spec, runs, curves, 5, MARKS)
        for fig_id, spec in SPECS.items()
    }


def sweep_figure(tables: dict, unstated: bool):
    """A sweep over the smoke run's study runs: learning rate 0.01 (baseline) and 0.1 (lr_0.1)."""
    runs = tables["runs"]
    sel = runs[(runs["experiment"].isin(["baseline", "lr_0.1"]))]
    sweeps = sel.assign(
        sweep="lr",
        variant_of="baseline",
        setting="lr " + sel["lr"].map(str),
        position=(sel["experiment"] == "lr_0.1").astype(int),
    )
    summary, marks = setting_summary(sweeps), study_marks(sweeps, runs, REPORTED)
    return plot_sweep(unstated, summary, marks, REPORTED, TITLES)


def every_figure(tables: dict) -> dict:
    figures = study_figures(tables)
    figures["grid"] = plot_test_accuracy_grid(tables["runs"], tables["curves"], TITLES, MARKS)
    figures["bars"] = plot_reported_vs_reproduced(
        comparison_rows(tables["runs"], reported_numbers(STUDY, "mnist"), STUDY["verdicts"]["close_pp"], TITLES), TITLES
    )
    figures["sweep_known"] = sweep_figure(tables, unstated=False)
    figures["sweep_unstated"] = sweep_figure(tables, unstated=True)
    return figures


def data_lines(plotted) -> dict:
    """The lines that draw a series of the table, by series name."""
    series = set(plotted.table["series"])
    return {line.get_label(): line for ax in plotted.figure.axes for line in ax.lines if line.get_label() in series}


def finite_xy(line) -> np.ndarray:
    xy = np.asarray(line.get_xydata(), dtype=float)
    return xy[np.isfinite(xy[:, 1])]


def chance_lines(ax) -> list:
    return [
        line
        for line in ax.lines
        if line.get_label() == chance_label(CHANCE_PCT, MNIST.noun) and set(line.get_ydata()) == {CHANCE_PCT}
    ]


def test_a_curve_figures_table_holds_exactly_the_numbers_on_its_lines(tables):
    for seeds in (1, 2):
        runs = tables["runs"] if seeds == 1 else with_seed(tables["runs"], 1, 1.0)
        curves = tables["curves"] if seeds == 1 else with_seed(tables["curves"], 1, 0.9)
        for fig_id, plotted in study_figures(tables, curves, runs).items():
            if SPECS[fig_id]["kind"] == "confusion":
                continue
            assert list(plotted.table.columns) == COLUMNS
            lines = data_lines(plotted)
            labelled = {
                line.get_label()
                for line in plotted.figure.axes[0].lines
                if not line.get_label().startswith("_") and line.get_label() != chance_label(CHANCE_PCT, MNIST.noun)
            }
            assert set(lines) == labelled == set(plotted.table["series"]), fig_id  # every line listed, and drawn
            for series, line in lines.items():
                rows = plotted.table[plotted.table["series"] == series]
                np.testing.assert_allclose(finite_xy(line), rows[["x", "y"]].to_numpy(float), err_msg=series)
            assert plotted.table["std"].isna().all() == (seeds == 1), fig_id


def test_the_grid_and_sweep_tables_hold_the_numbers_on_their_lines(tables):
    grid = plot_test_accuracy_grid(tables["runs"], tables["curves"], TITLES, MARKS)
    lines = data_lines(grid)
    assert set(lines) == set(grid.table["series"]) and "baseline / relu / reported by the study" in lines
    for series, line in lines.items():
        listed = grid.table[grid.table["series"] == series]
        np.testing.assert_allclose(finite_xy(line), listed[["x", "y"]].to_numpy(float), err_msg=series)
    for unstated in (False, True):
        sweep = sweep_figure(tables, unstated)
        ticks = [t.get_text() for t in sweep.figure.axes[-1].get_xticklabels()]
        assert ticks == ["0.01", "0.1"]
        drawn = [
            (series, ticks[int(x)], y)
            for series, line in data_lines(sweep).items()
            for x, y in finite_xy(line)
            if not series.endswith("(setting unknown)")
        ]
        listed = sweep.table[sweep.table["x"].notna()]
        assert sorted(drawn) == sorted(zip(listed["series"], listed["x"], listed["y"]))
        unknown = {
            line.get_label(): line.get_ydata()[0]
            for line in data_lines(sweep).values()
            if line.get_label().endswith("(setting unknown)")
        }
        assert unknown == dict(zip(*sweep.table[sweep.table["x"].isna()][["series", "y"]].to_numpy().T))
        assert bool(unknown) == unstated


def test_std_in_the_table_is_the_error_bar_drawn(tables):
    curves = with_seed(tables["curves"], 1, 0.9)
    plotted = plot_curve_figure(SPECS["fig09a"], with_seed(tables["runs"], 1, 1.0), curves, 5, MARKS)
    (ax,) = plotted.figure.axes
    half_heights = sorted(
        abs(seg[1][1] - seg[0][1]) / 2
        for bars in ax.collections
        if isinstance(bars, LineCollection)
        for seg in bars.get_segments()
    )
    drawn = plotted.table.dropna(subset=["std"])
    assert half_heights == pytest.approx(sorted(drawn["std"]))
    test_acc = (
        curves[
            (curves["experiment"] == "lr_0.001")
            & (curves["activation"] == "relu")
            & (curves["metric"] == "test_accuracy")
        ]["value"]
        * 100
    )
    assert drawn.loc[drawn["series"] == "test accuracy", "std"].iloc[0] == pytest.approx(test_acc.std())


def test_accuracy_is_in_percent_on_a_shared_0_to_100_axis_with_the_chance_line(tables):
    figures = study_figures(tables)
    curves = tables["curves"]
    for fig_id in ("fig02", "fig04", "fig06"):  # the study's train-accuracy figures, side by side in the report
        (ax,) = figures[fig_id].figure.axes
        assert ax.get_ylim() == (0, 100) and ax.get_ylabel() == "train accuracy (%)"
        spec = SPECS[fig_id]
        raw = curves[
            (curves["experiment"] == spec["experiment"])
            & (curves["activation"] == spec["activation"])
            & (curves["metric"] == "train_accuracy")
        ]
        table = figures[fig_id].table
        assert list(table.loc[table["series"] == "train accuracy", "y"]) == pytest.approx(list(raw["value"] * 100))
    for fig_id, spec in SPECS.items():
        if spec["kind"] in ACCURACY_KINDS:
            (ax,) = figures[fig_id].figure.axes
            assert ax.get_ylim() == (0, 100) and "(%)" in ax.get_ylabel()
            assert chance_lines(ax) and chance_label(CHANCE_PCT, MNIST.noun) in [
                t.get_text() for t in ax.get_legend().get_texts()
            ]


def test_the_overview_and_sweep_accuracy_panels_are_in_percent_with_the_chance_line(tables):
    grid = plot_test_accuracy_grid(tables["runs"], tables["curves"], TITLES, MARKS)
    assert len(grid.figure.axes) == len(TITLES)
    for ax in grid.figure.axes:
        assert ax.get_ylim() == (0, 100) and chance_lines(ax)
    runs = tables["runs"]
    baseline_relu = runs[(runs["experiment"] == "baseline") & (runs["activation"] == "relu")]["test_accuracy"]
    assert grid.table.set_index("series").loc["baseline / relu", "y"] == pytest.approx(baseline_relu.mean() * 100)
    bars = plot_reported_vs_reproduced(
        comparison_rows(runs, reported_numbers(STUDY, "mnist"), STUDY["verdicts"]["close_pp"], TITLES), TITLES
    )
    (ax,) = bars.figure.axes
    assert ax.get_ylim() == (0, 100) and chance_lines(ax)
    for container in [c for c in ax.containers if isinstance(c, BarContainer)]:  # their heights are the y
        heights = [p.get_height() for p in container.patches if np.isfinite(p.get_height())]
        assert heights == list(bars.table.loc[bars.table["series"] == container.get_label(), "y"])
    sweep = sweep_figure(tables, unstated=False)
    accuracy_axes = [ax for ax in sweep.figure.axes if ax.get_ylabel() == "final test accuracy (%)"]
    assert accuracy_axes and all(ax.get_ylim() == (0, 100) and chance_lines(ax) for ax in accuracy_axes)


def test_the_studys_number_is_a_star_at_the_last_epoch_of_its_curve(tables):
    curves = with_epoch(tables["curves"], 1.1)
    plotted = plot_curve_figure(SPECS["fig02"], tables["runs"], curves, 5, MARKS)
    stars = [line for line in plotted.figure.axes[0].lines if line.get_label() == REPORTED_LABEL]
    assert [line.get_marker() for line in stars] == ["*"]
    assert stars[0].get_xydata().tolist() == [[2.0, 62.0]]  # baseline sigmoid: 62 %, at the last of 2 epochs
    assert plotted.table[plotted.table["series"] == REPORTED_LABEL][["x", "y"]].values.tolist() == [[2.0, 62.0]]
    loss = plot_curve_figure(SPECS["fig09b"], tables["runs"], curves, 5, MARKS)
    assert REPORTED_LABEL not in set(loss.table["series"])  # a test accuracy has no place on a loss plot


def test_loss_axes_turn_logarithmic_when_the_loss_collapses_and_epochs_are_whole(tables):
    flat, collapsed = with_epoch(tables["curves"], 0.9), with_epoch(tables["curves"], 1 / 50)
    for fig_id in ("fig09b", "fig15", "fig16"):
        assert plot_curve_figure(SPECS[fig_id], tables["runs"], flat, 5).figure.axes[0].get_yscale() == "linear"
        ax = plot_curve_figure(SPECS[fig_id], tables["runs"], collapsed, 5).figure.axes[0]
        assert ax.get_yscale() == "log", fig_id
        ax.figure.canvas.draw()
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks == [1, 2], fig_id  # whole epochs, no 1.5


def test_no_text_in_any_figure_is_smaller_than_9_points(tables):
    for name, plotted in every_figure(tables).items():
        plotted.figure.canvas.draw()  # tick labels exist once drawn
        texts = [t for t in plotted.figure.findobj(matplotlib.text.Text) if t.get_text().strip()]
        assert len(texts) > 10, name
        small = {(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 9}
        assert not small, (name, small)
        titles = [ax.get_title() for ax in plotted.figure.axes] + [plotted.figure.get_suptitle()]
        if name in SPECS:  # the caption sits under the figure in the report, not again above it
            assert not [t for t in titles if SPECS[name]["caption"] in t or SPECS[name]["label"] in t], name


def activation_of(label: str) -> str | None:
    last = label.split(" / ")[-1]
    return last if last in ACTIVATION_STYLES else None


def test_an_activation_looks_the_same_in_every_figure(tables):
    seen = {}
    for name, plotted in every_figure(tables).items():
        handles = [h for ax in plotted.figure.axes for h in ax.lines]
        handles += [h for legend in plotted.figure.legends for h in legend.legend_handles]
        for line in handles:
            activation = activation_of(line.get_label())
            if activation:
                seen.setdefault(activation, set()).add((line.get_color(), line.get_marker(), str(line.get_linestyle())))
    assert set(seen) == set(ACTIVATION_STYLES)
    looks = {activation: styles.pop() for activation, styles in seen.items() if len(styles) == 1}
    assert set(looks) == set(ACTIVATION_STYLES), seen  # one look per activation across all figures
    assert looks["sigmoid"][0] == "#0072B2" and looks["tanh"][0] == "#D55E00" and looks["relu"][0] == "#009E73"
    for part in range(3):  # colour, marker and line style each tell the activations apart on their own
        assert len({look[part] for look in looks.values()}) == 3


def test_train_and_test_differ_without_colour_and_grid_lines_do_not_hide_each_other(tables):
    plotted = plot_curve_figure(SPECS["fig12a"], tables["runs"], tables["curves"], 5, MARKS)
    train, test = (data_lines(plotted)[f"{split} accuracy"] for split in ("train", "test"))
    assert train.get_linestyle() != test.get_linestyle()
    assert train.get_markerfacecolor() != test.get_markerfacecolor()
    grid = plot_test_accuracy_grid(tables["runs"], tables["curves"], TITLES, MARKS)
    for ax in grid.figure.axes:
        curves = [line for line in ax.lines if activation_of(line.get_label())]
        assert len({(line.get_linestyle(), line.get_marker()) for line in curves}) == len(curves)
        assert all(line.get_alpha() < 1 for line in curves)
    notes = [t.get_text() for ax in grid.figure.axes for t in ax.texts]
    assert [note for note in notes if note.startswith("relu: ") and note.endswith("seed(s) diverged")]


def test_the_confusion_matrix_shows_true_digits_in_rows_and_predictions_in_columns():
    # Asymmetric on purpose: 3 is taken for 8 five times, 8 for 3 once; a transposed matrix swaps them.
    y_true = np.array([*range(10), *range(10), 3, 3, 3, 3, 3, 8, 7, 7])
    y_pred = np.array([*range(10), *range(10), 8, 8, 8, 8, 8, 3, 1, 1])
    y_true, y_pred = np.append(y_true, 8), np.append(y_pred, 3)  # 8 -> 3 twice, still fewer than 3 -> 8
    metrics = {"confusion_matrix": confusion_matrix(y_true, y_pred).tolist()}  # as metrics.json holds it
    assert metrics["confusion_matrix"][3][8] == 5 and metrics["confusion_matrix"][8][3] == 2
    record = {"experiment": "e", "title": "E", **run_key("numpy", "relu", 0.01).row(), "dir": "runs/e"}
    confusion = confusion_table([record], {"runs/e": metrics})
    counts = confusion.set_index(["true", "predicted"])["count"]
    assert counts[(3, 8)] == 5 and counts[(8, 3)] == 2 and counts[(7, 1)] == 2 and counts[(1, 7)] == 0

    runs = pd.DataFrame([{"experiment": "e", "activation": "relu", "diverged": False}])
    fig, table = plot_confusion_figure({"experiment": "e", "activation": "relu"}, runs, confusion, MNIST)
    ax = fig.axes[0]
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("true digit", "predicted digit")
    image = ax.images[0]
    assert image.get_array()[3, 8] == 5 and image.get_array()[8, 3] == 2
    assert ax.get_ylim() == (9.5, -0.5)  # row 0 at the top, row i at y = i
    cell = {tuple(np.round(t.get_position()).astype(int)): t.get_text() for t in ax.texts}  # (x = column, y = row)
    assert cell[(8, 3)] == "5" and cell[(3, 8)] == "2" and cell[(1, 7)] == "2" and cell[(7, 1)] == "0"
    as_drawn = table.set_index(["series", "x"])["y"]
    assert as_drawn[(3, 8)] == 5 and as_drawn[(8, 3)] == 2 and len(table) == 100


def png_size(path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_the_workflow_writes_each_figures_numbers_beside_it_and_sharp_pngs(smoke_run, tables):
    figures = smoke_run / "results" / "figures"
    pngs = sorted(figures.glob("*.png"))
    assert len(pngs) == len(SPECS) + 2
    for png in pngs:
        csv = pd.read_csv(png.with_suffix(".csv"))
        assert list(csv.columns) == COLUMNS and len(csv), png.name
    written = pd.read_csv(figures / "fig02.csv")
    plotted = plot_curve_figure(SPECS["fig02"], tables["runs"], tables["curves"], 20, MARKS)
    pd.testing.assert_frame_equal(written, plotted.table, check_dtype=False)
    dpi = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["plots"][
        "dpi"
    ]  # the entry point says how figures are drawn
    width, height = plotted.figure.get_size_inches()
    assert png_size(figures / "fig02.png") == (round(width * 2 * dpi), round(height * 2 * dpi))


def test_the_bars_draw_no_spread_one_seed_cannot_measure(tables):
    def bars_of(runs):
        rows = comparison_rows(runs, reported_numbers(STUDY, "mnist"), STUDY["verdicts"]["close_pp"], TITLES)
        plotted = plot_reported_vs_reproduced(rows, TITLES)
        (ax,) = plotted.figure.axes
        caps = [c for c in ax.collections if isinstance(c, LineCollection)]
        return caps, [t.get_text() for t in ax.get_legend().get_texts()]

    caps, legend = bars_of(tables["runs"])  # the smoke run: one seed
    assert caps == [] and "reproduced here (one seed: no spread)" in legend
    caps, legend = bars_of(with_seed(tables["runs"], 1, 1.0))
    assert caps and "reproduced here (± std over seeds)" in legend
