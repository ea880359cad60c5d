"""The study's figures, recomputed from the aggregated tables. Several seeds: mean line and ±1 std band."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ACTIVATION_COLOURS = {"sigmoid": "tab:blue", "tanh": "tab:orange", "relu": "tab:green"}
METRIC_LABELS = {"batch_loss": "batch loss", "train_loss": "train loss", "test_loss": "test loss",
                 "train_accuracy": "train accuracy", "test_accuracy": "test accuracy"}


def band(curves: pd.DataFrame, experiment: str, activation: str, metric: str) -> pd.DataFrame:
    """x, mean, std and seed count of one curve over seeds; non-finite values are left out."""
    rows = curves[(curves["experiment"] == experiment) & (curves["activation"] == activation)
                  & (curves["metric"] == metric)]
    rows = rows[np.isfinite(rows["value"])]
    stats = rows.groupby("x")["value"].agg(["mean", "std", "count"]).reset_index()
    stats["std"] = stats["std"].fillna(0.0)
    return stats


def draw_band(ax, stats: pd.DataFrame, label: str, colour=None, smooth: int = 1) -> None:
    """The mean over seeds as a line, ±1 std as a band; per-epoch curves get markers and error
    bars, so that a one-epoch run still shows its point and spread."""
    mean, std = stats["mean"], stats["std"]
    if smooth > 1:
        mean, std = (s.rolling(smooth, min_periods=1).mean() for s in (mean, std))
    per_epoch = len(stats) <= 30
    (line,) = ax.plot(stats["x"], mean, label=label, color=colour, lw=1.4, marker="o" if per_epoch else None, ms=3.5)
    if (stats["count"] > 1).any():
        ax.fill_between(stats["x"], mean - std, mean + std, color=line.get_color(), alpha=0.25, lw=0)
        if per_epoch:
            ax.errorbar(stats["x"], mean, yerr=std, fmt="none", ecolor=line.get_color(), capsize=3, lw=1)


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
        ax.text(0.5, 0.5, "\n".join(notes), transform=ax.transAxes, ha="center", va="center", color="crimson",
                fontsize=11, bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "crimson"})


def plot_curve_figure(spec: dict, runs: pd.DataFrame, curves: pd.DataFrame, smooth: int):
    """One figure of the study from its spec (see config/study_reported.yaml)."""
    fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
    exp, act, kind = spec["experiment"], spec.get("activation"), spec["kind"]
    if kind == "batch_loss":
        stats = band(curves, exp, act, "batch_loss")
        ax.plot(stats["x"], stats["mean"], color="0.75", lw=0.6, label="every batch")
        draw_band(ax, stats, f"moving mean of {smooth} batches", "tab:red", smooth=smooth)
        ax.set_ylabel("cross-entropy loss")
    elif kind == "loss_by_activation":
        for a in ACTIVATION_COLOURS:
            draw_band(ax, band(curves, exp, a, "train_loss"), a, ACTIVATION_COLOURS[a])
        ax.set_ylabel("train loss (per epoch)")
    else:
        metrics = {"train_accuracy": ["train_accuracy"], "epoch_accuracy": ["train_accuracy", "test_accuracy"],
                   "epoch_loss": ["train_loss", "test_loss"]}[kind]
        for metric in metrics:
            draw_band(ax, band(curves, exp, act, metric), METRIC_LABELS[metric])
        ax.set_ylabel("accuracy" if "accuracy" in kind else "cross-entropy loss")
    ax.set_xlabel("epoch")
    ax.set_title(f"{spec['label']}: {spec['caption']}", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    mark_missing_or_diverged(ax, runs, exp, [act] if act else list(ACTIVATION_COLOURS))
    return fig


def plot_confusion_figure(spec: dict, runs: pd.DataFrame, confusion: pd.DataFrame):
    """Mean test confusion matrix over the finished seeds of one run group."""
    fig, ax = plt.subplots(figsize=(5, 4.4), layout="constrained")
    sel = confusion[(confusion["experiment"] == spec["experiment"]) & (confusion["activation"] == spec["activation"])]
    if not sel.empty:
        matrix = sel.groupby(["true", "predicted"])["count"].mean().unstack().to_numpy()
        im = ax.imshow(matrix, cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6.5,
                    color="white" if value > matrix.max() / 2 else "black")
        fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"{spec['label']}: {spec['caption']}", fontsize=10)
    mark_missing_or_diverged(ax, runs, spec["experiment"], [spec["activation"]])
    return fig


def plot_test_accuracy_grid(runs: pd.DataFrame, curves: pd.DataFrame, titles: dict):
    """Test accuracy per epoch of every run, one panel per experiment (a figure the study lacks)."""
    experiments = list(titles)
    fig, axes = plt.subplots(1, len(experiments), figsize=(3.2 * len(experiments), 3.2), sharey=True,
                             layout="constrained", squeeze=False)
    for ax, exp in zip(axes[0], experiments):
        for a, colour in ACTIVATION_COLOURS.items():
            stats = band(curves, exp, a, "test_accuracy")
            if not stats.empty:
                draw_band(ax, stats, a, colour)
        ax.set_title(titles[exp], fontsize=8)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        mark_missing_or_diverged(ax, runs, exp, sorted(set(runs.loc[runs["experiment"] == exp, "activation"])))
    axes[0][0].set_ylabel("test accuracy")
    axes[0][0].legend(fontsize=8)
    return fig


def plot_reported_vs_reproduced(rows_by_experiment: dict, titles: dict):
    """Grouped bars: the study's accuracy next to ours (mean ± std), per experiment and activation."""
    labels, reported, reproduced, errors = [], [], [], []
    for exp, rows in rows_by_experiment.items():
        for row in rows:
            labels.append(f"{titles[exp].split(' ')[0]} {row['activation']}")
            reported.append(np.nan if row["reported"] is None else row["reported"])
            reproduced.append(np.nan if row["mean"] is None else row["mean"])
            errors.append(row["std"] or 0.0)
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(labels)), 4), layout="constrained")
    ax.bar(x - 0.2, reported, 0.4, label="reported by the study", color="0.6")
    ax.bar(x + 0.2, reproduced, 0.4, yerr=errors, label="reproduced here", color="tab:blue", capsize=2)
    for xi, value in zip(x, reproduced):
        if np.isnan(value):
            ax.text(xi + 0.2, 2, "missing /\ndiverged", rotation=90, ha="center", va="bottom", fontsize=7,
                    color="crimson")
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def save(fig, png_path, svg_path, dpi: int) -> None:
    fig.savefig(png_path, dpi=dpi)
    fig.savefig(svg_path)
    plt.close(fig)


def _tick_labels(settings: list[str]) -> tuple[list[str], str]:
    """Settings as tick labels, without the key they all share ('weight decay 0.01' -> '0.01', axis
    'weight decay'); settings of several keys keep their whole label."""
    if any("," in s for s in settings):
        return list(settings), "setting"
    keys, values = zip(*(s.rsplit(" ", 1) for s in settings))
    if len(set(keys)) == 1:
        return list(values), keys[0]
    return list(settings), "setting"


def plot_sweep(title: str, unstated: bool, summary: pd.DataFrame, marks: pd.DataFrame, reported: dict,
               titles: dict):
    """A sensitivity sweep: final test accuracy (top) and final train loss (bottom) against the
    setting, one line per activation (mean ± std over seeds), one column per experiment varied.

    The study's numbers are stars where a setting is the study's own (``marks``); for a setting the
    study does not state (``unstated``) they are dashed lines, as they could sit at any setting.
    """
    variants = list(dict.fromkeys(summary["variant_of"]))
    fig, axes = plt.subplots(2, len(variants), figsize=(max(5.5, 4.6 * len(variants)), 6.4), squeeze=False,
                             sharex="col", layout="constrained")
    for column, variant in enumerate(variants):
        sel = summary[summary["variant_of"] == variant]
        settings = list(dict.fromkeys(sel.sort_values("position")["setting"]))
        x_of = {s: i for i, s in enumerate(settings)}
        acc_ax, loss_ax = axes[0][column], axes[1][column]
        for activation, colour in ACTIVATION_COLOURS.items():
            line = sel[sel["activation"] == activation].sort_values("position")
            if line.empty:
                continue
            x = line["setting"].map(x_of)
            acc_ax.errorbar(x, line["mean"], yerr=line["std"].fillna(0), color=colour, marker="o", ms=4, capsize=3,
                            lw=1.4, label=activation)
            loss_ax.plot(x, line["train_loss"], color=colour, marker="o", ms=4, lw=1.4, label=activation)
            for xi, n_div, n in zip(x, line["n_diverged"], line["n_seeds"]):
                if n_div:
                    acc_ax.annotate(f"{n_div}/{n} diverged", (xi, 5), ha="center", fontsize=7, color="crimson",
                                    rotation=90, va="bottom")
            if unstated and activation in reported.get(variant, {}):
                acc_ax.axhline(reported[variant][activation], color=colour, ls="--", lw=1, alpha=0.8)
        if unstated:
            acc_ax.plot([], [], color="0.3", ls="--", lw=1, label="study (setting unknown)")
        mine = marks[marks["variant_of"] == variant] if len(marks) else marks
        if not unstated and len(mine):
            position_to_setting = dict(zip(sel["position"], sel["setting"]))
            for activation, colour in ACTIVATION_COLOURS.items():
                m = mine[mine["activation"] == activation]
                acc_ax.scatter([x_of[position_to_setting[p]] for p in m["position"]], m["reported"], marker="*",
                               s=140, color=colour, edgecolor="black", linewidth=0.6, zorder=5)
            acc_ax.scatter([], [], marker="*", s=140, color="0.6", edgecolor="black", linewidth=0.6,
                           label="reported by the study")
        ticks, axis_label = _tick_labels(settings)
        loss_ax.set_xticks(range(len(settings)), ticks, rotation=30, ha="right")
        loss_ax.set_xlabel(axis_label)
        acc_ax.set_title(f"varying {titles.get(variant, variant)}", fontsize=9)
        acc_ax.set_ylim(0, 100)
        acc_ax.set_ylabel("final test accuracy (%)")
        loss_ax.set_yscale("log")
        loss_ax.set_ylabel("final train loss")
        for ax in (acc_ax, loss_ax):
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(title, fontsize=10)
    return fig
