"""Comparing two run tables: added, removed and changed runs, in both formats."""

import subprocess
import sys

import pandas as pd

from mnist_mlp.compare import diff, read_run_table, render


def table(rows: list[dict]) -> pd.DataFrame:
    base = {"experiment": "baseline", "title": "1.1", "backend": "numpy", "init": "he_normal", "lr": 0.01,
            "weight_decay": 0.0, "seed": 0, "test_loss": 0.1, "train_accuracy": 0.9, "train_loss": 0.2,
            "diverged": False, "failed_to_learn": False, "job_s": 1.0}
    return pd.DataFrame([{**base, **row} for row in rows])


OLD = table([{"activation": "relu", "test_accuracy": 0.95}, {"activation": "tanh", "test_accuracy": 0.94},
             {"activation": "sigmoid", "test_accuracy": 0.60}])
NEW = table([{"activation": "relu", "test_accuracy": 0.96, "job_s": 9.0}, {"activation": "tanh", "test_accuracy": 0.94},
             {"activation": "sigmoid", "lr": 0.1, "test_accuracy": 0.92}])


def test_diff_lists_added_removed_and_changed_runs_largest_change_first(tmp_path):
    result = diff(OLD, NEW)
    assert [r["activation"] for r in result["added"]] == ["sigmoid"] and result["added"][0]["lr"] == 0.1
    assert [r["activation"] for r in result["removed"]] == ["sigmoid"] and result["removed"][0]["lr"] == 0.01
    changed = result["changed"]
    assert changed[["activation", "what"]].values.tolist() == [["relu", "test_accuracy"]]  # timing is no result
    assert round(changed["change"][0], 6) == 0.01
    assert diff(OLD, OLD)["changed"].empty and render(diff(OLD, OLD)) == "Nothing changed."


def test_both_formats_carry_the_same_rows():
    text, markdown = render(diff(OLD, NEW)), render(diff(OLD, NEW), markdown=True)
    for out in (text, markdown):
        assert "baseline numpy/sigmoid/he_normal lr 0.1 wd 0 seed 0" in out  # added
        assert "baseline numpy/relu/he_normal lr 0.01 wd 0 seed 0" in out and "+0.01" in out
    assert "| run | what | old | new | change |" in markdown and "## Runs added" in markdown


def test_the_command_compares_files_and_folders_and_names_a_file_that_is_not_a_run_table(tmp_path):
    (tmp_path / "old").mkdir()
    OLD.to_csv(tmp_path / "old" / "runs.csv", index=False)
    NEW.to_csv(tmp_path / "new.csv", index=False)
    run = lambda *args: subprocess.run([sys.executable, "-m", "mnist_mlp.compare", *map(str, args)],  # noqa: E731
                                       capture_output=True, text=True)
    ok = run(tmp_path / "old", tmp_path / "new.csv", "--format", "markdown")
    assert ok.returncode == 0 and "## Changed" in ok.stdout
    (tmp_path / "notes.txt").write_text("just some text\nnot a table\n")
    bad = run(tmp_path / "notes.txt", tmp_path / "new.csv")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert f"{tmp_path / 'notes.txt'}: not a run table" in bad.stderr
    assert read_run_table(tmp_path / "old").shape[0] == 3
