"""The study's figures, recomputed from the aggregated tables. Several seeds: mean line and ±1 std band.

Every plotting function returns a ``Plotted``: the figure, and the numbers it draws in long form
(columns series, x, y, std; std empty where a point rests on one seed). ``save`` writes both, so the
CSV beside a figure cannot drift from the picture. Accuracy is in percent everywhere.
"""

import textwrap
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogFormatter, MaxNLocator  # noqa: E402

from mnist_mlp.data.datasets import DatasetInfo  # noqa: E402
from mnist_mlp.judge.study import REPORTED_CURVE, expected_best  # noqa: E402
from mnist_mlp.nn import activations  # noqa: E402
from mnist_mlp.runs.aggregate import axis_column  # noqa: E402
from mnist_mlp.runs.plan import setting_label  # noqa: E402

# Nothing under 9 pt: the report shows the figures at their CSS size, with no zoom to rely on.
matplotlib.rcParams.update(
    {
        "font.size": 10,
        "axes.titlesize": 10,
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.title_fontsize": 9,
        "figure.titlesize": 10,
        # titles come from the user's config: "$" or "\\" in one must print as written, not as mathtext
        "text.parse_math": False,
    }
)

# One style per activation, the same in every figure: Okabe–Ito colours (safe for colour-blind
# readers), and a marker and line style each, so that the lines also part in greyscale.
ACTIVATION_STYLES = {
    "sigmoid": {"color": "#0072B2", "marker": "o", "linestyle": "-"},
    "tanh": {"color": "#D55E00", "marker": "s", "linestyle": "-."},
    "relu": {"color": "#009E73", "marker": "^", "linestyle": ":"},
}
ACTIVATIONS = list(activations.ACTIVATIONS)  # the closed list, in its order; a test checks the styles cover it
# Train and test of one activation share its colour and marker; line and marker fill tell them apart.
SPLIT_STYLES = {
    "train": {"linestyle": "-"},
    "test": {"linestyle": "--", "markerfacecolor": "white"},
    "validation": {"linestyle": "--", "markerfacecolor": "white"},
}
BATCH_STYLE = {"color": "0.7", "lw": 0.6}
METRIC_LABELS = {
    "batch_loss": "batch loss",
    "train_loss": "train loss",
    "test_loss": "test loss",
    "validation_loss": "validation loss",
    "train_accuracy": "train accuracy",
    "test_accuracy": "test accuracy",
    "validation_accuracy": "validation accuracy",
}
COST_LABELS = {  # a loss axis, by the runs' cost (nn.costs.COSTS)
    "softmax_cross_entropy": "cross-entropy loss",
    "sigmoid_quadratic": "quadratic cost",
    "sigmoid_cross_entropy": "cross-entropy loss (per output unit)",
}

CHANCE_STYLE = {"color": "0.35", "lw": 1.0, "linestyle": (0, (1, 1.5))}
REPORTED_LABEL = "reported by the study"
REPORTED_STYLE = {
    "marker": "*",
    "markersize": 15,
    "markeredgecolor": "black",
    "markeredgewidth": 0.7,
    "linestyle": "none",
    "zorder": 5,
}
# A loss axis goes logarithmic when its values span more than this factor: late epochs would
# otherwise sit in one flat line along zero.
# What a study figure can show (config/study_reported.yaml, figures.kind); confusion matrices are
# drawn by plot_confusion_figure, the rest by plot_curve_figure.
FIGURE_KINDS = ("batch_loss", "train_accuracy", "epoch_accuracy", "epoch_loss", "confusion", "loss_by_activation")
LOG_SPAN = 20
PER_EPOCH_MAX_POINTS = 30
COLUMNS = ["series", "x", "y", "std"]

# Text from the config (titles, setting names) is drawn in at most this many lines of at most so many
# characters each, and cut with "…" past that, so that no config can squeeze a figure's axes; the
# report's HTML keeps it whole. Two lines is what the study's own titles already take.
CONFIG_TEXT_LINES = 2
GRID_TITLE_WIDTH = 34  # a 3.6-inch overview panel
SWEEP_TITLE_WIDTH = 44  # a 4.6-inch sweep column
SETTING_WIDTH = 28  # "init torch_default, lr 0.01", the longest setting of config/sensitivity.yaml, fits a line
# the title's first word under a bar, a section number such as "1.2.1" or a short name: turned 60°,
# every character more takes height from the bars
BAR_NAME_WIDTH = 12


class Plotted(NamedTuple):
    """A figure and the numbers it plots (COLUMNS, long form)."""

    figure: Figure
    table: pd.DataFrame


def fit_text(text: str, width: int, max_lines: int) -> str:
    """``text`` wrapped at ``width`` characters, as ``textwrap.fill`` does; past ``max_lines`` lines
    the rest is dropped and the last line shown ends with "…" (at a word break where there is one).

    Returns:
        At most ``max_lines`` lines of at most ``width`` characters: ``textwrap.fill(text, width)``
        itself where that has no more lines.
    """
    lines = textwrap.wrap(text, width)
    if len(lines) <= max_lines:
        return "\n".join(lines)
    last = lines[max_lines - 1]
    if len(last) >= width:  # no room for the "…": drop the last word, or cut a word longer than a line
        last = last.rsplit(" ", 1)[0] if " " in last else last[: width - 1]
    return "\n".join([*lines[: max_lines - 1], last + "…"])


def rows(series, x, y, std=None) -> pd.DataFrame:
    """The long-form rows of one series; points without a finite y are not drawn, so not listed."""
    n = len(np.atleast_1d(y))
    table = pd.DataFrame(
        {
            "series": [series] * n,
            "x": np.atleast_1d(x),
            "y": np.atleast_1d(y),
            "std": np.full(n, np.nan) if std is None else np.atleast_1d(std),
        }
    )
    return table[np.isfinite(table["y"].astype(float))].reset_index(drop=True)


def collect(fig: Figure, parts: list[pd.DataFrame]) -> Plotted:
    """The figure with its rows, in drawing order."""
    parts = [p for p in parts if len(p)]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    return Plotted(fig, table[COLUMNS])


def band(curves: pd.DataFrame, experiment: str, activation: str, metric: str) -> pd.DataFrame:
    """x, mean, std and seed count of one curve over seeds, accuracy in percent; non-finite values
    are left out."""
    sel = curves[
        (curves["experiment"] == experiment) & (curves["activation"] == activation) & (curves["metric"] == metric)
    ]
    sel = sel[np.isfinite(sel["value"])]
    scale = 100.0 if metric.endswith("accuracy") else 1.0
    stats = (sel["value"] * scale).groupby(sel["x"]).agg(["mean", "std", "count"]).reset_index()
    stats["std"] = stats["std"].fillna(0.0)
    return stats


def draw_band(ax, stats: pd.DataFrame, label: str, style: dict, smooth: int = 1, alpha: float = 1.0) -> pd.DataFrame:
    """The mean over seeds as a line, ±1 std as a band; per-epoch curves get markers and error
    bars, so that a one-epoch run still shows its point and spread.

    Returns:
        The rows drawn (``rows``): the mean, and the std where a point has several seeds.
    """
    mean, std = stats["mean"], stats["std"]
    if smooth > 1:
        mean, std = (s.rolling(smooth, min_periods=1).mean() for s in (mean, std))
    per_epoch = len(stats) <= PER_EPOCH_MAX_POINTS
    line_style = style if per_epoch else {k: v for k, v in style.items() if not k.startswith("marker")}
    (line,) = ax.plot(stats["x"], mean, label=label, lw=1.6, markersize=5, alpha=alpha, **line_style)
    several = stats["count"] > 1
    if several.any():
        ax.fill_between(
            stats["x"],
            mean - std,
            mean + std,
            color=line.get_color(),
            alpha=0.18 * alpha,
            lw=0,
            rasterized=len(stats) > PER_EPOCH_MAX_POINTS,
        )  # a band over every batch: pixels, not vectors
        if per_epoch:
            ax.errorbar(stats["x"], mean, yerr=std, fmt="none", ecolor=line.get_color(), capsize=3, lw=1, alpha=alpha)
    return rows(label, stats["x"], mean, std.where(several))


def chance_label(chance_pct: float, noun: str) -> str:
    """The chance line's name: what chance means here (``data.arrays.chance_level``; ``noun`` is what
    one class is, ``DatasetInfo.noun``), and its value."""
    return f"chance: commonest {noun} ({chance_pct:.2f} %)"


def draw_chance(ax, chance_pct: float, noun: str) -> None:
    """The accuracy of always answering the commonest class: a reference, not data, so it has no rows."""
    ax.axhline(chance_pct, label=chance_label(chance_pct, noun), **CHANCE_STYLE)


def accuracy_axis(ax, label: str, chance_pct: float, noun: str) -> None:
    """A percent axis from 0 to 100 with the chance line, the same on every accuracy plot."""
    ax.set_ylim(0, 100)
    ax.set_ylabel(label)
    draw_chance(ax, chance_pct, noun)


def draw_reported(ax, series: str, x, y: float | None, colour: str) -> pd.DataFrame:
    """The study's number as a star at ``x`` (nothing where the study gives none)."""
    if y is None or x is None:
        return rows(series, [], [])
    ax.plot([x], [y], label=series, markerfacecolor=colour, **REPORTED_STYLE)
    return rows(series, [x], [y])


def by_place(numbers) -> dict:
    """The study's numbers (``judge.study.Reported``) by experiment and activation, the first of each:
    what the curve figures mark."""
    table = {}
    for number in numbers:
        table.setdefault(number.experiment, {}).setdefault(number.activation, number)
    return table


def mark(reported: dict, experiment: str, activation: str, last) -> tuple:
    """Where the study's number of ``experiment`` with ``activation`` is marked on an accuracy curve:
    (epoch, percent) at the epoch it names, else at ``last``; (None, None) where it gives none."""
    number = reported.get(experiment, {}).get(activation)
    if number is None:
        return None, None
    return (number.epoch if number.epoch is not None else last), number.value


def evaluated_on(curves: pd.DataFrame, experiment: str) -> str:
    """The set ``experiment``'s runs are evaluated on after every epoch, as their curves name it."""
    metrics = set(curves.loc[curves["experiment"] == experiment, "metric"])
    return "validation" if "validation_accuracy" in metrics else "test"


def loss_label(runs: pd.DataFrame, experiment: str) -> str:
    """A loss axis of ``experiment``, named by its runs' cost."""
    costs = runs.loc[runs["experiment"] == experiment, "cost"] if "cost" in runs else pd.Series(dtype=object)
    return COST_LABELS[costs.iloc[0]] if len(costs) else COST_LABELS["softmax_cross_entropy"]


def reported_handle(colour: str = "0.6") -> Line2D:
    return Line2D([], [], markerfacecolor=colour, label=REPORTED_LABEL, **REPORTED_STYLE)


def legend_handles(activations=ACTIVATIONS, chance: str | None = None, reported: bool = False) -> list:
    """Legend entries for figures whose lines carry their series name, not a legend label; ``chance``
    is the chance line's label (``chance_label``), where the figure draws one."""
    handles = [Line2D([], [], lw=1.6, markersize=5, label=a, **ACTIVATION_STYLES[a]) for a in activations]
    if chance is not None:
        handles.append(Line2D([], [], label=chance, **CHANCE_STYLE))
    if reported:
        handles.append(reported_handle())
    return handles


class PlainLogFormatter(LogFormatter):
    """Labels the log ticks LogFormatter would label, as plain numbers (0.05, 0.2, 1): a loss spans
    few decades, where 5e-02 reads worse."""

    def __call__(self, x, pos=None):
        return f"{x:g}" if super().__call__(x, pos) else ""


def log_if_collapsed(axes, values) -> bool:
    """Put ``axes`` on a log scale where the positive ``values`` span more than LOG_SPAN.

    Returns:
        Whether the scale is logarithmic.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values) or values.max() / values.min() <= LOG_SPAN:
        return False
    for ax in axes:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(PlainLogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    return True


def epoch_axis(ax) -> None:
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def mark_missing_or_diverged(ax, runs: pd.DataFrame, experiment: str, activations: list[str]) -> None:
    """Say on the plot what is missing or diverged, instead of leaving a silent gap."""
    notes = []
    for activation in activations:
        sel = runs[(runs["experiment"] == experiment) & (runs["activation"] == activation)]
        if sel.empty:
            notes.append(f"{activation}: no runs (missing)")
        elif sel["diverged"].any():
            notes.append(f"{activation}: {int(sel['diverged'].sum())} of {len(sel)} seed(s) diverged")
    if notes:
        ax.text(
            0.5,
            0.5,
            "\n".join(notes),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="crimson",
            fontsize=11,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "crimson"},
        )


def _batch_loss(ax, curves, exp, act, smooth, loss_name) -> list[pd.DataFrame]:
    stats = band(curves, exp, act, "batch_loss")
    # thousands of noisy points: as vectors they would make the SVG (and the report) megabytes larger
    ax.plot(stats["x"], stats["mean"], label="every batch", rasterized=True, **BATCH_STYLE)
    drawn = [
        rows("every batch", stats["x"], stats["mean"]),
        draw_band(ax, stats, f"moving mean of {smooth} batches", ACTIVATION_STYLES[act], smooth=smooth),
    ]
    ax.set_ylabel(loss_name)
    return drawn


def _loss_by_activation(ax, curves, exp) -> list[pd.DataFrame]:
    drawn = [draw_band(ax, band(curves, exp, a, "train_loss"), a, ACTIVATION_STYLES[a]) for a in ACTIVATIONS]
    ax.set_ylabel("train loss (per epoch)")
    log_if_collapsed([ax], pd.concat(drawn)["y"] if drawn else [])
    return drawn


def _per_epoch(ax, curves, exp, act, kind, reported, chance_pct, noun, loss_name) -> list[pd.DataFrame]:
    """Train (and test, or validation) accuracy or loss of one activation, with the study's number on accuracy."""
    held = evaluated_on(curves, exp)
    metrics = {
        "train_accuracy": ["train_accuracy"],
        "epoch_accuracy": ["train_accuracy", f"{held}_accuracy"],
        "epoch_loss": ["train_loss", f"{held}_loss"],
    }[kind]
    colour_marker = {k: ACTIVATION_STYLES[act][k] for k in ("color", "marker")}
    drawn = [
        draw_band(ax, band(curves, exp, act, m), METRIC_LABELS[m], {**colour_marker, **SPLIT_STYLES[m.split("_")[0]]})
        for m in metrics
    ]
    if kind == "epoch_loss":
        ax.set_ylabel(loss_name)
        log_if_collapsed([ax], pd.concat(drawn)["y"])
        return drawn
    accuracy_axis(ax, "train accuracy (%)" if kind == "train_accuracy" else "accuracy (%)", chance_pct, noun)
    last = max((d["x"].max() for d in drawn if len(d)), default=None)
    return drawn + [draw_reported(ax, REPORTED_LABEL, *mark(reported, exp, act, last), colour_marker["color"])]


def _reported_curve(ax, curves, curve, chance_pct, noun) -> list[pd.DataFrame]:
    """This build's per-epoch accuracy of the curve's set, mean ± std over seeds and, where the study's
    points are the best of k runs, the best of k of this build's at each epoch; the epochs the study
    prints as stars. The axis spans the curves, not 0 to 100: the points differ by tenths."""
    colour_marker = {k: ACTIVATION_STYLES[curve.activation][k] for k in ("color", "marker")}
    metric = f"{curve.statistic.set}_accuracy"
    sel = curves[
        (curves["experiment"] == curve.experiment)
        & (curves["activation"] == curve.activation)
        & (curves["metric"] == metric)
    ]
    stats = band(curves, curve.experiment, curve.activation, metric)
    n_seeds = int(stats["count"].max()) if len(stats) else 0
    drawn = [
        draw_band(ax, stats, f"this build, mean ± std of {n_seeds} seeds", {**colour_marker, **SPLIT_STYLES["test"]})
    ]
    k = curve.statistic.best_of
    if k > 1 and n_seeds >= k:
        by_epoch = (100 * sel["value"]).groupby(sel["x"])
        best = by_epoch.apply(lambda v: expected_best(v.to_numpy(), k)).dropna()
        label = f"this build, best of {k} runs" + (f" (expected, of {n_seeds})" if n_seeds > k else "")
        ax.plot(best.index, best.to_numpy(), label=label, color=colour_marker["color"], lw=1.2, linestyle=":")
        drawn.append(rows(label, best.index, best.to_numpy()))
    epochs, values = zip(*curve.points)
    ax.plot(epochs, values, label=REPORTED_LABEL, markerfacecolor=colour_marker["color"], **REPORTED_STYLE)
    drawn.append(rows(REPORTED_LABEL, list(epochs), list(values)))
    ys = pd.concat([pd.concat(drawn)["y"], stats["mean"] - stats["std"], stats["mean"] + stats["std"]]).astype(float)
    low, high = max(0.0, ys.min() - 1), min(100.0, ys.max() + 1)
    ax.set_ylim(low, high)
    ax.set_ylabel(f"{curve.statistic.set} accuracy (%)")
    if low <= chance_pct <= high:
        draw_chance(ax, chance_pct, noun)
    return drawn


def plot_curve_figure(
    spec: dict,
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    smooth: int,
    reported: dict | None = None,
    *,
    chance_pct: float,
    dataset: DatasetInfo,
    curve=None,
) -> Plotted:
    """One figure of the study from its spec (a study.yaml ``figures`` entry, or one of
    ``judge.study.figure_list``'s for a reported curve).

    Args:
        reported: the study's numbers by experiment and activation (``by_place``); marked on accuracy
            curves at the epoch each names, else at the last.
        chance_pct: the chance line on accuracy axes (``data.arrays.chance_level`` of the test set).
        dataset: the runs' dataset, whose noun names the chance line.
        curve: the study's curve (``judge.study.Curve``) a figure of kind ``reported_curve`` draws.
    """
    fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
    exp, act, kind = spec["experiment"], spec.get("activation"), spec["kind"]
    if kind == "batch_loss":
        drawn = _batch_loss(ax, curves, exp, act, smooth, loss_label(runs, exp))
    elif kind == "loss_by_activation":
        drawn = _loss_by_activation(ax, curves, exp)
    elif kind == REPORTED_CURVE:
        drawn = _reported_curve(ax, curves, curve, chance_pct, dataset.noun)
    else:
        drawn = _per_epoch(ax, curves, exp, act, kind, reported or {}, chance_pct, dataset.noun, loss_label(runs, exp))
    epoch_axis(ax)
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    mark_missing_or_diverged(ax, runs, exp, [act] if act else ACTIVATIONS)
    return collect(fig, drawn)


def confusion_matrix_of(confusion: pd.DataFrame, experiment: str, activation: str) -> pd.DataFrame:
    """Mean and std over seeds of each (true, predicted) count of one run group."""
    sel = confusion[(confusion["experiment"] == experiment) & (confusion["activation"] == activation)]
    return sel.groupby(["true", "predicted"])["count"].agg(["mean", "std"]).reset_index()


def plot_confusion_figure(spec: dict, runs: pd.DataFrame, confusion: pd.DataFrame, dataset: DatasetInfo) -> Plotted:
    """Mean test confusion matrix over the finished seeds of one run group: row i, column j is the
    number of test images of true class i predicted as j. The axes are named by what one class of
    ``dataset`` is (its noun), the ticks by its class names where they are not their numbers.
    Rows: series = true class, x = predicted, y = mean count, std over seeds."""
    fig, ax = plt.subplots(figsize=(6.2, 5.4), layout="constrained")
    stats = confusion_matrix_of(confusion, spec["experiment"], spec["activation"])
    if not stats.empty:
        matrix = stats.pivot(index="true", columns="predicted", values="mean").to_numpy()
        im = ax.imshow(matrix, cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(
                j,
                i,
                f"{value:.0f}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if value > matrix.max() / 2 else "black",
            )
        fig.colorbar(im, ax=ax, shrink=0.8, label="test images")
    classes = list(dataset.classes)
    names = classes if classes != [str(i) for i in range(len(classes))] else None
    ax.set_xticks(range(10), names or range(10), rotation=90 if names else 0)
    ax.set_yticks(range(10), names or range(10))
    ax.set_xlabel(f"predicted {dataset.noun}")
    ax.set_ylabel(f"true {dataset.noun}")
    mark_missing_or_diverged(ax, runs, spec["experiment"], [spec["activation"]])
    table = pd.DataFrame({"series": stats["true"], "x": stats["predicted"], "y": stats["mean"], "std": stats["std"]})
    return collect(fig, [table])


def grid_axes(n: int, ncols: int = 3, panel=(3.6, 2.9)):
    """``n`` panels sharing both axes, ``ncols`` a row, the spare ones removed."""
    nrows = -(-n // ncols)
    ncols = min(n, ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel[0] * ncols, panel[1] * nrows + 0.6),
        sharex=True,
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    for ax in axes.flat[n:]:
        ax.remove()
    for ax in axes.flat[:n]:
        ax.xaxis.set_tick_params(labelbottom=True)  # the last row may end short of the others
    return fig, list(axes.flat[:n])


def plot_test_accuracy_grid(
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    titles: dict,
    reported: dict | None = None,
    *,
    chance_pct: float,
    dataset: DatasetInfo,
) -> Plotted:
    """Test accuracy per epoch of every run, one panel per experiment (a figure the study lacks).

    Series are ``"<experiment> / <activation>"``, and ``"<experiment> / <activation> / reported by
    the study"`` for the study's number, marked at the last epoch.
    """
    reported = reported or {}
    fig, axes = grid_axes(len(titles))
    drawn = []
    for ax, exp in zip(axes, titles):
        for a, style in ACTIVATION_STYLES.items():
            stats = band(curves, exp, a, f"{evaluated_on(curves, exp)}_accuracy")
            if stats.empty:
                continue
            # see-through, so that where two activations coincide both stay visible
            drawn.append(draw_band(ax, stats, f"{exp} / {a}", style, alpha=0.8))
            drawn.append(
                draw_reported(
                    ax, f"{exp} / {a} / {REPORTED_LABEL}", *mark(reported, exp, a, stats["x"].max()), style["color"]
                )
            )
        ax.set_title(fit_text(titles[exp], GRID_TITLE_WIDTH, CONFIG_TEXT_LINES))
        epoch_axis(ax)
        ax.grid(alpha=0.3)
        mark_missing_or_diverged(ax, runs, exp, sorted(set(runs.loc[runs["experiment"] == exp, "activation"])))
        accuracy_axis(ax, "test accuracy (%)" if ax.get_subplotspec().is_first_col() else "", chance_pct, dataset.noun)
    ran = [a for a in ACTIVATIONS if a in set(runs["activation"])]  # a study of one activation names one
    fig.legend(
        handles=legend_handles(ran, chance=chance_label(chance_pct, dataset.noun), reported=bool(reported)),
        loc="outside upper center",
        ncol=5,
        frameon=False,
    )
    return collect(fig, drawn)


def bar_label(title: str, activation: str) -> str:
    """'1.1 relu' from the experiment's title '1.1 Backpropagation ...'; a first word longer than
    BAR_NAME_WIDTH is cut, the activation never."""
    return f"{fit_text(title.split(' ')[0], BAR_NAME_WIDTH, 1)} {activation}"


def plot_reported_vs_reproduced(
    rows_by_experiment: dict, titles: dict, *, chance_pct: float, dataset: DatasetInfo
) -> Plotted:
    """Grouped bars: the study's accuracy (hatched) next to ours (mean ± std), per experiment and
    activation, in the activation's colour. Series "reported by the study" and "reproduced here",
    x the bar's label as drawn (``bar_label``). When the study reports none of them (a run on another
    dataset), only this run's bars, series "this run"."""
    records = [
        {
            "label": bar_label(titles[exp], row["activation"]),
            "activation": row["activation"],
            "reported": np.nan if row["reported"] is None else row["reported"],
            "mean": np.nan if row["mean"] is None else row["mean"],
            "std": np.nan if row["std"] is None else row["std"],
        }
        for exp, rows_ in rows_by_experiment.items()
        for row in rows_
    ]
    bars = pd.DataFrame(records, columns=["label", "activation", "reported", "mean", "std"])
    x = np.arange(len(bars))
    colours = [ACTIVATION_STYLES.get(a, {"color": "0.4"})["color"] for a in bars["activation"]]
    # On another dataset the study has no number to set beside ours: one bar each, named for this run.
    reproduction = bool(bars["reported"].notna().any())
    ours, offset, width = ("reproduced here", 0.2, 0.4) if reproduction else ("this run", 0.0, 0.6)
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(bars)), 4.4), layout="constrained")
    if reproduction:
        ax.bar(
            x - offset,
            bars["reported"],
            width,
            label=REPORTED_LABEL,
            color="white",
            edgecolor=colours,
            hatch="////",
            lw=1,
        )
    ax.bar(x + offset, bars["mean"], width, label=ours, color=colours)
    spread = bars["std"].notna()  # one seed measures none: no bar gets a cap it has no spread for
    if spread.any():
        ax.errorbar(
            x[spread] + offset, bars["mean"][spread], yerr=bars["std"][spread], fmt="none", ecolor="0.2", capsize=2
        )
    for xi, value in zip(x, bars["mean"]):
        if np.isnan(value):
            ax.text(
                xi + offset,
                2,
                "missing /\ndiverged",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=9,
                color="crimson",
            )
    ax.set_xticks(x, bars["label"], rotation=60, ha="right")
    accuracy_axis(ax, "test accuracy (%)", chance_pct, dataset.noun)
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlim(-0.7, len(bars) - 0.3)
    reported_kind = [Patch(facecolor="white", edgecolor="0.3", hatch="////", label=REPORTED_LABEL)]
    kinds = (reported_kind if reproduction else []) + [
        Patch(facecolor="0.4", label=f"{ours} (± std over seeds)" if spread.any() else f"{ours} (one seed: no spread)"),
        Line2D([], [], label=chance_label(chance_pct, dataset.noun), **CHANCE_STYLE),
    ]
    swatches = [Patch(facecolor=style["color"], label=a) for a, style in ACTIVATION_STYLES.items()]
    # a legend fills column by column: interleaved, the kinds of bar read as one row, the colours as
    # another; with two kinds, all on one row
    handles = [h for pair in zip(kinds, swatches) for h in pair] if reproduction else kinds + swatches
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3 if reproduction else len(handles),
        frameon=False,
    )
    drawn = [rows(REPORTED_LABEL, bars["label"], bars["reported"])] if reproduction else []
    return collect(fig, drawn + [rows(ours, bars["label"], bars["mean"], bars["std"])])


def save(plotted: Plotted, png_path, svg_path, csv_path, dpi: int) -> None:
    """Write the figure as PNG and SVG and its numbers as CSV.

    ``dpi`` is the density the report lays the figure out at (CSS pixels per inch); the PNG has
    twice as many pixels, for high-density screens.
    """
    plotted.figure.savefig(png_path, dpi=2 * dpi)
    plotted.figure.savefig(svg_path)
    plotted.table.to_csv(csv_path, index=False, float_format="%.6g")  # more digits than any axis shows
    plt.close(plotted.figure)


def _tick_labels(settings: list[str]) -> tuple[list[str], str]:
    """Settings as tick labels, without the key they all share ('weight decay 0.01' -> '0.01', axis
    'weight decay'); settings of several keys keep their whole label."""
    if any("," in s for s in settings):
        return list(settings), "setting"
    keys, values = zip(*(s.rsplit(" ", 1) for s in settings))
    if len(set(keys)) == 1:
        return list(values), keys[0]
    return list(settings), "setting"


def _sweep_column(acc_ax, loss_ax, sel: pd.DataFrame, variant: str, study: dict) -> list[pd.DataFrame]:
    """One experiment's sweep: accuracy (mean ± std) and final train loss per setting and activation,
    and the study's numbers (``study``: unstated, reported, marks)."""
    settings = list(dict.fromkeys(sel.sort_values("position")["setting"]))
    ticks, axis_label = _tick_labels(settings)
    tick_of = dict(zip(settings, ticks))
    x_of = {s: i for i, s in enumerate(settings)}
    drawn = []
    for activation, style in ACTIVATION_STYLES.items():
        line = sel[sel["activation"] == activation].sort_values("position")
        if line.empty:
            continue
        x, labels = line["setting"].map(x_of), line["setting"].map(tick_of)
        acc_series = f"{variant} / final test accuracy (%) / {activation}"
        acc_ax.plot(x, line["mean"], label=acc_series, lw=1.6, markersize=5, **style)
        acc_ax.errorbar(x, line["mean"], yerr=line["std"].fillna(0), fmt="none", ecolor=style["color"], capsize=3, lw=1)
        loss_series = f"{variant} / final train loss / {activation}"
        loss_ax.plot(x, line["train_loss"], label=loss_series, lw=1.6, markersize=5, **style)
        drawn += [rows(acc_series, labels, line["mean"], line["std"]), rows(loss_series, labels, line["train_loss"])]
        offset = 12 * (ACTIVATIONS.index(activation) - 1)  # points: activations diverging together stay apart
        for xi, n_div, n in zip(x, line["n_diverged"], line["n_seeds"]):
            if n_div:
                acc_ax.annotate(
                    f"{activation}: {n_div}/{n} diverged",
                    (xi, 22),
                    xytext=(offset, 0),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    rotation=90,
                    fontsize=9,
                    color="crimson",
                )
        drawn.append(
            _sweep_study_numbers(
                acc_ax,
                f"{acc_series} / {REPORTED_LABEL}",
                activation,
                variant,
                study,
                {p: (x_of[s], tick_of[s]) for p, s in zip(sel["position"], sel["setting"])},
            )
        )
    # the table keeps each setting whole; only the tick is cut to fit
    loss_ax.set_xticks(
        range(len(settings)), [fit_text(t, SETTING_WIDTH, CONFIG_TEXT_LINES) for t in ticks], rotation=30, ha="right"
    )
    loss_ax.set_xlabel(axis_label)
    return drawn


def _sweep_study_numbers(ax, series: str, activation: str, variant: str, study: dict, place: dict) -> pd.DataFrame:
    """Stars where the setting is the study's own; a dashed line where the study does not state it
    (x empty in the rows: the number could belong to any setting). ``place``: a setting's position
    -> its x and tick label."""
    colour = ACTIVATION_STYLES[activation]["color"]
    if study["unstated"]:
        value = study["reported"].get(variant, {}).get(activation)
        if value is None:
            return rows(series, [], [])
        ax.axhline(value, color=colour, ls="--", lw=1.1, alpha=0.9, label=f"{series} (setting unknown)")
        return rows(f"{series} (setting unknown)", [np.nan], [value])
    marks = study["marks"]
    mine = marks[(marks["variant_of"] == variant) & (marks["activation"] == activation)] if len(marks) else marks
    if not len(mine):
        return rows(series, [], [])
    x, ticks = zip(*(place[p] for p in mine["position"]))
    ax.plot(x, mine["reported"], label=series, markerfacecolor=colour, **REPORTED_STYLE)
    return rows(series, ticks, mine["reported"])


def plot_sweep(
    unstated: bool,
    summary: pd.DataFrame,
    marks: pd.DataFrame,
    reported: dict,
    titles: dict,
    *,
    chance_pct: float,
    dataset: DatasetInfo,
) -> Plotted:
    """A sensitivity sweep: final test accuracy (top) and final train loss (bottom) against the
    setting, one line per activation (mean ± std over seeds), one column per experiment varied.

    The study's numbers are stars where a setting is the study's own (``marks``); for a setting the
    study does not state (``unstated``) they are dashed lines, as they could sit at any setting.
    Series are ``"<experiment> / <quantity> / <activation>"``; x is the setting's tick label, whole
    (the tick itself is cut to SETTING_WIDTH × CONFIG_TEXT_LINES).
    """
    variants = list(dict.fromkeys(summary["variant_of"]))
    fig, axes = plt.subplots(
        2,
        len(variants),
        figsize=(max(5.5, 4.6 * len(variants)), 6.6),
        squeeze=False,
        sharex="col",
        sharey="row",
        layout="constrained",
    )
    study = {"unstated": unstated, "reported": reported, "marks": marks}
    drawn = []
    for column, variant in enumerate(variants):
        acc_ax, loss_ax = axes[0][column], axes[1][column]
        drawn += _sweep_column(acc_ax, loss_ax, summary[summary["variant_of"] == variant], variant, study)
        acc_ax.set_title(fit_text(f"varying {titles.get(variant, variant)}", SWEEP_TITLE_WIDTH, CONFIG_TEXT_LINES))
        accuracy_axis(acc_ax, "final test accuracy (%)" if column == 0 else "", chance_pct, dataset.noun)
        loss_ax.set_ylabel("final train loss" if column == 0 else "")
        for ax in (acc_ax, loss_ax):
            ax.grid(alpha=0.3)
    table = collect(fig, drawn).table
    log_if_collapsed(axes[1], table.loc[table["series"].str.contains("/ final train loss /"), "y"])
    handles = legend_handles(
        sorted(set(summary["activation"]) & set(ACTIVATIONS), key=ACTIVATIONS.index),
        chance_label(chance_pct, dataset.noun),
    )
    if unstated:
        handles.append(Line2D([], [], color="0.3", ls="--", lw=1.1, label="study (setting unknown)"))
    elif len(marks):
        handles.append(reported_handle())
    fig.legend(handles=handles, loc="outside upper center", ncol=3, frameon=False)
    return Plotted(fig, table)


# Verdict colours of the specification curves, as the report's verdict badges (Okabe-Ito where possible).
VERDICT_COLOURS = {
    "holds": "#009E73",
    "fails": "#D55E00",
    "tie": "#0072B2",
    "inconclusive": "#E69F00",
    "untested": "0.6",
}
DEFAULT_LABEL = "the setting this report uses"
STUDY_LINE_LABEL = "on the study's own numbers"


def specification_order(verdicts: pd.DataFrame, scope: list[str] = ()) -> pd.DataFrame:
    """One claim's universes in the order panel A draws them: by estimated difference, those with
    none last; ``rank`` is the x of each. With scope axes, each scope's universes are a block of
    their own (in the config's order of the scope's options), a gap of one universe between blocks;
    ``block`` numbers them."""
    columns = [axis_column(a) for a in scope]
    first_seen = verdicts.sort_values("position").drop_duplicates(columns)[columns] if columns else None
    block = (
        verdicts[columns].apply(tuple, axis=1).map({tuple(r): i for i, r in enumerate(first_seen.values)})
        if columns
        else pd.Series(0, index=verdicts.index)
    )
    ordered = (
        verdicts.assign(block=block)
        .sort_values(["block", "estimate", "position"], na_position="last", kind="stable")
        .reset_index(drop=True)
    )
    return ordered.assign(rank=np.arange(len(ordered)) + ordered["block"].to_numpy())


def universe_number(ranks: pd.Series):
    """A tick formatter for panel B: each universe numbered 1 to n in drawing order; the gap
    between scope blocks, and any x that is no universe's, gets no number."""
    numbers = {int(rank): i + 1 for i, rank in enumerate(sorted(ranks))}
    return lambda x, _pos: str(numbers[int(x)]) if float(x).is_integer() and int(x) in numbers else ""


def plot_specification_curve(
    verdicts: pd.DataFrame, axes: list[str], margin: float, study_estimate: float | None = None, scope: list[str] = ()
) -> Plotted:
    """A claim over every universe (rows of results/multiverse_verdicts.csv for one claim).

    Panel A: each universe's estimated difference (points) with its test-set interval, sorted,
    coloured by verdict, within the ±margin band; a ring marks the universe this report uses, a
    dashed line the difference on the study's own numbers. Panel B: which option of each axis each
    universe takes, labelled beside its row. Scope axes (``scope``) split the universes into blocks,
    each sorted on its own and named above it. Series: "<verdict>" (x rank, y estimate, std half the
    interval's width), "default universe", the study's line, and "<axis>: <option>" (x rank, y row).
    """
    ordered = specification_order(verdicts, scope)
    by_position = verdicts.sort_values("position")  # the config's order of each axis's options
    options = [(axis, option) for axis in axes for option in dict.fromkeys(by_position[axis_column(axis)])]
    width = min(12.0, max(6.0, 0.06 * len(ordered) + 3))
    fig, (curve, board) = plt.subplots(
        2,
        1,
        figsize=(width, 3.2 + 0.22 * len(options)),
        sharex=True,
        height_ratios=[3, max(1.0, 0.3 * len(options))],
        layout="constrained",
    )
    curve.axhspan(-margin, margin, color="0.9", lw=0, label=f"±{margin:g} points: a tie")
    curve.axhline(0, color="0.5", lw=0.8)
    drawn = []
    for verdict, colour in VERDICT_COLOURS.items():
        sel = ordered[(ordered["verdict"] == verdict) & ordered["estimate"].notna()]
        if sel.empty:
            continue
        half = (sel["high"] - sel["low"]) / 2
        curve.errorbar(
            sel["rank"],
            sel["estimate"],
            yerr=[sel["estimate"] - sel["low"], sel["high"] - sel["estimate"]],
            fmt="o",
            color=colour,
            ms=4,
            lw=1,
            capsize=0,
            label=verdict,
        )
        drawn.append(rows(verdict, sel["rank"], sel["estimate"], half))
    default = ordered[ordered["default"].astype(bool) & ordered["estimate"].notna()]
    if len(default):
        curve.plot(
            default["rank"],
            default["estimate"],
            "o",
            ms=11,
            markerfacecolor="none",
            markeredgecolor="black",
            markeredgewidth=1.4,
            label=DEFAULT_LABEL,
        )
        drawn.append(rows("default universe", default["rank"], default["estimate"]))
    if study_estimate is not None:
        curve.axhline(study_estimate, color="black", ls="--", lw=1, label=STUDY_LINE_LABEL)
        drawn.append(rows(STUDY_LINE_LABEL, [0, len(ordered) - 1], [study_estimate] * 2))
    curve.set_ylabel("difference (points)")
    for _, block in ordered.groupby("block") if scope else []:
        first, last = block["rank"].min(), block["rank"].max()
        if first:
            curve.axvline(first - 1, color="0.4", lw=0.8)
        name = setting_label({axis: block[axis_column(axis)].iloc[0] for axis in scope})
        curve.text(
            (first + last) / 2,
            1.01,
            name,
            transform=curve.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    fig.legend(*curve.get_legend_handles_labels(), loc="outside upper center", ncol=3, frameon=False)
    curve.grid(alpha=0.3)
    for row, (axis, option) in enumerate(options):
        xs = ordered.loc[ordered[axis_column(axis)] == option, "rank"]
        board.plot(xs, [row] * len(xs), "s", color="0.25", ms=4)
        drawn.append(rows(f"{axis}: {option}", xs, [row] * len(xs)))
    board.set_yticks(range(len(options)), [fit_text(f"{axis}: {option}", SETTING_WIDTH, 1) for axis, option in options])
    board.set_ylim(len(options) - 0.5, -0.5)
    board.set_xlabel("universes, by estimated difference")
    board.xaxis.set_major_locator(MaxNLocator(integer=True))
    board.xaxis.set_major_formatter(FuncFormatter(universe_number(ordered["rank"])))
    board.grid(axis="x", alpha=0.2)
    return collect(fig, drawn)


SEEDS_COLOUR = "0.65"
TERM_COLOUR = "#0072B2"


def plot_choices(choices: pd.DataFrame, scope: list[str] = ()) -> Plotted:
    """Which choices move one claim's difference (rows of results/multiverse_choices.csv for one
    claim), a row of two panels per scope.

    Left: each term's share of the variance (an axis, an interaction, the seeds), in percent; a
    grid that could not be decomposed says why instead. Right: each option's mean difference
    against the report's own option of its axis, in points. Series: "share[ at <scope>]" (x the
    term, y percent) and "option[ at <scope>]" (x the option's setting, "init he_normal", y points).
    """
    columns = [axis_column(a) for a in scope]
    groups = list(choices.groupby(columns, sort=False)) if columns else [((), choices)]
    n_options = max(int((g["part"] == "option").sum()) for _, g in groups)
    n_terms = max(int((g["part"] == "share").sum()) for _, g in groups)
    height = 0.6 + 0.24 * max(n_options, n_terms, 3)
    fig, panels = plt.subplots(
        len(groups), 2, figsize=(7.2, height * len(groups) + 0.3), squeeze=False, layout="constrained"
    )
    drawn = []
    for (key, group), (share_ax, option_ax) in zip(groups, panels):
        name = setting_label(dict(zip(scope, key if isinstance(key, tuple) else (key,)))) if scope else ""
        suffix = f" on {name}" if scope and "dataset" in scope else (f" at {name}" if name else "")
        if name:
            share_ax.set_title(name, loc="left", fontsize="small")
        shares = group[(group["part"] == "share") & group["term"].notna()]
        if shares.empty:
            note = group["note"].dropna()
            share_ax.text(0.5, 0.5, fit_text(f"not decomposed: {note.iloc[0] if len(note) else 'no estimate'}", 40, 4),
                          ha="center", va="center", transform=share_ax.transAxes, fontsize="small")  # fmt: skip
            share_ax.set_axis_off()
        else:
            colours = [SEEDS_COLOUR if t == "seeds" else TERM_COLOUR for t in shares["term"]]
            share_ax.barh(range(len(shares)), shares["value"], color=colours)
            share_ax.set_yticks(range(len(shares)), [fit_text(t, 22, 1) for t in shares["term"]])
            share_ax.set_ylim(len(shares) - 0.5, -0.5)
            share_ax.set_xlim(0, 100)
            share_ax.set_xlabel("share of the variance (%)")
            share_ax.grid(axis="x", alpha=0.3)
            drawn.append(rows("share" + suffix, shares["term"], shares["value"]))
        options = group[group["part"] == "option"].dropna(subset=["value"])
        if options.empty or shares.empty:
            option_ax.set_axis_off()
            continue
        labels = [setting_label({axis: option}) for axis, option in zip(options["term"], options["option"])]
        option_ax.axvline(0, color="0.5", lw=0.8)
        option_ax.plot(options["value"], range(len(options)), "o", color="0.2", ms=4)
        option_ax.set_yticks(range(len(options)), [fit_text(t, SETTING_WIDTH, 1) for t in labels])
        option_ax.set_ylim(len(options) - 0.5, -0.5)
        option_ax.set_xlabel("vs the report's option (points)")
        option_ax.grid(axis="x", alpha=0.3)
        drawn.append(rows("option" + suffix, labels, options["value"]))
    return collect(fig, drawn)
