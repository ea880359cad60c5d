"""results/history/: a record per changed build, the report's "Since the last report", and no reruns."""

import datetime
import errno
import json
import re
import shutil

import pandas as pd
from test_compare import NEW, OLD

from conftest import smoke_overlay, snakemake
from mnist_mlp.present import history
from mnist_mlp.present.history import make_record, update

NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)


def record(runs: pd.DataFrame, epochs: int = 1) -> dict:
    return make_record(runs, pd.DataFrame(), {"train": {"epochs": epochs}}, {"relu_best": "holds"}, "abc", NOW)


def test_a_record_is_added_only_when_the_results_change_and_never_overwritten(tmp_path):
    first = update(tmp_path, record(OLD))
    assert first["written"] and first["previous"] is None and first["current"].name.startswith("0001_")
    again = update(tmp_path, {**record(OLD), "time": "later", "commit": "def"})  # same results, other commit
    assert not again["written"] and again["current"] == first["current"] and again["previous"] is None
    second = update(tmp_path, record(NEW))
    assert second["written"] and second["previous"][0] == first["current"]
    # rebuilding the same results compares with the same previous record
    assert update(tmp_path, record(NEW))["previous"][0] == first["current"]
    # a config change alone is a change
    third = update(tmp_path, record(NEW, epochs=2))
    assert third["written"] and third["previous"][0] == second["current"]
    # an unreadable record is skipped, not overwritten; numbering goes on past it
    (tmp_path / "0004_broken.json").write_text("{half a rec")
    fourth = update(tmp_path, record(OLD))
    assert fourth["current"].name.startswith("0005_") and fourth["previous"][0] == third["current"]
    assert (tmp_path / "0004_broken.json").read_text() == "{half a rec"
    assert sorted(p.name[:4] for p in tmp_path.iterdir()) == ["0001", "0002", "0003", "0004", "0005"]
    (tmp_path / "plain.txt").write_text("")  # records are as readable as any file the user writes
    assert first["current"].stat().st_mode == (tmp_path / "plain.txt").stat().st_mode


def test_records_are_ordered_by_number_past_9999(tmp_path):
    first = update(tmp_path, record(OLD))
    first["current"].rename(tmp_path / "9999_x.json")
    tenth_thousand = update(tmp_path, record(NEW))
    assert tenth_thousand["current"].name.startswith("10000_") and tenth_thousand["previous"][0].name == "9999_x.json"
    # by name, 9999_x.json (OLD) would be the newest and OLD again nothing new
    third = update(tmp_path, record(OLD))
    assert third["written"] and third["current"].name.startswith("10001_")
    assert third["previous"][0] == tenth_thousand["current"]


def test_a_record_keeps_no_timings_and_missing_numbers_stay_missing(tmp_path):
    runs = OLD.assign(job_s=3.0, wall_time_s=9.0, test_accuracy=[0.9, float("nan"), 0.5, 0.4])
    kept = record(runs)
    assert "job_s" not in kept["runs"]["columns"] and "wall_time_s" not in kept["runs"]["columns"]
    accuracy = kept["runs"]["columns"].index("test_accuracy")
    assert [row[accuracy] for row in kept["runs"]["data"]] == [0.9, None, 0.5, 0.4]
    assert update(tmp_path, kept)["written"] and not update(tmp_path, record(runs.assign(job_s=99.0)))["written"]


def test_unreadable_records_are_passed_over_and_named(tmp_path):
    first = update(tmp_path, record(OLD))
    (tmp_path / "0002_half.json").write_text("{half a rec")
    (tmp_path / "0003_claims.json").write_text(json.dumps({**record(NEW), "claims": []}))
    (tmp_path / "0004_config.json").write_text(json.dumps({**record(NEW), "config": "oops"}))
    result = update(tmp_path, record(NEW))
    assert result["written"] and result["current"].name.startswith("0005_") and result["error"] is None
    assert result["previous"][0] == first["current"]  # the newest readable one
    assert [path.name for path, _ in result["skipped"]] == ["0004_config.json", "0003_claims.json", "0002_half.json"]
    assert all(reason for _, reason in result["skipped"])


def test_a_record_that_cannot_be_written_is_reported_never_raised(tmp_path, monkeypatch):
    update(tmp_path, record(OLD))

    def full_disk(*args):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

    monkeypatch.setattr(history.os, "replace", full_disk)  # the injected case: every machine runs it
    result = update(tmp_path, record(NEW))
    assert result["error"] and "No space left on device" in result["error"] and not result["written"]
    assert result["current"] is None and result["previous"] is not None
    assert sorted(p.name[:5] for p in tmp_path.iterdir()) == ["0001_"]  # no half-written .part left behind

    blocked = tmp_path / "not_a_folder"
    blocked.write_text("")  # a file where the folder should be: mkdir fails with the user's own rights
    assert "not_a_folder" in update(blocked, record(NEW))["error"]


def test_a_full_disk_and_a_read_only_folder_are_reported_never_raised(tmp_path, mounted):
    full = mounted(tmp_path / "full", "-t", "tmpfs", "-o", "size=4k", "tmpfs")
    large = {**record(OLD), "config": {"notes": "x" * 20_000}}  # larger than the 4 KiB disk
    result = update(full / "history", large)
    assert "No space left on device" in result["error"] and not list((full / "history").iterdir())

    source = tmp_path / "history"
    update(source, record(OLD))
    read_only = mounted(tmp_path / "read_only", "--bind", "-o", "ro", str(source))
    result = update(read_only, record(NEW))
    assert "Read-only file system" in result["error"] and result["previous"] is not None


def section(html: str) -> str:
    return html[html.index('<h2 id="since">') : html.index('<h2 id="claims">')]


def test_the_report_says_what_an_edit_changed_and_the_history_never_reruns_a_job(smoke_run, mnist_raw, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(smoke_run, work)
    history = work / "results" / "history"
    assert [p.name[:5] for p in history.iterdir()] == ["0001_"]
    assert "This is the first record" in section((smoke_run / "report.html").read_text())

    edited = smoke_overlay(mnist_raw, experiments={"baseline": {"lr": 0.02}})
    snakemake(work, "--cores", "2", overlay=edited)
    records = sorted(history.iterdir())
    assert [p.name[:5] for p in records] == ["0001_", "0002_"]
    since = section((work / "report.html").read_text())
    assert records[0].name in since
    keys = re.findall(
        r'<th scope="row" class="l"><code>([^<]+)</code></th><td class="l">([^<]+)</td><td class="l">([^<]+)</td>',
        since,
    )
    assert keys == [("experiments.baseline.lr", "0.01", "0.02")]
    changed = since[since.index("<caption>Runs changed</caption>") :].split("</table>")[0]
    rows = re.findall(
        r'<tr><th scope="row" class="l"><a href="#run-[^"]+">([^<]+)</a></th><td class="l">([^<]*)</td>', changed
    )
    assert sorted(rows) == [(f"baseline, {a}, seed 0", "lr 0.01 → 0.02") for a in ("relu", "sigmoid", "tanh")]
    n_runs = len(pd.read_csv(work / "results" / "runs.csv"))
    assert f"{n_runs - 3} runs unchanged</summary>" in since  # the rest hidden, behind a click
    assert "Runs added" not in since and "Runs removed" not in since
    assert "In short:</strong> 1 config key changed," in since and "3 runs changed, 0 runs added, 0 removed" in since

    # a third build with nothing changed adds no record and compares with the same one
    snakemake(work, "--cores", "2", "--forcerun", "report_html", overlay=edited)
    assert sorted(history.iterdir()) == records
    again = section((work / "report.html").read_text())
    assert records[0].name in again and "recorded by an earlier build with the same results" in again
    assert re.sub(r",\s*recorded by an earlier build with the same results", "", again) == since

    dry = snakemake(work, "-n", overlay=edited)
    assert "Nothing to be done" in dry.stdout


def test_the_report_is_written_whatever_the_history_and_says_what_went_wrong(smoke_run, mnist_raw, tmp_path):
    work = tmp_path / "copy"
    shutil.copytree(smoke_run, work)
    history_folder = work / "results" / "history"
    (first,) = history_folder.iterdir()
    (history_folder / "0002_half.json").write_text("{half a rec")
    (history_folder / "0003_claims.json").write_text(json.dumps({**json.loads(first.read_text()), "claims": []}))
    build = snakemake(work, "--cores", "2", "--forcerun", "report_html", overlay=smoke_overlay(mnist_raw))
    for name in ("0002_half.json", "0003_claims.json"):  # on the console, where the user looks
        assert re.search(rf"Warning: history record \S*{name} skipped as unreadable \(.+\)", build.stdout)
    since = section((work / "report.html").read_text())
    assert "2 records skipped as unreadable:" in since and "<code>0003_claims.json</code> (" in since

    shutil.rmtree(history_folder)
    history_folder.write_text("")  # a file where the folder should be: the history cannot be written
    (work / "report.html").unlink()
    build = snakemake(work, "--cores", "2", "--forcerun", "report_html", overlay=smoke_overlay(mnist_raw))
    assert "Warning: this build could not be recorded in the history: results/history" in build.stdout
    since = section((work / "report.html").read_text())
    assert "This build could not be recorded: results/history" in since
