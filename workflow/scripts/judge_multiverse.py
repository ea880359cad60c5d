import pandas as pd

from mnist_mlp.judge.claims import Rules
from mnist_mlp.judge.multiverse import judge_universes
from mnist_mlp.judge.study import load_study
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        study = load_study(snakemake.input.study)
        table = pd.read_csv(snakemake.input.multiverse)
        verdicts = judge_universes(table, study["claims"], Rules.from_study(study), snakemake.params.axes)
        verdicts.to_csv(snakemake.output[0], index=False)
        log.info("judged %d claims in %d universes", len(study["claims"]), table["position"].nunique())


if "snakemake" in globals():
    main(snakemake)
