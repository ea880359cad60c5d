"""A run's identity: one type spells its folder, wildcards and constraints, and reads them back."""

import re
from dataclasses import dataclass

import pytest

from mnist_mlp.runs.key import RunKey, parse_widths, setting
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
        "results/runs/{dataset}_n{n_train}/{backend}/{activation}/{init}/h{hidden}/lr{lr}_wd{weight_decay}/seed{seed}"
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
        width: int = setting("width", r"\d+", str, int)

    common = ("mnist", 300, "numpy", "relu", "he_normal", (10,), 0.1, 0.0)
    key = WithWidth(*common, 0, 64)
    assert key.folder() == "mnist_n300/numpy/relu/he_normal/h10/lr0.1_wd0.0/seed0/width64"
    assert WithWidth.pattern().endswith("/seed{seed}/width{width}")
    assert WithWidth.wildcard_constraints()["width"] == r"\d+"
    assert WithWidth.parse(key.path("log")) == key
    assert key.row()["width"] == 64 and "width" in WithWidth.names()
    assert key.without("seed") != WithWidth(*common, 1, 32).without("seed")
    assert key.without("seed") == WithWidth(*common, 1, 64).without("seed")
