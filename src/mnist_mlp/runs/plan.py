"""From the config to the list of runs: which runs each experiment and each sensitivity sweep
needs, with one spelling per number and per initialisation, so that runs that coincide are one job.
No Snakemake in here; workflow/rules/common.smk calls it.
"""

import itertools
import math

from mnist_mlp.fmt import count, number
from mnist_mlp.data.arrays import TRAIN_SET_SIZE as MAX_TRAIN
from mnist_mlp.data.arrays import EVALUATION_SETS, SUBSETS, split_problem
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.nn.costs import COSTS
from mnist_mlp.nn.init import BIAS_INITS, SCHEMES, resolve_bias, resolve_scheme
from mnist_mlp.nn.l2 import L2_FORMS
from mnist_mlp.runs.key import RunKey, spell_widths

SETTING_KEYS = ("init", "lr", "weight_decay", "hidden", "n_train", "dataset")  # what a sweep or an axis may change
# Axes that change what the study is about (how much data, which data) rather than a choice it left
# open: the multiverse reports them apart, one robustness per option.
SCOPE_KEYS = ("n_train", "dataset")


# The jobs around training, by rule: the data jobs before it (one per dataset; one per dataset and
# subset size), each section's figures (one job per experiment with figures, drawn as soon as its
# runs end, beside the training of the others), the jobs after all training (the plots side by
# side), then report_html. The report's cost table and the cost model (bench/bench_study.py) both
# read these.
JOBS_BEFORE_TRAINING = ("download", "preprocess")
SECTION_JOBS = "plot_section"
JOBS_AFTER_TRAINING = ("aggregate", "judge_multiverse")
OVERVIEW_JOB = "plot_overview"  # reads the runs themselves: drawn beside aggregation, not after it
PLOT_JOBS = (OVERVIEW_JOB, "plot_sensitivity", "plot_multiverse", "plot_choices")
ONLY_WITH_SWEEPS = {"plot_sensitivity"}
ONLY_WITH_MULTIVERSE = {"judge_multiverse", "plot_multiverse", "plot_choices"}


def jobs_around_training(
    datasets: list[str], data_stems: list[str], sections: list[str], sweeps: bool, multiverse: bool
) -> list[str]:
    """Every job around training but the report's own, named as its benchmark file below
    benchmarks/ names it ("download/mnist", "preprocess/mnist_n30000", "plot_section/baseline",
    "aggregate", ...); ``sections``: the experiments whose figures a job of their own draws."""
    skipped = (set() if sweeps else ONLY_WITH_SWEEPS) | (set() if multiverse else ONLY_WITH_MULTIVERSE)
    return [
        *(f"download/{dataset}" for dataset in datasets),
        *(f"preprocess/{stem}" for stem in data_stems),
        *(f"{SECTION_JOBS}/{section}" for section in sections),
        *(job for job in JOBS_AFTER_TRAINING + PLOT_JOBS if job not in skipped),
    ]


def defaults(config: dict) -> dict:
    """What a run uses for each setting an experiment does not give (the config's data, model and
    training)."""
    data, model, train = config["data"], config["model"], config["train"]
    return {
        "dataset": data["dataset"],
        "n_train": data["n_train"],
        "subset": data["subset"],
        "validation": data["validation"],
        "hidden": model["hidden"],
        "init": model["init"],
        "bias_init": model["bias_init"],
        "cost": model["cost"],
        "weight_decay": 0,
        "l2": train["l2"],
        "epochs": train["epochs"],
        "batch_size": train["batch_size"],
        "evaluate_on": train["evaluate_on"],
    }


# What a run uses for a setting neither its experiment nor ``defaults`` gives: what every run used
# before the setting could be chosen (RunKey's option defaults; the epochs and batch size of train).
RUN_DEFAULTS = {
    "subset": SUBSETS[0],
    "validation": 0,
    "bias_init": BIAS_INITS[0],
    "cost": COSTS[0],
    "l2": L2_FORMS[0],
    "epochs": None,
    "batch_size": None,
    "evaluate_on": EVALUATION_SETS[0],
}


def run_key(experiment: dict, activation: str, seed: int, default: dict) -> RunKey:
    """The run of ``experiment`` with ``activation`` and ``seed``, ``default`` (see ``defaults``)
    filling what it does not set. Settings with several spellings are given one, so that runs that
    coincide are one job: ``auto`` init is resolved, so is a bias initialisation that draws what the
    weights' scheme draws anyway, an L2 form without weight decay, and an experiment's epochs or batch
    size equal to the config's (a run trained as train.epochs says names no epochs in its folder)."""
    get = {**RUN_DEFAULTS, **default, **experiment}.__getitem__
    init = resolve_scheme(get("init"), activation)
    own = lambda name: None if get(name) == default.get(name) else get(name)  # noqa: E731
    return RunKey(
        dataset=get("dataset"),
        n_train=get("n_train"),
        backend=get("backend"),
        activation=activation,
        init=init,
        hidden=get("hidden"),
        lr=get("lr"),
        weight_decay=get("weight_decay"),
        seed=seed,
        subset=get("subset"),
        validation=get("validation"),
        bias_init=resolve_bias(init, get("bias_init")),
        cost=get("cost"),
        l2=get("l2") if get("weight_decay") else L2_FORMS[0],
        epochs=own("epochs"),
        batch_size=own("batch_size"),
        evaluate_on=get("evaluate_on"),
    )


def experiment_runs(experiment: dict, seeds: list[int], default: dict) -> list[RunKey]:
    """Every run of one experiment, one per (activation, seed)."""
    return [
        run_key(experiment, activation, seed, default) for activation in experiment["activations"] for seed in seeds
    ]


SETTING_NAMES = {"weight_decay": "weight decay"}


def option_text(option):
    """An option as a table holds it: hidden widths spelled as in a run's folder (500-250-100), the
    rest as they are."""
    return spell_widths(option) if isinstance(option, (list, tuple)) else option


def setting_label(setting: dict) -> str:
    """How a setting is named: 'init standard_normal', 'weight decay 1e-5', 'init torch_default, lr 0.01',
    'hidden 100', '60,000 training images'."""

    def named(key):
        option = setting[key]
        if key == "n_train":
            return f"{count(option)} training images"
        if key == "dataset":
            return DATASET_INFO[option].title
        if key == "init":
            return f"init {option}"
        text = option_text(option) if isinstance(option, (list, tuple, str)) else number(option)
        return f"{SETTING_NAMES.get(key, key)} {text}"

    return ", ".join(named(key) for key in setting)


def sweep_variants(experiments: dict, sweeps: dict) -> list[dict]:
    """Every (sweep, study experiment it varies, setting): the experiment with the setting applied.

    Returns:
        Dicts with ``sweep``, ``variant_of``, ``setting`` (its label), ``position`` (its index in the
        sweep) and ``experiment`` (the experiment's config with the setting's keys replaced).
    """
    variants = []
    for sweep_id, sweep in sweeps.items():
        for exp_id in sweep["variants_of"]:
            for position, setting in enumerate(sweep["settings"]):
                variants.append(
                    dict(
                        sweep=sweep_id,
                        variant_of=exp_id,
                        setting=setting_label(setting),
                        position=position,
                        experiment={**experiments[exp_id], **setting},
                    )
                )
    return variants


def split_error(experiments: dict, default: dict) -> tuple[str, str] | None:
    """The first experiment whose data cannot be split as it asks, as (key, message), or None: more
    training images than a validation set leaves, or evaluation on a validation set it does not hold out."""
    for exp_id, experiment in experiments.items():
        get = {**default, **experiment}.__getitem__
        where = "experiments." + exp_id if any(k in experiment for k in ("n_train", "validation")) else "data"
        problem = split_problem(get("n_train"), get("validation"))
        if problem:
            return f"{where}.validation", problem
        if get("evaluate_on") == "validation" and not get("validation"):
            where = "experiments." + exp_id if "evaluate_on" in experiment else "train"
            return f"{where}.evaluate_on", "validation needs a validation set: set data.validation (images held out)"
    return None


def unknown_experiments(experiments: dict, sweeps: dict) -> list[tuple[str, str]]:
    """(sweep id, experiment id) for every ``variants_of`` entry that names no experiment."""
    return [(s, e) for s, sweep in sweeps.items() for e in sweep["variants_of"] if e not in experiments]


def multiverse_error(multiverse: dict, experiments: dict, stated: dict) -> tuple[str, str] | None:
    """The first fault of the config's ``multiverse`` as (key, message), or None.

    An axis is a setting a run's key carries and an experiment may set (SETTING_KEYS), over
    experiments that exist and that do not state it (``stated``: experiment id -> the settings the
    study gives for it; those define the experiment, so they are never an axis of it).
    """
    for axis, spec in multiverse.get("axes", {}).items():
        key = f"multiverse.axes.{axis}"
        if axis not in SETTING_KEYS:
            return key, f"not a setting an axis can vary; the axes are {', '.join(SETTING_KEYS)}"
        for i, option in enumerate(spec["options"]):
            problem = _option_problem(axis, option)
            if problem:
                return f"{key}.options.{i}", problem
        for part in ("options", "experiments"):
            repeated = _repeated(spec[part])
            if repeated:
                i, first = repeated
                return f"{key}.{part}.{i}", f"{spec[part][i]!r} is already {part[:-1]} {first}: list each once"
        for exp_id in spec["experiments"]:
            if exp_id not in experiments:
                return f"{key}.experiments", f"no experiment {exp_id!r}; the experiments are {', '.join(experiments)}"
            if axis in stated.get(exp_id, []):
                return (
                    f"{key}.experiments",
                    f"the study states the {axis} of {exp_id!r}, which is what defines it; "
                    f"an axis varies only what the study leaves unstated",
                )
    return None


def _repeated(values: list) -> tuple[int, int] | None:
    """(position, position of its first occurrence) of the first value listed twice (0.1 and 0.10, or
    two equal width lists, are the same option), or None."""
    first = {}
    for i, value in enumerate(values):
        key = tuple(value) if isinstance(value, list) else value
        if key in first:
            return i, first[key]
        first[key] = i
    return None


def _option_problem(axis: str, option) -> str | None:
    """Why ``option`` is not a value of ``axis``, or None."""
    if axis == "init":
        return None if option in SCHEMES else f"{option!r} is not an init scheme; the schemes are {', '.join(SCHEMES)}"
    if axis == "hidden":
        whole = isinstance(option, list) and option and all(type(w) is int and w >= 1 for w in option)
        return None if whole else f"{option!r} is not a list of hidden layer widths (whole numbers from 1)"
    if axis == "dataset":
        return (
            None
            if option in DATASET_INFO
            else f"{option!r} is not a dataset; the datasets are {', '.join(DATASET_INFO)}"
        )
    if axis == "n_train":
        fits = type(option) is int and 1 <= option <= MAX_TRAIN
        return None if fits else f"{option!r} is not a number of training images (a whole number, 1 to {MAX_TRAIN})"
    if isinstance(option, bool) or not isinstance(option, (int, float)) or not math.isfinite(option):
        return f"{option!r} is not a number"
    if axis == "lr" and option <= 0 or option < 0:
        return f"{option!r} is not a valid {axis}"
    return None


def universes(axes: dict[str, list]) -> list[dict]:
    """Every combination of one option per axis, the first axis varying slowest."""
    names = list(axes)
    return [dict(zip(names, options)) for options in itertools.product(*(axes[n] for n in names))]


def n_universes(multiverse: dict) -> int:
    """How many universes the axes make, with none built: the product of their option counts."""
    axes = multiverse.get("axes", {})
    return math.prod(len(spec["options"]) for spec in axes.values()) if axes else 0


def most_runs(experiments: dict, others: list[dict], multiverse: dict, n_seeds: int) -> int:
    """The most distinct training runs ``distinct_runs`` can find, with none built: each experiment's
    runs, the others', and the runs of each experiment an axis touches times the option combinations
    of the axes that apply to it (fewer where runs coincide)."""
    axes = multiverse.get("axes", {})
    touched = {exp_id for spec in axes.values() for exp_id in spec["experiments"]}  # the others' runs are the study's
    per_experiment = [
        (experiment, math.prod(len(spec["options"]) for spec in axes.values() if exp_id in spec["experiments"]))
        for exp_id, experiment in experiments.items()
        if exp_id in touched
    ]
    variants = [*((e, 1) for e in experiments.values()), *((e, 1) for e in others), *per_experiment]
    return sum(len(experiment["activations"]) * n_seeds * n for experiment, n in variants)


def distinct_runs(
    experiments: dict, others: list[dict], multiverse: dict, seeds: list[int], default: dict, limit: int
) -> list[RunKey]:
    """The distinct training runs of ``experiments``, ``others`` (the sweeps' variants) and the
    multiverse's universes, counted without building a universe, and no further than one past
    ``limit``: a list longer than ``limit`` means more than ``limit``, in memory for ``limit`` runs
    at any size of multiverse. An experiment's runs in every universe are its runs under each
    combination of the options of the axes that apply to it; the other axes leave them as they are."""
    axes = multiverse.get("axes", {})
    found: dict[RunKey, None] = {}

    def variants():
        yield from (*experiments.values(), *others)
        for exp_id, experiment in experiments.items():
            mine = [axis for axis, spec in axes.items() if exp_id in spec["experiments"]]
            for options in itertools.product(*(axes[axis]["options"] for axis in mine)):
                yield {**experiment, **dict(zip(mine, options))}

    for experiment in variants():
        for run in experiment_runs(experiment, seeds, default):
            found[run] = None
            if len(found) > limit:
                return list(found)
    return list(found)


def universe_variants(experiments: dict, multiverse: dict, default: dict) -> list[dict]:
    """Every (universe, experiment): the experiment with the universe's options of the axes that
    apply to it.

    Returns:
        Dicts with ``universe`` (its label), ``position`` (its index), ``options`` (axis -> option),
        ``default`` (whether every option is what the config itself runs), ``experiment_id`` and
        ``experiment`` (the experiment's config with the options applied).
    """
    axes = multiverse.get("axes", {})
    own = {
        axis: {exp_id: {**default, **experiments[exp_id]}[axis] for exp_id in spec["experiments"]}
        for axis, spec in axes.items()
    }
    variants = []
    for position, options in enumerate(universes({a: spec["options"] for a, spec in axes.items()}) if axes else []):
        default = all(value == option for axis, option in options.items() for value in own[axis].values())
        for exp_id, experiment in experiments.items():
            applied = {axis: option for axis, option in options.items() if exp_id in axes[axis]["experiments"]}
            variants.append(
                dict(
                    universe=setting_label(options),
                    position=position,
                    options=options,
                    default=default,
                    experiment_id=exp_id,
                    experiment={**experiment, **applied},
                )
            )
    return variants
