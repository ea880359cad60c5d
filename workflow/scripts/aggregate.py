from mnist_mlp.aggregate import confusion_table, curves_table, run_table
from mnist_mlp.jobs import job


def main(snakemake):
    with job(snakemake.log[0]) as log:
        records = snakemake.params.records
        run_table(records).to_csv(snakemake.output.runs, index=False)
        curves_table(records).to_csv(snakemake.output.curves, index=False)
        confusion_table(records).to_csv(snakemake.output.confusion, index=False)
        log.info("aggregated %d experiment runs", len(records))


if "snakemake" in globals():
    main(snakemake)
