"""What changed between two sets of results: ``python -m mnist_mlp.compare OLD NEW``.

OLD and NEW are each a history record (results/history/*.json), a run table (results/runs.csv,
with the sensitivity.csv beside it, if any) or a results folder holding one. Prints the config
keys, runs and claim verdicts that changed, largest change first, as a terminal table or, with
``--format markdown``, ready to paste into a pull request. Exits 0 whenever it could compare
(changes or not); 2 with one line naming the file and what in it is wrong when one is not a run
table or history record with every column the diff reads (a missing column would show as a change);
141, as for SIGPIPE, when the reader stops reading (``| head``).
"""

import argparse
import hashlib
import io
import json
import math
import os
import sys
from collections.abc import Callable
import typing
from dataclasses import dataclass, fields, replace
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd

from mnist_mlp import fmt
from mnist_mlp.data.datasets import UNNAMED_DATASET
from mnist_mlp.runs import aggregate
from mnist_mlp.runs.key import RunKey, parse_widths, spell_widths
from mnist_mlp.runs.tables import TableNotWhole, check_whole

# runs.csv's columns as runs/aggregate.py names them (a test holds every one here to its tables).
# A row of the results is one (experiment, activation, seed); its settings and numbers may change.
ROW_KEYS = ["experiment", "activation", "seed"]
SETTINGS = [name for name in aggregate.SETTINGS if name not in ROW_KEYS]
COMMAND = "python -m mnist_mlp.compare"  # the entry point (src/mnist_mlp/compare.py) its usage names
NUMBERS = aggregate.FINAL_NUMBERS
STATES = aggregate.STATES
COLUMNS = ROW_KEYS + SETTINGS + NUMBERS + STATES + ["dir"]
NUMBER_NAMES = {c: c.replace("_", " ") for c in NUMBERS}  # "test accuracy"
# The columns a table must have for the diff: all of COLUMNS but ``dir``, which only links a run in the report.
# A sweep's rows are named by their sweep, the experiment it varies and its setting instead of an experiment.
USED = ROW_KEYS + SETTINGS + NUMBERS + STATES
SWEEP_NAME = aggregate.SWEEP_NAME
SWEEP_USED = SWEEP_NAME + [c for c in USED if c != "experiment"]
UNIVERSE_USED = ["universe"] + USED
RECORD_SCHEMA = json.loads((Path(__file__).parent / "history_record.schema.json").read_text())


class NotARunTable(ValueError):
    """A file that is not a run table."""


@dataclass
class Results:
    """What one build produced: its run table, and where known its config and claim verdicts."""

    runs: pd.DataFrame
    config: dict | None = None
    claims: dict | None = None
    time: str | None = None
    commit: str | None = None


# --- what a table must hold to be compared ------------------------------------------------------


def _names(column: pd.Series) -> pd.Series:
    """As text, so a name pandas read as a number still joins a sweep's name and pairs with a record's."""
    return column.map(lambda v: v if pd.isna(v) else str(v))


def _numbers(column: pd.Series) -> pd.Series:
    """As floats, NaN where a cell is not a number; True is not 1 here, whatever Python says."""
    is_bool = column.map(lambda v: isinstance(v, (bool, np.bool_)))
    return pd.to_numeric(column.mask(is_bool), errors="coerce").astype(float)


def _integers(column: pd.Series) -> pd.Series:
    numbers = _numbers(column)
    return numbers.where(numbers % 1 == 0)


def _widths(column: pd.Series) -> pd.Series:
    """As a run's folder spells hidden widths (500-250-100), missing where a cell is not one."""

    def spelled(cell):
        try:
            return None if pd.isna(cell) else spell_widths(parse_widths(cell))
        except (TypeError, ValueError):
            return None

    return column.map(spelled)


def _state(cell) -> bool | None:
    """True or False; also as text, as pandas leaves a column it could not read as booleans."""
    if isinstance(cell, (bool, np.bool_)):
        return bool(cell)
    return {"true": True, "false": False}.get(cell.strip().lower()) if isinstance(cell, str) else None


def _states(column: pd.Series) -> pd.Series:
    return column.map(_state)


@dataclass(frozen=True)
class Kind:
    """What a column's cells must be, to be told apart from a made-up change."""

    what: str  # as the error says it: "a number"
    cells: Callable[[pd.Series], pd.Series]  # the column as the diff reads it, missing where a cell is not `what`
    dtype: type | None = None  # the column's type once every cell is `what`
    optional: bool = False  # an empty cell is allowed: a diverged run has no accuracy


NAME = Kind("a name", _names)
OPTIONS = RunKey.option_defaults()  # settings a run made before they existed lacks: it has their default


def _setting_kind(f) -> Kind:
    """A setting typed as RunKey types it: it names a run, so it may not be missing, but for an
    option at its default (an empty bias_init, say, or epochs left to train.epochs)."""
    typ = next((a for a in typing.get_args(f.type) if a is not type(None)), f.type)
    kind = {
        str: NAME,
        float: Kind("a number", _numbers, float),
        int: Kind("an integer", _integers, int),
        tuple: Kind("layer widths (500-250-100)", _widths),
    }[typ]
    return replace(kind, optional=True, dtype=None if typ is int else kind.dtype) if f.name in OPTIONS else kind


KINDS = {
    **dict.fromkeys(["experiment", "universe", *SWEEP_NAME], NAME),
    **{f.name: _setting_kind(f) for f in fields(RunKey)},
    **dict.fromkeys(NUMBERS, Kind("a number", _numbers, float, optional=True)),
    **dict.fromkeys(STATES, Kind("True or False", _states, bool)),
}


def _shown(value) -> str:
    return "an empty cell" if pd.isna(value) else repr(value.item() if isinstance(value, np.generic) else value)


def checked(table: pd.DataFrame, used: list[str]) -> pd.DataFrame:
    """``table`` with its ``used`` columns typed as KINDS says; raises NotARunTable naming the first
    missing column or mistyped cell."""
    table = with_options_of_their_time(table)
    missing = [c for c in used if c not in table.columns]
    if missing:
        raise NotARunTable(f"no column {', '.join(missing)}")
    typed = table.reset_index(drop=True)
    for name in used:
        kind = KINDS[name]
        cells = kind.cells(typed[name])
        wrong = cells.isna() & (typed[name].notna() | (not kind.optional))
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise NotARunTable(f"column {name}, row {row + 1}: {_shown(typed[name][row])} is not {kind.what}")
        typed[name] = cells.astype(kind.dtype) if kind.dtype else cells
    return typed


def run_table(
    runs: pd.DataFrame, sweeps: pd.DataFrame | None = None, universes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The study's runs, the sweeps' and those only a multiverse's universes have, in one table of
    COLUMNS, without timings.

    A sweep's row is named by its sweep, the experiment it varies and its setting, so a run that
    belongs to an experiment and to sweeps appears once for each, as in the report; a run only the
    universes have appears once, named by the first universe that holds it (``universes``:
    multiverse.csv).
    """
    tables = [runs]
    if sweeps is not None and len(sweeps):
        named = sweeps["sweep"] + " sweep of " + sweeps["variant_of"] + ": " + sweeps["setting"]
        tables.append(sweeps.assign(experiment=named))
    if universes is not None and len(universes):
        seen = pd.concat([t["dir"] for t in tables])
        only = universes[~universes["dir"].isin(seen)].drop_duplicates("dir")
        tables.append(only.assign(experiment=UNIVERSE_PREFIX + only["universe"] + ": " + only["experiment"]))
    return pd.concat(tables, ignore_index=True).reindex(columns=COLUMNS)


UNIVERSE_PREFIX = "universe "
GROUPS = ("study", "sweep", "universe")  # where a run of the table comes from, as ``group`` words it


def group(run: dict) -> str:
    """Which part of a build a row of ``run_table`` belongs to: the study, a sweep or the universes."""
    name = str(run["experiment"])
    return "universe" if name.startswith(UNIVERSE_PREFIX) else "sweep" if " sweep of " in name else "study"


def _read_csv(path: Path, used: list[str]) -> pd.DataFrame:
    """A table of aggregation's (runs.csv, sensitivity.csv, multiverse.csv) with the columns ``used``,
    and whole: byte for byte what aggregation wrote (``tables.check_whole``), so that a table cut at
    a row boundary is not read as runs removed."""
    try:
        data = path.read_bytes()
        table = pd.read_csv(io.BytesIO(data))
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise NotARunTable(f"{path}: not a run table ({str(err).splitlines()[0]})") from None
    try:
        table = checked(table, used)
    except NotARunTable as err:
        raise NotARunTable(f"{path}: not a run table ({err})") from None
    try:
        check_whole(path, data)
    except TableNotWhole as err:
        raise NotARunTable(str(err)) from None
    return table


def _schema_error(record) -> str | None:
    """Where and how ``record`` departs from history_record.schema.json, or None."""
    try:
        jsonschema.validate(record, RECORD_SCHEMA)
    except jsonschema.ValidationError as err:
        where = ".".join(map(str, err.absolute_path))
        return f"{where}: {err.message}" if where else err.message
    return None


def record_digest(record: dict) -> str:
    """The sha256 of a history record's content (all of it but its own ``sha256``), as canonical
    JSON: what tells a reader that the record is the one its build wrote, not cut or edited since."""
    content = {key: value for key, value in record.items() if key != "sha256"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def from_record(record) -> Results:
    """The Results of a history record (see mnist_mlp.present.history); raises NotARunTable saying
    what in it is not as history_record.schema.json and the diff's columns say, or that its content
    is not what its build wrote (its ``sha256``, which records written before digests lack)."""
    error = _schema_error(record)
    if error:
        raise NotARunTable(error)
    if "sha256" in record and record["sha256"] != record_digest(record):  # records before 2026-12 carry none
        raise NotARunTable(
            "its content is not what its build wrote (its sha256 differs): edited or cut since; delete it, the "
            "history is never an input"
        )
    try:
        runs = pd.DataFrame(record["runs"]["data"], columns=record["runs"]["columns"])
    except ValueError as err:  # a row longer or shorter than the columns
        raise NotARunTable(f"runs: {err}") from None
    config = config_of_its_time(record["config"])
    try:
        runs = checked(with_settings_of_its_time(runs, config), USED)
    except NotARunTable as err:
        raise NotARunTable(f"runs: {err}") from None
    return Results(run_table(runs), config, record["claims"], record["time"], record["commit"])


def config_of_its_time(config: dict | None) -> dict | None:
    """A record's config, naming its dataset where a record written before there was a choice does
    not (UNNAMED_DATASET): the one place that knows records of that time."""
    if not config or "dataset" in config.get("data", {}):
        return config
    return {**config, "data": {**config.get("data", {}), "dataset": UNNAMED_DATASET}}


def with_settings_of_its_time(runs: pd.DataFrame, config: dict | None) -> pd.DataFrame:
    """A record written before a run's key carried its dataset, training-subset size and hidden
    widths, with those read from the record's own config (``config_of_its_time``), which every run
    of it shared."""
    if not config:
        return runs
    data, model = config.get("data", {}), config.get("model", {})
    of_its_time = {
        "dataset": data.get("dataset"),
        "n_train": data.get("n_train"),
        "hidden": spell_widths(model["hidden"]) if model.get("hidden") else None,
    }
    missing = {name: value for name, value in of_its_time.items() if name not in runs.columns and value is not None}
    return runs.assign(**missing)


def with_options_of_their_time(table: pd.DataFrame) -> pd.DataFrame:
    """A table written before a run's key carried an option (its cost, its epochs, ...), with that
    option at its default: every run of it had it. An empty cell of an option is its default too
    (a CSV writes the default bias_init, "", as nothing)."""
    return table.assign(
        **{
            name: table[name].where(table[name].notna(), default) if name in table.columns else default
            for name, default in OPTIONS.items()
            if default is not None or name not in table.columns
        }
    )


def read_results(path) -> Results:
    """Results from a history record, a runs.csv or a results folder; raises NotARunTable naming the file."""
    path = Path(path)
    if path.is_dir():
        path = path / "runs.csv" if (path / "runs.csv").exists() else path / "results" / "runs.csv"
    if path.suffix == ".json":
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise NotARunTable(f"{path}: not a run table or history record ({err})") from None
        try:
            return from_record(record)
        except NotARunTable as err:
            raise NotARunTable(f"{path}: not a history record ({err})") from None
    runs = _read_csv(path, USED)
    sweeps_path = path.with_name("sensitivity.csv")
    sweeps = _read_csv(sweeps_path, SWEEP_USED) if sweeps_path.exists() else None
    universes_path = path.with_name("multiverse.csv")
    universes = _read_csv(universes_path, UNIVERSE_USED) if universes_path.exists() else None
    return Results(run_table(runs, sweeps, universes))


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN (a missing number stays missing)."""
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return a == b
    return bool(a == b) or (pd.isna(a) and pd.isna(b))


def flatten(config: dict, prefix: str = "") -> dict:
    """Nested config as {"experiments.baseline.lr": 0.01, ...}; lists stay values."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def config_changes(old: dict | None, new: dict | None) -> list[dict]:
    """Every config key whose value differs, added or removed keys included (value None)."""
    if old is None or new is None:
        return []
    a, b = flatten(old), flatten(new)
    return [
        {"key": k, "old": a.get(k), "new": b.get(k)}
        for k in sorted(a.keys() | b.keys())
        if k not in a or k not in b or not _same(a[k], b[k])
    ]


def state(run: dict) -> str:
    """A run's outcome in words: diverged, failed to learn or ok (its flags are booleans)."""
    return "diverged" if run["diverged"] else "failed to learn" if run["failed_to_learn"] else "ok"


def run_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Runs added, removed, changed (settings, numbers or state) and unchanged.

    Changed runs come first by whether their state changed, then by the size of their test
    accuracy change, then by their train loss's relative change.
    """
    old, new = with_options_of_their_time(old), with_options_of_their_time(new)
    merged = old.merge(new, on=ROW_KEYS, how="outer", suffixes=("_old", "_new"), indicator=True)
    records = merged.to_dict("records")
    pick = lambda r, side: {
        **{k: r[k] for k in ROW_KEYS},
        **{c: r[f"{c}_{side}"] for c in COLUMNS if c not in ROW_KEYS},
    }  # noqa: E731
    added = [pick(r, "new") for r in records if r["_merge"] == "right_only"]
    removed = [pick(r, "old") for r in records if r["_merge"] == "left_only"]
    changed, unchanged = [], []
    for r in (r for r in records if r["_merge"] == "both"):
        old_run, new_run = pick(r, "old"), pick(r, "new")
        settings = {c: (old_run[c], new_run[c]) for c in SETTINGS if not _same(old_run[c], new_run[c])}
        numbers = {c: (old_run[c], new_run[c]) for c in NUMBERS if not _same(old_run[c], new_run[c])}
        states = (state(old_run), state(new_run))
        if settings or numbers or states[0] != states[1]:
            changed.append(
                {
                    "run": new_run,
                    "settings": settings,
                    "numbers": numbers,
                    "state": states if states[0] != states[1] else None,
                }
            )
        else:
            unchanged.append(new_run)

    def size(change):
        acc = change["numbers"].get("test_accuracy")
        loss = change["numbers"].get("train_loss")
        return (change["state"] is not None, _magnitude(acc, relative=False), _magnitude(loss, relative=True))

    changed.sort(key=size, reverse=True)
    return {"added": added, "removed": removed, "changed": changed, "unchanged": unchanged}


def _magnitude(pair, relative: bool) -> float:
    if pair is None:
        return 0.0
    old, new = pair
    if pd.isna(old) or pd.isna(new) or math.isinf(old) or math.isinf(new):
        return math.inf
    return abs(new - old) / abs(old) if relative and old else abs(new - old)


def claim_changes(old: dict | None, new: dict | None) -> list[dict]:
    if old is None or new is None:
        return []
    return [
        {"claim": c, "old": old.get(c), "new": new.get(c)}
        for c in dict.fromkeys([*old, *new])
        if old.get(c) != new.get(c)
    ]


def diff(old: Results, new: Results) -> dict:
    """Config keys, runs and claim verdicts that changed from ``old`` to ``new``."""
    return {
        "config": config_changes(old.config, new.config),
        **run_changes(old.runs, new.runs),
        "claims": claim_changes(old.claims, new.claims),
    }


def nothing_changed(result: dict) -> bool:
    return not any(result[k] for k in ("config", "added", "removed", "changed", "claims"))


# --- words for the diff, shared by the terminal, Markdown and the report --------------------------


def setting_text(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(setting_text(v) for v in value) + "]"
    if isinstance(value, float) or isinstance(value, int) and not isinstance(value, bool):
        return fmt.number(value)
    return fmt.MISSING if value is None else str(value)


def run_name(run: dict) -> str:
    return f"{run['experiment']}, {run['activation']}, seed {run['seed']}"


def run_settings(run: dict) -> str:
    """ "backend numpy, init he_normal, lr 0.1, weight decay 0": the settings a row may change, an
    option only away from its default (every run had it before the option existed)."""
    return ", ".join(
        f"{name.replace('_', ' ')} {setting_text(run[name])}"
        for name in SETTINGS
        if name not in OPTIONS or not _same(run[name], OPTIONS[name] if OPTIONS[name] is not None else np.nan)
    )


def number_change(what: str, pair) -> str:
    """ "91.20 → 92.05 (+0.85)" for accuracies, in percent; "0.3012 → 0.2871 (−4.7%)" for losses."""
    old, new = pair
    if what.endswith("accuracy"):
        delta = fmt.points(100 * (new - old)) if pd.notna(old) and pd.notna(new) else fmt.MISSING
        return f"{fmt.pct(100 * old)} → {fmt.pct(100 * new)} ({delta})"
    finite = pd.notna(old) and pd.notna(new) and old and not math.isinf(old) and not math.isinf(new)
    delta = f"{100 * (new - old) / abs(old):+.1f}%".replace("-", "−") if finite else fmt.MISSING
    return f"{fmt.loss(old)} → {fmt.loss(new)} ({delta})"


def change_cells(change: dict) -> dict:
    """One changed run as text cells: run, settings, each number and the state."""
    return {
        "run": run_name(change["run"]),
        "settings": "; ".join(
            f"{k.replace('_', ' ')} {setting_text(a)} → {setting_text(b)}" for k, (a, b) in change["settings"].items()
        ),
        **{NUMBER_NAMES[c]: number_change(c, change["numbers"][c]) if c in change["numbers"] else "" for c in NUMBERS},
        "state": " → ".join(change["state"]) if change["state"] else "",
    }


def render(result: dict, markdown: bool = False) -> str:
    """The diff as text: terminal tables, or Markdown."""
    out = []

    def table(title: str, rows: list[dict]):
        if not rows:
            return
        frame = pd.DataFrame(rows)
        if markdown:
            out.extend([f"## {title}", "| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)])
            out.extend("| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False))
            out.append("")
        else:
            out.extend([f"{title}:", frame.to_string(index=False), ""])

    table(
        "Config keys changed",
        [{"key": c["key"], "old": setting_text(c["old"]), "new": setting_text(c["new"])} for c in result["config"]],
    )
    for title, runs in (("Runs added", result["added"]), ("Runs removed", result["removed"])):
        table(
            title,
            [
                {
                    "run": run_name(r),
                    "settings": run_settings(r),
                    "test accuracy": fmt.pct(100 * r["test_accuracy"]),
                    "state": state(r),
                }
                for r in runs
            ],
        )
    table("Runs changed", [change_cells(c) for c in result["changed"]])
    table("Claim verdicts changed", result["claims"])
    if nothing_changed(result):
        out.append("Nothing changed.")
    elif result["unchanged"]:
        out.append(f"{len(result['unchanged'])} runs unchanged.")
    return "\n".join(out).rstrip("\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("old", help="a history record, a runs.csv or a results folder")
    parser.add_argument("new", help="a history record, a runs.csv or a results folder")
    parser.add_argument("--format", choices=["text", "markdown"], default="text")
    args = parser.parse_args(argv)
    try:
        old, new = read_results(args.old), read_results(args.new)
    except NotARunTable as err:
        print(f"compare: {err}", file=sys.stderr)
        return 2
    try:
        print(render(diff(old, new), markdown=args.format == "markdown"))
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it could only be ignored noisily
    except BrokenPipeError:
        # The reader (``| head``) has all it wanted. As Python's docs advise: no more writes to the
        # closed pipe, so exiting does not flush into it again; 141 is what a shell reports for SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    return 0


if __name__ == "__main__":
    sys.exit(main())
