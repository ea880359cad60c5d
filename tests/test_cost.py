"""The cost model of a build (runs/cost.py) and the size guard built on it, on a hand-made calibration."""

import pytest

from mnist_mlp.runs.cost import job_cost, predict, size_error

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
    assert size_error(12, jobs, 3600, 15, 2, MODEL) is None  # at the limit: it runs
    said = size_error(12, [*jobs, JOB], 3600, 15, 2, MODEL)
    assert said.startswith("the multiverse has 12 universes and 3,601 distinct training jobs, more than 3,600 (about ")
    assert (
        "hours on 2 cores by the cost model in benchmarks/cost_model.json); raise multiverse.max_training_jobs" in said
    )
    assert "no calibration saved" in size_error(12, [*jobs, JOB], 3600, 15, 2, None)
