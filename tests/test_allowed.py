"""Which universes the study's own numbers allow (judge/allowed.py): the rule's required properties,
on hand-made universes."""

import math

import pandas as pd

from conftest import universe_rows
from mnist_mlp.judge.allowed import allowed, fit_table

K = 1  # config/study_reported.yaml's robustness.allowed_misses


def test_a_number_no_universe_or_every_universe_fits_does_not_change_which_are_allowed():
    misses = {"a": {"x"}, "b": {"x", "y"}, "c": {"x", "y", "z"}}
    before = allowed(misses, set(), K)
    assert before == {"a", "b"}
    nobody = {u: m | {"unexplained"} for u, m in misses.items()}  # a number no universe fits
    assert allowed(nobody, set(), K) == before
    # a number every universe fits is in no universe's misses: the same sets, the same answer
    assert allowed({u: set(m) for u, m in misses.items()}, set(), K) == before


def test_a_universe_that_misses_several_numbers_the_best_fits_is_not_allowed():
    misses = {"best": {"p"}, "near": {"p", "q"}, "far": {"q", "r"}}
    assert allowed(misses, set(), K) == {"best", "near"}  # far misses q and r, which best fits
    # near and far miss as many numbers as each other; only which the best fits tells them apart
    assert allowed({"best": set(), "one": {"q"}, "two": {"q", "r"}}, set(), K) == {"best", "one"}
    assert allowed(misses, set(), 2) == {"best", "near", "far"}  # a looser rule allows it


def test_a_universe_whose_runs_all_diverged_where_the_study_reports_is_never_allowed():
    misses = {"fits_all": set(), "diverged": set(), "other": {"q"}}
    assert allowed(misses, {"diverged"}, K) == {"fits_all", "other"}
    # it is not the best either: the best is chosen among the rest
    assert allowed({"diverged": set(), "other": {"q", "r"}}, {"diverged"}, K) == {"other"}


def test_a_lone_universe_is_allowed():
    assert allowed({"only": {"p", "q", "r"}}, set(), K) == {"only"}


def test_the_fit_table_counts_each_universes_fits_and_misses_by_the_prediction_interval():
    reported = {"baseline": {"relu": 95.0, "tanh": 90.0}}
    table = pd.DataFrame(
        universe_rows(0, {("baseline", "relu"): [0.95, 0.951], ("baseline", "tanh"): [0.90, 0.899]})
        + universe_rows(1, {("baseline", "relu"): [0.80, 0.81], ("baseline", "tanh"): [0.70, 0.71]})
        + universe_rows(2, {("baseline", "relu"): [None, None], ("baseline", "tanh"): [0.90, 0.90]})
    )
    fit = fit_table(table, ["init"], reported, close_pp=2.0, alpha=0.05, allowed_misses=K).set_index("position")
    assert fit.loc[0, "n_fit"] == 2 and fit.loc[0, "misses"] == "" and fit.loc[0, "allowed"]
    assert fit.loc[1, "n_fit"] == 0 and fit.loc[1, "misses"] == "baseline/relu; baseline/tanh"
    assert not fit.loc[1, "allowed"]  # it misses both numbers the best fits
    assert fit.loc[2, "diverged"] == "baseline/relu" and not fit.loc[2, "allowed"]  # fits tanh, but diverged
    assert list(fit["axis_init"]) == ["i0", "i1", "i2"] and all(fit["n_numbers"] == 2)
    assert not math.isnan(fit.loc[0, "n_fit"])
