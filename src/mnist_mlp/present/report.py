"""The self-contained report.html: the study's claims and numbers beside this run's. This module
only lists the sections in their order and renders them; each section's builder (``sections``,
``robustness``, ``since``) takes only what it shows, and the judging lives in ``judge``."""

from pathlib import Path

import jinja2
import pandas as pd

from mnist_mlp import fmt
from mnist_mlp.data.arrays import chance_level
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.judge.claims import Evidence, Rules
from mnist_mlp.judge.sensitivity import consistency_rule
from mnist_mlp.judge.study import (
    StudyNumbers,
    comparison_rows,
    figure_specs,
    reported_accuracy,
    reported_curves,
    reported_numbers,
)
from mnist_mlp.present import sections
from mnist_mlp.present.html import Figures
from mnist_mlp.present.robustness import Multiverse, robust_section
from mnist_mlp.present.summary import summary


def build_context(
    runs: pd.DataFrame,
    sweeps: pd.DataFrame,
    study: dict,
    titles: dict,
    figures: dict,
    data_summary: dict,
    other_jobs: list[dict],
    config: dict,
    dataset: str,
    commit: str,
    multiverse: Multiverse = Multiverse(),
    command: str = "",
    overlay_commands: dict | None = None,
) -> dict:
    """Every section of the report, each built from what it shows.

    Args:
        runs, sweeps: results/runs.csv and results/sensitivity.csv.
        study: config/study_reported.yaml.
        titles: experiment id -> section title, in report order.
        figures: figure id -> {"png", "svg", "csv"} paths.
        data_summary: the summary of the preprocessed data of the config's own training subset.
        other_jobs: the jobs around training, each {job, job_s, max_rss_mb}.
        config: the workflow config, for the sections that show it (model, training, sweeps, provenance).
        dataset: the dataset the runs are on (``data.dataset``).
        commit: the workflow's git commit, from ``provenance.git_commit``.
        multiverse: the multiverse's tables (or None), the axes, the scope axes among them, and the
            config's own option of each scope axis.
        command: the command that rebuilds this report, for the summary.
        overlay_commands: the command that runs each of the study's overlays ("sensitivity",
            "multiverse"), where it names them.
    """
    overlay_commands = overlay_commands or {}
    info, reported = DATASET_INFO[dataset], reported_accuracy(study, dataset)
    ours = reported_numbers(study, dataset)  # every number the study reports, on these runs' dataset
    figs, close_pp = Figures(figures, info), study["verdicts"]["close_pp"]
    chance_pct = chance_level(data_summary["test_class_counts"])
    agreement = sections.backend_agreement(runs)
    rows = comparison_rows(runs, ours, close_pp, titles)
    curves = sections.curve_rows(reported_curves(study, dataset), runs, close_pp)
    experiments = sections.experiments(
        titles, study.get("notes", {}), rows, agreement, figure_specs(study), runs, figs, curves
    )
    numbers = sections.study_numbers(experiments, len(StudyNumbers.of(study).numbers), close_pp)
    evidence = Evidence(runs, sweeps, sweep_command=overlay_commands.get("sensitivity"))
    claim_rows = sections.claim_rows(study, evidence, chance_pct)
    close_rule = consistency_rule(close_pp, study["verdicts"]["alpha"])
    robust = robust_section(
        multiverse, claim_rows, study.get("robustness"), figs, close_rule, overlay_commands.get("multiverse")
    )
    claims = sections.with_robustness(
        sections.claims(claim_rows, Rules.from_study(study).sentence(study["claims"]), chance_pct), robust
    )
    run_rows = sections.run_rows(runs, sweeps, titles, multiverse.runs)
    reproduction = bool(ours)
    context = {
        "page": sections.page(study["study"], info, DATASET_INFO[study["study"]["dataset"]], reproduction, commit),
        "numbers": numbers,
        "since": None,
        "claims": claims,
        "differences": sections.differences(
            data_summary, study["study"]["setup"], config["model"], config["train"], agreement
        ),
        "experiments": experiments,
        "unstated": sections.unstated(
            runs,
            sweeps,
            config.get("sensitivity") or {},
            reported,
            study["verdicts"],
            numbers["off"],
            figs,
            overlay_commands.get("sensitivity"),
        ),
        "robust": robust,
        "beyond": sections.beyond(study.get("anchors", {}).get(dataset, []), numbers["best"], reproduction, figs),
        "runs": sections.every_run(run_rows, len(runs), other_jobs),
        "provenance": sections.provenance(commit, run_rows, data_summary["train_class_counts"], config),
    }
    return {"summary": summary(context, study["study"]["unstated"], command), **context}


def contents(context: dict) -> list:
    """The table of contents: each section's own ``Section``, in the context's order (``build_context``'s),
    the experiments in theirs."""
    parts = [part if isinstance(part, list) else [part] for part in context.values()]
    return [s["section"] for part in parts for s in part if isinstance(s, dict) and "section" in s]


def claim_verdicts(context: dict) -> dict:
    """Claim id -> this build's verdict, as a history record keeps them."""
    return {c["id"]: c["verdict"] for c in context["claims"]["rows"]}


def with_since(context: dict, since: dict) -> dict:
    """``context`` with the section "Since the last report"."""
    return {**context, "since": since}


def render(template_path: Path, context: dict) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(template_path).parent), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(fmt.FILTERS)
    env.globals["spread"] = fmt.spread
    return env.get_template(Path(template_path).name).render(**context, toc=contents(context))
