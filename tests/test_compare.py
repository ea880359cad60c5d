"""Comparing two sets of results: config keys, runs added, removed and changed, claim verdicts."""

import datetime
import json
import subprocess
import sys

import pandas as pd

from mnist_mlp.present.compare import Results, diff, read_results, render
from mnist_mlp.present.history import make_record


def table(rows: list[dict]) -> pd.DataFrame:
    base = {"experiment": "baseline", "title": "1.1", "backend": "numpy", "init": "he_normal", "lr": 0.01,
            "weight_decay": 0.0, "seed": 0, "test_loss": 0.1, "train_accuracy": 0.9, "train_loss": 0.2,
            "diverged": False, "failed_to_learn": False, "job_s": 1.0, "dir": "results/runs/x"}
    return pd.DataFrame([{**base, **row} for row in rows])


OLD = table([{"activation": "relu", "test_accuracy": 0.95}, {"activation": "tanh", "test_accuracy": 0.94},
             {"activation": "sigmoid", "test_accuracy": 0.60}, {"activation": "relu", "seed": 1, "test_accuracy": 0.9}])
NEW = table([{"activation": "relu", "test_accuracy": 0.96, "job_s": 9.0}, {"activation": "tanh", "test_accuracy": 0.94},
             {"activation": "sigmoid", "lr": 0.1, "test_accuracy": 0.92},
             {"activation": "relu", "seed": 2, "test_accuracy": 0.91},
             {"activation": "tanh", "seed": 0, "experiment": "lr_0.1", "test_accuracy": float("nan"),
              "train_loss": float("inf"), "diverged": True}])


def test_runs_added_removed_and_changed_largest_change_first_timings_ignored():
    result = diff(Results(OLD), Results(NEW))
    assert [(r["experiment"], r["activation"], r["seed"]) for r in result["added"]] == [
        ("baseline", "relu", 2), ("lr_0.1", "tanh", 0)]
    assert [(r["activation"], r["seed"]) for r in result["removed"]] == [("relu", 1)]
    changed = result["changed"]
    # sigmoid moved by 32 points (its lr changed), relu by 1; job_s is a timing, not a result
    assert [c["run"]["activation"] for c in changed] == ["sigmoid", "relu"]
    assert changed[0]["settings"] == {"lr": (0.01, 0.1)} and changed[1]["settings"] == {}
    assert round(changed[1]["numbers"]["test_accuracy"][1] - changed[1]["numbers"]["test_accuracy"][0], 6) == 0.01
    assert [r["activation"] for r in result["unchanged"]] == ["tanh"]


def test_a_changed_state_comes_before_any_number():
    old = table([{"activation": "relu", "test_accuracy": 0.95}, {"activation": "tanh", "test_accuracy": 0.50}])
    new = table([{"activation": "relu", "test_accuracy": 0.951, "failed_to_learn": True},
                 {"activation": "tanh", "test_accuracy": 0.90}])
    changed = diff(Results(old), Results(new))["changed"]
    assert [c["run"]["activation"] for c in changed] == ["relu", "tanh"]
    assert changed[0]["state"] == ("ok", "failed to learn") and changed[1]["state"] is None


def test_nothing_changed_is_said():
    assert render(diff(Results(OLD), Results(OLD.assign(job_s=5.0)))) == "Nothing changed."


def test_both_formats_carry_the_same_rows():
    result = diff(Results(OLD, config={"train": {"epochs": 1}}, claims={"relu_best": "holds"}),
                  Results(NEW, config={"train": {"epochs": 2}}, claims={"relu_best": "tie"}))
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
    return subprocess.run([sys.executable, "-m", "mnist_mlp.present.compare", *map(str, args)], capture_output=True, text=True)


def test_the_command_compares_records_files_and_folders_and_names_a_file_that_is_not_a_run_table(tmp_path):
    (tmp_path / "old").mkdir()
    OLD.to_csv(tmp_path / "old" / "runs.csv", index=False)
    NEW.to_csv(tmp_path / "new.csv", index=False)
    record = make_record(NEW, pd.DataFrame(), {"train": {"epochs": 1}}, {}, "abc123",
                         datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc))
    (tmp_path / "0001_x.json").write_text(json.dumps(record))
    ok = run_compare(tmp_path / "old", tmp_path / "new.csv", "--format", "markdown")
    assert ok.returncode == 0 and "## Runs changed" in ok.stdout
    from_record = run_compare(tmp_path / "old", tmp_path / "0001_x.json")
    assert from_record.returncode == 0 and from_record.stdout == run_compare(tmp_path / "old", tmp_path / "new.csv").stdout
    same = run_compare(tmp_path / "new.csv", tmp_path / "0001_x.json")
    assert same.returncode == 0 and same.stdout.strip() == "Nothing changed."
    for bad, content in (("notes.txt", "just some text\nnot a table\n"), ("broken.json", "{not json")):
        (tmp_path / bad).write_text(content)
        out = run_compare(tmp_path / bad, tmp_path / "new.csv")
        assert out.returncode == 2 and out.stderr.strip().count("\n") == 0
        assert f"{tmp_path / bad}: not a run table" in out.stderr
    assert len(read_results(tmp_path / "old").runs) == 4


def test_a_results_folder_includes_its_sweeps(tmp_path):
    OLD.to_csv(tmp_path / "runs.csv", index=False)
    sweeps = OLD.drop(columns="experiment").assign(sweep="init", variant_of="baseline", setting="init he_normal")
    sweeps.to_csv(tmp_path / "sensitivity.csv", index=False)
    runs = read_results(tmp_path).runs
    assert len(runs) == 8 and (runs["experiment"] == "init sweep of baseline: init he_normal").sum() == 4
