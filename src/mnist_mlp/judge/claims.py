"""The study's claims judged on the runs, and on the study's own numbers, by the rules of ``stats``.

A claim is data in config/study_reported.yaml (``claims``), its thresholds too (``verdicts``):

- ``beats``: experiment ``better`` beats ``worse``, ``over: every`` activation (each comparison
  must hold) or ``over: overall`` (one comparison of the mean over activations);
- ``best_activation``: in ``experiment``, ``activation`` beats every other activation;
- ``at_chance``: in ``experiment``, ``activation`` does no better than a network that ignores its
  input;
- ``train_loss_rises``: in sensitivity sweep ``sweep`` (varying ``variant_of``), every weight
  decay larger than ``reference`` ends with a higher train loss, for every activation.
"""

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
from mnist_mlp.runs import run_format

CLAIM_KINDS = ("beats", "best_activation", "at_chance", "train_loss_rises")  # what ``judge`` can judge
SENSITIVITY_COMMAND = "snakemake --cores 2 --configfile config/sensitivity.yaml"


@dataclass(frozen=True)
class Rules:
    """The thresholds of every verdict (study_reported.yaml, ``verdicts``)."""

    alpha: float  # significance level of every interval: (1 - alpha) confidence
    margin_pp: float  # the smallest accuracy difference, in points, that counts as one
    loss_margin_pct: float  # the smallest change of a final train loss, in percent of it, that counts

    @classmethod
    def from_study(cls, study: dict) -> "Rules":
        v = study["verdicts"]
        return cls(float(v["alpha"]), float(v["margin_pp"]), float(v["loss_margin_pct"]))

    def sentence(self) -> str:
        """The rule, in words, for the report."""
        confidence = f"{100 * (1 - self.alpha):g} %"
        return (
            f"“A beats B” holds when A is ahead by at least {self.margin_pp:g} points and two {confidence} "
            "intervals of the difference both exclude zero: one for the test set, with the image as the unit (a "
            "t-interval of each test image's difference, A right minus B right, averaged over seeds and "
            "activations: the seeds are scored on the same images, so they are not pooled as new ones; McNemar's "
            "exact test gives each seed's p-value) and, with 2 or more seeds, one for training randomness (a "
            "t-interval of the per-seed differences). It fails when the same holds the other "
            f"way, and is a tie when both intervals lie within ±{self.margin_pp:g} points; anything else is "
            "inconclusive. A claim about final train losses compares them per seed, relative to the reference "
            f"(a t-interval of the per-seed changes; a change within {self.loss_margin_pct:g} % of the loss is a tie). "
            "A claim “for every activation” holds only if every activation's comparison holds "
            "(one that fails makes it fail; all ties make a tie); an “overall” claim compares the means over "
            "activations. A diverged run counts as getting every test image wrong. The study's own numbers "
            "have neither spread nor predictions, so for them the margin alone decides."
        )

    def for_claim(self, claim: dict) -> str:
        """The rule that decides ``claim``, in words: what the claims manifest gives each claim."""
        confidence = f"{100 * (1 - self.alpha):g} %"
        beats = (
            f"A comparison “A beats B” holds when A is ahead by at least {self.margin_pp:g} points and its "
            f"{confidence} intervals exclude zero (over the test images and, with 2 or more seeds, over the "
            f"seeds); it fails when the same holds the other way, is a tie when every interval lies within "
            f"±{self.margin_pp:g} points, and is inconclusive otherwise."
        )
        every = "The claim holds only if every comparison holds (one that fails makes it fail; all ties make a tie)."
        kind = claim["kind"]
        if kind == "best_activation":
            return f"{beats} {claim['activation']} is compared with every other activation of {claim['experiment']}. {every}"
        if kind == "beats" and claim.get("over", "every") == "overall":
            return f"{beats} The mean over activations of {claim['better']} is compared with that of {claim['worse']}."
        if kind == "beats":
            return f"{beats} {claim['better']} is compared with {claim['worse']} for each activation. {every}"
        if kind == "at_chance":
            return (
                f"The runs of {claim['experiment']}/{claim['activation']} are compared, image by image, with a "
                f"network that ignores its input and always answers the commonest class. {beats} The claim holds "
                "when that comparison is a tie or a loss and fails when the runs beat the guess."
            )
        return (
            f"For each activation and each weight decay above {number(float(claim['reference']))}, the final train "
            f"loss's change from the loss at {number(float(claim['reference']))}, per seed, in percent of it: a "
            f"change holds when it is at least {self.loss_margin_pct:g} % and its {confidence} seed interval excludes "
            f"zero, and is a tie when the interval lies within ±{self.loss_margin_pct:g} %. {every}"
        )


@dataclass(frozen=True)
class Outcomes:
    """One comparison's paired outcomes, image by image: what the tests across universes resample."""

    sums: np.ndarray  # int8 (seeds, images): A right minus B right, summed over the strata
    strata: int  # how many strata each seed's difference averages

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
    """The runs a claim is judged on: runs.csv, sensitivity.csv, and each run's test predictions."""

    def __init__(
        self, runs: pd.DataFrame, sweeps: pd.DataFrame | None = None, read_predictions=run_format.read_predictions
    ):
        self.runs = runs
        self.sweeps = sweeps if sweeps is not None else pd.DataFrame(columns=["sweep"])
        self._read_predictions = read_predictions
        self._predictions = {}

    def predictions(self, row: pd.Series) -> pd.DataFrame:
        if row["dir"] not in self._predictions:
            self._predictions[row["dir"]] = self._read_predictions(row["dir"])
        return self._predictions[row["dir"]]

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


def paired(correct_by_seed: list[list[tuple[np.ndarray, np.ndarray]]], rules: Rules) -> Paired:
    """Judge "A beats B" from, per seed, the (correct A, correct B) of each stratum; every pair is
    scored on the same test images, in the same order."""
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
    sums = np.array(
        [np.sum([ca.astype(np.int8) - cb.astype(np.int8) for ca, cb in strata], axis=0) for strata in correct_by_seed],
        dtype=np.int8,
    )
    outcomes = Outcomes(sums, len(correct_by_seed[0]))
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


def compare_reported(reported: dict, pairs: list[tuple[str, str, str, str]], rules: Rules) -> Judgement:
    """The same comparison on the study's own numbers: no spread, no predictions, the margin alone."""
    values = [(reported.get(ea, {}).get(aa), reported.get(eb, {}).get(ab)) for ea, aa, eb, ab in pairs]
    label = " + ".join(f"{_name(ea, aa)} vs {_name(eb, ab)}" for ea, aa, eb, ab in pairs)
    if any(a is None or b is None for a, b in values):
        return Judgement(INCONCLUSIVE, [f"{label}: the study reports no number for one side"])
    estimate = float(np.mean([a - b for a, b in values]))
    verdict = decide(estimate, [], rules.margin_pp)
    return Judgement(verdict, [f"{label}: {estimate:+.2f} points → {verdict}"], estimate=estimate)


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
    result = paired([[(evidence.correct(row, len(labels)), guess)] for _, row in rows.iterrows()], rules)
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


def at_chance_reported(reported: dict, claim: dict, chance_pct: float, rules: Rules) -> Judgement:
    value = reported.get(claim["experiment"], {}).get(claim["activation"])
    if value is None:
        return Judgement(INCONCLUSIVE, ["the study reports no number"])
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
        return Judgement(UNTESTED, [f"needs the weight-decay sweep; run {SENSITIVITY_COMMAND}"])
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


def judge(claim: dict, evidence: Evidence, rules: Rules) -> Judgement:
    """A claim's verdict on the runs."""
    kind = claim["kind"]
    if kind in ("beats", "best_activation"):
        return _combined(
            [compare_runs(evidence, pairs, rules) for pairs in comparison_pairs(claim, evidence.activations)]
        )
    if kind == "at_chance":
        return at_chance_runs(evidence, claim, rules)
    if kind == "train_loss_rises":
        return train_loss_rises(evidence, claim, rules)
    raise ValueError(f"unknown claim kind {kind!r}")


def judge_reported(claim: dict, reported: dict, rules: Rules, chance_pct: float) -> Judgement:
    """The same claim on the study's own numbers, as far as they go."""
    kind = claim["kind"]
    if kind in ("beats", "best_activation"):
        activations_of = lambda exp: list(reported.get(exp, {}))  # noqa: E731
        return _combined(
            [compare_reported(reported, pairs, rules) for pairs in comparison_pairs(claim, activations_of)]
        )
    if kind == "at_chance":
        return at_chance_reported(reported, claim, chance_pct, rules)
    return Judgement(UNTESTED, ["the study reports no numbers for this"])
