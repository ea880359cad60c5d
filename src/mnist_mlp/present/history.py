"""results/history/: one small record per build whose results changed, so that each report can say
what moved since the last one.

A record is a JSON file ``NNNN_<UTC time>.json`` holding the time, the commit, the config and the
claim verdicts of a build, and its run table without the timing columns. Records are only ever
added. The report job reads and writes them outside Snakemake's inputs and outputs: deleting the
folder loses the history, never a result, and nothing in it makes a job rerun.
"""

import datetime
import json
import logging
import math
import os
from pathlib import Path

import pandas as pd

from mnist_mlp.present.compare import from_record, record_digest, run_table
from mnist_mlp.runs.jobs import console

log = logging.getLogger(__name__)

# What makes two builds the same: not when or from which commit they were made.
CONTENT = ("config", "claims", "runs")


def _plain(value):
    """JSON-safe: NaN becomes null, numpy scalars become Python ones."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def make_record(
    runs: pd.DataFrame,
    sweeps: pd.DataFrame,
    config: dict,
    claims: dict,
    commit: str,
    now: datetime.datetime,
    universes: pd.DataFrame | None = None,
) -> dict:
    """The history record of a build: its runs (the study's, the sweeps' and those only the
    universes have, ``universes``: multiverse.csv), config and claim verdicts."""
    table = run_table(runs, sweeps, universes)
    record = {
        "time": now.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "commit": commit,
        "config": config,
        "claims": claims,
        "runs": {
            "columns": list(table.columns),
            "data": [[_plain(v) for v in row] for row in table.itertuples(index=False)],
        },
    }
    record = json.loads(json.dumps(record, default=str))  # exactly what reading it back gives
    return {**record, "sha256": record_digest(record)}


def _numbered(folder: Path) -> list[Path]:
    """Every record file, by its number (not its name: 10000 comes after 9999); none if the folder
    cannot be read."""
    try:
        paths = [p for p in folder.glob("[0-9]*_*.json") if p.name.split("_")[0].isdigit()]
    except OSError as err:
        log.warning("history: cannot read %s (%s)", folder, err.strerror or err)
        return []
    return sorted(paths, key=lambda p: int(p.name.split("_")[0]))


def newest_records(paths: list[Path], n: int = 2) -> tuple[list[tuple[Path, dict]], list[tuple[Path, str]]]:
    """The newest ``n`` readable records of ``paths``, oldest first, and the unreadable ones passed
    over on the way, each with why. Reads from the newest back, so a long history costs no more than
    a short one."""
    found, skipped = [], []
    for path in reversed(paths):
        try:
            record = json.loads(path.read_text())
            from_record(record)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            log.warning("history: skipping %s, not a readable record (%s)", path, reason)
            skipped.append((path, reason))
            continue
        found.append((path, record))
        if len(found) == n:
            break
    return found[::-1], skipped


def same_content(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in CONTENT)


def _write_new(folder: Path, record: dict, number: int) -> Path:
    """Write ``record`` as the next numbered file, atomically: a crash leaves no half record."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = record["time"].replace(" UTC", "Z").replace(" ", "T").replace(":", "")
    path = folder / f"{number:04d}_{stamp}.json"
    part = path.with_name(path.name + ".part")  # a plain open: the user's umask, unlike a tempfile's 0600
    try:
        with open(part, "w") as f:
            json.dump(record, f, separators=(",", ":"))
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)
        raise
    return path


def update(folder, record: dict) -> dict:
    """Add ``record`` unless the newest record has the same content; say what to compare with.

    Best effort: the history is a side output, so a folder or record that cannot be read or written
    is reported in the result, never raised.

    Returns:
        {"current": path of the record of these results (None if it could not be written),
         "written": whether it was added now, "previous": (path, record) of the record before it,
         or None when there is none, "skipped": [(path, why)] of unreadable records passed over,
         "error": why this build could not be recorded, or None}
    """
    folder = Path(folder)
    paths = _numbered(folder)
    records, skipped = newest_records(paths)
    result = {"skipped": skipped, "error": None}
    if records and same_content(records[-1][1], record):
        return {
            **result,
            "current": records[-1][0],
            "written": False,
            "previous": records[0] if len(records) > 1 else None,
        }
    number = int(paths[-1].name.split("_")[0]) + 1 if paths else 1  # past unreadable records too: never overwrite one
    try:
        path = _write_new(folder, record, number)
    except OSError as err:
        where = err.filename or folder
        log.warning("history: this build could not be recorded: %s: %s", where, err.strerror or err)
        return {
            **result,
            "current": None,
            "written": False,
            "previous": records[-1] if records else None,
            "error": f"{where}: {err.strerror or err}",
        }
    return {**result, "current": path, "written": True, "previous": records[-1] if records else None}


def warn(update_result: dict) -> None:
    """Say on the console what ``update`` could not read or write: the user looks there, not in the log."""
    for path, reason in update_result["skipped"]:
        console(f"Warning: history record {path} skipped as unreadable ({reason})")
    if update_result["error"]:
        console(
            f"Warning: this build could not be recorded in the history: {update_result['error']}; "
            "the report is written all the same"
        )
