from mnist_mlp.aggregate import confusion_table, curves_table, run_table
from mnist_mlp.jobs import job
from mnist_mlp.runs import check_run_dir


def main(snakemake):
    with job(snakemake.log[0]) as log:
        records = snakemake.params.records
        # every run's files are checked against the one format both backends write
        metrics = [check_run_dir(record["dir"]) for record in records]
        run_table(records, metrics).to_csv(snakemake.output.runs, index=False)
        curves_table(records).to_csv(snakemake.output.curves, index=False)
        confusion_table(records, metrics).to_csv(snakemake.output.confusion, index=False)
        log.info("aggregated %d experiment runs", len(records))


if "snakemake" in globals():
    main(snakemake)
