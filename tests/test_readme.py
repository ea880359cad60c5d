"""Every command README.md shows runs as written: each `snakemake` command is dry-run on the smoke
config (so a stale target path or config file fails here), and each `python` command's script or
module exists and answers --help."""

import re
import shlex
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, SARKAR, local_data

README = (REPO / "README.md").read_text()
# Commands README shows but a dry run cannot check, each with why.
NOT_DRY_RUN = {
    "snakemake --configfile config/smok.yaml": "the example of a missing config file",
    "snakemake --report snakemake-report.html": "Snakemake's own report of a built workflow",
    "snakemake --unlock": "unlocks; plans nothing",
    "snakemake --unlock && snakemake --rerun-incomplete": "recovers a stopped build: two commands, nothing to plan",
    "snakemake --archive mnist-mlp-study.tar.gz": "needs conda, which a dry run cannot stand in for",
}
QUIET_CHOICES = ("all", "host", "progress", "reason", "rules")
SKIPPED_FLAGS = {
    "--profile": 1,
    "--sdm": 1,
    "--cores": 1,
}  # need a cluster or conda, or only run: not what a dry run checks


def readme_commands(program: str) -> list[str]:
    """README's ``program`` commands: each line of its shell blocks, and each inline `code`, that
    starts with it (a trailing # comment dropped; an inline command broken over lines rejoined)."""
    found = []
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", README, re.S):
        found += [line.split(" #")[0].strip() for line in block.splitlines()]
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    found += [" ".join(code.split()) for code in re.findall(r"`([^`]+)`", prose)]
    return list(dict.fromkeys(c for c in found if c.startswith(program + " ") or c == program))


STUDY_PLACEHOLDER = (
    "<id>",
    "nielsen2015",
)  # "Adding a study" names the reader's study; one the repository holds stands in


def dry_run_args(command: str) -> tuple[list[str], list[str]]:
    """(other arguments, config files) of a README snakemake command, without what a dry run skips."""
    words, args, configs = shlex.split(command.replace(*STUDY_PLACEHOLDER))[1:], [], []
    i = 0
    while i < len(words):
        word = words[i]
        if word in SKIPPED_FLAGS:
            i += 1 + SKIPPED_FLAGS[word]
            continue
        if word == "--configfile":
            while i + 1 < len(words) and not words[i + 1].startswith("-"):
                configs.append(words[i + 1])
                i += 1
        elif word == "--quiet":  # the dry run sets its own; skip the one README names with its choice
            i += 1 if i + 1 < len(words) and words[i + 1] in QUIET_CHOICES else 0
        elif word not in ("-n", "--dry-run"):
            args.append(word)
        i += 1
    return args, configs


SNAKEMAKE = [c for c in readme_commands("snakemake") if c not in NOT_DRY_RUN]
PYTHON = [c for c in readme_commands("python") if "pytest" not in c and "pip install" not in c]


def test_the_readme_shows_the_commands_this_test_checks():
    assert len(SNAKEMAKE) >= 10 and len(PYTHON) >= 10
    assert all(c in README for c in NOT_DRY_RUN)  # an entry here for a command no longer shown is stale


@pytest.mark.slow
@pytest.mark.parametrize("command", SNAKEMAKE)
def test_each_snakemake_command_of_the_readme_dry_runs_on_the_smoke_config(command, tmp_path, mnist_raw):
    args, configs = dry_run_args(command)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"study": str(SARKAR), **local_data(mnist_raw)}))
    for config in configs:
        assert (REPO / config).exists(), f"{command}: no file {config}"
    cmd = [
        sys.executable, "-m", "snakemake", "-n", *args, "--quiet", "rules", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(tmp_path), "--configfile", str(REPO / "config" / "config.yaml"),
        *(str(REPO / c) for c in configs), str(REPO / "config" / "smoke.yaml"), str(overlay),
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}"


@pytest.mark.parametrize("command", PYTHON)
def test_each_python_command_of_the_readme_names_a_script_or_module_that_answers_help(command):
    words = shlex.split(command)[1:]
    target = ["-m", words[1]] if words[0] == "-m" else [words[0]]
    if target[0] != "-m":
        assert (REPO / target[0]).exists(), f"{command}: no file {target[0]}"
    result = subprocess.run(
        [sys.executable, *target, "--help"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout[-2000:]}"
    name = " ".join(target) if target[0] == "-m" else target[0].rsplit("/", 1)[-1]
    assert name in result.stdout.splitlines()[0], f"{command}: --help names {result.stdout.splitlines()[0]!r}"


CONFIG_README = (REPO / "config" / "README.md").read_text()


def config_table() -> list[tuple[str, list[str], int]]:
    """config/README.md's table of files: (file, the files it is read on top of, its training jobs),
    for each row that gives a count."""
    rows = []
    for file, jobs in re.findall(r"^\| `([\w.-]+\.yaml)` \|.*\| ([^|]*) \|$", CONFIG_README, re.M):
        count = re.match(r"[\d,]+", jobs)
        if count:
            rows.append((file, re.findall(r"`([\w.-]+\.yaml)`", jobs), int(count[0].replace(",", ""))))
    return rows


def test_config_readme_describes_every_config_file():
    described = {file for file, _, _ in config_table()} | set(re.findall(r"^\| `([\w.-]+\.yaml)`", CONFIG_README, re.M))
    assert described == {p.name for p in (REPO / "config").glob("*.yaml")}
    assert len(config_table()) >= 7


@pytest.mark.slow
@pytest.mark.parametrize("file, under, jobs", config_table(), ids=[row[0] for row in config_table()])
def test_config_readme_counts_the_training_jobs_a_dry_run_plans(file, under, jobs, tmp_path, mnist_raw):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"study": str(SARKAR), **local_data(mnist_raw)}))
    configs = dict.fromkeys(["config.yaml", *under, file])
    cmd = [
        sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(tmp_path), "--configfile", *(str(REPO / "config" / c) for c in configs), str(overlay),
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert int(re.search(r"^train\s+(\d+)$", result.stdout, re.M)[1]) == jobs
