from mnist_mlp.runs.aggregate import (
    MAX_BATCH_POINTS,
    confusion_table,
    curves_table,
    multiverse_table,
    run_table,
    sweep_table,
)
from mnist_mlp.runs.jobs import job
from mnist_mlp.runs.run_format import check_run
from mnist_mlp.runs.tables import write_digests


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        records, sweep_records = snakemake.params.records, snakemake.params.sweep_records
        universe_records = snakemake.params.universe_records
        # every run's files are checked against the one format both backends write, once per run
        metrics = {d: check_run(d) for d in {r["dir"] for r in records + sweep_records + universe_records}}
        out = snakemake.output
        run_table(records, metrics).to_csv(out.runs, index=False)
        sweep_table(sweep_records, metrics).to_csv(out.sensitivity, index=False)
        multiverse_table(universe_records, metrics, snakemake.params.axes).to_csv(out.multiverse, index=False)
        curves_table(records, max_batch_points=MAX_BATCH_POINTS).to_csv(out.curves, index=False)
        confusion_table(records, metrics).to_csv(out.confusion, index=False)
        write_digests([out.runs, out.sensitivity, out.multiverse, out.curves, out.confusion])
        log.info(
            "aggregated %d distinct runs: %d experiment runs, %d sweep runs, %d universe runs",
            len(metrics),
            len(records),
            len(sweep_records),
            len(universe_records),
        )


if "snakemake" in globals():
    main(snakemake)
