"""The reproducibility summary at the top of the report, under the headings of an ML Reproducibility
Challenge report: scope, methodology, results, what was easy and what was difficult. It states
nothing of its own: every number comes from another section's part of the context (and links to
that section), so the summary and the sections below it cannot disagree."""

import pandas as pd

from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.fmt import count, counted
from mnist_mlp.present.html import Section

SUMMARY = Section("summary", "Reproducibility summary")
PARTS = {
    "scope": "Scope of reproducibility",
    "methodology": "Methodology",
    "results": "Results",
    "easy": "What was easy",
    "difficult": "What was difficult",
}
SETUP_WORDS = {
    "n_train": lambda n: f"{count(n)} training images",
    "n_test": lambda n: f"{count(n)} test images",
    "batch_size": lambda n: f"batch size {n}",
    "epochs": lambda n: counted(n, "epoch"),
}  # the study's stated setup, as the summary words each


def run_counts(rows: list[dict]) -> dict:
    """How many distinct runs came from the study's experiments, the sweeps and the universes alone,
    and what each group cost in job time."""
    table = pd.DataFrame(rows, columns=["source", "job_s"])
    grouped = table.groupby("source")["job_s"]
    return {
        source: {"runs": int(grouped.size().get(source, 0)), "job_s": float(grouped.sum().get(source, 0.0))}
        for source in ("study", "sweep", "universe")
    }


def ours(setup_key: str, data: dict, train: dict):
    """This build's value of one of the study's stated settings."""
    return data[setup_key] if setup_key in ("n_train", "n_test") else train[setup_key]


def as_stated(setup: dict, data: dict, train: dict) -> list[dict]:
    """Each setting the study states, beside this build's: the same, or not."""
    return [
        {
            "ours": SETUP_WORDS[key](ours(key, data, train)),
            "study": SETUP_WORDS[key](value),
            "same": ours(key, data, train) == value,
        }
        for key, value in setup.items()
        if key in SETUP_WORDS
    ]


def hosts(compute: list[dict]) -> list[str]:
    """Where the runs trained, each (host, CPU) once."""
    return list(
        dict.fromkeys(
            f"{c['host']} ({c['cpu']}, {c['threads']} thread{'s' if c['threads'] != 1 else ''} a job)" for c in compute
        )
    )


# How the summary's methodology says each kind of claim is judged, beyond the paired comparison of final
# accuracies every "beats" claim makes (judge.claims.KINDS states the rules themselves).
JUDGED = {
    "peak": "comparisons of each run's peak are paired by seed, with the seeds' interval alone",
    "reaches": "an accuracy the study states is reached when this build's same statistic comes within the tolerance of its numbers",
    "still_improving": "a curve still rises when its last epochs are above as many before them, over seeds",
}


def judged(claims: list[dict]) -> list[str]:
    """How the claims other than paired comparisons of final accuracies are judged, in words (JUDGED)."""
    used = {c["kind"] for c in claims} | {"peak" for c in claims if c.get("statistic") == "peak"}
    return [words for key, words in JUDGED.items() if key in used]


def summary(context: dict, unstated_words: list[str], command: str) -> dict:
    """The summary, from the report's other sections (``report.build_context``).

    Args:
        context: every other section's part, by key.
        unstated_words: what the study leaves open (study_reported.yaml, ``study.unstated``).
        command: the command that rebuilds this report.
    """
    runs, differences = context["runs"], context["differences"]
    robust = context["robust"]
    labels = pd.Series([r["label"] for r in robust["rows"] or []]).value_counts().to_dict()
    allowed = [r["allowed"]["label"] for r in robust["rows"] or [] if r["allowed"] and r["allowed"]["label"]]
    return {
        "section": SUMMARY,
        "parts": {key: Section(f"summary-{key}", title) for key, title in PARTS.items()},
        "verdict_counts": pd.Series([c["verdict"] for c in context["claims"]["rows"]]).value_counts().to_dict(),
        "judged": judged(context["claims"]["rows"]),
        "label_counts": labels,
        # the same over the universes the study's numbers allow, where a fit was made
        "allowed_label_counts": pd.Series(allowed, dtype=object).value_counts().to_dict(),
        "counts": run_counts(runs["rows"]),
        "as_stated": as_stated(differences["setup"], differences["data"], differences["train"]),
        "complete": sum(all(row["health"] != "missing" for row in e["rows"]) for e in context["experiments"]),
        "agreement_gap": max((a["accuracy_gap"] for a in differences["agreement"]), default=None),
        "hosts": hosts(context["provenance"]["compute"]),
        # the datasets the runs are on: a multiverse may add another to the config's own
        "datasets": list(dict.fromkeys(DATASET_INFO[r["dataset"]].title for r in runs["rows"])),
        "unstated": unstated_words,
        "command": command,
    }
