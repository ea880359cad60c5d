"""The study's claims judged on the runs, and on the study's own numbers, by the rules of ``stats``.

A claim is data in a study's study.yaml (``claims``), its thresholds too (``verdicts``); its kind
is code, one entry of ``KINDS`` each, with its rule in words beside it:

- ``beats``: experiment ``better`` beats ``worse``, ``over: every`` activation (each comparison
  must hold) or ``over: overall`` (one comparison of the mean over activations), on the final test
  accuracy (image by image) or on each run's peak over epochs (``statistic: peak``, seed by seed);
- ``best_activation``: in ``experiment``, ``activation`` beats every other activation;
- ``at_chance``: in ``experiment``, ``activation`` does no better than a network that ignores its
  input;
- ``train_loss_rises``: in sensitivity sweep ``sweep`` (varying ``variant_of``), every weight
  decay larger than ``reference`` ends with a higher train loss, for every activation;
- ``reaches``: the runs of ``experiment`` with ``activation`` reach the accuracy ``value`` the study
  states, on the statistic it names (the tolerance of its numbers, ``close_pp``, allowed);
- ``still_improving``: their accuracy is still rising at the end: the last ``window`` epochs above
  the ``window`` before them, over seeds.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mnist_mlp.fmt import number, p_value
from mnist_mlp.judge.stats import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    TIE,
    UNTESTED,
    Interval,
    combine_every,
    decide,
    image_interval,
    mcnemar_exact,
    mcnemar_p,
    p_greater,
    t_interval,
)
from mnist_mlp.data.arrays import UNIFORM_GUESS_PCT
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.judge.study import Statistic, StudyNumbers, expected_best, statistic_values
from mnist_mlp.runs import run_format


@dataclass(frozen=True)
class Rules:
    """The thresholds of every verdict (study.yaml, ``verdicts``)."""

    alpha: float  # significance level of every interval: (1 - alpha) confidence
    margin_pp: float  # the smallest accuracy difference, in points, that counts as one
    loss_margin_pct: float  # the smallest change of a final train loss, in percent of it, that counts
    close_pp: float = 2.0  # how close to a number the study states the runs' statistic must come

    @classmethod
    def from_study(cls, study: dict) -> "Rules":
        v = study["verdicts"]
        return cls(float(v["alpha"]), float(v["margin_pp"]), float(v["loss_margin_pct"]), float(v["close_pp"]))

    @property
    def confidence(self) -> str:
        return f"{100 * (1 - self.alpha):g} %"

    def sentence(self, claims: list[dict] | None = None) -> str:
        """The rules of ``claims`` (of every kind, when None), in words, for the report."""
        parts = [_beats_sentence(self)]
        for kind, spec in KINDS.items():
            mine = [c for c in claims or [] if c["kind"] == kind]
            if spec.sentence and (claims is None or mine):
                parts.append(spec.sentence(self, mine))
        parts = [part for part in parts if part]
        parts.append(
            "A claim “for every activation” holds only if every activation's comparison holds "
            "(one that fails makes it fail; all ties make a tie); an “overall” claim compares the means over "
            "activations. A diverged run counts as getting every test image wrong. The study's own numbers "
            "have neither spread nor predictions, so for them the margin alone decides."
        )
        return " ".join(parts)

    def for_claim(self, claim: dict) -> str:
        """The rule that decides ``claim``, in words: what the claims manifest gives each claim. An
        unknown kind is refused, never given another kind's rule."""
        if claim["kind"] not in KINDS:
            raise ValueError(f"unknown claim kind {claim['kind']!r}; the kinds are {', '.join(KINDS)}")
        return KINDS[claim["kind"]].rule(self, claim)


def _beats_sentence(rules: Rules) -> str:
    return (
        f"“A beats B” holds when A is ahead by at least {rules.margin_pp:g} points and two {rules.confidence} "
        "intervals of the difference both exclude zero: one for the test set, with the image as the unit (a "
        "t-interval of each test image's difference, A right minus B right, averaged over seeds and "
        "activations: the seeds are scored on the same images, so they are not pooled as new ones; McNemar's "
        "exact test gives each seed's p-value) and, with 2 or more seeds, one for training randomness (a "
        "t-interval of the per-seed differences). It fails when the same holds the other "
        f"way, and is a tie when both intervals lie within ±{rules.margin_pp:g} points; anything else is "
        "inconclusive."
    )


def _beats_clause(rules: Rules) -> str:
    """One comparison's rule, as the manifest's rule of a claim that makes it."""
    return (
        f"A comparison “A beats B” holds when A is ahead by at least {rules.margin_pp:g} points and its "
        f"{rules.confidence} intervals exclude zero (over the test images and, with 2 or more seeds, over the "
        f"seeds); it fails when the same holds the other way, is a tie when every interval lies within "
        f"±{rules.margin_pp:g} points, and is inconclusive otherwise."
    )


EVERY = "The claim holds only if every comparison holds (one that fails makes it fail; all ties make a tie)."


@dataclass(frozen=True, eq=False)
class Outcomes:
    """One comparison's paired outcomes, image by image, and the runs they come from: what the tests
    across universes resample (``joint``). A run is named by its identity, its folder, the same in
    every universe that shares it, so that a test can tell a run two universes share from two runs."""

    a: np.ndarray  # bool (seeds, strata, images): which test images side A's run gets right
    b: np.ndarray  # bool (seeds, strata, images): the same for side B
    a_runs: tuple  # (seeds) tuples of (strata) identities of A's runs; None where the side is not a run
    b_runs: tuple  # the same for side B (None: the input-blind guess of ``at_chance_runs``)

    @functools.cached_property
    def sums(self) -> np.ndarray:
        """int8 (seeds, images): A right minus B right, summed over the strata."""
        return (self.a.astype(np.int8) - self.b.astype(np.int8)).sum(axis=1, dtype=np.int8)

    @property
    def strata(self) -> int:
        """How many strata each seed's difference averages."""
        return self.a.shape[1]

    def per_seed(self) -> np.ndarray:
        """Each seed's accuracy difference A - B, in points (the mean over strata)."""
        return 100 * self.sums.mean(axis=1) / self.strata


TEST_SET = "test set"  # the variability of the image sample: which 10,000 images were drawn
TRAINING = "training randomness"  # the variability of training: initial weights and batch order (seeds)


# How each interval is computed, for the manifest (``Rules.sentence`` says the same in prose).
INTERVAL_METHODS = {
    TEST_SET: "t-interval of the mean over the test images of each image's difference (A right minus B right, "
    "averaged over seeds and strata): the image is the unit, and every seed is scored on the same images",
    TRAINING: "t-interval of the mean of the per-seed differences: the seed is the unit",
}


@dataclass(frozen=True)
class Comparison:
    """One comparison a claim makes, with every interval of it and the variability each covers."""

    label: str  # "lr_0.1/relu vs baseline/relu"
    estimate: float
    unit: str  # "points" (of accuracy) or "% of the reference loss"
    verdict: str
    n_seeds: int
    intervals: dict[str, Interval] = field(default_factory=dict)  # TEST_SET or TRAINING -> interval


@dataclass
class Judgement:
    verdict: str
    details: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)  # the folders of the runs it rests on
    # the comparison that binds the claim (the smallest difference in the claimed direction), in
    # points, with its test-set interval; None where nothing was estimated
    estimate: float | None = None
    interval: Interval | None = None
    # one-sided p-value in the claimed direction (the larger of the image and seed t-tests'); None
    # for a claim that is not "A beats B"
    p: float | None = None
    # each comparison's paired outcomes, in the claim's order; None for a comparison with nothing to
    # compare (missing runs, every run diverged)
    outcomes: list[Outcomes | None] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)  # every comparison that was estimated


class Evidence:
    """The runs a claim is judged on: runs.csv, sensitivity.csv, each run's test predictions and its
    per-epoch record."""

    def __init__(
        self,
        runs: pd.DataFrame,
        sweeps: pd.DataFrame | None = None,
        read_predictions=run_format.read_predictions,
        read_epochs=run_format.read_epochs,
        sweep_command: str | None = None,
    ):
        self.runs = runs
        self.sweep_command = sweep_command  # what runs the study's sweeps, where it names them
        self.sweeps = sweeps if sweeps is not None else pd.DataFrame(columns=["sweep"])
        self._read_predictions = read_predictions
        self._read_epochs = read_epochs
        self._predictions = {}
        self._epochs = {}

    def predictions(self, row: pd.Series) -> pd.DataFrame:
        if row["dir"] not in self._predictions:
            self._predictions[row["dir"]] = self._read_predictions(row["dir"])
        return self._predictions[row["dir"]]

    def epoch_accuracy(self, row: pd.Series, evaluation_set: str) -> pd.Series:
        """A run's accuracy on ``evaluation_set`` after each epoch, in percent, indexed by epoch."""
        if row["dir"] not in self._epochs:
            self._epochs[row["dir"]] = self._read_epochs(row["dir"])
        table = self._epochs[row["dir"]]
        return 100 * table.set_index("epoch")[f"{evaluation_set}_accuracy"]

    def group(self, experiment: str, activation: str) -> pd.DataFrame:
        """The runs of one (experiment, activation), one row per seed."""
        runs = self.runs
        return runs[(runs["experiment"] == experiment) & (runs["activation"] == activation)].set_index("seed")

    def activations(self, experiment: str) -> list[str]:
        return list(dict.fromkeys(self.runs.loc[self.runs["experiment"] == experiment, "activation"]))

    def correct(self, row: pd.Series, n_images: int) -> np.ndarray:
        """Which test images a run gets right; a diverged run gets none."""
        if row["diverged"]:
            return np.zeros(n_images, dtype=bool)
        table = self.predictions(row)
        return (table["label"] == table["predicted"]).to_numpy()

    def labels(self, rows: pd.DataFrame) -> np.ndarray | None:
        """The test labels, from any finished run among ``rows``; None if all diverged."""
        finished = rows[~rows["diverged"].astype(bool)]
        return self.predictions(finished.iloc[0])["label"].to_numpy() if len(finished) else None

    def n_images(self, rows: pd.DataFrame) -> int:
        labels = self.labels(rows)
        return 0 if labels is None else len(labels)


def _name(experiment, activation):
    return f"{experiment}/{activation}"


@dataclass
class Paired:
    """A paired comparison of A and B over seeds and strata, as ``stats`` judges it."""

    estimate: float  # mean over seeds of the mean over strata of accuracy A - B, in points
    test: Interval  # test-set interval, over images (``stats.image_interval``)
    spread: Interval | None  # seed interval, with 2 or more seeds
    a_only: int  # images only A gets right, summed over seeds and strata
    b_only: int
    p_by_seed: list[float]  # McNemar's exact p of each seed, its strata pooled
    n_seeds: int
    verdict: str
    p_greater: float  # one-sided: A beats B, over images and (with 2 or more seeds) over seeds
    outcomes: Outcomes

    def comparison(self, label: str) -> Comparison:
        intervals = {TEST_SET: self.test, **({TRAINING: self.spread} if self.spread else {})}
        return Comparison(label, self.estimate, "points", self.verdict, self.n_seeds, intervals)

    def evidence(self) -> str:
        seeds = self.spread if self.spread else f"— ({self.n_seeds} seed: no spread)"
        return (
            f"{self.estimate:+.2f} points; test set {self.test} (McNemar "
            f"{', '.join(p_value(p) for p in self.p_by_seed)}{' by seed' if self.n_seeds > 1 else ''}; "
            f"{self.a_only} vs {self.b_only} images only one side gets right"
            f"{', over all seeds' if self.n_seeds > 1 else ''}); seeds {seeds}"
        )


def paired(
    correct_by_seed: list[list[tuple[np.ndarray, np.ndarray]]],
    rules: Rules,
    runs_by_seed: list[list[tuple[str | None, str | None]]] | None = None,
) -> Paired:
    """Judge "A beats B" from, per seed, the (correct A, correct B) of each stratum; every pair is
    scored on the same test images, in the same order. ``runs_by_seed``, nested the same way, names
    the (A, B) runs by their identity, for the tests across universes; None where a side is not a run
    (the default: no side is)."""
    pairs = [(ca, cb) for strata in correct_by_seed for ca, cb in strata]
    per_image = np.mean([ca.astype(float) - cb.astype(float) for ca, cb in pairs], axis=0)
    per_seed = [float(np.mean([100 * (ca.mean() - cb.mean()) for ca, cb in strata])) for strata in correct_by_seed]
    estimate = float(np.mean(per_seed))
    counts = [[mcnemar_exact(ca, cb)[:2] for ca, cb in strata] for strata in correct_by_seed]
    p_by_seed = [mcnemar_p(sum(a for a, _ in seed), sum(b for _, b in seed)) for seed in counts]
    a_only, b_only = (sum(c[i] for seed in counts for c in seed) for i in (0, 1))
    test = image_interval(per_image, rules.alpha)
    spread = t_interval(per_seed, rules.alpha)
    verdict = decide(estimate, [test] + ([spread] if spread else []), rules.margin_pp)
    p = max(p for p in (p_greater(per_image), p_greater(per_seed)) if p is not None)
    if runs_by_seed is None:
        runs_by_seed = [[(None, None)] * len(strata) for strata in correct_by_seed]
    outcomes = Outcomes(
        np.array([[ca for ca, _ in strata] for strata in correct_by_seed], dtype=bool),
        np.array([[cb for _, cb in strata] for strata in correct_by_seed], dtype=bool),
        tuple(tuple(a for a, _ in strata) for strata in runs_by_seed),
        tuple(tuple(b for _, b in strata) for strata in runs_by_seed),
    )
    return Paired(estimate, test, spread, a_only, b_only, p_by_seed, len(per_seed), verdict, p, outcomes)


def compare_runs(evidence: Evidence, pairs: list[tuple[str, str, str, str]], rules: Rules) -> Judgement:
    """Do the runs of A beat those of B? ``pairs`` = (experiment A, activation A, experiment B,
    activation B), one per stratum; several strata are compared on their mean (``over: overall``).
    """
    groups = [(evidence.group(ea, aa), evidence.group(eb, ab)) for ea, aa, eb, ab in pairs]
    label = " + ".join(f"{_name(ea, aa)} vs {_name(eb, ab)}" for ea, aa, eb, ab in pairs)
    missing = [_name(*key) for (ga, gb), p in zip(groups, pairs) for g, key in ((ga, p[:2]), (gb, p[2:])) if g.empty]
    if missing:
        return Judgement(INCONCLUSIVE, [f"{label}: {', '.join(missing)} has no runs (missing)"], outcomes=[None])
    if all(ga["diverged"].all() and gb["diverged"].all() for ga, gb in groups):
        return Judgement(INCONCLUSIVE, [f"{label}: every run on both sides diverged"], outcomes=[None])
    seeds = sorted(set.intersection(*(set(ga.index) & set(gb.index) for ga, gb in groups)))
    n_images = max(evidence.n_images(g) for pair in groups for g in pair)
    result = paired(
        [
            [(evidence.correct(ga.loc[seed], n_images), evidence.correct(gb.loc[seed], n_images)) for ga, gb in groups]
            for seed in seeds
        ],
        rules,
        [[(ga.loc[seed, "dir"], gb.loc[seed, "dir"]) for ga, gb in groups] for seed in seeds],
    )
    diverged = [
        _name(*p[:2]) if ga["diverged"].any() else _name(*p[2:])
        for (ga, gb), p in zip(groups, pairs)
        if ga["diverged"].any() or gb["diverged"].any()
    ]
    failed = [
        _name(*key)
        for (ga, gb), p in zip(groups, pairs)
        for g, key in ((ga, p[:2]), (gb, p[2:]))
        if g["failed_to_learn"].any()
    ]
    return Judgement(
        result.verdict,
        [
            f"{label}: {result.evidence()}"
            + (f"; diverged runs in {', '.join(diverged)}" if diverged else "")
            + (f"; runs that failed to learn in {', '.join(failed)}" if failed else "")
            + f" → {result.verdict}"
        ],
        [d for ga, gb in groups for d in (*ga["dir"], *gb["dir"])],
        result.estimate,
        result.test,
        result.p_greater,
        [result.outcomes],
        [result.comparison(label)],
    )


def compare_reported(
    numbers: StudyNumbers, pairs: list[tuple[str, str, str, str]], rules: Rules, statistic: Statistic = Statistic()
) -> Judgement:
    """The same comparison on the study's own numbers: no spread, no predictions, the margin alone.
    Each side is the study's number of ``statistic``, or the one it reports instead (said so)."""
    values = [(numbers.number(ea, aa, statistic), numbers.number(eb, ab, statistic)) for ea, aa, eb, ab in pairs]
    label = " + ".join(f"{_name(ea, aa)} vs {_name(eb, ab)}" for ea, aa, eb, ab in pairs)
    if any(a is None or b is None for a, b in values):
        return Judgement(INCONCLUSIVE, [f"{label}: the study reports no number for one side"])
    estimate = float(np.mean([a.value - b.value for a, b in values]))
    verdict = decide(estimate, [], rules.margin_pp)
    others = {n.statistic for pair in values for n in pair} - {statistic}
    note = f" (the study's numbers: {', '.join(s.words() for s in others)})" if others else ""
    return Judgement(verdict, [f"{label}: {estimate:+.2f} points{note} → {verdict}"], estimate=estimate)


def compare_statistic(
    evidence: Evidence, pairs: list[tuple[str, str, str, str]], rules: Rules, statistic: Statistic
) -> Judgement:
    """Do the runs of A beat those of B on ``statistic`` (each run's peak over epochs, say)? Runs are
    paired seed by seed, as ``compare_runs`` pairs them; no run keeps its predictions at every epoch,
    so the seeds' interval alone measures the noise, and one seed cannot say (inconclusive). A
    diverged run counts as 0 %."""
    groups = [(evidence.group(ea, aa), evidence.group(eb, ab)) for ea, aa, eb, ab in pairs]
    label = " + ".join(f"{_name(ea, aa)} vs {_name(eb, ab)}" for ea, aa, eb, ab in pairs)
    missing = [_name(*key) for (ga, gb), p in zip(groups, pairs) for g, key in ((ga, p[:2]), (gb, p[2:])) if g.empty]
    if missing:
        return Judgement(INCONCLUSIVE, [f"{label}: {', '.join(missing)} has no runs (missing)"], outcomes=[None])

    def values(group):
        return statistic_values(group.reset_index(), statistic).set_index("seed")["value"].fillna(0.0)

    sides = [(values(ga), values(gb)) for ga, gb in groups]
    seeds = sorted(set.intersection(*(set(a.index) & set(b.index) for a, b in sides)))
    per_seed = [float(np.mean([a[s] - b[s] for a, b in sides])) for s in seeds]
    estimate, spread = float(np.mean(per_seed)), t_interval(per_seed, rules.alpha)
    runs = [d for ga, gb in groups for d in (*ga["dir"], *gb["dir"])]
    if spread is None:
        return Judgement(
            INCONCLUSIVE,
            [f"{label}: {estimate:+.2f} points on {statistic.words()}; one seed, no interval → {INCONCLUSIVE}"],
            runs,
            estimate,
            outcomes=[None],
        )
    verdict = decide(estimate, [spread], rules.margin_pp)
    comparison = Comparison(label, estimate, "points", verdict, len(seeds), {TRAINING: spread})
    return Judgement(
        verdict,
        [f"{label}: {estimate:+.2f} points on {statistic.words()}; seeds {spread} → {verdict}"],
        runs,
        estimate,
        None,
        p_greater(per_seed),
        [None],
        [comparison],
    )


def comparison_pairs(claim: dict, activations_of) -> list[list[tuple[str, str, str, str]]]:
    """The comparisons a ``beats`` or ``best_activation`` claim makes: a list of stratum lists."""
    if claim["kind"] == "best_activation":
        exp, best = claim["experiment"], claim["activation"]
        return [[(exp, best, exp, other)] for other in activations_of(exp) if other != best]
    activations = [a for a in activations_of(claim["better"]) if a in activations_of(claim["worse"])]
    pairs = [(claim["better"], a, claim["worse"], a) for a in activations]
    return [pairs] if claim.get("over", "every") == "overall" else [[p] for p in pairs]


def _combined(judgements: list[Judgement]) -> Judgement:
    if not judgements:
        return Judgement(INCONCLUSIVE, ["nothing to compare (missing runs)"])
    estimated = [j for j in judgements if j.estimate is not None]
    binding = min(estimated, key=lambda j: j.estimate) if estimated else None
    p_values = [j.p for j in judgements]
    return Judgement(
        combine_every([j.verdict for j in judgements]),
        [d for j in judgements for d in j.details],
        list(dict.fromkeys(r for j in judgements for r in j.runs)),
        binding.estimate if binding else None,
        binding.interval if binding else None,
        max(p_values) if p_values and None not in p_values else None,
        [o for j in judgements for o in j.outcomes],
        [c for j in judgements for c in j.comparisons],
    )


# "At chance" from the verdict on "the runs beat the input-blind guess".
AT_CHANCE = {HOLDS: FAILS, TIE: HOLDS, FAILS: HOLDS, INCONCLUSIVE: INCONCLUSIVE}


def at_chance_runs(evidence: Evidence, claim: dict, rules: Rules) -> Judgement:
    """Is the group no better than a network that ignores its input and always answers the commonest
    class? The runs are compared with that guess image by image, like any two runs: the claim holds
    when the comparison is a tie or a loss, and fails when the runs confidently beat the guess."""
    rows = evidence.group(claim["experiment"], claim["activation"])
    name = _name(claim["experiment"], claim["activation"])
    if rows.empty:
        return Judgement(INCONCLUSIVE, [f"{name}: no runs (missing)"])
    labels = evidence.labels(rows)
    if labels is None:
        return Judgement(HOLDS, [f"{name}: every seed diverged, which is failing"])
    commonest = int(np.bincount(labels).argmax())
    guess = labels == commonest
    info = DATASET_INFO[rows["dataset"].iloc[0]]
    # the guess is one fixed function of the labels, no random run: it has no identity, so no test across
    # universes can exchange it with the runs it is compared with (``joint.Grid.of`` refuses it)
    result = paired(
        [[(evidence.correct(row, len(labels)), guess)] for _, row in rows.iterrows()],
        rules,
        [[(row["dir"], None)] for _, row in rows.iterrows()],
    )
    verdict = AT_CHANCE[result.verdict]
    return Judgement(
        verdict,
        [
            f"{name}: {result.estimate + 100 * guess.mean():.2f}% against {100 * guess.mean():.2f}% for always answering "
            f"{info.class_name(commonest)} ({UNIFORM_GUESS_PCT:g}% for a uniform guess): {result.evidence()} → {verdict}"
        ],
        list(rows["dir"]),
        result.estimate,
        result.test,
        outcomes=[result.outcomes],
        comparisons=[result.comparison(f"{name} vs always answering {info.class_name(commonest)}")],
    )  # how far above chance; no one-sided p: the claim is that there is no gain


def at_chance_reported(numbers: StudyNumbers, claim: dict, chance_pct: float, rules: Rules) -> Judgement:
    number = numbers.number(claim["experiment"], claim["activation"])
    if number is None:
        return Judgement(INCONCLUSIVE, ["the study reports no number"])
    value = number.value
    verdict = AT_CHANCE[decide(value - chance_pct, [], rules.margin_pp)]
    return Judgement(
        verdict,
        [f"{value:g}% against {chance_pct:.2f}%: {value - chance_pct:+.2f} points → {verdict}"],
        estimate=value - chance_pct,
    )


def train_loss_rises(evidence: Evidence, claim: dict, rules: Rules) -> Judgement:
    """For every activation and every weight decay above ``reference``: the final train loss's change
    from the loss at ``reference``, in percent of it, per seed; the seed interval and the loss
    margin decide. Relative, because final losses span three orders of magnitude across activations."""
    sweeps = evidence.sweeps
    rows = (
        sweeps[(sweeps["sweep"] == claim["sweep"]) & (sweeps["variant_of"] == claim["variant_of"])]
        if not sweeps.empty
        else sweeps
    )
    if rows.empty:
        run = f"run {evidence.sweep_command}" if evidence.sweep_command else "the study names no overlay for it"
        return Judgement(UNTESTED, [f"needs the weight-decay sweep; {run}"])
    reference = float(claim["reference"])
    judgements = []
    for activation, by_activation in rows.groupby("activation", sort=False):
        at_reference = by_activation[by_activation["weight_decay"] == reference]
        base = at_reference.set_index("seed")["train_loss"]
        if base.empty:
            judgements.append(Judgement(INCONCLUSIVE, [f"{activation}: no run at weight decay {number(reference)}"]))
            continue
        for wd, larger in by_activation[by_activation["weight_decay"] > reference].groupby("weight_decay"):
            losses = larger.set_index("seed")["train_loss"]
            change = (100 * (losses - base) / base).dropna()
            runs = [*larger["dir"], *at_reference["dir"]]
            if change.empty:
                judgements.append(
                    Judgement(INCONCLUSIVE, [f"{activation}, {number(wd)}: no finished pair of runs"], runs)
                )
                continue
            spread = t_interval(change, rules.alpha)
            estimate = float(change.mean())
            verdict = decide(estimate, [spread] if spread else [], rules.loss_margin_pct)
            judgements.append(
                Judgement(
                    verdict,
                    [
                        f"{activation}: train loss {losses.mean():.4g} at weight decay {number(wd)} vs {base.mean():.4g} at "
                        f"{number(reference)}: {estimate:+.1f}%; seeds {f'[{spread.low:+.1f}%, {spread.high:+.1f}%]' if spread else f'— ({len(change)} seed: no spread)'}"
                        f" → {verdict}"
                    ],
                    runs,
                    comparisons=[
                        Comparison(
                            f"{activation}: weight decay {number(wd)} vs {number(reference)}",
                            estimate,
                            "% of the reference loss",
                            verdict,
                            len(change),
                            {TRAINING: spread} if spread else {},
                        )
                    ],
                )
            )
    return _combined(judgements)


def reaches_runs(evidence: Evidence, claim: dict, rules: Rules) -> Judgement:
    """Do the runs reach the accuracy the study states? The claim's statistic of the runs (``study.
    Statistic``: the mean over seeds for one run, the expected best of k otherwise) against the stated
    value: it holds when at least the value less the tolerance of the study's numbers (``close_pp``),
    and fails below that. One number against another: no interval."""
    statistic, name = Statistic.of_entry(claim), _name(claim["experiment"], claim["activation"])
    rows = evidence.group(claim["experiment"], claim["activation"])
    if rows.empty:
        return Judgement(INCONCLUSIVE, [f"{name}: no runs (missing)"])
    values = statistic_values(rows.reset_index(), statistic)["value"]
    ours = expected_best(values, statistic.best_of)
    if ours is None:
        return Judgement(
            INCONCLUSIVE, [f"{name}: {statistic.words()} needs {statistic.best_of} finished runs"], list(rows["dir"])
        )
    return _reaches(name, ours, statistic.ours(), claim, rules, list(rows["dir"]))


def _reaches(name: str, value: float, what: str, claim: dict, rules: Rules, runs=()) -> Judgement:
    stated, threshold = float(claim["value"]), float(claim["value"]) - rules.close_pp
    verdict = HOLDS if value >= threshold else FAILS
    return Judgement(
        verdict,
        [f"{name}: {value:.2f}% ({what}) against the stated {stated:g}% (reached from {threshold:g}%) → {verdict}"],
        list(runs),
        value - stated,
    )


def reaches_reported(numbers: StudyNumbers, claim: dict, chance_pct: float, rules: Rules) -> Judgement:
    statistic = Statistic.of_entry(claim)
    number = numbers.number(claim["experiment"], claim["activation"], statistic)
    if number is None:
        return Judgement(INCONCLUSIVE, ["the study reports no number for it"])
    return _reaches(
        _name(claim["experiment"], claim["activation"]), number.value, number.statistic.words(), claim, rules
    )


def _rise(accuracy: pd.Series, window: int) -> float:
    """The mean accuracy of the last ``window`` epochs less that of the ``window`` before them, in points."""
    return float(accuracy.iloc[-window:].mean() - accuracy.iloc[-2 * window : -window].mean())


def still_improving_runs(evidence: Evidence, claim: dict, rules: Rules) -> Judgement:
    """Is the accuracy still rising at the end? Per seed, the mean accuracy (on the claim's set) of
    the last ``window`` epochs less that of the ``window`` before them; over seeds, a t-interval and the
    margin decide, as for "A beats B". One seed cannot say (inconclusive); a diverged run is not rising."""
    window, statistic = int(claim["window"]), Statistic.of_entry(claim)
    name = _name(claim["experiment"], claim["activation"])
    rows = evidence.group(claim["experiment"], claim["activation"])
    if rows.empty:
        return Judgement(INCONCLUSIVE, [f"{name}: no runs (missing)"])
    runs = list(rows["dir"])
    finished = rows[~rows["diverged"].astype(bool)]
    curves = [evidence.epoch_accuracy(row, statistic.set) for _, row in finished.iterrows()]
    short = [len(c) for c in curves if len(c) < 2 * window]
    if short or not curves:
        have = f"the runs have {min(short)}" if short else "every run diverged"
        return Judgement(
            INCONCLUSIVE,
            [f"{name}: the last {window} epochs against the {window} before need {2 * window} epochs; {have}"],
            runs,
        )
    rises = [_rise(c, window) for c in curves]
    estimate, spread = float(np.mean(rises)), t_interval(rises, rules.alpha)
    what = f"the last {window} epochs' mean {statistic.set} accuracy less the {window} before"
    if spread is None:
        return Judgement(
            INCONCLUSIVE,
            [f"{name}: {estimate:+.2f} points ({what}); one seed, no interval → {INCONCLUSIVE}"],
            runs,
            estimate,
        )
    verdict = decide(estimate, [spread], rules.margin_pp)
    comparison = Comparison(f"{name}: {what}", estimate, "points", verdict, len(rises), {TRAINING: spread})
    return Judgement(
        verdict,
        [f"{name}: {estimate:+.2f} points ({what}); seeds {spread} → {verdict}"],
        runs,
        estimate,
        None,
        p_greater(rises),
        comparisons=[comparison],
    )


def still_improving_reported(numbers: StudyNumbers, claim: dict, chance_pct: float, rules: Rules) -> Judgement:
    """The same on the curve the study prints, where it prints every epoch the rule needs."""
    window, name = int(claim["window"]), _name(claim["experiment"], claim["activation"])
    curve = numbers.curve(claim["experiment"], claim["activation"])
    needed = list(range(numbers.epochs - 2 * window + 1, numbers.epochs + 1))
    printed = dict(curve.points) if curve else {}
    if not all(e in printed for e in needed):
        shown = sorted(e for e in needed if e in printed)
        return Judgement(
            INCONCLUSIVE,
            [
                f"{name}: the rule needs epochs {needed[0]} to {needed[-1]}; the study prints "
                + (f"{', '.join(map(str, shown))} of them" if shown else "none of them")
            ],
        )
    accuracy = pd.Series([printed[e] for e in needed])
    estimate = _rise(accuracy, window)
    verdict = decide(estimate, [], rules.margin_pp)
    return Judgement(verdict, [f"{name}: {estimate:+.2f} points → {verdict}"], estimate=estimate)


def _judge_beats(claim: dict, evidence: Evidence, rules: Rules) -> Judgement:
    statistic = Statistic.of_entry(claim)
    if statistic.default:
        compare = compare_runs
    else:

        def compare(evidence, pairs, rules):
            return compare_statistic(evidence, pairs, rules, statistic)

    return _combined([compare(evidence, pairs, rules) for pairs in comparison_pairs(claim, evidence.activations)])


def _beats_reported(claim: dict, numbers: StudyNumbers, rules: Rules, chance_pct: float) -> Judgement:
    statistic = Statistic.of_entry(claim)
    return _combined(
        [compare_reported(numbers, pairs, rules, statistic) for pairs in comparison_pairs(claim, numbers.activations)]
    )


def _beats_rule(rules: Rules, claim: dict) -> str:
    statistic = Statistic.of_entry(claim)
    if claim["kind"] == "best_activation":
        return f"{_beats_clause(rules)} {claim['activation']} is compared with every other activation of {claim['experiment']}. {EVERY}"
    beats = _beats_clause(rules) if statistic.default else _statistic_clause(rules, statistic)
    if claim.get("over", "every") == "overall":
        return f"{beats} The mean over activations of {claim['better']} is compared with that of {claim['worse']}."
    return f"{beats} {claim['better']} is compared with {claim['worse']} for each activation. {EVERY}"


def _statistic_clause(rules: Rules, statistic: Statistic) -> str:
    return (
        f"A comparison “A beats B” on {statistic.words()} pairs the runs seed by seed: it holds when A is ahead by at "
        f"least {rules.margin_pp:g} points and the {rules.confidence} interval of the per-seed differences excludes "
        f"zero; it fails when the same holds the other way, is a tie when the interval lies within "
        f"±{rules.margin_pp:g} points, and is inconclusive otherwise, and with one seed."
    )


def _beats_sentence_for(rules: Rules, claims: list[dict]) -> str | None:
    """The report's paragraph's part for comparisons on another statistic than the final accuracy."""
    others = list(dict.fromkeys(Statistic.of_entry(c) for c in claims if not Statistic.of_entry(c).default))
    if not others:
        return None
    return (
        f"A comparison on {' or on '.join(s.words() for s in others)} pairs the runs seed by seed: no run keeps "
        "its predictions at every epoch, so its only interval is the seeds' (one seed cannot say)."
    )


def _at_chance_rule(rules: Rules, claim: dict) -> str:
    return (
        f"The runs of {claim['experiment']}/{claim['activation']} are compared, image by image, with a "
        f"network that ignores its input and always answers the commonest class. {_beats_clause(rules)} The claim holds "
        "when that comparison is a tie or a loss and fails when the runs beat the guess."
    )


def _loss_rule(rules: Rules, claim: dict) -> str:
    reference = number(float(claim["reference"]))
    return (
        f"For each activation and each weight decay above {reference}, the final train "
        f"loss's change from the loss at {reference}, per seed, in percent of it: a "
        f"change holds when it is at least {rules.loss_margin_pct:g} % and its {rules.confidence} seed interval excludes "
        f"zero, and is a tie when the interval lies within ±{rules.loss_margin_pct:g} %. {EVERY}"
    )


def _loss_sentence(rules: Rules, claims: list[dict]) -> str:
    return (
        "A claim about final train losses compares them per seed, relative to the reference "
        f"(a t-interval of the per-seed changes; a change within {rules.loss_margin_pct:g} % of the loss is a tie)."
    )


def _reaches_rule(rules: Rules, claim: dict) -> str:
    statistic, stated = Statistic.of_entry(claim), float(claim["value"])
    return (
        f"The runs of {claim['experiment']}/{claim['activation']} give {statistic.ours()}. The claim holds when that "
        f"is at least {stated - rules.close_pp:g} % (the stated {stated:g} % less the {rules.close_pp:g}-point "
        "tolerance of the study's numbers) and fails below it: one number against another, with no interval."
    )


def _reaches_sentence(rules: Rules, claims: list[dict]) -> str:
    return (
        "A claim that the runs reach an accuracy the study states holds when the same statistic of this build's "
        f"runs (the mean over seeds, or the expected best of k runs) is at least that accuracy less {rules.close_pp:g} "
        "points, the tolerance of the study's numbers, and fails below it."
    )


def _still_improving_rule(rules: Rules, claim: dict) -> str:
    window = int(claim["window"])
    return (
        f"For each seed of {claim['experiment']}/{claim['activation']}, the mean accuracy of the last {window} epochs "
        f"less that of the {window} before them: the claim holds when the mean of these rises is at least "
        f"{rules.margin_pp:g} points and its {rules.confidence} seed interval excludes zero, fails when the same holds "
        f"the other way, is a tie when the interval lies within ±{rules.margin_pp:g} points, and is inconclusive "
        "otherwise, and with one seed."
    )


def _still_improving_sentence(rules: Rules, claims: list[dict]) -> str:
    return (
        "A claim that accuracy is still rising compares, seed by seed, the mean accuracy of a run's last epochs with "
        f"that of as many epochs before them (a t-interval of the per-seed rises; at least {rules.margin_pp:g} points "
        "to count)."
    )


@dataclass(frozen=True)
class ClaimKind:
    """What code knows of one kind of claim: how it is judged on the runs and on the study's own numbers,
    its rule in words for one claim (the manifest) and, where the general rule does not cover it, its
    part of the report's paragraph of rules, given the study's claims of this kind."""

    judge: Callable[[dict, "Evidence", Rules], Judgement]
    judge_reported: Callable[[dict, StudyNumbers, Rules, float], Judgement]
    rule: Callable[[Rules, dict], str]
    sentence: Callable[[Rules, list[dict]], str | None] | None = None


def _reported(fn):
    """A judge on the study's numbers with the (claim, numbers, rules, chance) order of ``ClaimKind``."""
    return lambda claim, numbers, rules, chance_pct: fn(numbers, claim, chance_pct, rules)


KINDS = {
    "beats": ClaimKind(_judge_beats, _beats_reported, _beats_rule, _beats_sentence_for),
    "best_activation": ClaimKind(_judge_beats, _beats_reported, _beats_rule),
    "at_chance": ClaimKind(
        lambda claim, evidence, rules: at_chance_runs(evidence, claim, rules),
        _reported(at_chance_reported),
        _at_chance_rule,
    ),
    "train_loss_rises": ClaimKind(
        lambda claim, evidence, rules: train_loss_rises(evidence, claim, rules),
        lambda claim, numbers, rules, chance_pct: Judgement(UNTESTED, ["the study reports no numbers for this"]),
        _loss_rule,
        _loss_sentence,
    ),
    "reaches": ClaimKind(
        lambda claim, evidence, rules: reaches_runs(evidence, claim, rules),
        _reported(reaches_reported),
        _reaches_rule,
        _reaches_sentence,
    ),
    "still_improving": ClaimKind(
        lambda claim, evidence, rules: still_improving_runs(evidence, claim, rules),
        _reported(still_improving_reported),
        _still_improving_rule,
        _still_improving_sentence,
    ),
}
CLAIM_KINDS = tuple(KINDS)  # what ``judge`` can judge; the study schema's enum of claim kinds


def _kind(claim: dict) -> ClaimKind:
    if claim["kind"] not in KINDS:
        raise ValueError(f"unknown claim kind {claim['kind']!r}; the kinds are {', '.join(KINDS)}")
    return KINDS[claim["kind"]]


def judge(claim: dict, evidence: Evidence, rules: Rules) -> Judgement:
    """A claim's verdict on the runs."""
    return _kind(claim).judge(claim, evidence, rules)


def judge_reported(claim: dict, numbers: StudyNumbers, rules: Rules, chance_pct: float) -> Judgement:
    """The same claim on the study's own numbers (``study.StudyNumbers``), as far as they go."""
    return _kind(claim).judge_reported(claim, numbers, rules, chance_pct)
