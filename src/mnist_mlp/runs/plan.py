"""From the config to the list of runs: which runs each experiment and each sensitivity sweep
needs, with one spelling per number and per initialisation, so that runs that coincide are one job.
No Snakemake in here; workflow/rules/common.smk calls it.
"""

from mnist_mlp.fmt import number
from mnist_mlp.nn.init import resolve_scheme
from mnist_mlp.runs.key import RunKey

SETTING_KEYS = ("init", "lr", "weight_decay")  # what a sensitivity setting may change


def run_key(experiment: dict, activation: str, seed: int, default_init: str) -> RunKey:
    """The run of ``experiment`` with ``activation`` and ``seed``; ``auto`` init is resolved, so that
    a run asked for as ``auto`` and as the scheme ``auto`` picks is the same run."""
    return RunKey(backend=experiment["backend"], activation=activation,
                  init=resolve_scheme(experiment.get("init", default_init), activation),
                  lr=experiment["lr"], weight_decay=experiment.get("weight_decay", 0), seed=seed)


def experiment_runs(experiment: dict, seeds: list[int], default_init: str) -> list[RunKey]:
    """Every run of one experiment, one per (activation, seed)."""
    return [run_key(experiment, activation, seed, default_init)
            for activation in experiment["activations"] for seed in seeds]


def setting_label(setting: dict) -> str:
    """How a sweep's setting is named: 'init standard_normal', 'weight decay 1e-5', 'init torch_default, lr 0.01'."""
    def value(key):
        return setting[key] if key == "init" else number(setting[key])

    return ", ".join(f"{key.replace('_', ' ')} {value(key)}" for key in setting)


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
                variants.append(dict(sweep=sweep_id, variant_of=exp_id, setting=setting_label(setting),
                                     position=position, experiment={**experiments[exp_id], **setting}))
    return variants


def unknown_experiments(experiments: dict, sweeps: dict) -> list[tuple[str, str]]:
    """(sweep id, experiment id) for every ``variants_of`` entry that names no experiment."""
    return [(s, e) for s, sweep in sweeps.items() for e in sweep["variants_of"] if e not in experiments]
