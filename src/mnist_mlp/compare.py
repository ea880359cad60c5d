"""What changed between two sets of results: ``python -m mnist_mlp.compare OLD NEW``.

OLD and NEW are each a run table (results/runs.csv) or a results folder holding one. Prints the
runs added and removed and every number that changed, largest change first, as a terminal table
or, with ``--format markdown``, ready to paste into a pull request. Exits 0 whenever it could
compare (changes or not), 2 with one line naming the file when one is not a run table.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

KEYS = ["experiment", "backend", "activation", "init", "lr", "weight_decay", "seed"]
VALUES = ["test_accuracy", "test_loss", "train_accuracy", "train_loss", "diverged", "failed_to_learn"]


class NotARunTable(ValueError):
    """A file that is not a run table."""


def read_run_table(path) -> pd.DataFrame:
    """A run table from a runs.csv or a results folder; raises NotARunTable naming the file."""
    path = Path(path)
    if path.is_dir():
        path = path / "runs.csv" if (path / "runs.csv").exists() else path / "results" / "runs.csv"
    try:
        table = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise NotARunTable(f"{path}: not a run table ({str(err).splitlines()[0]})") from None
    missing = [c for c in KEYS + ["test_accuracy"] if c not in table.columns]
    if missing:
        raise NotARunTable(f"{path}: not a run table (no column {', '.join(missing)})")
    return table.reindex(columns=KEYS + VALUES)


def diff(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Runs added and removed, and every value that changed, largest numeric change first.

    Returns:
        {"added": [run keys], "removed": [run keys], "changed": DataFrame of KEYS, what, old, new, change}
    """
    merged = old.merge(new, on=KEYS, how="outer", suffixes=("_old", "_new"), indicator=True)
    added = merged.loc[merged["_merge"] == "right_only", KEYS].to_dict("records")
    removed = merged.loc[merged["_merge"] == "left_only", KEYS].to_dict("records")
    both = merged[merged["_merge"] == "both"]
    rows = []
    for what in VALUES:
        a, b = both[f"{what}_old"], both[f"{what}_new"]
        differs = ~((a == b) | (a.isna() & b.isna()))
        for (_, run), x, y in zip(both[differs].iterrows(), a[differs], b[differs]):
            numeric = what not in ("diverged", "failed_to_learn") and pd.notna(x) and pd.notna(y)
            rows.append({**{k: run[k] for k in KEYS}, "what": what, "old": x, "new": y,
                         "change": float(y) - float(x) if numeric else float("nan")})
    changed = pd.DataFrame(rows, columns=KEYS + ["what", "old", "new", "change"])
    changed = changed.assign(size=changed["change"].abs().fillna(float("inf"))).sort_values(
        "size", ascending=False, kind="stable").drop(columns="size").reset_index(drop=True)
    return {"added": added, "removed": removed, "changed": changed}


def _run_name(run: dict) -> str:
    return (f"{run['experiment']} {run['backend']}/{run['activation']}/{run['init']} lr {run['lr']:g} "
            f"wd {run['weight_decay']:g} seed {run['seed']}")


def render(result: dict, markdown: bool = False) -> str:
    """The diff as text: a terminal table, or Markdown."""
    lines = []
    for title, runs in (("Runs added", result["added"]), ("Runs removed", result["removed"])):
        if runs:
            lines.append(f"## {title}" if markdown else f"{title}:")
            lines += [f"- {_run_name(r)}" if markdown else f"  {_run_name(r)}" for r in runs]
    changed = result["changed"]
    if len(changed):
        table = pd.DataFrame({"run": [_run_name(r) for r in changed[KEYS].to_dict("records")], "what": changed["what"],
                              "old": changed["old"], "new": changed["new"],
                              "change": changed["change"].map(lambda v: "" if pd.isna(v) else f"{v:+.4g}")})
        if markdown:
            lines += ["## Changed", "| run | what | old | new | change |", "|---|---|---:|---:|---:|"]
            lines += [f"| {r.run} | {r.what} | {r.old} | {r.new} | {r.change} |" for r in table.itertuples()]
        else:
            lines += ["Changed:", table.to_string(index=False)]
    if not lines:
        lines.append("Nothing changed.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", help="a runs.csv or a results folder")
    parser.add_argument("new", help="a runs.csv or a results folder")
    parser.add_argument("--format", choices=["text", "markdown"], default="text")
    args = parser.parse_args(argv)
    try:
        old, new = read_run_table(args.old), read_run_table(args.new)
    except NotARunTable as err:
        print(f"compare: {err}", file=sys.stderr)
        return 2
    print(render(diff(old, new), markdown=args.format == "markdown"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
