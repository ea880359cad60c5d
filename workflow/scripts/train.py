from mnist_mlp.data import load_dataset
from mnist_mlp.jobs import job
from mnist_mlp.runs import DeviceError, RunSpec, execute, write_outputs
from mnist_mlp.threads import limit_threads


def main(snakemake):
    with job(snakemake.log[0], DeviceError) as log:
        p = snakemake.params
        spec = RunSpec(snakemake.wildcards.backend, snakemake.wildcards.activation, p.lr, p.weight_decay, p.seed,
                       tuple(p.hidden), p.epochs, p.batch_size, p.init, p.dtype, p.device)
        log.info("run %s with %d thread(s)", spec, snakemake.threads)
        with limit_threads(snakemake.threads, include_torch=spec.backend == "torch"):
            model, history, metrics = execute(spec, load_dataset(snakemake.input.data))
        o = snakemake.output
        write_outputs(model, history, metrics, o.batches, o.epochs, o.metrics, o.weights)
        if history.diverged:
            log.warning("diverged at %s: non-finite loss; recorded, not an error", history.diverged_at)
        log.info("test accuracy %s, %.0f samples/s", metrics["test_accuracy"], metrics["samples_per_s"] or 0)


if "snakemake" in globals():
    main(snakemake)
