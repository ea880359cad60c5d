"""A run's identity: one type spells its folder, wildcards and constraints, and reads them back."""

import re
from dataclasses import dataclass

import pandas as pd
import pytest

from mnist_mlp.runs.key import RunKey, option, parse_widths
from mnist_mlp.runs.plan import run_key

KEY = RunKey("mnist", 30000, "torch", "tanh", "glorot_normal", (500, 250, 100), 0.1, 1e-5, 2)
FOLDER = "mnist_n30000/torch/tanh/glorot_normal/h500-250-100/lr0.1_wd1e-05/seed2"


def test_a_key_spells_its_folder_once_and_reads_it_back():
    assert KEY.folder() == FOLDER
    assert KEY.path("dir") == "results/runs/" + KEY.folder()
    assert KEY.path("log") == "logs/train/" + KEY.folder() + ".log"
    assert KEY.path("benchmark") == "benchmarks/train/" + KEY.folder() + ".tsv"
    for place in ("dir", "log", "benchmark"):
        assert RunKey.parse(KEY.path(place)) == KEY
        assert RunKey.parse("/some/where/else/" + KEY.path(place)) == KEY
    with pytest.raises(ValueError, match="not a run's folder"):
        RunKey.parse("results/runs/mnist_n30000/torch/tanh/glorot_normal/h500-250-100/lr0.1/seed2")


def test_a_number_has_one_spelling_whatever_type_it_came_as():
    same = RunKey("mnist", "30000", "torch", "tanh", "glorot_normal", [500, 250, 100], "0.1", "0.00001", "2")
    assert same == KEY and hash(same) == hash(KEY)
    assert RunKey.from_row({**KEY.row(), "test_accuracy": 0.9}) == KEY
    assert KEY.row()["hidden"] == "500-250-100"  # a table's cell, read back by from_row
    assert (
        RunKey("mnist", 60000, "numpy", "relu", "he_normal", 100, 1, 0, 0).folder()
        == "mnist_n60000/numpy/relu/he_normal/h100/lr1.0_wd0.0/seed0"
    )


def test_hidden_widths_read_back_from_every_spelling_and_refuse_nonsense():
    for spelled in ("500-250-100", "[500, 250, 100]", "(500, 250, 100)", [500, 250, 100]):
        assert parse_widths(spelled) == (500, 250, 100)
    assert parse_widths(100) == parse_widths("100") == (100,)  # a one-layer column reads back as a number
    for bad in ("", [], [0]):
        with pytest.raises(ValueError, match="positive whole numbers"):
            parse_widths(bad)


def test_the_pattern_and_its_constraints_match_exactly_the_keys_folders():
    pattern = RunKey.pattern("dir")
    assert pattern == (
        "results/runs/{dataset}_n{n_train}{subset}{validation}/{backend}/{activation}/{init}{bias_init}/h{hidden}{cost}"
        "/lr{lr}_wd{weight_decay}{l2}/seed{seed}{epochs}{batch_size}{evaluate_on}"
    )
    assert pattern.format(**KEY.wildcards()) == KEY.path("dir")
    constraints = RunKey.wildcard_constraints()
    assert set(constraints) == set(RunKey.names()) == set(re.findall(r"{(\w+)}", pattern))
    for name, text in KEY.wildcards().items():
        assert re.fullmatch(constraints[name], text), name
    assert not re.fullmatch(constraints["backend"], "jax")
    assert not re.fullmatch(constraints["init"], "auto")  # a folder names the scheme auto picks
    assert not re.fullmatch(constraints["hidden"], "500-") and not re.fullmatch(constraints["hidden"], "500_250")
    assert RunKey.from_wildcards(KEY.wildcards()) == KEY


def test_auto_init_is_resolved_where_the_key_is_made_so_that_a_run_has_one_folder():
    default = {"dataset": "mnist", "n_train": 30000, "hidden": [500, 250, 100], "init": "auto", "weight_decay": 0}
    experiment = {"backend": "numpy", "lr": 0.1}
    picked = {a: run_key(experiment, a, 0, default).init for a in ("relu", "sigmoid", "tanh")}
    assert picked == {"relu": "he_normal", "sigmoid": "glorot_normal", "tanh": "glorot_normal"}
    assert run_key(experiment, "relu", 0, default) == run_key({**experiment, "init": "he_normal"}, "relu", 0, default)


def test_a_new_setting_joins_paths_wildcards_and_parsing_by_adding_a_field():
    @dataclass(frozen=True)
    class WithWidth(RunKey):
        width: int = option("seed", "w", r"[0-9]+", 64, str, int)

    common = ("mnist", 300, "numpy", "relu", "he_normal", (10,), 0.1, 0.0)
    key = WithWidth(*common, 0, width=32)
    assert key.folder() == "mnist_n300/numpy/relu/he_normal/h10/lr0.1_wd0.0/seed0_w32"
    assert WithWidth.pattern().endswith("/seed{seed}{epochs}{batch_size}{evaluate_on}{width}")
    assert WithWidth.wildcard_constraints()["width"] == "(?:_w(?:[0-9]+))?"
    assert WithWidth.parse(key.path("log")) == key
    assert key.row()["width"] == 32 and "width" in WithWidth.names()
    assert key.without("seed") != WithWidth(*common, 1).without("seed")
    assert key.without("seed") == WithWidth(*common, 1, width=32).without("seed")
    # at its default the option is not in the folder: a run made before it existed keeps its folder
    assert WithWidth(*common, 0).folder() == RunKey(*common, 0).folder()
    assert WithWidth.parse(RunKey(*common, 0).path()) == WithWidth(*common, 0)


def test_an_option_is_spelled_only_away_from_its_default_and_read_back_from_paths_and_tables():
    nielsen = RunKey(
        "mnist", 50000, "numpy", "sigmoid", "standard_normal", (30,), 3.0, 0.0, 1,
        subset="first", validation=10000, cost="sigmoid_quadratic", epochs=30, batch_size=10,
    )  # fmt: skip
    assert (
        nielsen.folder()
        == "mnist_n50000_first_val10000/numpy/sigmoid/standard_normal/h30_sigmoid_quadratic/lr3.0_wd0.0/seed1_e30_b10"
    )
    textbook = RunKey(
        "mnist", 3000, "torch", "relu", "lecun_normal", (20,), 0.1, 1e-3, 0,
        validation=500, bias_init="like_weights", l2="textbook", evaluate_on="validation",
    )  # fmt: skip
    assert textbook.folder() == (
        "mnist_n3000_val500/torch/relu/lecun_normal_bias-like_weights/h20/lr0.1_wd0.001_l2-textbook/seed0_on-validation"
    )
    for key in (nielsen, textbook, KEY):
        assert RunKey.parse(key.path("benchmark")) == key
        assert RunKey.from_wildcards(key.wildcards()) == key
        assert RunKey.from_row(key.row()) == key
        assert RunKey.from_row(pd.DataFrame([key.row()]).iloc[0]) == key  # empty cells read back as NaN
    assert RunKey.from_row({n: v for n, v in KEY.row().items() if n not in RunKey.option_defaults()}) == KEY
    assert KEY.wildcards()["cost"] == "" and nielsen.wildcards()["cost"] == "_sigmoid_quadratic"


def test_settings_spelled_two_ways_are_one_run_and_the_configs_epochs_name_none():
    default = {
        "dataset": "mnist", "n_train": 3000, "hidden": [20], "init": "auto", "weight_decay": 0, "subset": "random",
        "validation": 0, "bias_init": "default", "cost": "softmax_cross_entropy", "l2": "torch", "epochs": 15,
        "batch_size": 64, "evaluate_on": "test",
    }  # fmt: skip
    experiment = {"backend": "numpy", "lr": 0.1}
    plain = run_key(experiment, "relu", 0, default)
    # zero biases are what He-normal draws; without weight decay its form changes nothing; the config's epochs
    for same in ({"bias_init": "zero"}, {"l2": "textbook"}, {"epochs": 15}, {"batch_size": 64}):
        assert run_key({**experiment, **same}, "relu", 0, default) == plain, same
    assert plain.folder() == "mnist_n3000/numpy/relu/he_normal/h20/lr0.1_wd0.0/seed0"
    own = run_key(
        {**experiment, "epochs": 30, "bias_init": "standard_normal", "weight_decay": 1e-3, "l2": "textbook"},
        "relu",
        0,
        default,
    )
    assert (
        own.folder() == "mnist_n3000/numpy/relu/he_normal_bias-standard_normal/h20/lr0.1_wd0.001_l2-textbook/seed0_e30"
    )
    nielsen = run_key({**experiment, "init": "standard_normal", "bias_init": "like_weights"}, "sigmoid", 0, default)
    assert nielsen.bias_init == ""  # N(0, 1) biases are what standard_normal draws anyway
