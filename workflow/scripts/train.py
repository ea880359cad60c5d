import time

SCRIPT_STARTED = time.time()  # before our imports: start-up ends here, imports begin

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from mnist_mlp.mnist.data import load_dataset  # noqa: E402
from mnist_mlp.runs.jobs import Laps, job, process_started  # noqa: E402
from mnist_mlp.runs.provenance import compute  # noqa: E402
from mnist_mlp.runs.execute import RunSpec, execute, write_run  # noqa: E402
from mnist_mlp.runs.threads import limit_threads  # noqa: E402


def main(snakemake):
    laps = Laps(process_started())
    laps.lap("start", at=SCRIPT_STARTED)
    laps.lap("imports")
    with job(snakemake.log[0]) as log:
        p, w = snakemake.params, snakemake.wildcards
        spec = RunSpec(w.backend, w.activation, p.lr, p.weight_decay, p.seed, tuple(p.hidden), p.epochs,
                       p.batch_size, w.init, p.dtype, p.device)
        log.info("run %s with %d thread(s)", spec, snakemake.threads)
        with limit_threads(snakemake.threads, include_torch=spec.backend == "torch"):
            laps.lap("torch import")  # limit_threads imports torch for torch jobs
            data = load_dataset(snakemake.input.data)
            laps.lap("data")
            model, history, metrics = execute(spec, data, laps=laps)
            metrics["compute"] = compute(snakemake.threads, with_torch=spec.backend == "torch")
        metrics["phases_s"] = laps.seconds
        write_run(Path(snakemake.output.metrics).parent, model, history, metrics, data)
        laps.lap("writing")
        log.info("phases (s): %s", ", ".join(f"{k} {v:.3f}" for k, v in laps.seconds.items()))
        if history.diverged:
            log.warning("diverged at %s: non-finite loss; recorded, not an error", history.diverged_at)
        elif metrics["failed_to_learn"]:
            log.warning("failed to learn: %s; recorded, not an error", metrics["failure"])
        log.info("test accuracy %s, %.0f samples/s", metrics["test_accuracy"], metrics["samples_per_s"] or 0)


def exit_now():
    """Skip the interpreter's teardown, which takes half a second once torch is imported: every
    file is written and closed, and the log too, by the time main() returns."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if "snakemake" in globals():
    main(snakemake)
    if __name__ == "__main__":  # the job's own process, as Snakemake runs scripts
        exit_now()
