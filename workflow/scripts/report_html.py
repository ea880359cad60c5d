import datetime
import json
from pathlib import Path

import pandas as pd

from mnist_mlp import history
from mnist_mlp.compare import from_record
from mnist_mlp.jobs import job
from mnist_mlp.report import build_context, claim_verdicts, render, since_context, with_since
from mnist_mlp.study import load_study


def main(snakemake):
    with job(snakemake.log[0]):
        runs = pd.read_csv(snakemake.input.runs)
        sweeps = pd.read_csv(snakemake.input.sensitivity)
        figures = {Path(p).stem: p for p in snakemake.input.figures}
        data_jobs = {Path(p).stem: p for p in snakemake.input.data_benchmarks}
        context = build_context(
            runs,
            sweeps,
            load_study(snakemake.input.study),
            snakemake.params.titles,
            figures,
            json.loads(Path(snakemake.input.data_summary).read_text()),
            data_jobs,
            snakemake.params.config,
            snakemake.params.commit,
        )
        record = history.make_record(
            runs,
            sweeps,
            snakemake.params.config,
            claim_verdicts(context),
            snakemake.params.commit,
            datetime.datetime.now(datetime.timezone.utc),
        )
        update = history.update(snakemake.params.history, record)
        since = since_context(update, from_record(record), context["claims"])
        html = render(Path(snakemake.input.template), with_since(context, since))
        Path(snakemake.output[0]).write_text(html, encoding="utf-8")


if "snakemake" in globals():
    main(snakemake)
