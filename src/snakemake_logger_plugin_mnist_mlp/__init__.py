"""Snakemake's console, one line per job: ``--logger mnist-mlp`` (profiles/default sets it).

Snakemake's own console gives each job a block of ten lines or more (its input and output files, a
reason that can list every file a report reads, "Shell command: None" for a script) and two more
when it ends. This logger keeps everything else as Snakemake prints it (errors, failed logs,
warnings, the job counts), names a --configfile file Snakemake could not read as a mapping (its own
message names none), and words each job in one line when it starts and one when it ends:

    12:00:01 start train dataset=mnist, backend=numpy, activation=relu, lr=0.1, seed=0
    12:00:09 done  train dataset=mnist, backend=numpy, activation=relu, lr=0.1, seed=0 (8 s; 3 of 40 jobs)

A dry run lists each job that would run in one line, with why in a few words:

    would run train dataset=mnist, ..., lr=0.1, seed=0: params have changed since last execution

Snakemake finds this module by its name (snakemake_logger_plugin_*); ``pip install -e .``
installs it with the project's own code.
"""

import logging
import os
import re
import sys
import time
from dataclasses import dataclass

from snakemake.logging import ColorizingTextHandler, DefaultFormatter, show_logs
from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase

from mnist_mlp.runs.jobs import INTERRUPTED as STOPPED
from mnist_mlp.runs.jobs import INTERRUPTED_STATUS, LOGGER_ENV


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    """This logger has no settings of its own: Snakemake's --quiet, --nocolor and --printshellcmds apply."""


def clock() -> str:
    return time.strftime("%H:%M:%S")


def describe(msg: dict) -> str:
    """A job in words: its rule and every wildcard that has a value ("train dataset=mnist, lr=0.1";
    an option left at its default is empty): they name the run."""
    wildcards = ", ".join(f"{k}={v}" for k, v in (msg.get("wildcards") or {}).items() if v != "")
    return f"{msg['rule_name']} {wildcards}".rstrip()


def short_reason(reason: str) -> str:
    """Snakemake's reason for a job in a few words: each list of files replaced by its count ("Input
    files updated by another job: a, b, c" reads "input files updated by another job (3 files)")
    and any other detail left out (the params before and after a change: `snakemake -n` without
    the profile, ``--workflow-profile none``, prints them whole)."""

    def clause(part: str) -> str:
        head, _, detail = part.strip().partition(": ")
        head = head[:1].lower() + head[1:]
        if not detail or "files" not in head:
            return head
        n = len(re.split(r",\s*", detail.strip()))
        return f"{head} ({n} file{'s' if n != 1 else ''})"

    return "; ".join(clause(p) for p in reason.split("; ") if p.strip())


# The scheduler's lines around every job, said again by the job's own line.
SCHEDULING = re.compile(r"Select jobs to execute\.\.\.|Execute \d+ jobs\.\.\.")
# What Snakemake says when Ctrl-C reaches it; each running job then ends, and this logger says so
# in one line per job, in the words a job says it in (the jobs leave it to the logger: LOGGER_ENV).
INTERRUPTED = "Terminating processes on user request"
# Snakemake's block for a script Ctrl-C ended: in the job's own handler (its exit status), or
# before or after it (the signal itself).
ENDED_BY_CTRL_C = re.compile(rf"returned non-zero exit status {INTERRUPTED_STATUS}\.|died with <Signals\.SIGINT: 2>\.")
# Snakemake's block under a failed job whose script exited with an error: it names the script's
# temporary copy and its exit status; the job said why on its own line, and its log has it.
SCRIPT_EXITED = re.compile(r"^RuleException:\nCalledProcessError in file .*\n.*returned non-zero exit status \d+\.$")
# Snakemake's words after a build stopped midway (Ctrl-C, kill -9, a power loss): files it flagged
# incomplete, or the lock a killed Snakemake left; and the one line that goes on from either.
STOPPED_MIDWAY = re.compile(r"seem to be incomplete|Directory cannot be locked")
# Snakemake's words when a --configfile file is not a mapping of keys (naming no file), or its
# traceback from reading one that is missing or not text: it reads them before this workflow runs.
CONFIG_UNREAD = re.compile(r"Config file |in _?load_configfile")
# The workflow's own checks raise this (workflow/rules/common.smk) for a fault in what the user
# gave, its message whole with the fix: said alone, without Snakemake's lines on where it was raised.
USER_FAULT = "ConfigFault"
RECOVER = (
    "To go on after a build that stopped midway, with your build's own targets and options in both: "
    "snakemake --unlock && snakemake --rerun-incomplete (--unlock lifts the lock a killed build left; "
    "run it only if no other Snakemake works in this folder)"
)


def fault_alone(text: str) -> str:
    """Snakemake's words for an error raised in a workflow file, without its header ("ConfigFault
    in file .../common.smk, line 349:") and the lines of the call stack under the message."""
    return "\n".join(line for line in text.splitlines()[1:] if not line.startswith('  File "'))


def unreadable_config_file(argv: list[str]) -> str | None:
    """The first config file ``argv`` gives with --configfile that is not a YAML mapping of keys,
    in one line naming it and the fix; None when each is one (Snakemake's own words then stand)."""
    from snakemake.cli import get_argument_parser

    from mnist_mlp.runs.config_check import mapping_file_problem

    try:
        args, _ = get_argument_parser().parse_known_args(argv)
    except (SystemExit, Exception):  # argparse's refusal, or a value Snakemake's parser refuses:
        return None  # Snakemake parsed the command line first, with its profiles; its words stand
    for path in args.configfile or ():
        problem = mapping_file_problem(path)
        if not problem:
            continue
        if problem == "not found" or path.suffix not in (".yaml", ".yml", ".json"):
            problem += "; a target written after --configfile is read as one more config file: write targets first"
        return f"Invalid config file {path}, {problem}."
    return None


class OneLineFormatter(DefaultFormatter):
    """Snakemake's formatter with a job's start, end and shell command in one line each (or none),
    without the scheduler's lines between jobs or the banner of settings (the log file keeps it)."""

    def __init__(self, quiet, show_failed_logs: bool, dryrun: bool):
        super().__init__(quiet, show_failed_logs)
        self.dryrun = dryrun
        self.jobs: dict[int, tuple[str, float]] = {}  # job id -> (its words, when it started)
        self.finished: str | None = None  # the last job's end, worded when its progress arrives
        self.interrupted = False  # Ctrl-C reached Snakemake: each job has said so in its own line

    def format(self, record) -> str:
        text = super().format(record)
        if text.startswith(INTERRUPTED):
            self.interrupted = True
        if self.interrupted and ENDED_BY_CTRL_C.search(text):
            return ""  # format_job_error says it, in one line a job
        if SCRIPT_EXITED.fullmatch(text.strip()):
            return ""  # format_job_error's line names the job and its log
        if STOPPED_MIDWAY.search(text):
            return f"{text}\n{RECOVER}"
        if getattr(record, "exception", None) == USER_FAULT:
            return fault_alone(text)
        if record.levelno >= logging.ERROR and CONFIG_UNREAD.search(text):
            return unreadable_config_file(sys.argv[1:]) or text
        return "" if SCHEDULING.fullmatch(text) else text

    def format_workflow_started(self, msg: dict) -> str:
        return ""  # the banner of settings: .snakemake/log/ keeps it

    def format_job_info(self, msg: dict) -> str:
        words = describe(msg)
        if self.dryrun:
            return f"would run {words}: {short_reason(msg['reason'])}"
        self.jobs[msg["jobid"]] = (words, time.monotonic())
        return f"{clock()} start {words}"

    def format_job_finished(self, msg: dict) -> str:
        words, started = self.jobs.pop(msg.get("job_id"), (msg.get("msg") or "a job", None))
        took = f"{time.monotonic() - started:.0f} s" if started is not None else "time unknown"
        self.finished = f"{clock()} done  {words} ({took}"
        return ""  # said with the progress that follows it

    def format_progress(self, msg: dict) -> str:
        count = f"{msg['done']} of {msg['total']} jobs"
        line, self.finished = (f"{self.finished}; {count})" if self.finished else f"{count} done"), None
        return line

    def format_job_error(self, msg: dict) -> str:
        """A failed job in one line, its log named (and shown below it, with --show-failed-logs):
        the job has said what went wrong there, with the fix; Snakemake's block would list every
        file it reads."""
        words, _ = self.jobs.pop(msg.get("jobid"), (msg["rule_name"], None))
        logs = ", ".join(msg.get("log") or [])
        if self.interrupted:  # nothing failed: one line, no log shown
            return f"{clock()} stopped {words}: {STOPPED}" + (f" (log: {logs})" if logs else "")
        lines = [f"{clock()} failed {words}" + (f" (log: {logs})" if logs else "")]
        if msg.get("shellcmd"):
            lines.append(f"    shell: {msg['shellcmd']}")
        if self.show_failed_logs and msg.get("log"):
            lines.extend(show_logs(msg["log"]))
        return "\n".join(lines)

    def format_shellcmd(self, msg: dict) -> str:
        return msg.get("cmd") or ""  # a script job has none: no "Shell command: None"


class LogHandler(LogHandlerBase, ColorizingTextHandler):
    """Snakemake's console handler (colours, failed logs, errors) with OneLineFormatter."""

    def __init__(self, common_settings, settings) -> None:
        stream = sys.stdout if common_settings.stdout else sys.stderr
        ColorizingTextHandler.__init__(self, nocolor=common_settings.nocolor, stream=stream)
        os.environ[LOGGER_ENV] = "1"  # the jobs this Snakemake starts leave their Ctrl-C line to this logger
        self.common_settings = common_settings
        self.settings = settings
        self.setFormatter(
            OneLineFormatter(common_settings.quiet, common_settings.show_failed_logs, common_settings.dryrun)
        )

    def emit(self, record) -> None:
        if getattr(record, "event", None) == LogEvent.JOB_INFO:
            self.last_msg_was_job_info = True  # no blank line before each job: it is one line
        ColorizingTextHandler.emit(self, record)

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return False  # Snakemake's own filter: --quiet and --printshellcmds apply

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False
