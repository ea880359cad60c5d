"""The report's sections, one builder each: a builder takes only what its section shows and returns
its part of the template's context, with its ``Section`` (title and anchor, said once). The
multiverse's section is ``robustness``; "Since the last report" is ``since``."""

import datetime
import re

import numpy as np
import pandas as pd
import yaml

from mnist_mlp.data.arrays import IMAGE_PIXELS, N_CLASSES, UNIFORM_GUESS_PCT
from mnist_mlp.data.datasets import DatasetInfo
from mnist_mlp.judge.claims import Evidence, Rules, judge, judge_reported
from mnist_mlp.judge.sensitivity import (
    closest_settings,
    coinciding_experiments,
    consistency_rule,
    explained_gaps,
    setting_summary,
)
from mnist_mlp.judge.study import BARS_FIGURE, EXTRA_FIGURES, StudyNumbers, curve_points, sensitivity_figure
from mnist_mlp.fmt import count
from mnist_mlp.nn.costs import COSTS
from mnist_mlp.nn.costs import DESCRIPTIONS as COST_DESCRIPTIONS
from mnist_mlp.nn.init import BIAS_DESCRIPTIONS, BIAS_INITS
from mnist_mlp.nn.init import DESCRIPTIONS as INIT_DESCRIPTIONS
from mnist_mlp.nn.l2 import DESCRIPTIONS as L2_DESCRIPTIONS
from mnist_mlp.nn.l2 import L2_FORMS
from mnist_mlp.present import compare
from mnist_mlp.present.html import Figures, Section, run_anchor, run_links
from mnist_mlp.runs import run_format
from mnist_mlp.runs.aggregate import COMPUTE_COLUMNS
from mnist_mlp.runs.execute import FAILURE_ALPHA
from mnist_mlp.runs.jobs import SHARED_BELOW
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.provenance import machine, package_versions

CLAIMS = Section("claims", "The study's claims")
DIFFERENCES = Section("differences", "How this run differs from the study")
UNSTATED = Section("unstated", "What the study left unstated")
EXPLAINED = Section("explained", "The study's numbers furthest from ours")
CLOSEST = Section("closest", "Which setting comes closest to the study")
BEYOND = Section("beyond", "Beyond the study")
RUNS = Section("runs", "Every run, and what it cost")
PROVENANCE = Section("provenance", "Provenance")


def page(study: dict, info: DatasetInfo, study_info: DatasetInfo, reproduction: bool, commit: str) -> dict:
    """The page's title and header: the study, the dataset of these runs and of the study's numbers.

    Args:
        study: the ``study`` entry of config/study_reported.yaml (title, author, date, setup, unstated).
        reproduction: whether the runs are on the dataset the study's numbers are of.
    """
    first = study.get("first_epoch", 1)
    return {
        "study": study,
        "dataset": info,
        "study_dataset": study_info,
        "reproduction": reproduction,
        # where the study counts its epochs from another number than this report does (from 1)
        "epoch_note": f" (the study counts its epochs from {first}; they are counted here from 1)"
        if first != 1
        else "",
        "commit": commit,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def claim_rows(study: dict, evidence: Evidence, chance_pct: float) -> list[dict]:
    """Each claim judged on this run's evidence and on the study's own numbers."""
    rules, numbers = Rules.from_study(study), StudyNumbers.of(study)
    rows = []
    for claim in study["claims"]:
        ours = judge(claim, evidence, rules)
        theirs = judge_reported(claim, numbers, rules, chance_pct)
        rows.append(
            {
                **claim,
                "verdict": ours.verdict,
                "details": ours.details,
                "run_links": run_links(ours.runs),
                "runs": ours.runs,
                "comparisons": ours.comparisons,
                "in_study": theirs.verdict,
                "in_study_details": theirs.details,
                "robustness": None,  # its label over a multiverse's universes, when one ran
                "robustness_allowed": None,  # and over those the study's numbers allow: {"n", "label"}
            }
        )
    return rows


def claims(rows: list[dict], rule: str, chance_pct: float) -> dict:
    """The study's claims: the rule that judges them, chance, and each claim's verdicts."""
    return {"section": CLAIMS, "rows": rows, "rule": rule, "chance_pct": chance_pct, "uniform_pct": UNIFORM_GUESS_PCT}


def with_robustness(claims_section: dict, robust: dict) -> dict:
    """``claims_section`` with each claim's label over the multiverse, when one ran, and over the
    universes the study's numbers allow (``{"n", "label"}``; None without a fit)."""
    if not robust["rows"]:
        return claims_section
    rows = {row["id"]: row for row in robust["rows"]}
    return {
        **claims_section,
        "rows": [
            {**c, "robustness": rows[c["id"]]["label"], "robustness_allowed": rows[c["id"]]["allowed"]}
            for c in claims_section["rows"]
        ],
    }


def backend_agreement(runs: pd.DataFrame) -> list[dict]:
    """Experiments that differ only in the backend: how far apart their per-batch losses (in the
    first epoch, and over all) and final accuracies are.

    Both backends start from the same initial arrays and see the same batches, so the from-scratch
    backpropagation and torch.autograd trace the same losses up to float32 rounding, which training
    then amplifies over the epochs.
    """
    keyed = runs.assign(settings=[RunKey.from_row(row).without("backend") for row in runs.to_dict("records")])
    pairs = keyed[keyed["backend"] == "numpy"].merge(
        keyed[keyed["backend"] == "torch"], on="settings", suffixes=("_numpy", "_torch")
    )
    rows = []
    for (exp_numpy, exp_torch), group in pairs.groupby(["experiment_numpy", "experiment_torch"], sort=False):
        first = overall = 0.0
        n_batches = 0
        for _, pair in group.drop_duplicates(["dir_numpy", "dir_torch"]).iterrows():
            a, b = run_format.read_batches(pair["dir_numpy"]), run_format.read_batches(pair["dir_torch"])
            both = a.merge(b, on=["epoch", "batch"], suffixes=("_numpy", "_torch"))
            gap = (both["loss_numpy"] - both["loss_torch"]).abs()
            first = max(first, float(gap[both["epoch"] == 1].max()))
            overall, n_batches = max(overall, float(gap.max())), n_batches + len(both)
        accuracy_gap = 100 * (group["test_accuracy_numpy"] - group["test_accuracy_torch"]).abs().max()
        rows.append(
            {
                "numpy": exp_numpy,
                "torch": exp_torch,
                "first_epoch": first,
                "largest": overall,
                "n_batches": n_batches,
                "n_runs": len(group),
                "accuracy_gap": float(accuracy_gap),
            }
        )
    return rows


def differences(data_summary: dict, setup: dict, model: dict, train: dict, agreement: list[dict]) -> dict:
    """How this run differs from the study: data, architecture, initialisation, training, seeds,
    and the two backends' agreement.

    Args:
        data_summary: the preprocessed data's summary (n_train, subset_seed, n_test; subset, n_validation).
        setup: the study's stated setup (n_train, n_test, epochs, batch_size).
        model, train: the config's ``model`` and ``train``.
    """
    return {
        "section": DIFFERENCES,
        "data": data_summary,
        "setup": setup,
        "layers": [IMAGE_PIXELS, *model["hidden"], N_CLASSES],
        "init": model["init"],
        "init_text": INIT_DESCRIPTIONS[model["init"]],
        "settings": chosen_settings(data_summary, model, train),
        "train": train,
        "agreement": agreement,
    }


def chosen_settings(data_summary: dict, model: dict, train: dict) -> list[str]:
    """The settings of these runs that differ from what every run did before they could be chosen
    (the data's split, the biases, the output layer and cost, the form of weight decay, the set
    evaluated after every epoch), each in words; none for a study that leaves them all as they were."""
    said = []
    if data_summary.get("subset", "random") != "random" or data_summary.get("n_validation"):
        which = "the first" if data_summary.get("subset") == "first" else "a seeded random subset of"
        held = data_summary.get("n_validation")
        said.append(
            f"Training images: {which} {count(data_summary['n_train'])} of the training file"
            + (f", whose last {count(held)} are held out as a validation set" if held else "")
            + "."
        )
    if model.get("cost", COSTS[0]) != COSTS[0]:
        said.append(f"Output layer and cost: {COST_DESCRIPTIONS[model['cost']]}.")
    if model.get("bias_init", BIAS_INITS[0]) != BIAS_INITS[0]:
        said.append(f"Biases: {BIAS_DESCRIPTIONS[model['bias_init']]}.")
    if train.get("l2", L2_FORMS[0]) != L2_FORMS[0]:
        said.append(f"Weight decay, where an experiment has any: {L2_DESCRIPTIONS[train['l2']]}.")
    if train.get("evaluate_on", "test") != "test":
        said.append(
            f"After every epoch each run is evaluated on its {train['evaluate_on']} set; the test set is evaluated "
            "once, at the end."
        )
    return said


def curve_rows(curves: list, runs: pd.DataFrame, close_pp: float) -> dict:
    """The curves the study reports, by experiment: each with its points beside this build's
    (``judge.study.curve_points``), how many could be compared and how many lie within ``close_pp``."""
    by_experiment = {}
    for curve in curves:
        points = curve_points(curve, runs, close_pp)
        compared = [p for p in points if p["reproduction"]]
        by_experiment.setdefault(curve.experiment, []).append(
            {
                "curve": curve,
                "points": points,
                "n_compared": len(compared),
                "n_within": sum(p["reproduction"] == "within" for p in compared),
                "close_pp": close_pp,
            }
        )
    return by_experiment


def experiments(
    titles: dict,
    notes: dict,
    rows: dict,
    agreement: list[dict],
    specs: dict,
    runs: pd.DataFrame,
    figures: Figures,
    curves: dict | None = None,
) -> list[dict]:
    """One section per experiment of the study: its accuracies beside the study's, the curves it
    reports beside this build's, and its figures.

    Args:
        titles: experiment id -> title, in report order.
        notes: experiment id -> a note the study file keeps for it.
        rows: experiment id -> its accuracy rows (``judge.study.comparison_rows``).
        specs: the study's figures by id.
        curves: experiment id -> its reported curves (``curve_rows``).
    """

    def dirs(experiment, activation=None):
        chosen = runs[(runs["experiment"] == experiment) & ((runs["activation"] == activation) if activation else True)]
        return list(dict.fromkeys(chosen["dir"]))

    return [
        {
            "section": Section(exp, title),
            "note": notes.get(exp),
            "rows": rows[exp],
            # the table names each number's statistic unless every one is the final test accuracy of one run
            "statistics": any(not row["statistic"].default for row in rows[exp] if row["reported"] is not None),
            "curves": (curves or {}).get(exp, []),
            "agreement": [a for a in agreement if exp in (a["numpy"], a["torch"])],
            "figures": [
                figures.entry(f, spec["label"], spec["caption"], dirs(exp, spec.get("activation")), spec["kind"])
                for f, spec in specs.items()
                if spec["experiment"] == exp
            ],
        }
        for exp, title in titles.items()
    ]


def short_name(title: str, experiment: str) -> str:
    """An experiment as a list names it: its section number where its title starts with one ("1.2.1"),
    else its id."""
    first = title.split(" ")[0]
    return first if re.fullmatch(r"\d+(\.\d+)*", first) else experiment


def study_numbers(experiment_sections: list[dict], n_reported: int, close_pp: float) -> dict:
    """The study's reported accuracies against this run's: how many could be compared, how many
    lie within ``close_pp`` points, which do not, and this run's best; ``what`` names them ("test
    accuracies" where every one is the final test accuracy of one run, else "accuracies": then
    ``statistics``, each is of a statistic its table names)."""
    measured = [
        {
            **row,
            "experiment": s["section"].anchor,
            "section": s["section"].title,
            "short": short_name(s["section"].title, s["section"].anchor),
        }
        for s in experiment_sections
        for row in s["rows"]
        if row["mean"] is not None
    ]
    compared = [row for row in measured if row["difference"] is not None]
    off = [row for row in compared if abs(row["difference"]) > close_pp]
    statistics = any(s["statistics"] for s in experiment_sections)
    first = next((s["section"].anchor for s in experiment_sections if s["statistics"]), None)
    return {
        "n_reported": n_reported,
        "what": "accuracies" if statistics else "test accuracies",
        "statistics": statistics,
        "first_with_statistics": first,  # the section that says once how a statistic is reproduced
        "n_compared": len(compared),
        "n_close": len(compared) - len(off),
        "close_pp": close_pp,
        "off": off,
        "best": max(measured, key=lambda row: row["mean"], default=None),
    }


def unstated(
    runs: pd.DataFrame,
    sweeps: pd.DataFrame,
    sweeps_config: dict,
    reported: dict,
    verdicts: dict,
    off_numbers: list[dict],
    figures: Figures,
    command: str | None = None,
) -> dict:
    """What the study left unstated: each sensitivity sweep, the study's numbers furthest from ours
    against the tested choices, and the setting closest to the study; or only the command that
    would run them (``sweeps`` None) when no sweep ran: None where the study names no sweeps.

    Args:
        reported: the study's accuracies on the runs' dataset (none on another dataset).
        verdicts: the ``verdicts`` thresholds of config/study_reported.yaml.
    """
    done = {"section": UNSTATED, "explained": EXPLAINED, "closest": CLOSEST, "command": command}
    if sweeps.empty:
        return {**done, "sweeps": None}
    summary = setting_summary(sweeps)
    gaps = explained_gaps(off_numbers, summary, sweeps_config, verdicts["close_pp"], verdicts["alpha"])
    return {
        **done,
        "sweeps": [
            {**cfg, "sweep_id": s, **_sweep_figure(s, cfg, sweeps, figures)} for s, cfg in sweeps_config.items()
        ],
        "gaps": gaps,
        "n_explained": sum(g["explained"] for g in gaps),
        "rule": consistency_rule(verdicts["close_pp"], verdicts["alpha"]),
        "closest_settings": closest_settings(summary, coinciding_experiments(sweeps, runs), reported, sweeps_config),
        "n_runs": int(sweeps["dir"].nunique()),
    }


def _sweep_figure(sweep_id: str, cfg: dict, sweeps: pd.DataFrame, figures: Figures) -> dict:
    marks = (
        "Dashed lines: the study's numbers, whose setting it does not state."
        if cfg.get("unstated", True)
        else "Stars: the study's numbers, at its own settings."
    )
    caption = f"Final test accuracy (top) and final train loss (bottom), mean ± std over seeds. {marks}"
    runs = list(dict.fromkeys(sweeps.loc[sweeps["sweep"] == sweep_id, "dir"]))
    return figures.entry(sensitivity_figure(sweep_id), cfg["title"], caption, runs)


def beyond(anchors: list[dict], best: dict | None, reproduction: bool, figures: Figures) -> dict:
    """Beyond the study: outside numbers on the runs' dataset beside this run's best, and the
    figures the study lacks (on another dataset, the bars set nothing beside this run's)."""
    labels = dict(EXTRA_FIGURES)
    if not reproduction:
        labels[BARS_FIGURE] = f"Test accuracy on {figures.info.title}, per experiment and activation"
    return {
        "section": BEYOND,
        "anchors": anchors,
        "best": best,
        "figures": [figures.entry(key, label, label) for key, label in labels.items()],
    }


def run_rows(
    runs: pd.DataFrame, sweeps: pd.DataFrame, titles: dict, universes: pd.DataFrame | None = None
) -> list[dict]:
    """Every distinct run once: the study's in report order, then those only the sweeps have, then
    those only a multiverse's universes have (``universes``: multiverse.csv, or None)."""
    order = {e: i for i, e in enumerate(titles)}
    study = runs.sort_values(
        ["experiment", "activation", "seed"], key=lambda c: c.map(order) if c.name == "experiment" else c
    ).assign(group=lambda t: t["experiment"], source="study")
    extra = sweeps[~sweeps["dir"].isin(runs["dir"])].drop_duplicates("dir")
    extra = extra.assign(group=extra["sweep"] + ": " + extra["setting"], source="sweep")
    tables = [study.drop_duplicates("dir"), extra]
    if universes is not None:
        only = universes[~universes["dir"].isin(pd.concat([runs["dir"], sweeps["dir"]]))].drop_duplicates("dir")
        tables.append(only.assign(group="universe " + only["universe"] + ": " + only["experiment"], source="universe"))
    table = pd.concat(tables, ignore_index=True)
    return [{**run, **_run_cells(run)} for run in table.to_dict("records")]


def _run_cells(run: dict) -> dict:
    """What the every-run table shows of a run beyond its columns: its anchor, health and CPU share."""
    share = run.get("cpu_share")
    measured = share is not None and pd.notna(share)
    return {
        "anchor": run_anchor(run["dir"]),
        "health": compare.state(run),
        "cpu_pct": 100 * float(share) if measured else None,
        "shared_core": measured and share < SHARED_BELOW,
    }


def every_run(rows: list[dict], n_study_runs: int, other_jobs: list[dict]) -> dict:
    """Every run, and what it cost: each run's row, the jobs around training, and the totals.

    Args:
        rows: ``run_rows``.
        n_study_runs: the rows of the study's own experiments (runs.csv).
        other_jobs: the jobs around training, each {job, job_s, max_rss_mb}.
    """
    return {
        "section": RUNS,
        "rows": rows,
        "n_study_runs": n_study_runs,
        "diverged": [r for r in rows if r["health"] == "diverged"],
        "failed": [r for r in rows if r["health"] == "failed to learn"],
        "failure_alpha": FAILURE_ALPHA,
        "other_jobs": other_jobs,
        "other_jobs_s": float(sum(j["job_s"] for j in other_jobs)),
        "total_train_s": float(sum(r["job_s"] for r in rows)),
        "peak_rss_mb": float(max(r["max_rss_mb"] for r in rows)),
        "total_disk_mb": float(sum(r["disk_mb"] for r in rows)),
        **shared_cores(rows),
    }


def shared_cores(rows: list[dict]) -> dict:
    """The runs whose jobs shared their cores (``_run_cells``: got less than SHARED_BELOW of their
    threads' CPU time), of those where it was measured: their job times overstate what they cost alone."""
    measured = [r for r in rows if r["cpu_pct"] is not None]
    return {
        "n_cpu_measured": len(measured),
        "shared": [r for r in measured if r["shared_core"]],
        "shared_below": SHARED_BELOW,
        "median_cpu_share": float(np.median([r["cpu_share"] for r in measured])) if measured else None,
    }


def compute_rows(runs: list[dict]) -> list[dict]:
    """How many runs trained on each (backend, host, threads, BLAS, CPU), as each run's metrics
    recorded it: where the numbers came from, and what their last digits depend on."""
    counts = {}
    for run in runs:
        key = (run["backend"], *(run[c] for c in COMPUTE_COLUMNS))
        counts[key] = counts.get(key, 0) + 1
    return [
        {"backend": b, "host": host, "threads": int(t), "blas": blas, "cpu": cpu, "runs": n}
        for (b, host, t, blas, cpu), n in counts.items()
    ]


def provenance(commit: str, runs: list[dict], train_class_counts: list[int], config: dict) -> dict:
    """Where the numbers came from: the commit, what each run trained on, this report's machine
    and packages, the training subset's class counts and the whole config."""
    return {
        "section": PROVENANCE,
        "commit": commit,
        "compute": compute_rows(runs),
        "report_host": machine(),
        "versions": package_versions(),
        "train_class_counts": train_class_counts,
        "config_yaml": yaml.safe_dump(config, sort_keys=False),
    }
