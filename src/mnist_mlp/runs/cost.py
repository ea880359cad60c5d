"""The cost model of a build: what each training job takes on this machine, from a calibration that
bench/bench_study.py measures and saves (CALIBRATION), and the wall time of many jobs on a few cores."""

import heapq
import json
from pathlib import Path

from mnist_mlp.data.arrays import IMAGE_PIXELS, N_CLASSES
from mnist_mlp.runs.key import parse_widths
from mnist_mlp.runs.plan import JOBS_AFTER_TRAINING, JOBS_BEFORE_TRAINING, OVERVIEW_JOB, PLOT_JOBS, SECTION_JOBS

CALIBRATION = Path("benchmarks") / "cost_model.json"  # where bench/bench_study.py saves this machine's calibration


def multiply_adds(hidden) -> int:
    """Multiply-adds of one image through the network: what a training step's time scales with."""
    widths = [IMAGE_PIXELS, *hidden, N_CLASSES]
    return sum(a * b for a, b in zip(widths, widths[1:]))


def job_cost(model: dict, job: dict, epochs: int) -> float:
    """One training job's seconds: its overhead, and per epoch its images at the calibrated rate,
    scaled by its network's multiply-adds (a rough guide for small networks, whose steps are
    dominated by fixed costs), and a test evaluation. ``job``: backend, hidden (widths, or as a
    folder spells them) and n_train."""
    backend = model[job["backend"]]
    hidden = parse_widths(job["hidden"]) if isinstance(job["hidden"], str) else job["hidden"]
    scale = multiply_adds(hidden) / multiply_adds(model["hidden"])
    return backend["overhead_s"] + epochs * scale * (int(job["n_train"]) / backend["samples_per_s"] + backend["eval_s"])


def predict(model: dict, jobs: list[dict], epochs: int, cores: int, startup: float = 0.0) -> dict:
    """Wall time: Snakemake's start, the data jobs, then the training jobs longest first on
    ``cores`` with the sections' figures filling the gaps, then the rest."""
    costs = sorted((job_cost(model, j, epochs) for j in jobs), reverse=True)
    around = model["around"]
    free = [0.0] * cores
    # the sections' figures are drawn while other runs train: one more job, placed like the others
    for cost in [*costs, around.get(SECTION_JOBS, 0.0)]:
        heapq.heappush(free, heapq.heappop(free) + cost)
    before = sum(around.get(j, 0.0) for j in JOBS_BEFORE_TRAINING)
    overview = around.get(OVERVIEW_JOB, 0.0)
    later = [around.get(j, 0.0) for j in PLOT_JOBS if j != OVERVIEW_JOB]
    # aggregation (and the multiverse's judging), then the plots that read them side by side, all
    # beside the overview, which reads the runs themselves; the report last
    serial = sum(around.get(j, 0.0) for j in JOBS_AFTER_TRAINING) + max(sum(later) / cores, max(later))
    after = max(serial, overview) + around.get("report_html", 0.0)
    return {
        "wall_s": startup + before + max(free) + after,
        "startup_s": startup,
        "training_s": max(free),
        "before_s": before,
        "after_s": after,
        "jobs": len(costs),
        "job_s": sum(costs),
    }


def saved_calibration(folder: Path = Path(".")) -> dict | None:
    """The calibration bench/bench_study.py saved under ``folder``, or None (none, or unreadable)."""
    try:
        return json.loads((folder / CALIBRATION).read_text())
    except (OSError, ValueError):
        return None


def size_error(
    n_universes: int, jobs: list[dict], limit: int, epochs: int, cores: int, model: dict | None, at_most: int
) -> str | None:
    """Why a multiverse is too large to start, in one line, or None: more distinct training jobs
    than ``limit`` (multiverse.max_training_jobs). ``jobs`` are those counted (``plan.distinct_runs``:
    one past the limit at most), ``at_most`` how many there can be; the cost model prices the
    counted ones where a calibration is saved, so its time is a floor."""
    if len(jobs) <= limit:
        return None
    if model is None:
        cost = f"no calibration saved to predict its time (python bench/bench_study.py --predict-only saves one in {CALIBRATION})"
    else:
        hours = predict(model, jobs, epochs, cores)["wall_s"] / 3600
        cost = f"more than {hours:,.0f} hours on {cores} cores by the cost model in {CALIBRATION}"
    return (
        f"the multiverse has {n_universes:,} universes and more than {limit:,} distinct training jobs (up to "
        f"{at_most:,}; {cost}); raise multiverse.max_training_jobs to run it, or read the plan with "
        "snakemake -n --quiet rules"
    )
