from pathlib import Path

from mnist_mlp.runs.execute import training_job
from mnist_mlp.runs.key import RunKey


def main(snakemake):
    p = snakemake.params
    training = dict(epochs=p.epochs, batch_size=p.batch_size, dtype=p.dtype, device=p.device)
    training_job(
        RunKey.from_wildcards(snakemake.wildcards),
        training,
        snakemake.input.data,
        Path(snakemake.output.metrics).parent,
        snakemake.log[0],
        snakemake.threads,
    )


if "snakemake" in globals():
    main(snakemake)
