import json
from pathlib import Path

import pandas as pd

from mnist_mlp.jobs import job
from mnist_mlp.report import build_context, render
from mnist_mlp.study import load_study


def main(snakemake):
    with job(snakemake.log[0]):
        figures = {Path(p).stem: p for p in snakemake.input.figures}
        data_jobs = {Path(p).stem: p for p in snakemake.input.data_benchmarks}
        context = build_context(
            pd.read_csv(snakemake.input.runs),
            pd.read_csv(snakemake.input.sensitivity),
            load_study(snakemake.input.study),
            snakemake.params.titles,
            figures,
            json.loads(Path(snakemake.input.data_summary).read_text()),
            data_jobs,
            snakemake.params.config,
            snakemake.params.commit,
        )
        html = render(Path(snakemake.input.template), context)
        Path(snakemake.output[0]).write_text(html, encoding="utf-8")


if "snakemake" in globals():
    main(snakemake)
