"""The report's section "How robust is each conclusion": each claim over the universes of a
multiverse (results/multiverse_verdicts.csv), its label, the choices that flip it, and its
specification curve."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.fmt import count, counted
from mnist_mlp.judge import multiverse
from mnist_mlp.judge.study import choices_figure, multiverse_figure
from mnist_mlp.present import compare
from mnist_mlp.present.html import Figures, Section
from mnist_mlp.runs.aggregate import axis_column
from mnist_mlp.runs.plan import setting_label

SECTION = Section("robust", "How robust is each conclusion")
ALLOWED = Section("allowed", "The universes the study's own numbers allow")
CHOICES = Section("choices", "Which choices matter")
JOINT = Section("joint", "One test across all universes")
CHOICES_CAPTION = (
    "Left: the share of the variance of the difference the claim rests on (per universe and seed) that each "
    "choice, each interaction of choices, and the seeds account for. Right: each option's mean difference against "
    "the option this report uses, in points."
)
CHOICES_METHOD = (
    "The difference each claim rests on (its weakest comparison, in points) is taken per universe and seed. The "
    "universes form a full grid and run the same seeds, so its variance splits exactly, as in a balanced ANOVA, "
    "into one term per choice, one per interaction of choices, and the seeds' spread within a universe. A term's "
    "sum of squares also holds seed noise in proportion to its degrees of freedom, so each choice's share is its "
    "sum of squares less that expected noise (omega squared, a negative value counted as zero), in percent of the "
    "total; the seeds get the rest, and the shares add up to 100 %. A grid with a missing universe (one with "
    "nothing to compare) is not balanced and is not decomposed: the row says which. Each option's mean difference "
    "against this report's own option says which way a choice moves the claim."
)
SPECIFICATION_CAPTION = (
    "Top: the difference the claim rests on in each universe (its weakest comparison, in points) with its "
    "test-set interval, sorted, coloured by the universe's verdict; the grey band is the margin within which a "
    "difference is a tie, the ring the universe this report uses, the dashed line the study's own numbers. "
    "Bottom: the option of each choice that each universe takes."
)
MIN_SHARE = 0.5  # a variance share below this, in percent, is left out of the table (not of the figure)
NULL_PERCENTILE = 95  # the percentile of each null distribution the report shows (the CSV has 50, 95, 99)
SCOPE_WORDS = {"n_train": "at {}", "dataset": "on {}"}  # how each scope axis's option reads in a sentence


@dataclass
class Multiverse:
    """What a multiverse build leaves for the report; the default: none ran."""

    verdicts: pd.DataFrame | None = None  # results/multiverse_verdicts.csv
    # results/multiverse_fit.csv (``judge.allowed.fit_table``): each claim is labelled over the
    # universes the study's numbers allow too, beside its label over all of them
    fit: pd.DataFrame | None = None
    choices: pd.DataFrame | None = None  # results/multiverse_choices.csv (``judge.across.choices_table``)
    joint: pd.DataFrame | None = None  # results/multiverse_joint.csv (``judge.across.joint_tables``)
    runs: pd.DataFrame | None = None  # results/multiverse.csv: every universe's runs
    # the multiverse's axes; ``scope_axes`` of them (e.g. the training-subset size) are summarised
    # apart: each claim's label is over the universes at the study's own scope (``own_scope``, axis
    # -> the config's option), and each other scope gets its own
    axes: list[str] = field(default_factory=list)
    scope_axes: list[str] = field(default_factory=list)
    own_scope: dict = field(default_factory=dict)


def robust_section(
    multiverse: Multiverse,
    claims: list[dict],
    settings: dict | None,
    figures: Figures,
    close_rule: str,
    command: str | None = None,
) -> dict:
    """Each claim over the universes, or only the command that would judge them (``rows`` None)
    when no multiverse ran: None where the study names no multiverse overlay.

    Args:
        claims: the report's claim rows (id, section, text, verdict).
        settings: the ``robustness`` thresholds and label rules of the study file (None without them).
        close_rule: when a universe fits one of the study's numbers, in words (``sensitivity.consistency_rule``).
        command: the command that runs the study's multiverse overlay, or None.
    """
    verdicts, scope_axes, own_scope = multiverse.verdicts, multiverse.scope_axes, multiverse.own_scope
    if verdicts is None or verdicts.empty:
        return {"section": SECTION, "command": command, "rows": None}
    choices = [a for a in multiverse.axes if a not in scope_axes]
    allowed = _allowed_choices(multiverse.fit, choices)
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
    fit = multiverse.fit
    return {
        "section": SECTION,
        "command": command,
        "rows": rows,
        "axes": choices,
        "scope_axes": list(scope_axes),
        "datasets": [d["title"] for d in rows[0]["by_dataset"]] if rows and by_dataset else [],
        "n_universes": int(verdicts["position"].nunique()),
        "n_at_scope": rows[0]["n"] if rows else 0,
        "labels": settings["labels"],
        "alpha": settings["familywise_alpha"],
        "allowed": _allowed_table(fit, settings["allowed_misses"], close_rule) if allowed is not None else None,
        "choices": _choices_part(multiverse.choices, claims, scope_axes, own_scope, figures),
        "joint": _joint_part(multiverse.joint, claims, scope_axes, own_scope, settings["familywise_alpha"]),
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


def _scope_groups(table: pd.DataFrame, scope_axes: list[str], own_scope: dict) -> list[tuple[str | None, pd.DataFrame]]:
    """A claim's rows of a per-scope table, the study's own scope first, each with its words (None: the study's)."""
    return [
        (_scope_text(options, own_scope), rows)
        for options, rows in multiverse.scopes(table.assign(position=range(len(table))), list(scope_axes), own_scope)
    ]


def _choices_part(
    choices: pd.DataFrame | None, claims: list[dict], scope_axes, own_scope, figures: Figures
) -> dict | None:
    """Which choices move each claim: its variance shares, largest first, and its strongest option, per scope."""
    if choices is None:
        return None
    rows = []
    for claim in claims:
        mine = choices[choices["claim"] == claim["id"]]
        scopes = []
        for scope, at in _scope_groups(mine, scope_axes, own_scope):
            shares = at[(at["part"] == "share") & at["term"].notna()].sort_values("value", ascending=False)
            options = at[at["part"] == "option"].dropna(subset=["value"])
            strongest = options.loc[options["value"].abs().idxmax()] if len(options) else None
            note = at["note"].dropna()
            scopes.append(
                {
                    "scope": scope,
                    "shares": [(term, float(v)) for term, v in zip(shares["term"], shares["value"]) if v >= MIN_SHARE],
                    "note": note.iloc[0] if shares.empty and len(note) else None,
                    "strongest": (setting_label({strongest["term"]: strongest["option"]}), float(strongest["value"]))
                    if strongest is not None and strongest["value"] != 0
                    else None,
                }
            )
        rows.append(
            {
                "id": claim["id"],
                "section": claim["section"],
                "text": claim["text"],
                "scopes": scopes,
                "figure": figures.entry(
                    choices_figure(claim["id"]), f"Which choices move: {claim['text'].rstrip('.')}", CHOICES_CAPTION
                ),
            }
        )
    return {"section": CHOICES, "method": CHOICES_METHOD, "rows": rows, "min_share": MIN_SHARE}


def _joint_part(joint: pd.DataFrame | None, claims: list[dict], scope_axes, own_scope, alpha: float) -> dict | None:
    """Each "A beats B" claim tested across all universes, per scope."""
    if joint is None:
        return None
    rows = []
    for claim in claims:
        mine = joint[joint["claim"] == claim["id"]]
        if mine.empty:
            continue
        scopes = [
            {
                "scope": scope,
                **{k: (v.item() if hasattr(v, "item") else v) for k, v in at.iloc[0].items()},
                "median_null": at[f"median_null_{NULL_PERCENTILE}"].iloc[0],
                "count_null": at[f"count_null_{NULL_PERCENTILE}"].iloc[0],
            }
            for scope, at in _scope_groups(mine, scope_axes, own_scope)
        ]
        rows.append({"id": claim["id"], "section": claim["section"], "text": claim["text"], "scopes": scopes})
    draws = int(joint["draws"].iloc[0]) if len(joint) else 0
    n_untested = sum(c["id"] not in set(joint["claim"]) for c in claims)
    return {
        "section": JOINT,
        "rows": rows,
        "draws": draws,
        "percentile": NULL_PERCENTILE,
        "method": joint_method(draws, alpha, n_untested),
    }


def joint_method(draws: int, alpha: float, n_untested: int) -> str:
    """What the test across all universes does, covers and leaves out, in words."""
    untested = (
        f" {counted(n_untested, 'claim')} of other kinds (no better than chance; a train loss that rises) "
        f"{'is' if n_untested == 1 else 'are'} not tested so: a test of “no difference” cannot support a claim of no "
        "difference, and loss claims need a sweep."
        if n_untested
        else ""
    )
    return (
        "Is each “A beats B” claim supported by the universes as a whole? Under “no difference”, the runs a claim "
        "compares are alike, so on each test image which of them got it right is arbitrary. Each of "
        f"{count(draws)} draws relabels the runs image by image: two runs compared only with each other swap "
        "sides on a random half of the test images, the same images in every universe and seed at once, so that the "
        "universes keep the test set they share (specification-curve inference, Simonsohn, Simmons and Nelson 2020, "
        "with the image as the unit); a run that several universes share, such as side B when a choice only touches "
        "side A, stays one run: it and the runs compared with it are shifted cyclically, by a random number of "
        "places on each image. Either way a draw is data as likely as the observed under “no difference”, so the "
        "p-values are exact. The observed median difference over the universes, and the number of universes where "
        "the claim holds by the rules above, are each set against their distribution over the draws: p is the share "
        "of draws at least as large, the observed data counted as one. Per universe, max-T step-down adjusted "
        f"p-values (Westfall and Young 1993) hold the family-wise error at {alpha:g} and use the universes' "
        "correlation; Holm's step-down over the same draws' p-values ignores it, so max-T rejects at least as many "
        "when the universes move together. What this test covers is the test set. It does not resample training: "
        "the seeds are fixed, and each universe's seed interval covers them (a universe holds, in a draw as in the "
        "data, only when its seed interval agrees). A universe where a comparison has nothing to compare (every run "
        "on both sides diverged) is left out of the test, so each count is of the universes tested." + untested
    )
