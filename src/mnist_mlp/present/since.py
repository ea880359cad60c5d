"""The report's section "Since the last report": this build against the history record before its
own (results/history/), and what could not be read or written there."""

from mnist_mlp import fmt
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.present import compare
from mnist_mlp.present.html import Section, run_anchor

SECTION = Section("since", "Since the last report")


def dataset_switch(config_changes: list[dict]) -> dict | None:
    """The datasets' titles, old and new, when a build trains on another dataset than the one before."""
    change = next((c for c in config_changes if c["key"] == "data.dataset"), None)
    if change is None:
        return None
    return {"old": DATASET_INFO[change["old"]].title, "new": DATASET_INFO[change["new"]].title}


GROUP_WORDS = {"study": "of the study", "sweep": "of the sweeps", "universe": "only in the universes"}


def by_group(runs: list[dict]) -> list[dict]:
    """How many of ``runs`` are the study's, the sweeps' and only the universes', in that order,
    each group that has any."""
    counts = {g: sum(compare.group(r) == g for r in runs) for g in compare.GROUPS}
    return [{"group": g, "words": GROUP_WORDS[g], "n": n} for g, n in counts.items() if n]


def since_section(update: dict, current: compare.Results, claims: list[dict], folder: str) -> dict:
    """The section "Since the last report": this build against the history record before its own,
    and what could not be read or written there.

    Args:
        update: what ``history.update`` returned for this build's record.
        current: this build's results.
        claims: the claim rows of the report, to name each claim whose verdict changed.
        folder: the history's folder, as the user names it.
    """
    previous = update["previous"]
    since = {
        "section": SECTION,
        "current": update["current"].name if update["current"] else None,
        "written": update["written"],
        "previous": None,
        "folder": folder,
        "error": update["error"],
        "skipped": [{"name": path.name, "reason": reason} for path, reason in update["skipped"]],
    }
    if previous is None:
        return since
    before = compare.from_record(previous[1])
    result = compare.diff(before, current)
    names = {c["id"]: f"Section {c['section']}: {c['text']}" for c in claims}

    def run_entry(run):
        return {
            "name": compare.run_name(run),
            "group": compare.group(run),
            "settings": compare.run_settings(run),
            "state": compare.state(run),
            "accuracy": fmt.pct(100 * run["test_accuracy"]),
            "anchor": run_anchor(run["dir"]) if isinstance(run["dir"], str) else None,
        }

    return {
        **since,
        "previous": {"name": previous[0].name, "time": before.time, "commit": before.commit},
        "nothing": compare.nothing_changed(result),
        "dataset_switch": dataset_switch(result["config"]),
        "config": [
            {"key": c["key"], "old": compare.setting_text(c["old"]), "new": compare.setting_text(c["new"])}
            for c in result["config"]
        ],
        "added": [run_entry(r) for r in result["added"]],
        "added_by_group": by_group(result["added"]),
        "removed_by_group": by_group(result["removed"]),
        "removed": [{**run_entry(r), "anchor": None} for r in result["removed"]],
        "changed": [{**compare.change_cells(c), "anchor": run_anchor(c["run"]["dir"])} for c in result["changed"]],
        "unchanged": [run_entry(r) for r in result["unchanged"]],
        "claims": [{**c, "name": names.get(c["claim"], c["claim"])} for c in result["claims"]],
    }
