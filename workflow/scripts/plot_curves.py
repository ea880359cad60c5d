import pandas as pd

from mnist_mlp.judge.study import figure_specs, load_study, reported_accuracy
from mnist_mlp.data.arrays import chance_of_test_set
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.present.figures import plot_curve_figure, save
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        study = load_study(snakemake.input.study)
        specs = figure_specs(study)
        runs, curves = pd.read_csv(snakemake.input.runs), pd.read_csv(snakemake.input.curves)
        out = snakemake.output
        for fig_id, png, svg, csv in zip(snakemake.params.ids, out.png, out.svg, out.csv):
            plotted = plot_curve_figure(
                specs[fig_id],
                runs,
                curves,
                snakemake.params.smooth,
                reported_accuracy(study, snakemake.params.dataset),
                chance_pct=chance_of_test_set(snakemake.input.data_summary),
                dataset=DATASET_INFO[snakemake.params.dataset],
            )
            save(plotted, png, svg, csv, snakemake.params.dpi)


if "snakemake" in globals():
    main(snakemake)
