"""The figures from real aggregated runs: one seed is a line, several seeds a line with a band."""

import matplotlib.collections
import pandas as pd
import yaml

from conftest import REPO
from mnist_mlp.figures import plot_confusion_figure, plot_curve_figure

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
        assert bands(plot_curve_figure(SPECS[fig_id], runs, curves, smooth=5)) == 0
        assert bands(plot_curve_figure(SPECS[fig_id], two_seeds(runs), two_seeds(curves), smooth=5)) > 0


def test_missing_runs_are_written_on_the_figure(smoke_run):
    runs = pd.read_csv(smoke_run / "results" / "runs.csv")
    confusion = pd.read_csv(smoke_run / "results" / "confusion.csv")
    spec = {**SPECS["fig07"], "experiment": "not_run"}
    texts = [t.get_text() for ax in plot_confusion_figure(spec, runs, confusion).axes for t in ax.texts]
    assert "relu: no runs (missing)" in texts
