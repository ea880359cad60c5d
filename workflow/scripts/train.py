from pathlib import Path

from mnist_mlp.data import load_dataset
from mnist_mlp.jobs import job
from mnist_mlp.runs import RunSpec, execute, write_run
from mnist_mlp.threads import limit_threads


def main(snakemake):
    with job(snakemake.log[0]) as log:
        p, w = snakemake.params, snakemake.wildcards
        spec = RunSpec(w.backend, w.activation, p.lr, p.weight_decay, p.seed, tuple(p.hidden), p.epochs,
                       p.batch_size, w.init, p.dtype, p.device)
        log.info("run %s with %d thread(s)", spec, snakemake.threads)
        with limit_threads(snakemake.threads, include_torch=spec.backend == "torch"):
            data = load_dataset(snakemake.input.data)
            model, history, metrics = execute(spec, data)
        write_run(Path(snakemake.output.metrics).parent, model, history, metrics, data)
        if history.diverged:
            log.warning("diverged at %s: non-finite loss; recorded, not an error", history.diverged_at)
        elif metrics["failed_to_learn"]:
            log.warning("failed to learn: %s; recorded, not an error", metrics["failure"])
        log.info("test accuracy %s, %.0f samples/s", metrics["test_accuracy"], metrics["samples_per_s"] or 0)


if "snakemake" in globals():
    main(snakemake)
