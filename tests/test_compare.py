"""Comparing two sets of results: config keys, runs added, removed and changed, claim verdicts."""

import datetime
import json
import subprocess
import sys

import pandas as pd
import pytest

from mnist_mlp.present.compare import (
    COLUMNS,
    SWEEP_USED,
    NotARunTable,
    Results,
    diff,
    from_record,
    group,
    main,
    read_results,
    record_digest,
    render,
    run_table,
)
from mnist_mlp.present.history import make_record
from mnist_mlp.present.since import by_group
from mnist_mlp.runs import aggregate
from mnist_mlp.runs.tables import DIGESTS, write_digests


def table(rows: list[dict]) -> pd.DataFrame:
    base = {
        "experiment": "baseline",
        "title": "1.1",
        "dataset": "mnist",
        "n_train": 3000,
        "hidden": "500-250-100",
        "backend": "numpy",
        "init": "he_normal",
        "lr": 0.01,
        "weight_decay": 0.0,
        "seed": 0,
        "test_loss": 0.1,
        "train_accuracy": 0.9,
        "train_loss": 0.2,
        "diverged": False,
        "failed_to_learn": False,
        "job_s": 1.0,
        "dir": "results/runs/x",
    }
    return pd.DataFrame([{**base, **row} for row in rows])


OLD = table(
    [
        {"activation": "relu", "test_accuracy": 0.95},
        {"activation": "tanh", "test_accuracy": 0.94},
        {"activation": "sigmoid", "test_accuracy": 0.60},
        {"activation": "relu", "seed": 1, "test_accuracy": 0.9},
    ]
)
NEW = table(
    [
        {"activation": "relu", "test_accuracy": 0.96, "job_s": 9.0},
        {"activation": "tanh", "test_accuracy": 0.94},
        {"activation": "sigmoid", "lr": 0.1, "test_accuracy": 0.92},
        {"activation": "relu", "seed": 2, "test_accuracy": 0.91},
        {
            "activation": "tanh",
            "seed": 0,
            "experiment": "lr_0.1",
            "test_accuracy": float("nan"),
            "train_loss": float("inf"),
            "diverged": True,
        },
    ]
)
SWEEPS = OLD.drop(columns="experiment").assign(sweep="init", variant_of="baseline", setting="init he_normal")


def test_runs_added_removed_and_changed_largest_change_first_timings_ignored():
    result = diff(Results(OLD), Results(NEW))
    assert [(r["experiment"], r["activation"], r["seed"]) for r in result["added"]] == [
        ("baseline", "relu", 2),
        ("lr_0.1", "tanh", 0),
    ]
    assert [(r["activation"], r["seed"]) for r in result["removed"]] == [("relu", 1)]
    changed = result["changed"]
    # sigmoid moved by 32 points (its lr changed), relu by 1; job_s is a timing, not a result
    assert [c["run"]["activation"] for c in changed] == ["sigmoid", "relu"]
    assert changed[0]["settings"] == {"lr": (0.01, 0.1)} and changed[1]["settings"] == {}
    assert round(changed[1]["numbers"]["test_accuracy"][1] - changed[1]["numbers"]["test_accuracy"][0], 6) == 0.01
    assert [r["activation"] for r in result["unchanged"]] == ["tanh"]


def test_a_changed_state_comes_before_any_number():
    old = table([{"activation": "relu", "test_accuracy": 0.95}, {"activation": "tanh", "test_accuracy": 0.50}])
    new = table(
        [
            {"activation": "relu", "test_accuracy": 0.951, "failed_to_learn": True},
            {"activation": "tanh", "test_accuracy": 0.90},
        ]
    )
    changed = diff(Results(old), Results(new))["changed"]
    assert [c["run"]["activation"] for c in changed] == ["relu", "tanh"]
    assert changed[0]["state"] == ("ok", "failed to learn") and changed[1]["state"] is None


def test_nothing_changed_is_said():
    assert render(diff(Results(OLD), Results(OLD.assign(job_s=5.0)))) == "Nothing changed."


def test_both_formats_carry_the_same_rows():
    result = diff(
        Results(OLD, config={"train": {"epochs": 1}}, claims={"relu_best": "holds"}),
        Results(NEW, config={"train": {"epochs": 2}}, claims={"relu_best": "tie"}),
    )
    text, markdown = render(result), render(result, markdown=True)
    for out in (text, markdown):
        assert "baseline, sigmoid, seed 0" in out and "lr 0.01 → 0.1" in out and "60.00 → 92.00 (+32.00)" in out
        assert "95.00 → 96.00 (+1.00)" in out
        assert "baseline, relu, seed 2" in out and "lr_0.1, tanh, seed 0" in out  # added
        assert "baseline, relu, seed 1" in out  # removed
        assert "train.epochs" in out and "relu_best" in out and "tie" in out
        assert "tanh, seed 0" not in out.split("lr_0.1")[0].split("Runs changed")[-1]  # unchanged rows hidden
    assert "| run | settings | test accuracy |" in markdown and "## Runs added" in markdown
    assert "## Config keys changed" in markdown and "| train.epochs | 1 | 2 |" in markdown


def run_compare(*args):
    return subprocess.run(
        [sys.executable, "-m", "mnist_mlp.present.compare", *map(str, args)], capture_output=True, text=True
    )


def test_the_command_compares_records_files_and_folders_and_names_a_file_that_is_not_a_run_table(tmp_path):
    (tmp_path / "old").mkdir()
    OLD.to_csv(tmp_path / "old" / "runs.csv", index=False)
    NEW.to_csv(tmp_path / "new.csv", index=False)
    write_digests([tmp_path / "old" / "runs.csv"])
    write_digests([tmp_path / "new.csv"])
    record = make_record(
        NEW,
        pd.DataFrame(),
        {"train": {"epochs": 1}},
        {},
        "abc123",
        datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
    )
    (tmp_path / "0001_x.json").write_text(json.dumps(record))
    ok = run_compare(tmp_path / "old", tmp_path / "new.csv", "--format", "markdown")
    assert ok.returncode == 0 and "## Runs changed" in ok.stdout
    from_record = run_compare(tmp_path / "old", tmp_path / "0001_x.json")
    assert (
        from_record.returncode == 0 and from_record.stdout == run_compare(tmp_path / "old", tmp_path / "new.csv").stdout
    )
    same = run_compare(tmp_path / "new.csv", tmp_path / "0001_x.json")
    assert same.returncode == 0 and same.stdout.strip() == "Nothing changed."
    for bad, content in (("notes.txt", "just some text\nnot a table\n"), ("broken.json", "{not json")):
        (tmp_path / bad).write_text(content)
        out = run_compare(tmp_path / bad, tmp_path / "new.csv")
        assert out.returncode == 2 and out.stderr.strip().count("\n") == 0
        assert f"{tmp_path / bad}: not a run table" in out.stderr
    assert len(read_results(tmp_path / "old").runs) == 4


def test_a_results_folder_includes_its_sweeps(tmp_path):
    write_results(tmp_path)
    runs = read_results(tmp_path).runs
    assert len(runs) == 8 and (runs["experiment"] == "init sweep of baseline: init he_normal").sum() == 4


def write_results(folder, runs: pd.DataFrame = OLD, sweeps: pd.DataFrame = SWEEPS):
    """A results folder as the workflow leaves it: runs.csv and the sensitivity.csv beside it."""
    runs.to_csv(folder / "runs.csv", index=False)
    sweeps.to_csv(folder / "sensitivity.csv", index=False)
    write_digests([folder / "runs.csv", folder / "sensitivity.csv"])


def test_a_table_cut_at_a_row_boundary_or_without_its_digest_is_refused_in_one_line(tmp_path, capsys):
    write_results(tmp_path)
    assert len(read_results(tmp_path).runs) == 8
    whole = (tmp_path / "runs.csv").read_text()
    for kept in (1, 3):  # the header only; the header and two of four rows: each a table pandas reads
        (tmp_path / "runs.csv").write_text("".join(whole.splitlines(keepends=True)[:kept]))
        status, said = compare_here(capsys, tmp_path, tmp_path)
        assert status == 2 and said.count("\n") == 1
        assert said.startswith(f"compare: {tmp_path / 'runs.csv'}: not the table aggregation wrote")
        assert "snakemake --forcerun aggregate" in said
    (tmp_path / "runs.csv").write_text(whole)
    (tmp_path / DIGESTS).unlink()
    status, said = compare_here(capsys, tmp_path, tmp_path)
    assert status == 2 and f"{tmp_path / 'runs.csv'}: no {DIGESTS} beside it" in said


def compare_here(capsys, *args) -> tuple[int, str]:
    """The command's exit status and stderr, run in this process: a process per case would cost a
    second each, and the checks are the same code."""
    status = main([str(a) for a in args])
    return status, capsys.readouterr().err


# Every column the diff reads, written out here rather than taken from the code: a column the code
# stopped requiring would then fail this test instead of shrinking it (without diverged, every sweep
# run would read as newly diverged).
RUN_COLUMNS = ["experiment", "activation", "seed", "dataset", "n_train", "backend", "init", "hidden", "lr",
               "weight_decay", "test_accuracy", "test_loss", "train_accuracy", "train_loss", "diverged",
               "failed_to_learn"]  # fmt: skip
SWEEP_COLUMNS = ["sweep", "variant_of", "setting", *RUN_COLUMNS[1:]]


@pytest.mark.parametrize(
    "file, column", [("runs.csv", c) for c in RUN_COLUMNS] + [("sensitivity.csv", c) for c in SWEEP_COLUMNS]
)
def test_a_table_without_a_column_the_diff_uses_is_refused_naming_file_and_column(tmp_path, capsys, file, column):
    if file == "runs.csv":
        write_results(tmp_path, runs=OLD.drop(columns=column))
    else:
        write_results(tmp_path, sweeps=SWEEPS.drop(columns=column))
    assert compare_here(capsys, tmp_path, tmp_path) == (
        2,
        f"compare: {tmp_path / file}: not a run table (no column {column})\n",
    )


@pytest.mark.parametrize(
    "column, cell, says",
    [
        ("seed", 0.5, "0.5 is not an integer"),
        ("seed", None, "an empty cell is not an integer"),
        ("lr", "fast", "'fast' is not a number"),
        ("lr", None, "an empty cell is not a number"),  # a setting names the run: never missing
        ("test_loss", "low", "'low' is not a number"),
        ("diverged", "maybe", "'maybe' is not True or False"),
        ("failed_to_learn", None, "an empty cell is not True or False"),
        ("experiment", None, "an empty cell is not a name"),
    ],
)
def test_a_cell_of_the_wrong_type_is_refused_naming_column_and_row(tmp_path, capsys, column, cell, says):
    runs = OLD.astype({column: object})
    runs.loc[1, column] = cell
    write_results(tmp_path, runs)
    assert compare_here(capsys, tmp_path, tmp_path) == (
        2,
        f"compare: {tmp_path / 'runs.csv'}: not a run table (column {column}, row 2: {says})\n",
    )


def test_cells_as_pandas_may_read_them_are_what_they_say(tmp_path):
    runs = OLD.astype({"test_loss": object, "diverged": object})
    runs.loc[0, "test_loss"] = None  # a diverged run has no loss: missing, not wrong
    runs.loc[1, "diverged"] = "yes"
    runs.loc[2, "diverged"] = "True"  # with "yes" in the column pandas reads every cell as text
    sweeps = SWEEPS.assign(setting=0.1)  # a setting named by a number alone is read as one
    write_results(tmp_path, runs, sweeps)
    assert "column diverged, row 2: 'yes' is not True or False" in str(
        pytest.raises(ValueError, read_results, tmp_path).value
    )
    runs.loc[1, "diverged"] = False
    write_results(tmp_path, runs, sweeps)
    read = read_results(tmp_path).runs
    assert read["diverged"].tolist()[:4] == [False, False, True, False] and pd.isna(read["test_loss"][0])
    assert read["experiment"].tolist()[4:] == ["init sweep of baseline: 0.1"] * 4


def good_record() -> dict:
    return make_record(
        OLD,
        SWEEPS,
        {"train": {"epochs": 1}},
        {"relu_best": "holds"},
        "abc123",
        datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
    )


def edited(**changes) -> dict:
    """good_record() with top-level keys replaced, or removed where the value is ``...``, as a program
    that wrote it so would: its sha256 that of its content."""
    record = {**good_record(), **changes}
    record = {k: v for k, v in record.items() if v is not ... and k != "sha256"}
    return {**record, "sha256": record_digest(record)}


def test_a_record_edited_or_cut_since_its_build_wrote_it_is_refused_in_one_line(tmp_path, capsys):
    record = good_record()
    assert from_record(record).runs["train_loss"].notna().all()
    loss = record["runs"]["columns"].index("train_loss")
    record["runs"]["data"][0][loss] *= 3  # a number edited by hand
    cut = {**good_record(), "runs": {**good_record()["runs"], "data": good_record()["runs"]["data"][:3]}}
    for name, changed in (("edited", record), ("cut", cut)):
        (tmp_path / f"0001_{name}.json").write_text(json.dumps(changed))
        status, said = compare_here(capsys, tmp_path / f"0001_{name}.json", tmp_path / f"0001_{name}.json")
        assert status == 2 and said.count("\n") == 1
        assert "its content is not what its build wrote (its sha256 differs): edited or cut since" in said


def runs_without(column: str) -> dict:
    runs = good_record()["runs"]
    i = runs["columns"].index(column)
    return {
        "columns": runs["columns"][:i] + runs["columns"][i + 1 :],
        "data": [r[:i] + r[i + 1 :] for r in runs["data"]],
    }


def with_cell(column: str, value) -> dict:
    runs = good_record()["runs"]
    i = runs["columns"].index(column)
    return {**runs, "data": [[*runs["data"][0][:i], value, *runs["data"][0][i + 1 :]], *runs["data"][1:]]}


@pytest.mark.parametrize(
    "record, says",
    [
        pytest.param(edited(claims=[]), "claims: [] is not of type 'object'", id="claims-a-list"),
        pytest.param(edited(config="oops"), "config: 'oops' is not of type 'object'", id="config-a-string"),
        pytest.param([1, 2], "[1, 2] is not of type 'object'", id="not-an-object"),
        pytest.param(edited(commit=...), "'commit' is a required property", id="no-commit"),
        pytest.param(
            edited(notes="x"), "Additional properties are not allowed ('notes' was unexpected)", id="unknown-key"
        ),
        pytest.param(
            edited(claims={"relu_best": 1}), "claims.relu_best: 1 is not of type 'string'", id="verdict-not-text"
        ),
        pytest.param(
            edited(runs={"columns": ["experiment"], "data": ["baseline"]}),
            "runs.data.0: 'baseline' is not of type 'array'",
            id="row-not-a-list",
        ),
        pytest.param(
            edited(runs={"columns": ["seed", "seed"], "data": []}),
            "runs.columns: ['seed', 'seed'] has non-unique elements",
            id="column-twice",
        ),
        pytest.param(
            edited(runs=with_cell("lr", {"value": 0.1})),
            f"runs.data.0.{COLUMNS.index('lr')}: {{'value': 0.1}} is not of type 'string', 'number', 'boolean', 'null'",
            id="cell-an-object",
        ),
        pytest.param(
            edited(runs=runs_without("failed_to_learn")), "runs: no column failed_to_learn", id="no-failed_to_learn"
        ),
        pytest.param(
            edited(runs=with_cell("test_loss", True)),
            "runs: column test_loss, row 1: True is not a number",
            id="a-boolean-for-a-number",
        ),
        pytest.param(
            edited(runs={**good_record()["runs"], "data": [[0, 1]]}),
            f"runs: {len(COLUMNS)} columns passed, passed data had 2 columns",
            id="row-too-short",
        ),
    ],
)
def test_a_record_not_as_history_writes_it_is_refused_saying_what_is_wrong(tmp_path, capsys, record, says):
    (tmp_path / "0001_x.json").write_text(json.dumps(record))
    assert compare_here(capsys, tmp_path / "0001_x.json", tmp_path / "0001_x.json") == (
        2,
        f"compare: {tmp_path / '0001_x.json'}: not a history record ({says})\n",
    )


def test_a_record_as_history_writes_it_is_read_back_with_its_sweeps(tmp_path):
    (tmp_path / "0001_x.json").write_text(json.dumps(good_record()))
    write_results(tmp_path)
    assert diff(read_results(tmp_path / "0001_x.json"), read_results(tmp_path))["changed"] == []
    assert len(read_results(tmp_path / "0001_x.json").runs) == 8


def test_a_record_from_before_the_key_carried_the_data_and_widths_takes_them_from_its_config():
    config = {"data": {"n_train": 3000}, "model": {"hidden": [500, 250, 100]}}
    record = make_record(OLD, SWEEPS, config, {}, "abc", datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc))
    del record["sha256"]  # records carried no digest then
    columns = record["runs"]["columns"]
    kept = [i for i, c in enumerate(columns) if c not in ("dataset", "n_train", "hidden")]  # as records were then
    record["runs"] = {
        "columns": [columns[i] for i in kept],
        "data": [[row[i] for i in kept] for row in record["runs"]["data"]],
    }
    assert diff(from_record(record), Results(run_table(OLD, SWEEPS)))["changed"] == []
    assert set(from_record(record).runs["dataset"]) == {"mnist"}  # the only dataset then; its config names none
    assert from_record(record).config["data"]["dataset"] == "mnist"  # so a switch of dataset has an old one
    now = {**config, "data": {**config["data"], "dataset": "fashion_mnist"}}
    (switch,) = diff(from_record(record), Results(run_table(OLD, SWEEPS), now))["config"]
    assert (switch["key"], switch["old"], switch["new"]) == ("data.dataset", "mnist", "fashion_mnist")
    fashion = {**config, "data": {**config["data"], "dataset": "fashion_mnist"}}
    assert set(from_record({**record, "config": fashion}).runs["dataset"]) == {"fashion_mnist"}
    wider = {**config, "model": {"hidden": [100]}}
    changed = diff(from_record({**record, "config": wider}), Results(run_table(OLD, SWEEPS)))["changed"]
    assert changed and all(c["settings"] == {"hidden": ("100", "500-250-100")} for c in changed)
    with pytest.raises(NotARunTable, match="no column dataset, n_train, hidden"):  # no config to read them from
        from_record({**record, "config": {}})


def test_the_diff_reads_only_columns_that_the_aggregated_tables_have():
    assert set(COLUMNS) <= set(aggregate.table_columns(aggregate.RUN_KEYS))
    assert set(SWEEP_USED) <= set(aggregate.table_columns(aggregate.SWEEP_KEYS))


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    # More changed runs than a pipe holds (64 KiB), so the command is still writing when head exits.
    old = table([{"activation": "relu", "seed": seed, "test_accuracy": 0.5} for seed in range(2000)])
    old.to_csv(tmp_path / "old.csv", index=False)
    old.assign(test_accuracy=0.6).to_csv(tmp_path / "new.csv", index=False)
    write_digests([tmp_path / "old.csv", tmp_path / "new.csv"])
    compare = subprocess.Popen(
        [sys.executable, "-m", "mnist_mlp.compare", tmp_path / "old.csv", tmp_path / "new.csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    head = subprocess.Popen(["head", "-1"], stdin=compare.stdout, stdout=subprocess.PIPE, text=True)
    compare.stdout.close()  # head holds the only reading end: its exit closes the pipe
    first_line = head.communicate()[0]
    errors = compare.stderr.read()
    assert compare.wait() == 141 and first_line == "Runs changed:\n"  # 141: the pipe did close under it
    assert errors == ""


def test_a_table_written_before_a_runs_key_had_its_options_compares_as_unchanged():
    old = OLD.drop(columns=[c for c in OLD.columns if c in ("subset", "cost", "epochs")])
    new = run_table(OLD.assign(subset="random", validation=0, bias_init=float("nan"), cost="softmax_cross_entropy"))
    result = diff(Results(old), Results(new))
    assert not result["changed"] and not result["added"] and not result["removed"]
    other = diff(Results(old), Results(run_table(OLD.assign(cost="sigmoid_quadratic"))))
    assert all(c["settings"] == {"cost": ("softmax_cross_entropy", "sigmoid_quadratic")} for c in other["changed"])
    text = render(other)  # an option is named only where it is not its default
    assert "cost softmax_cross_entropy → sigmoid_quadratic" in text and "subset" not in text


UNIVERSES = pd.concat(
    [
        OLD.assign(universe="init he_normal"),  # the study's own runs, which every universe shares
        table([{"activation": "relu", "test_accuracy": 0.9, "init": "glorot_normal", "dir": "results/runs/g"}]).assign(
            universe="init glorot_normal"
        ),
    ],
    ignore_index=True,
)


def test_runs_only_the_universes_hold_are_recorded_counted_added_and_named_by_their_universe(tmp_path):
    when = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    before = from_record(make_record(OLD, SWEEPS, {}, {}, "abc", when))
    after = from_record(make_record(OLD, SWEEPS, {}, {}, "abc", when, UNIVERSES))
    added = diff(before, after)["added"]
    assert [r["experiment"] for r in added] == ["universe init glorot_normal: baseline"]
    assert by_group(added) == [{"group": "universe", "words": "only in the universes", "n": 1}]
    assert [group(r) for r in after.runs.to_dict("records")] == ["study"] * 4 + ["sweep"] * 4 + ["universe"]
    write_results(tmp_path)
    UNIVERSES.to_csv(tmp_path / "multiverse.csv", index=False)
    write_digests([tmp_path / "runs.csv", tmp_path / "sensitivity.csv", tmp_path / "multiverse.csv"])
    assert diff(after, read_results(tmp_path))["added"] == []  # a results folder reads its universes too
