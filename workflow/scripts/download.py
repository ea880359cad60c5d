from pathlib import Path

from mnist_mlp.data.download import download_dataset, where_from
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        dest = {Path(p).parent for p in snakemake.output}.pop()
        dataset, data = snakemake.wildcards.dataset, snakemake.config["data"]
        source = download_dataset(dest, dataset, *where_from(data, dataset), data["timeout_s"])
        log.info("source used: %s", source)


if "snakemake" in globals():
    main(snakemake)
