"""Are two working directories' runs the same, timing aside? For checking that a speed-up changed
no number: build the same config with the old and the new code, one working directory each.

    python bench/same_runs.py OLD_WORKDIR NEW_WORKDIR

Compares every run folder under results/runs/ byte for byte (batches.csv, epochs.csv,
predictions.csv, weights.npz) and metrics.json key by key, leaving out the timing fields and the
fields one side lacks, at any depth (new fields such as compute.host). Exits 1 if anything differs.
"""

import argparse
import json
import sys
from pathlib import Path

from mnist_mlp.runs.key import RUNS_ROOT

TIMING = {"wall_time_s", "train_time_s", "eval_time_s", "samples_per_s", "phases_s", "cpu_use"}


def differences(a: dict, b: dict, prefix: str = "") -> list[tuple]:
    """(key, old, new) for each value both records hold that differs, timing aside; nested records
    (the run's settings, its compute record) are compared key by key, so a field one side added
    (such as compute.host) is not a difference."""
    found = []
    for key in sorted((a.keys() & b.keys()) - TIMING):
        if isinstance(a[key], dict) and isinstance(b[key], dict):
            found += differences(a[key], b[key], f"{prefix}{key}.")
        elif a[key] != b[key]:
            found.append((prefix + key, a[key], b[key]))
    return found


def compare(old: Path, new: Path) -> list[str]:
    problems = []
    old_runs = {p.parent.relative_to(old) for p in old.glob(f"{RUNS_ROOT}/**/metrics.json")}
    new_runs = {p.parent.relative_to(new) for p in new.glob(f"{RUNS_ROOT}/**/metrics.json")}
    problems += [f"only in {old}: {r}" for r in sorted(old_runs - new_runs)]
    problems += [f"only in {new}: {r}" for r in sorted(new_runs - old_runs)]
    for run in sorted(old_runs & new_runs):
        for name in ("batches.csv", "epochs.csv", "predictions.csv", "weights.npz"):
            if (old / run / name).read_bytes() != (new / run / name).read_bytes():
                problems.append(f"{run}/{name} differs")
        a, b = (json.loads((d / run / "metrics.json").read_text()) for d in (old, new))
        problems += [f"{run}/metrics.json: {key} {x!r} -> {y!r}" for key, x, y in differences(a, b)]
    return problems if (old_runs | new_runs) else [f"no runs under {old} or {new}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    problems = compare(args.old, args.new)
    n = len(list(args.new.glob(f"{RUNS_ROOT}/**/metrics.json")))
    for line in problems:
        print(line)
    print(f"{n} runs compared: " + ("identical, timing aside" if not problems else f"{len(problems)} differences"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
