"""The claims manifest, results/claims.json: each claim with its rule, verdict, estimate and every
interval (with the variability it covers and how it is computed), the runs behind it, the command
that reproduces it and what those runs cost; and each of the study's numbers, reported beside
reproduced. Built from the same rows as the report, so the two never disagree;
workflow/schemas/claims.schema.json describes it."""

import json
import math
import shlex
from pathlib import Path

import jsonschema
import pandas as pd

from mnist_mlp.judge.claims import INTERVAL_METHODS, Comparison, Rules
from mnist_mlp.judge.stats import UNTESTED

SETUP = "git clone <this repository> mnist-mlp-study && cd mnist-mlp-study && python -m pip install -r requirements.txt"


def build_command(
    overlays: list[str], cores: int = 2, report: str | None = "report.html", study: str | None = None
) -> str:
    """The command that builds the report (and this manifest) at ``report`` (everything, None) from
    ``overlays`` on the study's config: the one config/config.yaml names, or (``study``) the folder
    given with --config."""
    command = f"snakemake --cores {cores}" + (f" {shlex.quote(report)}" if report else "")
    command += " --configfile " + " ".join(map(shlex.quote, overlays)) if overlays else ""
    return command + (f" --config study={shlex.quote(study)}" if study else "")


def run_costs(run_rows: list[dict]) -> pd.DataFrame:
    """Each distinct run's job time, peak memory and disk, by its folder, from the report's run rows
    (``sections.run_rows``: the study's runs, the sweeps' and the universes', each once)."""
    columns = ["dir", "job_s", "max_rss_mb", "disk_mb", "cpu_share", "shared_core"]
    return pd.DataFrame(run_rows, columns=columns).set_index("dir")


def cost(dirs: list[str], costs: pd.DataFrame) -> dict:
    """What the runs in ``dirs`` cost together: their count, summed job time and disk, peak memory,
    and whether their jobs shared their cores (``core_sharing``)."""
    chosen = costs.loc[list(dict.fromkeys(dirs))]
    return {
        "runs": len(chosen),
        "job_s": round(float(chosen["job_s"].sum()), 2),
        "disk_mb": round(float(chosen["disk_mb"].sum()), 3),
        "peak_rss_mb": round(float(chosen["max_rss_mb"].max()), 1) if len(chosen) else None,
        **core_sharing(chosen),
    }


def core_sharing(costs: pd.DataFrame) -> dict:
    """Whether the runs of ``costs`` had their cores to themselves: the CPU time their threads got
    over their elapsed time, all together (weighted by job time), and how many shared their cores
    (``sections._run_cells`` says which)."""
    measured = costs.dropna(subset=["cpu_share"])
    weights = measured["job_s"].clip(lower=1e-9)
    return {
        "cpu_share": round(float((measured["cpu_share"] * weights).sum() / weights.sum()), 3)
        if len(measured)
        else None,
        "shared_core_runs": int(measured["shared_core"].sum()),
    }


def _interval(source: str, interval, alpha: float) -> dict:
    return {
        "source": source,
        "method": INTERVAL_METHODS[source],
        "confidence": 1 - alpha,
        "low": interval.low,
        "high": interval.high,
    }


def _comparison(c: Comparison, alpha: float) -> dict:
    return {
        "label": c.label,
        "estimate": c.estimate,
        "unit": c.unit,
        "verdict": c.verdict,
        "seeds": c.n_seeds,
        "intervals": [_interval(source, i, alpha) for source, i in c.intervals.items()],
    }


def _over_allowed(allowed: dict | None) -> dict | None:
    """A claim's label over the universes the study's numbers allow, and how many; None without a fit."""
    return {"universes": allowed["n"], "label": allowed["label"]} if allowed else None


def _claim(row: dict, rules: Rules, overlays: list[str], costs: pd.DataFrame, target: dict, sweeps: list[str]) -> dict:
    if row["verdict"] == UNTESTED:  # what would test it: the study's sweeps
        overlays = list(dict.fromkeys(overlays + sweeps))
    return {
        "id": row["id"],
        "section": str(row["section"]),
        "words": row["quote"],
        "tested_as": row["text"],
        "kind": row["kind"],
        "rule": rules.for_claim(row),
        "verdict": row["verdict"],
        "verdict_on_the_study_numbers": row["in_study"],
        "robustness": row["robustness"],
        "robustness_allowed": _over_allowed(row.get("robustness_allowed")),
        "comparisons": [_comparison(c, rules.alpha) for c in row["comparisons"]],
        "runs": row["runs"],
        "command": build_command(overlays, **target),
        "cost": cost(row["runs"], costs),
    }


def _number(experiment: dict, row: dict, close_pp: float) -> dict:
    statistic = row["statistic"]
    return {
        "experiment": experiment["section"].anchor,
        "section": experiment["section"].title,
        "activation": row["activation"],
        "statistic": {
            "of": statistic.of,
            "best_of": statistic.best_of,
            "set": statistic.set,
            "words": statistic.words(),
        },
        "reported_epoch": row["reported_epoch"],
        "reported_pct": row["reported"],
        "reproduced_pct": row["mean"],
        "std_pct": row["std"],
        "seeds": row["n_seeds"],
        "difference_pp": row["difference"],
        "tolerance_pp": close_pp,
        "reproduced": None if row["reproduction"] is None else row["reproduction"] == "within",
        "health": row["health"],
    }


def manifest(
    page: dict,
    dataset: str,
    claim_rows: list[dict],
    experiments: list[dict],
    rules: Rules,
    close_pp: float,
    overlays: list[str],
    costs: pd.DataFrame,
    report: str = "report.html",
    study: str | None = None,
    sweeps: list[str] = (),
) -> dict:
    """The manifest of one build.

    Args:
        page: the report's ``page`` (study, commit, time).
        dataset: the dataset the runs are on (``data.dataset``).
        claim_rows: the report's claim rows (``sections.claim_rows``, with their robustness labels).
        experiments: the report's experiment sections, each with its accuracy rows.
        overlays: the config files read on top of config/config.yaml, as the command line gave them.
        costs: ``run_costs``.
        report, study: where the report is, and the study folder given with --config (None for the one
            config/config.yaml names): what the commands name.
        sweeps: the study's sensitivity overlay, which an untested claim's command adds.
    """
    target = {"report": report, "study": study}
    return {
        "study": {k: str(page["study"][k]) for k in ("title", "author", "date")},
        "dataset": dataset,
        "commit": page["commit"],
        "generated": page["generated"],
        "setup": SETUP,
        "command": build_command(overlays, **target),
        "claims": [_claim(row, rules, list(overlays), costs, target, list(sweeps)) for row in claim_rows],
        "numbers": [_number(e, row, close_pp) for e in experiments for row in e["rows"] if row["reported"] is not None],
    }


def _finite(value):
    """JSON has no NaN: a number that is missing is null. A float keeps 12 significant digits, so
    that the binary noise of arithmetic (1.5900000000000025 for 97.02 - 95.43) reads as the number."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def write(path: Path, document: dict, schema_path: Path) -> None:
    """Validate ``document`` against the schema (workflow/schemas/claims.schema.json), then write it."""
    document = _finite(document)
    jsonschema.validate(document, json.loads(Path(schema_path).read_text()))
    Path(path).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
