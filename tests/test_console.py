"""The console a build prints: one line per job start and end, one per training epoch, and a dry
run's jobs one line each (src/snakemake_logger_plugin_mnist_mlp, set in profiles/default)."""

import logging
import re
import sys

import pytest
import yaml

from conftest import REPO, smoke_console, snakemake
from snakemake_logger_plugin_mnist_mlp import INTERRUPTED, RECOVER, OneLineFormatter, describe, short_reason

START = re.compile(r"^\d\d:\d\d:\d\d start (\w+)(?: (.*))?$", re.MULTILINE)
DONE = re.compile(r"^\d\d:\d\d:\d\d done  (\w+)(?: (.*))? \(\d+ s; (\d+) of (\d+) jobs\)$", re.MULTILINE)
EPOCH = re.compile(r"^  (\S+): epoch (\d+)/(\d+), train loss \S+, test accuracy \d+\.\d\d %$", re.MULTILINE)
DIVERGED = re.compile(r"^  (\S+): diverged in epoch 1/1, batch \d+: the loss is not finite$", re.MULTILINE)


def test_a_reason_counts_its_files_and_leaves_out_the_params_before_and_after():
    reason = (
        "Input files updated by another job: results/a.csv, results/b.csv, results/c.csv; Set of input files has "
        "changed since last execution; Params have changed since last execution: Union of exclusive params before "
        "and now across all output: before: [{'lr': 0.1, 'seed': 0}] now: [{'lr': 0.2, 'seed': 0}]"
    )
    assert short_reason(reason) == (
        "input files updated by another job (3 files); set of input files has changed since last execution; "
        "params have changed since last execution"
    )
    assert short_reason("Missing output files: results/runs/x/metrics.json") == "missing output files (1 file)"


def test_a_job_is_its_rule_and_the_wildcards_that_have_a_value():
    job = {"rule_name": "train", "wildcards": {"dataset": "mnist", "subset": "", "lr": "0.1", "seed": "0"}}
    assert describe(job) == "train dataset=mnist, lr=0.1, seed=0"
    assert describe({"rule_name": "report_html", "wildcards": {}}) == "report_html"


def test_a_failed_job_is_one_line_naming_its_log_not_every_file_it_reads(tmp_path):
    log = tmp_path / "aggregate.log"
    log.write_text("12:00:00 ERROR results/runs/x/epochs.csv: the last epoch's train_loss is 1.1, but ...\n")
    formatter = OneLineFormatter(quiet=set(), show_failed_logs=False, dryrun=False)
    formatter.format_job_info({"jobid": 2, "rule_name": "aggregate", "wildcards": {}, "reason": ""})
    error = {"jobid": 2, "rule_name": "aggregate", "msg": None, "rule_msg": None, "log": [str(log)]}
    error |= {"input": [f"results/runs/{i}/metrics.json" for i in range(150)], "output": ["results/runs.csv"]}
    error |= {"shellcmd": None, "conda_env": None, "aux": {}}
    said = formatter.format_job_error(error)
    assert re.fullmatch(rf"\d\d:\d\d:\d\d failed aggregate \(log: {re.escape(str(log))}\)", said)
    shown = OneLineFormatter(quiet=set(), show_failed_logs=True, dryrun=False).format_job_error(error)
    assert "ERROR results/runs/x/epochs.csv" in shown and "metrics.json" not in shown.replace("x/epochs", "")


@pytest.mark.slow
def test_a_job_that_fails_says_why_in_its_own_words_and_snakemake_names_only_its_log(tmp_path):
    empty = tmp_path / "no_data"
    empty.mkdir()
    result = snakemake(tmp_path, "--cores", "1", overlay={"data": {"source": "path", "path": str(empty)}}, check=False)
    assert result.returncode != 0
    assert "Error: no source could deliver MNIST" in result.stdout  # the job's own words, with the fix
    log = "logs/download/mnist.log"
    assert re.search(rf"^\d\d:\d\d:\d\d failed download dataset=mnist \(log: {re.escape(log)}\)$", result.stdout, re.M)
    # not Snakemake's block on the script's temporary copy and its exit status
    assert "CalledProcessError" not in result.stdout and "exit status" not in result.stdout


def test_after_ctrl_c_each_stopped_job_is_one_line_and_snakemakes_blocks_are_gone():
    formatter = OneLineFormatter(quiet=set(), show_failed_logs=True, dryrun=False)
    formatter.format_job_info({"jobid": 7, "rule_name": "train", "wildcards": {"seed": "0"}, "reason": ""})
    record = logging.LogRecord("snakemake", logging.INFO, "", 0, INTERRUPTED + ", this might take some time.", (), None)
    formatter.format(record)
    ended = "Command 'python train.py' died with <Signals.SIGINT: 2>."
    assert formatter.format(logging.LogRecord("snakemake", logging.ERROR, "", 0, ended, (), None)) == ""
    error = {"jobid": 7, "rule_name": "train", "log": ["logs/train/x.log"], "shellcmd": None}
    said = formatter.format_job_error(error)
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d stopped train seed=0: interrupted \(Ctrl-C\).* \(log: logs/train/x\.log\)", said
    )
    assert "--rerun-incomplete" in said


def test_after_a_build_stopped_midway_snakemakes_message_ends_with_the_one_line_that_goes_on():
    formatter = OneLineFormatter(quiet=set(), show_failed_logs=True, dryrun=False)
    for said in ("The files below seem to be incomplete. ...", "Error: Directory cannot be locked. ..."):
        text = formatter.format(logging.LogRecord("snakemake", logging.ERROR, "", 0, said, (), None))
        assert text.startswith(said) and text.splitlines()[-1] == RECOVER
    assert "snakemake --unlock && snakemake --rerun-incomplete" in RECOVER
    other = formatter.format(logging.LogRecord("snakemake", logging.ERROR, "", 0, "MissingInputException", (), None))
    assert RECOVER not in other


def test_a_config_file_snakemake_could_not_read_is_named_and_its_notes_pass_untouched(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["snakemake", "-n", "--configfile", "config/smok.yaml"])
    formatter = OneLineFormatter(quiet=set(), show_failed_logs=True, dryrun=False)
    note = "Config file config/config.yaml is extended by additional config specified via the command line."
    assert formatter.format(logging.LogRecord("snakemake", logging.INFO, "", 0, note, (), None)) == note
    unread = "WorkflowError:\nConfig file must be given as JSON or YAML with keys at top level."
    said = formatter.format(logging.LogRecord("snakemake", logging.ERROR, "", 0, unread, (), None))
    assert said.startswith("Invalid config file config/smok.yaml, not found; ") and "\n" not in said
    # a command line the parser alone refuses (Snakemake read it with its profiles): its words stand
    monkeypatch.setattr(sys, "argv", ["snakemake", "--cores", "many", "--configfile", "config/smok.yaml"])
    assert formatter.format(logging.LogRecord("snakemake", logging.ERROR, "", 0, unread, (), None)) == unread


def test_the_profile_sets_the_projects_logger_and_no_shell_commands():
    profile = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
    assert profile["logger"] == ["mnist-mlp"] and not profile.get("printshellcmds")


@pytest.mark.slow
def test_a_build_says_each_job_once_when_it_starts_and_once_when_it_ends_and_each_epoch(smoke_run):
    console = smoke_console(smoke_run).read_text()
    started, done = START.findall(console), DONE.findall(console)
    assert sorted(started) == sorted((rule, wildcards) for rule, wildcards, _, _ in done) and started
    total = {int(n) for *_, n in done}
    assert len(total) == 1 and sorted(int(k) for _, _, k, _ in done) == list(range(1, total.pop() + 1))
    # a training job's progress: one line per epoch (the smoke config trains one), and a run that
    # diverges (the smoke run's one at lr 1000) says so where its epoch would have ended
    trained = [wildcards for rule, wildcards in started if rule == "train"]
    epochs, diverged = EPOCH.findall(console), DIVERGED.findall(console)
    assert len(epochs) + len(diverged) == len(trained) and all(e[1:] == ("1", "1") for e in epochs)
    assert len(diverged) == 1 and "lr1000.0" in diverged[0]
    # no file lists, no "Shell command: None", no banner of settings
    for noise in ("input:", "output:", "reason:", "Shell command", "Select jobs to execute", "SNAKEMAKE"):
        assert noise not in console
    assert len(console.splitlines()) < 2 * len(started) + len(epochs) + 40
