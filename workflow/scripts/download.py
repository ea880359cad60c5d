from pathlib import Path

from mnist_mlp.mnist.download import download_dataset
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        dest = {Path(p).parent for p in snakemake.output}.pop()
        path = snakemake.params.path
        source = download_dataset(dest, snakemake.wildcards.dataset, snakemake.params.source, Path(path) if path else None,
                                  snakemake.params.timeout_s)
        log.info("source used: %s", source)


if "snakemake" in globals():
    main(snakemake)
