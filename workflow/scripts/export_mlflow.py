import json
from pathlib import Path

import pandas as pd

from mnist_mlp.present.tracker import experiment_name, export, memberships, parent_record, run_record
from mnist_mlp.runs.jobs import console, job


def main(snakemake):
    with job(snakemake.log[0]) as log:
        tables = [
            pd.read_csv(path) for path in (snakemake.input.runs, snakemake.input.sweeps, snakemake.input.universes)
        ]
        claims = json.loads(Path(snakemake.input.claims).read_text())
        report = Path(snakemake.input.report)
        records = [run_record(folder, member, report) for folder, member in memberships(*tables).items()]
        name = experiment_name(snakemake.params.overlays, snakemake.params.study)
        counts = export(Path(snakemake.params.db), name, records, parent_record(claims))
        log.info("%s", counts)
        console(
            f"MLflow: {counts['runs']} runs in experiment {name!r} of {counts['database']} ({counts['created']} created, "
            f"{counts['replaced']} replaced, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['deleted']} deleted). "
            f"Browse them: mlflow ui --backend-store-uri sqlite:///{counts['database']}"
        )


if "snakemake" in globals():
    main(snakemake)
