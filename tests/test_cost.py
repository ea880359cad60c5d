"""The cost model of a build (runs/cost.py) and the size guard built on it, on a hand-made
calibration; the guard's count of a multiverse's runs (runs/plan.py), on the first study's experiments."""

import tracemalloc

import pytest
import yaml

from conftest import SARKAR
from mnist_mlp.runs.cost import job_cost, predict, size_error
from mnist_mlp.runs.plan import distinct_runs, experiment_runs, most_runs, n_universes, universe_variants

MODEL = {
    "hidden": (500, 250, 100),
    "numpy": {"overhead_s": 1.0, "samples_per_s": 1000.0, "eval_s": 0.5},
    "torch": {"overhead_s": 2.0, "samples_per_s": 2000.0, "eval_s": 0.5},
    "around": {"aggregate": 3.0, "report_html": 2.0},
}
JOB = {"backend": "numpy", "hidden": "500-250-100", "n_train": 3000}


def test_a_jobs_cost_is_its_overhead_and_per_epoch_its_images_and_evaluation():
    assert job_cost(MODEL, JOB, epochs=2) == pytest.approx(1.0 + 2 * (3000 / 1000 + 0.5))
    assert job_cost(MODEL, {**JOB, "hidden": (500, 250, 100)}, 2) == job_cost(MODEL, JOB, 2)  # widths either way


def test_jobs_are_scheduled_longest_first_on_the_cores():
    guess = predict(MODEL, [JOB] * 4, epochs=1, cores=2)
    assert guess["training_s"] == pytest.approx(2 * (1 + 3 + 0.5)) and guess["jobs"] == 4
    assert guess["wall_s"] == pytest.approx(guess["training_s"] + 3.0 + 2.0)


def test_the_sections_figures_fill_the_gap_an_odd_job_leaves_and_the_overview_runs_beside_aggregation():
    three = [JOB] * 3  # 4.5 s each on 2 cores: one core idles for 4.5 s at the end
    small = predict({**MODEL, "around": {**MODEL["around"], "plot_section": 3.0}}, three, epochs=1, cores=2)
    assert small["training_s"] == pytest.approx(9.0)  # drawn in the gap
    large = predict({**MODEL, "around": {**MODEL["around"], "plot_section": 5.0}}, three, epochs=1, cores=2)
    assert large["training_s"] == pytest.approx(9.5)  # larger than the gap
    beside = predict({**MODEL, "around": {**MODEL["around"], "plot_overview": 2.0}}, three, epochs=1, cores=2)
    assert beside["after_s"] == pytest.approx(3.0 + 2.0)  # the overview, shorter than aggregate, adds nothing
    longer = predict({**MODEL, "around": {**MODEL["around"], "plot_overview": 4.0}}, three, epochs=1, cores=2)
    assert longer["after_s"] == pytest.approx(4.0 + 2.0)


def test_a_multiverse_over_the_limit_is_refused_with_its_size_and_predicted_time():
    jobs = [JOB] * 3600
    assert size_error(12, jobs, 3600, 15, 2, MODEL, 9000) is None  # at the limit: it runs
    said = size_error(12, [*jobs, JOB], 3600, 15, 2, MODEL, 9000)
    assert said.startswith(
        "the multiverse has 12 universes and more than 3,600 distinct training jobs (up to 9,000; more than "
    )
    assert (
        "hours on 2 cores by the cost model in benchmarks/cost_model.json); raise multiverse.max_training_jobs" in said
    )
    assert "no calibration saved" in size_error(12, [*jobs, JOB], 3600, 15, 2, None, 9000)


EXPERIMENTS = yaml.safe_load((SARKAR / "config.yaml").read_text())["experiments"]
DEFAULT = {"dataset": "mnist", "n_train": 3000, "hidden": [500, 250, 100], "init": "auto", "weight_decay": 0}
EVERY = list(EXPERIMENTS)


def test_the_guard_counts_the_runs_the_universes_would_have_without_building_one():
    multiverse = {
        "axes": {
            "init": {"options": ["auto", "he_normal", "standard_normal"], "experiments": EVERY},
            "lr": {"options": [0.1, 0.01], "experiments": ["torch", "torch_l2"]},
        }
    }
    seeds = [0, 1]
    variants = universe_variants(EXPERIMENTS, multiverse, DEFAULT)
    experiments = [*EXPERIMENTS.values(), *(v["experiment"] for v in variants)]
    built = {run for experiment in experiments for run in experiment_runs(experiment, seeds, DEFAULT)}
    counted = distinct_runs(EXPERIMENTS, [], multiverse, seeds, DEFAULT, limit=10**6)
    assert len(counted) == len(built) and set(counted) == built
    # "auto" is He-normal for ReLU: those runs coincide, so the products are a ceiling, not the count
    assert len(built) < most_runs(EXPERIMENTS, [], multiverse, len(seeds))
    assert n_universes(multiverse) == len({v["position"] for v in variants}) == 6
    # counting stops one past the limit
    assert len(distinct_runs(EXPERIMENTS, [], multiverse, seeds, DEFAULT, limit=20)) == 21


def test_the_guard_refuses_540000_universes_in_the_memory_of_its_limit():
    options = {
        "init": ["auto", "glorot_normal", "he_normal", "glorot_uniform", "torch_default", "standard_normal"],
        "lr": [round(0.001 * (i + 1), 3) for i in range(100)],
        "weight_decay": [i * 1e-5 for i in range(30)],
        "hidden": [[10 * (i + 1)] for i in range(30)],
    }
    multiverse = {"axes": {axis: {"options": o, "experiments": EVERY} for axis, o in options.items()}}
    tracemalloc.start()
    runs = distinct_runs(EXPERIMENTS, [], multiverse, [0, 1, 2], DEFAULT, limit=6000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n_universes(multiverse) == 540_000 and len(runs) == 6001
    assert peak < 64 * 2**20  # every universe built would take gigabytes
    said = size_error(540_000, [r.row() for r in runs], 6000, 15, 2, None, most_runs(EXPERIMENTS, [], multiverse, 3))
    assert said.startswith(
        f"the multiverse has 540,000 universes and more than 6,000 distinct training jobs (up to {5 * 3 * 3 * (540_000 + 1):,};"
    )
