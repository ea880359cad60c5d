"""The report's section "How robust is each conclusion": each claim over the universes of a
multiverse (results/multiverse_verdicts.csv), its label, the choices that flip it, and its
specification curve."""

import numpy as np
import pandas as pd

from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.judge import multiverse
from mnist_mlp.judge.study import multiverse_figure
from mnist_mlp.present import compare
from mnist_mlp.present.html import Figures, Section
from mnist_mlp.runs.aggregate import axis_column
from mnist_mlp.runs.plan import setting_label

SECTION = Section("robust", "How robust is each conclusion")
ALLOWED = Section("allowed", "The universes the study's own numbers allow")
COMMAND = "snakemake --cores 2 --configfile config/sensitivity.yaml config/multiverse.yaml"
SPECIFICATION_CAPTION = (
    "Top: the difference the claim rests on in each universe (its weakest comparison, in points) with its "
    "test-set interval, sorted, coloured by the universe's verdict; the grey band is the margin within which a "
    "difference is a tie, the ring the universe this report uses, the dashed line the study's own numbers. "
    "Bottom: the option of each choice that each universe takes."
)
SCOPE_WORDS = {"n_train": "at {}", "dataset": "on {}"}  # how each scope axis's option reads in a sentence


def robust_section(
    verdicts: pd.DataFrame | None,
    fit: pd.DataFrame | None,
    claims: list[dict],
    settings: dict,
    axes: list[str],
    scope_axes: list[str],
    own_scope: dict,
    figures: Figures,
    close_rule: str,
) -> dict:
    """Each claim over the universes, or only the command that would judge them (``rows`` None)
    when no multiverse ran.

    Args:
        verdicts: results/multiverse_verdicts.csv, or None.
        fit: results/multiverse_fit.csv (``judge.allowed.fit_table``): each claim is labelled over
            the universes the study's numbers allow too, beside its label over all of them.
        claims: the report's claim rows (id, section, text, verdict).
        settings: the ``robustness`` thresholds and label rules of config/study_reported.yaml.
        axes: the multiverse's axes; ``scope_axes`` of them (e.g. the training-subset size) are
            summarised apart: each claim's label is over the universes at the study's own scope
            (``own_scope``, axis -> the config's option), and each other scope gets its own.
        close_rule: when a universe fits one of the study's numbers, in words (``sensitivity.consistency_rule``).
    """
    if verdicts is None or verdicts.empty:
        return {"section": SECTION, "command": COMMAND, "rows": None}
    choices = [a for a in axes if a not in scope_axes]
    allowed = _allowed_choices(fit, choices)
    rows = [
        _claim_row(
            claim,
            verdicts[verdicts["claim"] == claim["id"]],
            choices,
            scope_axes,
            own_scope,
            settings,
            figures,
            allowed,
        )
        for claim in claims
    ]
    by_dataset = "dataset" in scope_axes
    for row in rows if by_dataset else []:
        row["by_dataset"] = _by_dataset(row, own_scope)
    return {
        "section": SECTION,
        "command": COMMAND,
        "rows": rows,
        "axes": choices,
        "scope_axes": list(scope_axes),
        "datasets": [d["title"] for d in rows[0]["by_dataset"]] if rows and by_dataset else [],
        "n_universes": int(verdicts["position"].nunique()),
        "n_at_scope": rows[0]["n"] if rows else 0,
        "labels": settings["labels"],
        "alpha": settings["familywise_alpha"],
        "allowed": _allowed_table(fit, settings["allowed_misses"], close_rule) if allowed is not None else None,
    }


def _claim_row(
    claim: dict,
    verdicts: pd.DataFrame,
    choices: list[str],
    scope_axes: list[str],
    own_scope: dict,
    settings: dict,
    figures: Figures,
    allowed: set | None,
) -> dict:
    """One claim's row: its label over the universes at the study's scope, and each other scope's,
    each also over the universes the study's numbers allow (``allowed``: their choices' options)."""
    (scope, mine), *others = multiverse.scopes(verdicts, list(scope_axes), own_scope)
    summary = _summary(mine, choices, settings["familywise_alpha"])
    alpha = settings["familywise_alpha"]
    return {
        "id": claim["id"],
        "section": claim["section"],
        "text": claim["text"],
        "verdict": claim["verdict"],
        "label": summary.label,
        "counts": summary.counts,
        "n": len(mine),
        "n_holm": summary.n_holm,
        "quartiles": summary.quartiles,
        "flips": [
            f"{axis} ({'; '.join(' vs '.join(compare.setting_text(o) for o in pair) for pair in pairs)})"
            for axis, pairs in summary.flips.items()
        ],
        "scope": _scope_text(scope, own_scope),
        "at_default": _at_default_choices(mine, choices),
        "allowed": _over_allowed(mine, choices, allowed, alpha),
        "other_scopes": [
            {
                "scope": _scope_text(options, own_scope),
                "options": options,
                "label": other.label,
                "counts": other.counts,
                "n": len(rows),
                "at_default": _at_default_choices(rows, choices, mine),
                "allowed": _over_allowed(rows, choices, allowed, alpha),
            }
            for options, rows in others
            for other in [_summary(rows, choices, settings["familywise_alpha"])]
        ],
        "figure": figures.entry(
            multiverse_figure(claim["id"]),
            f"Section {claim['section']}: {claim['text'].rstrip('.')}",
            SPECIFICATION_CAPTION,
        ),
    }


def _choice_keys(table: pd.DataFrame, choices: list[str]) -> list[tuple]:
    """Each row's options of the choice axes, as text (as the CSVs read back)."""
    return [tuple(str(row[axis_column(a)]) for a in choices) for _, row in table.iterrows()]


def _allowed_choices(fit: pd.DataFrame | None, choices: list[str]) -> set | None:
    """The options of the choice axes of every universe the study's numbers allow; None without a fit."""
    if fit is None or fit.empty:
        return None
    return set(_choice_keys(fit[fit["allowed"].astype(bool)], choices))


def _over_allowed(verdicts: pd.DataFrame, choices: list[str], allowed: set | None, alpha: float) -> dict | None:
    """A claim's label over the universes of ``verdicts`` whose choices the study's numbers allow."""
    if allowed is None:
        return None
    kept = verdicts[[key in allowed for key in _choice_keys(verdicts, choices)]]
    return {"n": len(kept), "label": _summary(kept, choices, alpha).label if len(kept) else None}


def _allowed_table(fit: pd.DataFrame, allowed_misses: int, close_rule: str) -> dict:
    """The universes with how well the study's numbers fit each, and the rule that allows them."""
    rows = [
        {
            "universe": row["universe"],
            "n_fit": int(row["n_fit"]),
            "n_numbers": int(row["n_numbers"]),
            "misses": row["misses"] if isinstance(row["misses"], str) else "",
            "diverged": row["diverged"] if isinstance(row["diverged"], str) else "",
            "allowed": bool(row["allowed"]),
            "default": bool(row["default"]),
        }
        for _, row in fit.sort_values("position").iterrows()
    ]
    rule = (
        f"A universe fits one of the study's numbers {close_rule} The study's numbers allow a universe when it "
        f"misses at most {allowed_misses} of the numbers that the best-fitting universe fits (so a number no "
        "universe fits, or every universe fits, allows or rules out none), and never when every run of a number "
        "the study reports diverged in it."
    )
    return {"section": ALLOWED, "rows": rows, "n": sum(r["allowed"] for r in rows), "rule": rule}


def _by_dataset(row: dict, own: dict) -> list[dict]:
    """A claim's verdict (at the report's own choices) and label on each dataset: the study's own
    scope first, then each other dataset at the study's other scope options."""
    cells = [{"title": DATASET_INFO[own["dataset"]].title, "verdict": row["at_default"], "label": row["label"]}]
    for other in row["other_scopes"]:
        rest = {a: v for a, v in other["options"].items() if a != "dataset"}
        if multiverse.is_own_scope(rest, own):
            title = DATASET_INFO[str(other["options"]["dataset"])].title
            cells.append({"title": title, "verdict": other["at_default"], "label": other["label"]})
    return cells


def _at_default_choices(verdicts: pd.DataFrame, choices: list[str], own: pd.DataFrame | None = None) -> str | None:
    """The verdict of the universe of ``verdicts`` that makes the report's own choices (those of
    the default universe, found in ``own``, the study's scope, or in ``verdicts`` itself), or None."""
    default = (verdicts if own is None else own).query("default == True")
    if default.empty:
        return None
    same = (
        np.logical_and.reduce(
            [verdicts[axis_column(a)].astype(str) == str(default[axis_column(a)].iloc[0]) for a in choices]
        )
        if choices
        else np.ones(len(verdicts), bool)
    )
    return verdicts["verdict"][same].iloc[0] if same.any() else None


def _summary(verdicts: pd.DataFrame, axes: list[str], alpha: float) -> multiverse.Summary:
    """``multiverse.summarise`` of one claim's rows of results/multiverse_verdicts.csv, over ``axes``."""
    keys = [tuple(row[axis_column(a)] for a in axes) for _, row in verdicts.iterrows()]
    return multiverse.summarise(
        dict(zip(keys, verdicts["verdict"])),
        dict(zip(keys, _or_none(verdicts["estimate"]))),
        dict(zip(keys, _or_none(verdicts["p"]))),
        axes,
        alpha,
    )


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
