"""The study as data (a study folder's study.yaml): what it reports, each number with the statistic
it is (the final epoch's accuracy or the peak over epochs, of one run or the best of k), its
per-epoch curves, and its numbers beside the same statistic of this build's runs."""

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mnist_mlp.data.arrays import EVALUATION_SETS
from mnist_mlp.runs import run_format

# Figures the study lacks, by id; the study's own are listed in its YAML.
GRID_FIGURE, BARS_FIGURE = "test_accuracy_grid", "reported_vs_reproduced"
EXTRA_FIGURES = {
    GRID_FIGURE: "Test accuracy per epoch, every run",
    BARS_FIGURE: "Reported and reproduced test accuracy",
}


def multiverse_figure(claim_id: str) -> str:
    """The id of a claim's specification curve over the multiverse."""
    return "multiverse_" + re.sub(r"[^A-Za-z0-9_]", "_", claim_id)


def choices_figure(claim_id: str) -> str:
    """The id of the figure of which choices move a claim's difference over the multiverse."""
    return "choices_" + re.sub(r"[^A-Za-z0-9_]", "_", claim_id)


def sensitivity_figure(sweep_id: str) -> str:
    """The id of a sensitivity sweep's figure."""
    return f"sensitivity_{sweep_id}"


# What a reported number is of a run's accuracies on its evaluation set: its final epoch's, or the
# peak over its epochs (with the epoch it was reached at). Either may be of one run or the best of k.
STATISTICS = ("final", "peak")
CURVE_POINT = "the accuracy after that epoch"  # what a reported curve's point is


@dataclass(frozen=True)
class Statistic:
    """What a reported number is: ``of`` each run's accuracies on the ``set`` (the final epoch's, or
    the peak over epochs), of one run or the best of ``best_of`` runs."""

    of: str = STATISTICS[0]
    best_of: int = 1
    set: str = EVALUATION_SETS[0]

    @classmethod
    def of_entry(cls, entry: dict) -> "Statistic":
        """The statistic a study file's entry (a number, a curve, a claim) names with its keys
        ``statistic``, ``best_of`` and ``set``; each has its default."""
        return cls(entry.get("statistic", STATISTICS[0]), int(entry.get("best_of", 1)), entry.get("set", "test"))

    @property
    def default(self) -> bool:
        """The final epoch's test accuracy of one run: what a study that says no more reports."""
        return self == Statistic()

    def words(self) -> str:
        """In words: "the final test accuracy", "the peak test accuracy over epochs, best of 3 runs"."""
        what = f"the final {self.set} accuracy" if self.of == "final" else f"the peak {self.set} accuracy over epochs"
        return what + (f", best of {self.best_of} runs" if self.best_of > 1 else "")

    def ours(self) -> str:
        """How this build's runs give the same statistic, in words."""
        if self.best_of == 1:
            return f"{self.words()}: the mean over seeds"
        return f"{self.words()}: the best of this build's runs, expected over every {self.best_of} of them"


@dataclass(frozen=True)
class Reported:
    """One number the study reports: ``value`` (percent) of ``experiment``'s runs with ``activation``,
    the ``statistic`` it is, the ``epoch`` it names (counted as this workflow counts, from 1; None
    where it names none) and the study's words."""

    experiment: str
    activation: str
    value: float
    statistic: Statistic = Statistic()
    epoch: int | None = None
    quote: str | None = None


@dataclass(frozen=True)
class Curve:
    """A per-epoch curve the study reports: (epoch, percent) points of ``experiment``'s runs with
    ``activation`` (epochs counted from 1), each point the ``statistic`` of that epoch's accuracy."""

    experiment: str
    activation: str
    points: tuple[tuple[int, float], ...]
    statistic: Statistic = Statistic()
    quote: str | None = None


def load_study(path) -> dict:
    """The study's reported values, claims, verdict rules and figure list, as its file says them, with
    the parts it may leave out filled in as empty (a study that draws no figure names none)."""
    study = yaml.safe_load(Path(path).read_text())
    if isinstance(study, dict):
        for part in ("figures", "numbers", "curves"):
            study.setdefault(part, [])
        study.setdefault("accuracy", {})
    return study


@dataclass(frozen=True)
class _Named:
    """A place in the study file that names an experiment: the key of the experiment's name, the
    activation it names (and that key) and the entry whose statistic the runs must give."""

    key: str
    experiment: str
    activation: str | None = None
    activation_key: str | None = None
    entry: dict | None = None  # a number, a curve or a claim with a statistic of its own
    entry_key: str | None = None


def _named(study: dict) -> list[_Named]:
    named = []
    for e, by_activation in study.get("accuracy", {}).items():
        named += [_Named(f"accuracy.{e}", e)]
        named += [_Named(f"accuracy.{e}", e, a, f"accuracy.{e}.{a}") for a in by_activation or {}]
    for part in ("numbers", "curves"):
        for i, n in enumerate(study.get(part, [])):
            at = f"{part}.{i}"
            named.append(_Named(f"{at}.experiment", n["experiment"], n["activation"], f"{at}.activation", n, at))
    for i, claim in enumerate(study.get("claims", [])):
        at = f"claims.{i}"
        compared = claim if claim["kind"] == "beats" else None  # each side's runs give its statistic
        named += [
            _Named(f"{at}.{k}", claim[k], entry=compared, entry_key=at) for k in ("better", "worse") if k in claim
        ]
        named += [_Named(f"{at}.variant_of", claim["variant_of"])] if "variant_of" in claim else []
        if "experiment" in claim:
            measured = claim if claim["kind"] in ("reaches", "still_improving") else None
            named.append(
                _Named(
                    f"{at}.experiment", claim["experiment"], claim.get("activation"), f"{at}.activation", measured, at
                )
            )
    for i, fig in enumerate(study.get("figures", [])):
        named.append(
            _Named(f"figures.{i}.experiment", fig["experiment"], fig.get("activation"), f"figures.{i}.activation")
        )
    named += [_Named(f"stated.{e}", e) for e in study.get("stated", {})]
    return named


def study_error(study: dict, experiments: dict, seeds: list, default: dict) -> tuple[str, str] | None:
    """The first fault of a schema-valid study file against the config it is built with, as (key,
    message), or None: an experiment the config lacks, an activation the experiment does not run, a
    statistic its runs cannot give (the best of more runs than there are seeds, or the accuracy after
    every epoch of a set the experiment is not evaluated on), or an epoch past the study's own.

    Args:
        experiments: the config's experiments; ``default``: what each leaves to the config
            (``runs.plan.defaults``); ``seeds``: train.seeds.
    """
    for place in _named(study):
        if place.experiment not in experiments:
            return (
                place.key,
                f"no experiment {place.experiment!r} in the config (its experiments: {', '.join(experiments)})",
            )
        ran = experiments[place.experiment]["activations"]
        if place.activation is not None and place.activation not in ran:
            return place.activation_key, (
                f"experiment {place.experiment!r} runs no {place.activation} (it runs {', '.join(ran)})"
            )
        if place.entry is not None:
            config = {**default, **experiments[place.experiment]}
            problem = _statistic_problem(place.entry, config, len(seeds), place.experiment)
            if problem:
                return f"{place.entry_key}.{problem[0]}", problem[1]
    setup = study["study"]
    return _epoch_error(study, setup["setup"]["epochs"], setup.get("first_epoch", 1))


def _statistic_problem(entry: dict, experiment: dict, n_seeds: int, exp_id: str) -> tuple[str, str] | None:
    """Why the runs of ``experiment`` (its config over the defaults) cannot give the statistic ``entry``
    names, as (its key, the reason), or None."""
    statistic = Statistic.of_entry(entry)
    if "better" in entry and statistic.best_of > 1:
        return (
            "best_of",
            "a comparison pairs the two sides' runs seed by seed, each run's own statistic: leave best_of out",
        )
    if statistic.best_of > n_seeds:
        return "best_of", (
            f"the best of {statistic.best_of} runs needs {statistic.best_of} seeds; the config runs {n_seeds} "
            "(train.seeds)"
        )
    per_epoch = experiment["evaluate_on"]
    needs_epochs = statistic.of == "peak" or "points" in entry or "window" in entry or statistic.set != "test"
    if needs_epochs and statistic.set != per_epoch:
        return "set", (
            f"{exp_id!r} is evaluated on its {per_epoch} set after every epoch, so its runs give no "
            f"{statistic.set} accuracy per epoch"
        )
    return None


def _epoch_error(study: dict, epochs: int, first: int) -> tuple[str, str] | None:
    """The first number or curve point that names an epoch past the study's own (study.setup.epochs)."""
    last = epochs - 1 + first
    counted = f"epochs {first} to {last}, as the study counts them (study.first_epoch)"
    for i, number in enumerate(study.get("numbers", [])):
        if number.get("epoch") is not None and not first <= number["epoch"] <= last:
            return f"numbers.{i}.epoch", f"epoch {number['epoch']} is not one of the study's {epochs}: {counted}"
    for i, curve in enumerate(study.get("curves", [])):
        for j, (epoch, _) in enumerate(curve["points"]):
            if not first <= epoch <= last:
                return f"curves.{i}.points.{j}", f"epoch {epoch} is not one of the study's {epochs}: {counted}"
    return None


def epoch_offset(study: dict) -> int:
    """What to add to an epoch as the study counts them to count it from 1: a study whose first
    epoch's result reads "Epoch 0" (``study.first_epoch: 0``, as Nielsen's network.py prints) is one behind."""
    return 1 - study["study"].get("first_epoch", 1)


def reported_numbers(study: dict, dataset: str) -> list[Reported]:
    """Every number the study reports, as numbers to set beside runs on ``dataset``: none unless the
    runs are on the dataset the study's numbers are of (its ``study.dataset``). ``accuracy`` (experiment
    -> activation -> percent) is the final test accuracy of one run; ``numbers`` say what each is."""
    if dataset != study["study"]["dataset"]:
        return []
    offset = epoch_offset(study)
    simple = [
        Reported(experiment, activation, float(value))
        for experiment, by_activation in (study.get("accuracy") or {}).items()
        for activation, value in by_activation.items()
    ]
    stated = [
        Reported(
            n["experiment"],
            n["activation"],
            float(n["value"]),
            Statistic.of_entry(n),
            n["epoch"] + offset if n.get("epoch") is not None else None,
            n.get("quote"),
        )
        for n in study.get("numbers") or []
    ]
    return simple + stated


def reported_curves(study: dict, dataset: str) -> list[Curve]:
    """The study's per-epoch curves (none on another dataset), epochs counted from 1."""
    if dataset != study["study"]["dataset"]:
        return []
    offset = epoch_offset(study)
    return [
        Curve(
            c["experiment"],
            c["activation"],
            tuple((int(e) + offset, float(v)) for e, v in c["points"]),
            Statistic.of_entry(c),
            c.get("quote"),
        )
        for c in study.get("curves") or []
    ]


@dataclass(frozen=True)
class StudyNumbers:
    """Everything a study reports, for judging its claims on its own numbers: its numbers, its
    curves and its epochs (counted from 1)."""

    numbers: tuple[Reported, ...] = ()
    curves: tuple[Curve, ...] = ()
    epochs: int = 0

    @classmethod
    def of(cls, study: dict) -> "StudyNumbers":
        own = study["study"]["dataset"]
        return cls(
            tuple(reported_numbers(study, own)), tuple(reported_curves(study, own)), study["study"]["setup"]["epochs"]
        )

    def number(self, experiment: str, activation: str, statistic: Statistic | None = None) -> Reported | None:
        """The study's number of ``experiment`` with ``activation``: the one of ``statistic``'s kind
        and set where it reports several, else the one it reports; None where it reports none."""
        mine = [n for n in self.numbers if (n.experiment, n.activation) == (experiment, activation)]
        if statistic is not None:
            same = [n for n in mine if (n.statistic.of, n.statistic.set) == (statistic.of, statistic.set)]
            mine = same or mine
        return mine[0] if mine else None

    def activations(self, experiment: str) -> list[str]:
        """The activations the study gives a number for in ``experiment``, in its order."""
        return list(dict.fromkeys(n.activation for n in self.numbers if n.experiment == experiment))

    def curve(self, experiment: str, activation: str) -> Curve | None:
        return next((c for c in self.curves if (c.experiment, c.activation) == (experiment, activation)), None)


def study_overlays(study: dict) -> dict[str, list[str]]:
    """The study's overlays by part ("sensitivity", "multiverse"): the config files that run it; a
    part the study names none for is absent."""
    return dict(study.get("overlays") or {})


def reported_accuracy(study: dict, dataset: str) -> dict:
    """The study's final test accuracies of one run, by experiment and activation: what the sweeps and
    the multiverse hold runs against (none on another dataset than the study's)."""
    table = {}
    for number in reported_numbers(study, dataset):
        if number.statistic.default:
            table.setdefault(number.experiment, {})[number.activation] = number.value
    return table


REPORTED_CURVE = "reported_curve"  # the kind of figure each reported curve gets, drawn over this build's runs


def curve_figure(experiment: str, activation: str) -> str:
    """The id of the figure of the curve the study reports for ``experiment`` with ``activation``."""
    return "curve_" + re.sub(r"[^A-Za-z0-9_]", "_", f"{experiment}_{activation}")


def figure_list(study: dict) -> list[dict]:
    """The study's figures (``figures``), then one per curve it reports: its printed epochs drawn over
    this build's curve with its seed band, in the experiment's section."""
    offset = epoch_offset(study)
    counted = f" (the study counts epochs from {study['study'].get('first_epoch', 1)}; here from 1)" if offset else ""
    return list(study.get("figures", [])) + [
        {
            "id": curve_figure(c["experiment"], c["activation"]),
            "label": f"The study's curve: {c['experiment']}, {c['activation']}",
            "caption": f"{Statistic.of_entry(c).set.capitalize()} accuracy after each epoch: the epochs the study "
            f"prints (stars){counted} over this build's runs",
            "experiment": c["experiment"],
            "activation": c["activation"],
            "kind": REPORTED_CURVE,
        }
        for c in study.get("curves", [])
    ]


def figure_specs(study: dict) -> dict:
    """The study's figures by id, each reported curve's among them (``figure_list``)."""
    return {fig["id"]: fig for fig in figure_list(study)}


def accuracy_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (experiment, activation): test accuracy in percent over seeds, and how many diverged.

    Diverged runs have no accuracy; ``mean`` and ``std`` are over the runs that finished.
    """
    pct = runs.assign(acc=runs["test_accuracy"] * 100)
    grouped = pct.groupby(["experiment", "activation"], sort=False)
    return pd.DataFrame(
        {
            "mean": grouped["acc"].mean(),
            "std": grouped["acc"].std(ddof=1),  # NaN with one finished seed: no spread was measured
            "n_seeds": grouped.size(),
            "n_finished": grouped["acc"].count(),
            "n_diverged": grouped["diverged"].sum(),
            "n_failed": grouped["failed_to_learn"].sum(),
        }
    )


def expected_best(values, k: int) -> float | None:
    """The expected best of ``k`` runs drawn without replacement from ``values`` (NaN for a run that
    has none, which is never the best): the mean for k = 1, the best itself when k is all of them.
    None with fewer than ``k`` values, or where some draw of k would hold none.

    Order statistics: with the n values sorted, the i-th smallest is the best of a draw in
    C(i - 1, k - 1) of the C(n, k) draws."""
    values = np.asarray(values, dtype=float)
    n, finite = len(values), np.sort(values[np.isfinite(values)])
    if k < 1 or n < k or n - len(finite) >= k:
        return None
    missing = n - len(finite)  # never the best: they sort below every finite value
    weights = [math.comb(missing + i, k - 1) for i in range(len(finite))]
    return float(np.dot(finite, weights) / math.comb(n, k))


def statistic_values(runs: pd.DataFrame, statistic: Statistic) -> pd.DataFrame:
    """Per run (a row of runs.csv), the part of ``statistic`` one run gives, in percent: its final
    accuracy or its peak over epochs on the statistic's set, NaN where it diverged; and for a peak,
    the epoch it was reached at. Columns seed, value, epoch."""
    if statistic.of == "peak":
        value, epoch = runs["peak_accuracy"], runs["peak_epoch"]
    else:
        value = runs["test_accuracy"] if statistic.set == "test" else runs["last_epoch_accuracy"]
        epoch = pd.Series(np.nan, index=runs.index)
    return pd.DataFrame({"seed": runs["seed"], "value": 100 * value.astype(float), "epoch": epoch.astype(float)})


def number_row(group: pd.DataFrame, activation: str, number: Reported | None, close_pp: float) -> dict:
    """One row of an experiment's table: the study's number (None where it reports none, compared as
    the final test accuracy) beside the same statistic of ``group``'s runs (one row per seed).

    ``mean`` is that statistic of the runs (the mean over finished seeds for one run; the expected best
    of k otherwise), ``std`` the seeds' standard deviation (one run, 2+ finished seeds), ``epochs`` the
    epoch each seed's peak was reached at; ``reproduction`` is "within" or "outside" ``close_pp`` points
    of the study's number, or None when there is nothing to compare; ``range`` the seeds' lowest and
    highest beside a best of k; ``health`` is "ok", "failed to learn" (some finished seed did: see
    ``runs.learning_failure``), "diverged" (every seed), "partly diverged" or "missing".
    """
    statistic = number.statistic if number else Statistic()
    row = {
        "activation": activation,
        "reported": number.value if number else None,
        "statistic": statistic,
        "reported_epoch": number.epoch if number else None,
        "quote": number.quote if number else None,
        "mean": None,
        "std": None,
        "epochs": [],
        "range": None,  # the seeds' lowest and highest, beside a best of k
        "n_seeds": len(group),
        "n_finished": int((~group["diverged"].astype(bool)).sum()) if len(group) else 0,
        "n_diverged": int(group["diverged"].astype(bool).sum()) if len(group) else 0,
        "n_failed": int(group["failed_to_learn"].astype(bool).sum()) if len(group) else 0,
        "difference": None,
        "reproduction": None,
    }
    if len(group):
        values = statistic_values(group, statistic)
        finished = values["value"].dropna()
        if statistic.best_of == 1 and len(finished):
            row["mean"] = float(finished.mean())
            row["std"] = float(finished.std(ddof=1)) if len(finished) > 1 else None
        elif statistic.best_of > 1:
            row["mean"] = expected_best(values["value"], statistic.best_of)
            row["range"] = (float(finished.min()), float(finished.max())) if len(finished) else None
        row["epochs"] = [int(e) for e in values["epoch"].dropna()]
        if row["mean"] is not None and number is not None:
            row["difference"] = row["mean"] - number.value
            row["reproduction"] = "within" if abs(row["difference"]) <= close_pp else "outside"
    row["health"] = (
        "missing"
        if row["n_seeds"] == 0 or (row["mean"] is None and row["n_finished"] > 0)
        else "diverged"
        if row["mean"] is None
        else "partly diverged"
        if row["n_diverged"]
        else "failed to learn"
        if row["n_failed"]
        else "ok"
    )
    return row


def accuracy_rows(runs: pd.DataFrame, numbers: list[Reported], experiment: str, close_pp: float = 2.0) -> list[dict]:
    """Table rows for one experiment (``number_row``): each number the study reports of it, then each
    activation it runs that the study gives no number for."""
    own = runs[runs["experiment"] == experiment]
    mine = [n for n in numbers if n.experiment == experiment]
    rows = [number_row(own[own["activation"] == n.activation], n.activation, n, close_pp) for n in mine]
    reported = {n.activation for n in mine}
    for activation in dict.fromkeys(own["activation"]):
        if activation not in reported:
            rows.append(number_row(own[own["activation"] == activation], activation, None, close_pp))
    return rows


def comparison_rows(runs: pd.DataFrame, numbers: list[Reported], close_pp: float, experiments) -> dict:
    """Per experiment, its table rows (``accuracy_rows``): what the report and the overview figure
    show, beside ``numbers`` (``reported_numbers``: none when the runs are on another dataset)."""
    return {exp: accuracy_rows(runs, numbers, exp, close_pp) for exp in experiments}


def curve_points(curve: Curve, runs: pd.DataFrame, close_pp: float, read_epochs=run_format.read_epochs) -> list[dict]:
    """Each point of a curve the study reports beside the same statistic of ``runs`` (runs.csv) at that
    epoch: the mean over seeds for one run, the expected best of k otherwise; with the seeds' lowest and
    highest. A point is "within" when the study's value lies ``close_pp`` points or less from ours, and
    has nothing beside it (None) past the epochs the runs trained (or where every run diverged)."""
    group = runs[(runs["experiment"] == curve.experiment) & (runs["activation"] == curve.activation)]
    column = f"{curve.statistic.set}_accuracy"
    per_seed = [
        100 * read_epochs(row["dir"]).set_index("epoch")[column] for _, row in group.iterrows() if not row["diverged"]
    ]
    table = pd.concat(per_seed, axis=1) if per_seed else pd.DataFrame()
    points = []
    for epoch, value in curve.points:
        seeds = table.loc[epoch].to_numpy(dtype=float) if epoch in table.index else np.array([])
        ours = expected_best(seeds, curve.statistic.best_of) if len(seeds) else None
        difference = None if ours is None else value - ours
        points.append(
            {
                "epoch": epoch,
                "reported": value,
                "ours": ours,
                "low": float(seeds.min()) if len(seeds) else None,
                "high": float(seeds.max()) if len(seeds) else None,
                "n_seeds": len(seeds),
                "difference": difference,
                "reproduction": None if difference is None else "within" if abs(difference) <= close_pp else "outside",
            }
        )
    return points
