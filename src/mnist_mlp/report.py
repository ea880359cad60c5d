"""The self-contained report.html: the study's claims and numbers beside this run's."""

import base64
import datetime
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from mnist_mlp.aggregate import read_benchmark
from mnist_mlp.provenance import machine, package_versions
from mnist_mlp.study import accuracy_rows, accuracy_summary, evaluate_claim, reported_summary

CLOSE_PP = 2.0  # a reproduced accuracy this close to the reported one counts as matching it


def data_uri(png_path: Path) -> str:
    """A PNG as a data: URI, so the report needs no file beside it."""
    return "data:image/png;base64," + base64.b64encode(Path(png_path).read_bytes()).decode("ascii")


def build_context(runs: pd.DataFrame, study: dict, titles: dict, figures: dict, data_summary: dict,
                  data_jobs: dict, config: dict, commit: str) -> dict:
    """Everything the template shows.

    Args:
        runs: results/runs.csv.
        study: config/study_reported.yaml.
        titles: experiment id -> section title, in report order.
        figures: figure id -> PNG path.
        data_summary: results/data/mnist_summary.json.
        data_jobs: job name -> benchmark file of the data jobs.
        config: the workflow config.
        commit: the workflow's git commit, from ``provenance.git_commit``.
    """
    summary = accuracy_summary(runs)
    reported = study["accuracy"]
    specs = {fig["id"]: fig for fig in study["figures"]}
    sections = [{
        "id": exp, "title": title, "note": study.get("notes", {}).get(exp),
        "rows": accuracy_rows(summary, reported, exp),
        "figures": [{**specs[f], "src": data_uri(figures[f])} for f in specs if specs[f]["experiment"] == exp],
    } for exp, title in titles.items()]
    compared = [{**row, "section": section["title"]} for section in sections for row in section["rows"]
                if row["difference"] is not None]
    own_numbers = reported_summary(reported)
    claims = []
    for claim in study["claims"]:
        verdict = evaluate_claim(claim, summary, study["min_difference_pp"])
        in_study = evaluate_claim(claim, own_numbers, study["min_difference_pp"])
        claims.append({"text": claim["text"], "verdict": verdict.verdict, "details": verdict.details,
                       "in_study": in_study.verdict, "in_study_details": in_study.details})
    jobs = [{"job": name, **read_benchmark(Path(path))} for name, path in data_jobs.items()]
    runs_sorted = runs.sort_values(["experiment", "activation", "seed"], key=lambda c: c.map(
        {e: i for i, e in enumerate(titles)}) if c.name == "experiment" else c)
    return {
        "study": study["study"],
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "claims": claims,
        "n_reported": sum(len(v) for v in reported.values()),
        "n_compared": len(compared),
        "n_close": sum(abs(r["difference"]) <= CLOSE_PP for r in compared),
        "close_pp": CLOSE_PP,
        "largest_gap": max(compared, key=lambda r: abs(r["difference"]), default=None),
        "sections": sections,
        "extra_figures": [{"label": label, "src": data_uri(figures[key])} for key, label in (
            ("test_accuracy_grid", "Test accuracy per epoch, every run"),
            ("reported_vs_reproduced", "Reported and reproduced test accuracy"))],
        "runs": runs_sorted.to_dict("records"),
        "n_diverged": int(runs["diverged"].sum()),
        "data_summary": data_summary,
        "data_jobs": jobs,
        "total_train_s": float(runs.drop_duplicates(["backend", "activation", "lr", "weight_decay", "seed"])["job_s"].sum()),
        "peak_rss_mb": float(runs["max_rss_mb"].max()),
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
