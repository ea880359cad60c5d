import pandas as pd

from mnist_mlp.judge.study import load_study
from mnist_mlp.present.figures import plot_choices, save
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        study = load_study(snakemake.input.study)
        choices = pd.read_csv(snakemake.input.choices)
        out = snakemake.output
        for claim, png, svg, csv in zip(study["claims"], out.png, out.svg, out.csv):
            plotted = plot_choices(choices[choices["claim"] == claim["id"]], snakemake.params.scope)
            save(plotted, png, svg, csv, snakemake.params.dpi)


if "snakemake" in globals():
    main(snakemake)
