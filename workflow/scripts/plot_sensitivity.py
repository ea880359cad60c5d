import pandas as pd

from mnist_mlp.judge.sensitivity import setting_summary, study_marks
from mnist_mlp.judge.study import load_study, reported_accuracy
from mnist_mlp.data.arrays import chance_of_test_set
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.present.figures import plot_sweep, save
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        runs, sweeps = pd.read_csv(snakemake.input.runs), pd.read_csv(snakemake.input.sensitivity)
        reported = reported_accuracy(load_study(snakemake.input.study), snakemake.params.dataset)
        summary, marks = setting_summary(sweeps), study_marks(sweeps, runs, reported)
        out = snakemake.output
        for (sweep_id, sweep), png, svg, csv in zip(snakemake.params.sweeps.items(), out.png, out.svg, out.csv):
            plotted = plot_sweep(
                sweep.get("unstated", True),
                summary[summary["sweep"] == sweep_id],
                marks[marks["sweep"] == sweep_id],
                reported,
                snakemake.params.titles,
                chance_pct=chance_of_test_set(snakemake.input.data_summary),
                dataset=DATASET_INFO[snakemake.params.dataset],
            )
            save(plotted, png, svg, csv, snakemake.params.dpi)


if "snakemake" in globals():
    main(snakemake)
