"""The self-contained report.html: the study's claims and numbers beside this run's. This module
only assembles what the template renders; the judging lives in ``claims``, ``study`` and
``sensitivity``."""

import base64
import datetime
import re
import struct
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import yaml

from mnist_mlp import fmt
from mnist_mlp.judge import multiverse
from mnist_mlp.judge.claims import SENSITIVITY_COMMAND, Evidence, Rules, judge, judge_reported
from mnist_mlp.judge.sensitivity import (
    closest_settings,
    coinciding_experiments,
    consistency_rule,
    explained_gaps,
    setting_summary,
)
from mnist_mlp.judge.study import (
    BARS_FIGURE,
    EXTRA_FIGURES,
    comparison_rows,
    figure_specs,
    multiverse_figure,
    reported_accuracy,
    sensitivity_figure,
)
from mnist_mlp.data.arrays import IMAGE_PIXELS, N_CLASSES, UNIFORM_GUESS_PCT, chance_level
from mnist_mlp.data.datasets import DATASET_INFO, DatasetInfo
from mnist_mlp.nn.init import DESCRIPTIONS as INIT_DESCRIPTIONS
from mnist_mlp.present import compare
from mnist_mlp.runs import run_format
from mnist_mlp.runs.aggregate import COMPUTE_COLUMNS
from mnist_mlp.runs.execute import FAILURE_ALPHA
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.plan import SCOPE_KEYS, defaults, setting_label
from mnist_mlp.runs.provenance import machine, package_versions


def data_uri(path: Path, mime: str = "image/png") -> str:
    """A file as a data: URI, so the report needs nothing beside it."""
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def png_width(path: Path) -> int:
    """The pixel width a PNG's header declares."""
    with open(path, "rb") as f:
        return struct.unpack(">I", f.read(24)[16:20])[0]


def anchor(text: str) -> str:
    """An HTML id from any text: letters, digits, - and _ only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def run_anchor(folder: str) -> str:
    """The id of a run's row in the run table, from its folder."""
    return "run-" + anchor(RunKey.parse(folder).label())


def run_links(folders: list[str]) -> list[dict]:
    """Links to the run table's rows of ``folders``."""
    return [{"anchor": run_anchor(d), "label": RunKey.parse(d).label()} for d in folders]


def alt_text(
    what: str, data: pd.DataFrame | None, kind: str | None = None, info: DatasetInfo = DATASET_INFO["mnist"]
) -> str:
    """What a figure shows, in words: what is plotted and where each curve ends (for a confusion
    matrix, how many of each class it gets right, each named as ``info`` names it)."""
    if data is None or data.empty:
        return what
    if kind == "confusion":
        diagonal = data[data["series"].astype(str) == data["x"].astype(str)]
        return f"{what}. Correct answers per {info.noun}: " + ", ".join(
            f"{info.classes[int(s)]}: {y:.0f}" for s, y in zip(diagonal["series"], diagonal["y"])
        )
    ends = data.dropna(subset=["y"]).groupby("series", sort=False).tail(1)
    return f"{what}. " + "; ".join(
        f"{s} ends at {y:.4g} (at {x})" for s, x, y in zip(ends["series"], ends["x"], ends["y"])
    )


def figure_entry(
    fig_id: str,
    label: str,
    caption: str,
    figures: dict,
    runs: list[str],
    kind: str | None = None,
    info: DatasetInfo = DATASET_INFO["mnist"],
) -> dict:
    """One figure: its PNG (shown at half its pixel width: it is drawn at twice the density), SVG and
    CSV downloads, alt text, and the runs behind it.

    Args:
        figures: figure id -> {"png", "svg", "csv"}: the paths, each a declared input of the report.
    """
    files = figures[fig_id]
    png = Path(files["png"])
    data = pd.read_csv(files["csv"])
    return {
        "id": fig_id,
        "label": label,
        "caption": caption,
        "src": data_uri(png),
        "width": png_width(png) // 2,
        "svg": data_uri(files["svg"], "image/svg+xml"),
        "csv": data_uri(files["csv"], "text/csv"),
        "alt": alt_text(f"{label}: {caption}", data, kind, info),
        "run_links": run_links(runs),
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


def claim_rows(study: dict, evidence: Evidence, chance_pct: float) -> list[dict]:
    rules = Rules.from_study(study)
    rows = []
    for claim in study["claims"]:
        ours = judge(claim, evidence, rules)
        theirs = judge_reported(claim, study["accuracy"], rules, chance_pct)
        rows.append(
            {
                **claim,
                "verdict": ours.verdict,
                "details": ours.details,
                "run_links": run_links(ours.runs),
                "in_study": theirs.verdict,
                "in_study_details": theirs.details,
                "robustness": None,
            }
        )  # its label over a multiverse's universes, when one ran
    return rows


MULTIVERSE_COMMAND = "snakemake --cores 2 --configfile config/sensitivity.yaml config/multiverse.yaml"


SPECIFICATION_CAPTION = (
    "Top: the difference the claim rests on in each universe (its weakest comparison, in points) with its "
    "test-set interval, sorted, coloured by the universe's verdict; the grey band is the margin within which a "
    "difference is a tie, the ring the universe this report uses, the dashed line the study's own numbers. "
    "Bottom: the option of each choice that each universe takes."
)


def robustness_context(
    verdicts: pd.DataFrame | None,
    claims: list[dict],
    study: dict,
    axes: list[str],
    figures: dict,
    scope_axes: list[str] = (),
    own_scope: dict | None = None,
) -> dict | None:
    """The section "How robust is each conclusion": each claim over the universes of a multiverse
    (results/multiverse_verdicts.csv) with its specification curve, or None when none was run.

    Scope axes (``scope_axes``, e.g. the training-subset size) are summarised apart: each claim's
    label is over the universes at the study's own scope (``own_scope``), and each other scope
    gets a label of its own."""
    if verdicts is None or verdicts.empty:
        return None
    settings = study["robustness"]
    choices = [a for a in axes if a not in scope_axes]
    rows = []
    for claim in claims:
        (scope, mine), *others = multiverse.scopes(
            verdicts[verdicts["claim"] == claim["id"]], list(scope_axes), own_scope or {}
        )
        summary = _summary(mine, choices, settings["familywise_alpha"])
        flips = [
            f"{axis} ({'; '.join(' vs '.join(compare.setting_text(o) for o in pair) for pair in pairs)})"
            for axis, pairs in summary.flips.items()
        ]
        rows.append(
            {
                "id": claim["id"],
                "section": claim["section"],
                "text": claim["text"],
                "verdict": claim["verdict"],
                "label": summary.label,
                "counts": summary.counts,
                "n": len(mine),
                "n_holm": summary.n_holm,
                "quartiles": summary.quartiles,
                "flips": flips,
                "scope": _scope_text(scope, own_scope or {}),
                "at_default": _at_default_choices(mine, choices),
                "other_scopes": [
                    {
                        "scope": _scope_text(options, own_scope or {}),
                        "options": options,
                        "label": other.label,
                        "counts": other.counts,
                        "n": len(rows_),
                        "at_default": _at_default_choices(rows_, choices, mine),
                    }
                    for options, rows_ in others
                    for other in [_summary(rows_, choices, settings["familywise_alpha"])]
                ],
                "figure": figure_entry(
                    multiverse_figure(claim["id"]),
                    f"Section {claim['section']}: {claim['text'].rstrip('.')}",
                    SPECIFICATION_CAPTION,
                    figures,
                    [],
                ),
            }
        )
    if "dataset" in scope_axes:
        for row in rows:
            row["by_dataset"] = _by_dataset(row, own_scope or {})
    return {
        "rows": rows,
        "axes": choices,
        "scope_axes": list(scope_axes),
        "datasets": [d["title"] for d in rows[0]["by_dataset"]] if rows and "dataset" in scope_axes else [],
        "n_universes": int(verdicts["position"].nunique()),
        "n_at_scope": rows[0]["n"] if rows else 0,
        "labels": settings["labels"],
        "alpha": settings["familywise_alpha"],
    }


def _by_dataset(row: dict, own: dict) -> list[dict]:
    """A claim's verdict (at the report's own choices) and label on each dataset: the study's own
    scope first, then each other dataset at the study's other scope options."""
    title = lambda dataset: DATASET_INFO[str(dataset)].title  # noqa: E731
    cells = [{"title": title(own.get("dataset", "mnist")), "verdict": row["at_default"], "label": row["label"]}]
    for other in row["other_scopes"]:
        rest = {a: v for a, v in other["options"].items() if a != "dataset"}
        if multiverse.is_own_scope(rest, own):
            cells.append(
                {"title": title(other["options"]["dataset"]), "verdict": other["at_default"], "label": other["label"]}
            )
    return cells


def _at_default_choices(verdicts: pd.DataFrame, choices: list[str], own: pd.DataFrame | None = None) -> str | None:
    """The verdict of the universe of ``verdicts`` that makes the report's own choices (those of
    the default universe, found in ``own``, the study's scope, or in ``verdicts`` itself), or None."""
    default = (verdicts if own is None else own).query("default == True")
    if default.empty:
        return None
    same = (
        np.logical_and.reduce([verdicts[f"axis_{a}"].astype(str) == str(default[f"axis_{a}"].iloc[0]) for a in choices])
        if choices
        else np.ones(len(verdicts), bool)
    )
    return verdicts["verdict"][same].iloc[0] if same.any() else None


def _summary(verdicts: pd.DataFrame, axes: list[str], alpha: float) -> multiverse.Summary:
    """``multiverse.summarise`` of one claim's rows of results/multiverse_verdicts.csv, over ``axes``."""
    keys = [tuple(row[f"axis_{a}"] for a in axes) for _, row in verdicts.iterrows()]
    return multiverse.summarise(
        dict(zip(keys, verdicts["verdict"])),
        dict(zip(keys, _or_none(verdicts["estimate"]))),
        dict(zip(keys, _or_none(verdicts["p"]))),
        axes,
        alpha,
    )


SCOPE_WORDS = {"n_train": "at {}", "dataset": "on {}"}  # how each scope axis's option reads in a sentence


def _scope_text(options: dict, own: dict) -> str | None:
    """A scope in words ("on Fashion-MNIST at 60,000 training images"); None for the study's own."""
    if not options or multiverse.is_own_scope(options, own):
        return None
    words = {
        axis: SCOPE_WORDS[axis].format(setting_label({axis: value}))
        for axis, value in options.items()
        if str(value) != str(own.get(axis))
    }
    return " ".join(words[axis] for axis in sorted(words, key=list(SCOPE_WORDS).index, reverse=True))


def _or_none(column: pd.Series) -> list:
    return [None if pd.isna(v) else float(v) for v in column]


def sensitivity_context(
    runs: pd.DataFrame, sweeps: pd.DataFrame, sweeps_config: dict, study: dict, off_numbers: list[dict], figures: dict
) -> dict | None:
    """The section "What the study left unstated", or None when no sweep ran."""
    if sweeps.empty:
        return None
    summary = setting_summary(sweeps)
    coinciding = coinciding_experiments(sweeps, runs)
    gaps = explained_gaps(
        off_numbers, summary, sweeps_config, study["verdicts"]["close_pp"], study["verdicts"]["alpha"]
    )

    def caption(cfg):
        marks = (
            "Dashed lines: the study's numbers, whose setting it does not state."
            if cfg.get("unstated", True)
            else "Stars: the study's numbers, at its own settings."
        )
        return f"Final test accuracy (top) and final train loss (bottom), mean ± std over seeds. {marks}"

    return {
        "sweeps": [
            {
                **cfg,
                "sweep_id": s,
                **figure_entry(
                    sensitivity_figure(s),
                    cfg["title"],
                    caption(cfg),
                    figures,
                    list(dict.fromkeys(sweeps.loc[sweeps["sweep"] == s, "dir"])),
                ),
            }
            for s, cfg in sweeps_config.items()
        ],
        "gaps": gaps,
        "n_explained": sum(g["explained"] for g in gaps),
        "rule": consistency_rule(study["verdicts"]["close_pp"], study["verdicts"]["alpha"]),
        "closest": closest_settings(summary, coinciding, study["accuracy"], sweeps_config),
        "n_runs": int(sweeps["dir"].nunique()),
    }


def run_rows(runs: pd.DataFrame, sweeps: pd.DataFrame, titles: dict) -> list[dict]:
    """Every distinct run once: the study's in report order, then those only the sweeps have."""
    order = {e: i for i, e in enumerate(titles)}
    study = runs.sort_values(
        ["experiment", "activation", "seed"], key=lambda c: c.map(order) if c.name == "experiment" else c
    ).assign(group=lambda t: t["experiment"])
    extra = sweeps[~sweeps["dir"].isin(runs["dir"])].drop_duplicates("dir")
    extra = extra.assign(group=extra["sweep"] + ": " + extra["setting"])
    table = pd.concat([study.drop_duplicates("dir"), extra], ignore_index=True)
    rows = []
    for run in table.to_dict("records"):
        rows.append({**run, "anchor": run_anchor(run["dir"]), "health": compare.state(run)})
    return rows


def compute_rows(runs: list[dict]) -> list[dict]:
    """How many runs trained on each (backend, host, threads, BLAS, CPU), as each run's metrics
    recorded it: where the numbers came from, and what their last digits depend on."""
    counts = {}
    for run in runs:
        key = (run["backend"], *("not recorded" if pd.isna(run.get(c)) else run[c] for c in COMPUTE_COLUMNS))
        counts[key] = counts.get(key, 0) + 1
    return [
        {
            "backend": b,
            "host": host,
            "threads": t if isinstance(t, str) else int(t),
            "blas": blas,
            "cpu": cpu,
            "runs": n,
        }
        for (b, host, t, blas, cpu), n in counts.items()
    ]


def build_context(
    runs: pd.DataFrame,
    sweeps: pd.DataFrame,
    study: dict,
    titles: dict,
    figures: dict,
    data_summary: dict,
    other_jobs: list[dict],
    config: dict,
    commit: str,
    universe_verdicts: pd.DataFrame | None = None,
) -> dict:
    """Everything the template shows.

    Args:
        runs: results/runs.csv.
        sweeps: results/sensitivity.csv.
        study: config/study_reported.yaml.
        titles: experiment id -> section title, in report order.
        figures: figure id -> {"png", "svg", "csv"} paths.
        data_summary: results/data/mnist_n30000_summary.json.
        other_jobs: the jobs around training, each {job, job_s, max_rss_mb}.
        config: the workflow config.
        commit: the workflow's git commit, from ``provenance.git_commit``.
        universe_verdicts: results/multiverse_verdicts.csv, when a multiverse ran.
    """
    dataset = config["data"]["dataset"]
    reproduction = bool(reported_accuracy(study, dataset))  # runs on the dataset the study's numbers are of
    close_pp = study["verdicts"]["close_pp"]
    chance_pct = chance_level(data_summary["test_class_counts"])
    specs = figure_specs(study)
    rows = comparison_rows(runs, study, titles, dataset)
    agreement = backend_agreement(runs)

    def dirs(experiment, activation=None):
        sel = runs[(runs["experiment"] == experiment) & ((runs["activation"] == activation) if activation else True)]
        return list(dict.fromkeys(sel["dir"]))

    sections = [
        {
            "id": exp,
            "title": title,
            "note": study.get("notes", {}).get(exp),
            "rows": rows[exp],
            "agreement": [a for a in agreement if exp in (a["numpy"], a["torch"])],
            "figures": [
                figure_entry(
                    f,
                    specs[f]["label"],
                    specs[f]["caption"],
                    figures,
                    dirs(exp, specs[f].get("activation")),
                    specs[f]["kind"],
                    DATASET_INFO[dataset],
                )
                for f in specs
                if specs[f]["experiment"] == exp
            ],
        }
        for exp, title in titles.items()
    ]
    measured = [
        {**row, "experiment": section["id"], "section": section["title"]}
        for section in sections
        for row in section["rows"]
        if row["mean"] is not None
    ]
    compared = [row for row in measured if row["difference"] is not None]
    off_numbers = [row for row in compared if abs(row["difference"]) > close_pp]
    claims = claim_rows(study, Evidence(runs, sweeps), chance_pct)
    all_runs = run_rows(runs, sweeps, titles)
    verdict_counts = pd.Series([c["verdict"] for c in claims]).value_counts().to_dict()
    axes = list((config.get("multiverse") or {}).get("axes", {}))
    robustness = robustness_context(
        universe_verdicts,
        claims,
        study,
        axes,
        figures,
        [a for a in axes if a in SCOPE_KEYS],
        {key: value for key, value in defaults(config).items() if key in SCOPE_KEYS},
    )
    if robustness:
        labels = {row["id"]: row["label"] for row in robustness["rows"]}
        claims = [{**claim, "robustness": labels[claim["id"]]} for claim in claims]
    # the sweeps are set beside the study's numbers only on the dataset they are of
    as_reported = {**study, "accuracy": reported_accuracy(study, dataset)}
    sensitivity = sensitivity_context(runs, sweeps, config.get("sensitivity") or {}, as_reported, off_numbers, figures)
    toc = (
        [("glance", "At a glance"), ("claims", "The study's claims"), ("differences", "How this run differs")]
        + [(s["id"], s["title"]) for s in sections]
        + [
            ("unstated", "What the study left unstated"),
            ("robust", "How robust is each conclusion"),
            ("beyond", "Beyond the study"),
            ("runs", "Every run, and what it cost"),
            ("provenance", "Provenance"),
        ]
    )
    return {
        "study": study["study"],
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "toc": toc,
        "claims": claims,
        "verdict_counts": verdict_counts,
        "rule": Rules.from_study(study).sentence(),
        "chance_pct": chance_pct,
        "sensitivity_command": SENSITIVITY_COMMAND,
        "n_reported": sum(len(v) for v in study["accuracy"].values()),
        "reproduction": reproduction,
        "anchors": study.get("anchors", {}).get(dataset, []),
        "best": max(measured, key=lambda row: row["mean"], default=None),
        "dataset": DATASET_INFO[dataset],
        "study_dataset": DATASET_INFO[study["study"]["dataset"]],
        "n_compared": len(compared),
        "n_close": len(compared) - len(off_numbers),
        "close_pp": close_pp,
        "largest_gap": max(compared, key=lambda r: abs(r["difference"]), default=None),
        "off_numbers": off_numbers,
        "sections": sections,
        "agreement": agreement,
        "sensitivity": sensitivity,
        "robustness": robustness,
        "multiverse_command": MULTIVERSE_COMMAND,
        "extra_figures": [
            figure_entry(key, label, label, figures, [])
            for key, label in extra_figure_labels(reproduction, DATASET_INFO[dataset]).items()
        ],
        "runs": all_runs,
        "n_study_runs": len(runs),
        "diverged_runs": [r for r in all_runs if r["health"] == "diverged"],
        "failed_runs": [r for r in all_runs if r["health"] == "failed to learn"],
        "data_summary": data_summary,
        "other_jobs": other_jobs,
        "other_jobs_s": float(sum(j["job_s"] for j in other_jobs)),
        "total_train_s": float(sum(r["job_s"] for r in all_runs)),
        "peak_rss_mb": float(max(r["max_rss_mb"] for r in all_runs)),
        "config_yaml": yaml.safe_dump(config, sort_keys=False),
        "model": config["model"],
        "init_text": INIT_DESCRIPTIONS[config["model"]["init"]],
        "image_pixels": IMAGE_PIXELS,
        "n_classes": N_CLASSES,
        "uniform_pct": UNIFORM_GUESS_PCT,
        "failure_alpha": FAILURE_ALPHA,
        "setup": study["study"]["setup"],
        "train": config["train"],
        "versions": package_versions(),
        "report_host": machine(),
        "compute": compute_rows(all_runs),
        "commit": commit,
        "since": None,
    }


def extra_figure_labels(reproduction: bool, info: DatasetInfo) -> dict:
    """The figures the study lacks, by id, with their labels: on another dataset than the study's,
    the bars set nothing beside this run's accuracies, and their label says so."""
    if reproduction:
        return EXTRA_FIGURES
    return {**EXTRA_FIGURES, BARS_FIGURE: f"Test accuracy on {info.title}, per experiment and activation"}


def claim_verdicts(context: dict) -> dict:
    """Claim id -> this build's verdict, as a history record keeps them."""
    return {c["id"]: c["verdict"] for c in context["claims"]}


def dataset_switch(config_changes: list[dict]) -> dict | None:
    """The datasets' titles, old and new, when a build trains on another dataset than the one before."""
    change = next((c for c in config_changes if c["key"] == "data.dataset"), None)
    if change is None:
        return None
    title = lambda dataset: DATASET_INFO[dataset or "mnist"].title  # noqa: E731  (records before #20: MNIST)
    return {"old": title(change["old"]), "new": title(change["new"])}


def since_context(update: dict, current: compare.Results, claims: list[dict], folder: str) -> dict:
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
        "removed": [{**run_entry(r), "anchor": None} for r in result["removed"]],
        "changed": [{**compare.change_cells(c), "anchor": run_anchor(c["run"]["dir"])} for c in result["changed"]],
        "unchanged": [run_entry(r) for r in result["unchanged"]],
        "claims": [{**c, "name": names.get(c["claim"], c["claim"])} for c in result["claims"]],
    }


def with_since(context: dict, since: dict) -> dict:
    """``context`` with the section "Since the last report" after At a glance."""
    toc = list(context["toc"])
    toc.insert(1, ("since", "Since the last report"))
    return {**context, "since": since, "toc": toc}


def render(template_path: Path, context: dict) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(template_path).parent), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(fmt.FILTERS)
    env.globals["spread"] = fmt.spread
    return env.get_template(Path(template_path).name).render(**context)
