"""The self-contained report.html: the study's claims and numbers beside this run's. This module
only assembles what the template renders; the judging lives in ``claims``, ``study`` and
``sensitivity``."""

import base64
import datetime
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from mnist_mlp.aggregate import read_benchmark
from mnist_mlp.claims import SENSITIVITY_COMMAND, Evidence, Rules, chance_level, judge, judge_reported
from mnist_mlp.provenance import machine, package_versions
from mnist_mlp.sensitivity import (closest_settings, coinciding_experiments, explained_gaps, setting_summary)
from mnist_mlp.study import EXTRA_FIGURES, comparison_rows, figure_specs, sensitivity_figure


def data_uri(png_path: Path) -> str:
    """A PNG as a data: URI, so the report needs no file beside it."""
    return "data:image/png;base64," + base64.b64encode(Path(png_path).read_bytes()).decode("ascii")


def claim_rows(study: dict, evidence: Evidence, chance_pct: float) -> list[dict]:
    rules = Rules.from_study(study)
    rows = []
    for claim in study["claims"]:
        ours = judge(claim, evidence, rules)
        theirs = judge_reported(claim, study["accuracy"], rules, chance_pct)
        rows.append({**claim, "verdict": ours.verdict, "details": ours.details, "in_study": theirs.verdict,
                     "in_study_details": theirs.details})
    return rows


def sensitivity_context(runs: pd.DataFrame, sweeps: pd.DataFrame, sweeps_config: dict, study: dict,
                        off_numbers: list[dict], figures: dict) -> dict | None:
    """The section "What the study left unstated", or None when no sweep ran."""
    if sweeps.empty:
        return None
    summary = setting_summary(sweeps)
    coinciding = coinciding_experiments(sweeps, runs)
    gaps = explained_gaps(off_numbers, summary, sweeps_config, study["verdicts"]["close_pp"])
    return {
        "sweeps": [{"id": s, **cfg, "src": data_uri(figures[sensitivity_figure(s)])} for s, cfg in sweeps_config.items()],
        "gaps": gaps,
        "n_explained": sum(g["explained"] for g in gaps),
        "closest": closest_settings(summary, coinciding, study["accuracy"], sweeps_config),
        "n_runs": int(sweeps["dir"].nunique()),
    }


def build_context(runs: pd.DataFrame, sweeps: pd.DataFrame, study: dict, titles: dict, figures: dict,
                  data_summary: dict, data_jobs: dict, config: dict, commit: str) -> dict:
    """Everything the template shows.

    Args:
        runs: results/runs.csv.
        sweeps: results/sensitivity.csv.
        study: config/study_reported.yaml.
        titles: experiment id -> section title, in report order.
        figures: figure id -> PNG path.
        data_summary: results/data/mnist_summary.json.
        data_jobs: job name -> benchmark file of the data jobs.
        config: the workflow config.
        commit: the workflow's git commit, from ``provenance.git_commit``.
    """
    reported = study["accuracy"]
    close_pp = study["verdicts"]["close_pp"]
    specs = figure_specs(study)
    rows = comparison_rows(runs, study, titles)
    sections = [{
        "id": exp, "title": title, "note": study.get("notes", {}).get(exp), "rows": rows[exp],
        "figures": [{**specs[f], "src": data_uri(figures[f])} for f in specs if specs[f]["experiment"] == exp],
    } for exp, title in titles.items()]
    compared = [{**row, "experiment": section["id"], "section": section["title"]}
                for section in sections for row in section["rows"] if row["difference"] is not None]
    off_numbers = [row for row in compared if abs(row["difference"]) > close_pp]
    chance_pct = chance_level(data_summary["test_class_counts"])
    claims = claim_rows(study, Evidence(runs, sweeps), chance_pct)
    jobs = [{"job": name, **read_benchmark(Path(path))} for name, path in data_jobs.items()]
    runs_sorted = runs.sort_values(["experiment", "activation", "seed"], key=lambda c: c.map(
        {e: i for i, e in enumerate(titles)}) if c.name == "experiment" else c)
    return {
        "study": study["study"],
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "claims": claims,
        "rule": Rules.from_study(study).sentence(),
        "chance_pct": chance_pct,
        "sensitivity_command": SENSITIVITY_COMMAND,
        "n_reported": sum(len(v) for v in reported.values()),
        "n_compared": len(compared),
        "n_close": len(compared) - len(off_numbers),
        "close_pp": close_pp,
        "largest_gap": max(compared, key=lambda r: abs(r["difference"]), default=None),
        "n_off": len(off_numbers),
        "sections": sections,
        "sensitivity": sensitivity_context(runs, sweeps, config.get("sensitivity") or {}, study, off_numbers, figures),
        "extra_figures": [{"label": label, "src": data_uri(figures[key])} for key, label in EXTRA_FIGURES.items()],
        "runs": runs_sorted.to_dict("records"),
        "n_diverged": int(runs["diverged"].sum()),
        "data_summary": data_summary,
        "data_jobs": jobs,
        "total_train_s": float(pd.concat([runs, sweeps]).drop_duplicates("dir")["job_s"].sum()),
        "n_distinct_runs": int(pd.concat([runs["dir"], sweeps["dir"]]).nunique()),
        "peak_rss_mb": float(pd.concat([runs, sweeps])["max_rss_mb"].max()),
        "config_yaml": yaml.safe_dump(config, sort_keys=False),
        "model": config["model"],
        "train": config["train"],
        "versions": package_versions(),
        "machine": machine(),
        "commit": commit,
    }


def render(template_path: Path, context: dict) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(template_path).parent),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["pct"] = lambda v, digits=1: "—" if v is None or pd.isna(v) else f"{v:.{digits}f}"
    env.filters["signed"] = lambda v: "—" if v is None or pd.isna(v) else f"{v:+.1f}"
    return env.get_template(Path(template_path).name).render(**context)
