import pandas as pd

from mnist_mlp.judge.claims import Rules, judge_reported
from mnist_mlp.judge.study import StudyNumbers, load_study
from mnist_mlp.data.arrays import chance_of_test_set
from mnist_mlp.present.figures import plot_specification_curve, save
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output):
        study = load_study(snakemake.input.study)
        rules, chance_pct = Rules.from_study(study), chance_of_test_set(snakemake.input.data_summary)
        numbers = StudyNumbers.of(study)
        verdicts = pd.read_csv(snakemake.input.verdicts)
        out = snakemake.output
        for claim, png, svg, csv in zip(study["claims"], out.png, out.svg, out.csv):
            theirs = judge_reported(claim, numbers, rules, chance_pct).estimate
            plotted = plot_specification_curve(
                verdicts[verdicts["claim"] == claim["id"]],
                snakemake.params.axes,
                rules.margin_pp,
                theirs,
                snakemake.params.scope,
            )
            save(plotted, png, svg, csv, snakemake.params.dpi)


if "snakemake" in globals():
    main(snakemake)
