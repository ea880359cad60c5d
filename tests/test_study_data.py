"""A study as data: its numbers with the statistic each is, its curves, its claims' new kinds, and the
data splits and evaluation sets fully specified studies state; each held to this build's runs."""

import copy

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, SARKAR
from mnist_mlp.data.arrays import Dataset, data_stem, preprocess, split_problem, training_subset
from mnist_mlp.data.datasets import FILES
from mnist_mlp.judge.claims import KINDS, Evidence, Rules, judge, judge_reported
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE
from mnist_mlp.judge.study import (
    Curve,
    Reported,
    Statistic,
    StudyNumbers,
    accuracy_rows,
    curve_points,
    expected_best,
    figure_list,
    load_study,
    reported_numbers,
    study_error,
)
from mnist_mlp.nn.training import train
from mnist_mlp.runs.execute import RunSpec, execute, make_model
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.plan import defaults

RULES = Rules(alpha=0.05, margin_pp=0.5, loss_margin_pct=5, close_pp=2)
NIELSEN = REPO / "studies" / "nielsen2015"


# --- the data a fully specified study states ----------------------------------------------------


def test_the_first_n_images_are_the_first_n_and_a_random_n_is_what_it_always_was():
    np.testing.assert_array_equal(training_subset(50_000, 300, 7, "first"), np.arange(300))
    np.testing.assert_array_equal(training_subset(60_000, 300, 7), training_subset(60_000, 300, 7, "random"))
    assert data_stem("mnist", 30000) == "mnist_n30000"  # every run made before the split existed keeps its data
    assert data_stem("mnist", 50000, "first", 10000) == "mnist_n50000_first_val10000"
    assert split_problem(50_000, 10_000) is None
    assert "50001 training images do not fit beside a validation set of 10000" in split_problem(50_001, 10_000)


def test_a_validation_set_is_the_last_images_held_out_of_training(mnist_raw):
    arrays = preprocess(*(mnist_raw / name for name in FILES), n_train=500, seed=0, subset="first", validation=200)
    assert arrays["train_indices"].tolist() == list(range(500))
    assert arrays["val_indices"].tolist() == list(range(59_800, 60_000))
    assert arrays["x_val"].shape == (200, 784) and not set(arrays["val_indices"]) & set(arrays["train_indices"])
    random = preprocess(*(mnist_raw / name for name in FILES), n_train=500, seed=0, validation=200)
    assert random["train_indices"].max() < 59_800  # drawn from the images the validation set leaves


def test_a_run_evaluated_on_its_validation_set_records_that_set_each_epoch_and_the_test_set_at_the_end(small_data):
    data = Dataset(
        small_data.x_train[:1500], small_data.y_train[:1500], small_data.x_test, small_data.y_test,
        small_data.x_train[1500:], small_data.y_train[1500:],
    )  # fmt: skip
    key = RunKey(
        "mnist", 1500, "numpy", "relu", "he_normal", (20,), 0.1, 0.0, 0, validation=500, evaluate_on="validation"
    )
    _, history, metrics = execute(RunSpec(key, 2, 50, "float32", "cpu"), data, progress=False)
    assert list(history.epochs[0]) == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "validation_loss",
        "validation_accuracy",
    ]
    model = make_model(RunSpec(key, 2, 50, "float32", "cpu"))
    test_only = train(model, data, 2, 50, 0, progress=False)  # the same run, evaluated on the test set
    assert metrics["test_accuracy"] == test_only.final.accuracy  # the test set, evaluated once at the end
    assert history.epochs[-1]["validation_accuracy"] != metrics["test_accuracy"]


# --- statistics of the runs ---------------------------------------------------------------------


def test_the_expected_best_of_k_runs_is_the_mean_for_one_and_the_best_for_all():
    values = [90.0, 92.0, 97.0]
    assert expected_best(values, 1) == pytest.approx(93.0)
    assert expected_best(values, 3) == 97.0
    # every pair of three: max(90, 92), max(90, 97), max(92, 97)
    assert expected_best(values, 2) == pytest.approx((92 + 97 + 97) / 3)
    assert expected_best(values, 4) is None  # the best of 4 needs 4 runs
    assert expected_best([90.0, np.nan, 97.0], 2) == pytest.approx((90 + 97 + 97) / 3)  # a diverged run is never best
    assert expected_best([np.nan, np.nan, 97.0], 2) is None  # one draw of two would hold no accuracy


def runs_table(experiment="h30", activation="sigmoid", **columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "experiment": [experiment] * n,
        "activation": [activation] * n,
        "seed": list(range(n)),
        "diverged": [False] * n,
        "failed_to_learn": [False] * n,
        "dir": [f"{experiment}/{activation}/seed{s}" for s in range(n)],
    }
    return pd.DataFrame({**base, **columns})


def test_a_peak_best_of_three_is_held_against_the_best_of_our_peaks_not_a_mean_of_final_epochs():
    runs = runs_table(
        test_accuracy=[0.94, 0.945, 0.95], peak_accuracy=[0.951, 0.953, 0.956], peak_epoch=[27, 30, 29],
        last_epoch_accuracy=[0.94, 0.945, 0.95],
    )  # fmt: skip
    peak = Reported("h30", "sigmoid", 95.42, Statistic("peak", 3), epoch=29)
    (row,) = accuracy_rows(runs, [peak], "h30")
    assert row["mean"] == pytest.approx(95.6) and row["epochs"] == [27, 30, 29]
    assert row["std"] is None and row["reproduction"] == "within"
    (final,) = accuracy_rows(runs, [Reported("h30", "sigmoid", 95.42)], "h30")
    assert final["mean"] == pytest.approx(94.5) and final["std"] == pytest.approx(0.5)


def test_a_best_of_three_with_fewer_runs_is_missing_not_made_up():
    runs = runs_table(test_accuracy=[0.9, 0.91], peak_accuracy=[0.92, 0.93], peak_epoch=[3, 4])
    (row,) = accuracy_rows(runs, [Reported("h30", "sigmoid", 95.0, Statistic("peak", 3))], "h30")
    assert row["mean"] is None and row["health"] == "missing" and row["reproduction"] is None


def test_each_printed_epoch_is_held_against_the_same_statistic_at_that_epoch():
    runs = runs_table(test_accuracy=[0.5, 0.6, 0.7], peak_accuracy=[0.5] * 3, peak_epoch=[2] * 3)
    curves = {
        d: pd.DataFrame({"epoch": [1, 2], "test_accuracy": [a - 0.1, a]}) for d, a in zip(runs["dir"], [0.5, 0.6, 0.7])
    }
    curve = Curve("h30", "sigmoid", ((1, 59.0), (2, 65.0), (30, 95.0)), Statistic(best_of=3))
    points = curve_points(curve, runs, 2.0, read_epochs=curves.__getitem__)
    assert [p["ours"] for p in points[:2]] == pytest.approx([60.0, 70.0])  # the best of the three, epoch by epoch
    assert [p["reproduction"] for p in points] == ["within", "outside", None]  # epoch 30: past these runs
    assert (points[0]["low"], points[0]["high"]) == pytest.approx((40.0, 60.0))


# --- claims of the new kinds --------------------------------------------------------------------


def evidence_of(accuracies: dict) -> Evidence:
    """experiment/activation -> per seed, its accuracy after each epoch (fractions)."""
    rows, curves = [], {}
    for name, by_seed in accuracies.items():
        experiment, activation = name.split("/")
        for seed, curve in enumerate(by_seed):
            folder = f"{name}/seed{seed}"
            curves[folder] = pd.DataFrame({"epoch": range(1, len(curve) + 1), "test_accuracy": curve})
            rows.append(
                {
                    "experiment": experiment,
                    "activation": activation,
                    "seed": seed,
                    "dir": folder,
                    "diverged": False,
                    "failed_to_learn": False,
                    "test_accuracy": curve[-1],
                    "peak_accuracy": max(curve),
                    "peak_epoch": int(np.argmax(curve)) + 1,
                    "last_epoch_accuracy": curve[-1],
                }
            )
    return Evidence(pd.DataFrame(rows), read_epochs=curves.__getitem__)


def test_a_peak_comparison_pairs_seeds_and_needs_two_of_them():
    claim = {"kind": "beats", "better": "h100", "worse": "h30", "over": "every", "statistic": "peak"}
    wide = evidence_of(
        {
            "h100/sigmoid": [[0.9, 0.965, 0.96], [0.9, 0.962, 0.96]],
            "h30/sigmoid": [[0.9, 0.953, 0.95], [0.9, 0.951, 0.95]],
        }
    )
    verdict = judge(claim, wide, RULES)
    assert verdict.verdict == HOLDS and verdict.estimate == pytest.approx(1.15)
    assert "seeds" in verdict.details[0] and "peak test accuracy" in verdict.details[0]
    one_seed = evidence_of({"h100/sigmoid": [[0.9, 0.965]], "h30/sigmoid": [[0.9, 0.953]]})
    assert judge(claim, one_seed, RULES).verdict == INCONCLUSIVE  # no interval: one seed cannot say
    worse = evidence_of(
        {
            "h100/sigmoid": [[0.9, 0.94], [0.9, 0.941], [0.9, 0.94]],
            "h30/sigmoid": [[0.9, 0.953], [0.9, 0.951], [0.9, 0.952]],
        }
    )
    assert judge(claim, worse, RULES).verdict == FAILS


def test_reaching_a_stated_accuracy_allows_the_tolerance_and_no_more():
    claim = {
        "kind": "reaches",
        "experiment": "h30",
        "activation": "sigmoid",
        "value": 95,
        "statistic": "peak",
        "best_of": 2,
    }
    near = evidence_of({"h30/sigmoid": [[0.9, 0.931], [0.9, 0.925]]})  # the best of the two peaks: 93.1
    assert judge(claim, near, RULES).verdict == HOLDS
    short = evidence_of({"h30/sigmoid": [[0.9, 0.929], [0.9, 0.925]]})
    assert judge(claim, short, RULES).verdict == FAILS
    assert (
        judge(claim, evidence_of({"h30/sigmoid": [[0.9, 0.99]]}), RULES).verdict == INCONCLUSIVE
    )  # best of 2, one run
    numbers = StudyNumbers((Reported("h30", "sigmoid", 95.42, Statistic("peak", 3)),))
    assert judge_reported(claim, numbers, RULES, 11.35).verdict == HOLDS


def test_still_improving_compares_the_last_epochs_with_as_many_before_them_over_seeds():
    claim = {"kind": "still_improving", "experiment": "slow", "activation": "sigmoid", "window": 2}
    rising = evidence_of({"slow/sigmoid": [[0.11, 0.12, 0.14, 0.16, 0.18, 0.2], [0.11, 0.12, 0.13, 0.15, 0.17, 0.19]]})
    assert judge(claim, rising, RULES).verdict == HOLDS
    flat = evidence_of({"slow/sigmoid": [[0.9, 0.95, 0.96, 0.961, 0.96, 0.961], [0.9, 0.95, 0.96, 0.959, 0.96, 0.96]]})
    assert judge(claim, flat, RULES).verdict == TIE  # it rose early, not at the end
    short = evidence_of({"slow/sigmoid": [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]})
    verdict = judge(claim, short, RULES)
    assert verdict.verdict == INCONCLUSIVE and "need 4 epochs; the runs have 3" in verdict.details[0]
    printed = StudyNumbers(
        curves=(Curve("slow", "sigmoid", ((3, 21.01), (4, 21.23), (5, 21.42), (6, 21.6))),), epochs=6
    )
    assert judge_reported(claim, printed, RULES, 11.35).verdict == TIE  # (21.42 + 21.6 - 21.01 - 21.23) / 2 < 0.5
    gap = StudyNumbers(curves=(Curve("slow", "sigmoid", ((1, 11.0), (6, 21.9))),), epochs=6)
    assert judge_reported(claim, gap, RULES, 11.35).verdict == INCONCLUSIVE  # it does not print the epochs needed


def test_on_its_own_numbers_a_comparison_takes_the_same_statistic_or_says_which_it_took():
    claim = {"kind": "beats", "better": "h100", "worse": "slow", "over": "every"}
    numbers = StudyNumbers(
        (
            Reported("h100", "sigmoid", 96.59, Statistic("peak", 3)),
            Reported("slow", "sigmoid", 21.42, Statistic("final", 3)),
        )
    )
    verdict = judge_reported(claim, numbers, RULES, 11.35)
    assert verdict.verdict == HOLDS and "the study's numbers: " in verdict.details[0]


def test_every_kind_states_its_own_rule_and_an_unknown_kind_none():
    for kind in KINDS:
        claim = {"kind": kind, "experiment": "e", "activation": "relu", "better": "a", "worse": "b", "value": 95,
                 "window": 3, "reference": 1e-5, "sweep": "s", "variant_of": "a"}  # fmt: skip
        assert RULES.for_claim(claim)
    assert len({RULES.for_claim({**claim, "kind": k}) for k in ("reaches", "still_improving", "at_chance")}) == 3
    with pytest.raises(ValueError, match="unknown claim kind 'fancy'"):
        RULES.for_claim({"kind": "fancy"})
    with pytest.raises(ValueError, match="unknown claim kind"):
        judge({"kind": "fancy"}, evidence_of({"a/relu": [[0.5]]}), RULES)


def test_the_first_studys_rule_paragraph_names_only_its_own_kinds():
    sarkar = load_study(SARKAR / "study.yaml")
    sentence = Rules.from_study(sarkar).sentence(sarkar["claims"])
    assert (
        "A claim about final train losses" in sentence
        and "reach an accuracy" not in sentence
        and "peak" not in sentence
    )
    nielsen = load_study(NIELSEN / "study.yaml")
    words = Rules.from_study(nielsen).sentence(nielsen["claims"])
    assert "reach an accuracy" in words and "still rising" in words and "final train losses" not in words


# --- the study file against its config ----------------------------------------------------------


def nielsen_config() -> tuple[dict, list, dict]:
    import yaml

    config = yaml.safe_load((NIELSEN / "config.yaml").read_text())
    full = {
        "data": {"dataset": "mnist", "subset_seed": 0, "n_train": 30000, "subset": "random", "validation": 0, **config["data"]},
        "model": {"hidden": [500], "init": "auto", "bias_init": "default", "cost": "softmax_cross_entropy", **config["model"]},
        "train": {"epochs": 15, "batch_size": 64, "l2": "torch", "evaluate_on": "test", **config["train"]},
    }  # fmt: skip
    return config["experiments"], full["train"]["seeds"], defaults(full)


@pytest.mark.parametrize(
    "edit, key, message",
    [
        (lambda s: s["claims"][1].update(better="h200"), "claims.1.better", "no experiment 'h200' in the config"),
        (lambda s: s["numbers"][0].update(activation="relu"), "numbers.0.activation", "experiment 'h30' runs no relu"),
        (
            lambda s: s["curves"][0]["points"].append([30, 95.0]),
            "curves.0.points.6",
            "epoch 30 is not one of the study's 30",
        ),
        (lambda s: s["numbers"][0].update(epoch=31), "numbers.0.epoch", "epoch 31 is not one of the study's 30"),
        (
            lambda s: s["numbers"][0].update(best_of=4),
            "numbers.0.best_of",
            "the best of 4 runs needs 4 seeds; the config runs 3",
        ),
        (lambda s: s["numbers"][0].update(set="validation"), "numbers.0.set", "'h30' is evaluated on its test set"),
        (lambda s: s["claims"][1].update(best_of=3), "claims.1.best_of", "pairs the two sides' runs seed by seed"),
    ],
)
def test_a_study_file_that_asks_what_its_runs_cannot_give_is_refused_by_key(edit, key, message):
    study = copy.deepcopy(load_study(NIELSEN / "study.yaml"))
    experiments, seeds, default = nielsen_config()
    assert study_error(study, experiments, seeds, default) is None
    edit(study)
    found = study_error(study, experiments, seeds, default)
    assert found is not None and found[0] == key and message in found[1], found


def test_each_reported_curve_gets_a_figure_and_its_epochs_are_counted_from_one():
    study = load_study(NIELSEN / "study.yaml")
    curves = [f for f in figure_list(study) if f["kind"] == "reported_curve"]
    assert [f["experiment"] for f in curves] == ["h30", "h100_eta0.001", "h30_eta100"]
    peak = next(n for n in reported_numbers(study, "mnist") if n.experiment == "h30")
    assert peak.epoch == 29 and peak.statistic == Statistic("peak", 3)  # the book's "Epoch 28", counted from 0
    assert reported_numbers(study, "fashion_mnist") == []  # the book's numbers are MNIST's


def test_curves_csv_keeps_every_batch_of_a_study_sized_run_and_block_means_of_a_longer_one():
    from mnist_mlp.runs.aggregate import MAX_BATCH_POINTS, batch_points

    def batches(n_epochs, per_epoch):
        epochs = np.repeat(np.arange(1, n_epochs + 1), per_epoch)
        return pd.DataFrame(
            {
                "epoch": epochs,
                "batch": np.tile(np.arange(per_epoch), n_epochs),
                "loss": np.arange(n_epochs * per_epoch, dtype=float),
            }
        )

    study = batches(15, 469)  # the first study's runs: 7,035 batches, every one kept
    metric, x, loss = batch_points(study, MAX_BATCH_POINTS)
    assert metric == "batch_loss" and len(loss) == 7035 and x.iloc[-1] == 15.0
    long = batches(30, 5000)  # Nielsen's: 150,000 batches of 10
    metric, x, loss = batch_points(long, MAX_BATCH_POINTS)
    assert metric == "batch_loss_mean_15" and len(loss) == 10_000
    assert loss.iloc[0] == np.mean(np.arange(15)) and x.iloc[-1] == 30.0  # each block's mean, at its last batch
