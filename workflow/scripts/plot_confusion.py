import pandas as pd

from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.judge.study import figure_specs, load_study
from mnist_mlp.present.figures import plot_confusion_figure, save
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        specs = figure_specs(load_study(snakemake.input.study))
        runs, confusion = pd.read_csv(snakemake.input.runs), pd.read_csv(snakemake.input.confusion)
        out, dataset = snakemake.output, DATASET_INFO[snakemake.params.dataset]
        for fig_id, png, svg, csv in zip(snakemake.params.ids, out.png, out.svg, out.csv):
            plotted = plot_confusion_figure(specs[fig_id], runs, confusion, dataset)
            save(plotted, png, svg, csv, snakemake.params.dpi)


if "snakemake" in globals():
    main(snakemake)
