import os

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from mnist_mlp.download import MNIST_MD5
from mnist_mlp.provenance import git_commit


def validate_config():
    """Validate against the schema, and say in one line which key is wrong and why."""
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError as err:
        cause = err.__context__  # the jsonschema ValidationError
        if not hasattr(cause, "absolute_path"):
            raise
        key = ".".join(str(part) for part in cause.absolute_path) or "(top level)"
        raise WorkflowError(
            f"Invalid config, key {key}: {cause.message}. "
            "See workflow/schemas/config.schema.yaml for every key."
        ) from None


validate_config()

MNIST_FILES = list(MNIST_MD5)  # train images, train labels, test images, test labels
RUN_DIR = "results/runs/{backend}/{activation}/lr{lr}_wd{wd}/seed{seed}"
BENCHMARK = "benchmarks/train/{backend}/{activation}/lr{lr}_wd{wd}/seed{seed}.tsv"


wildcard_constraints:
    backend="numpy|torch",
    activation="sigmoid|tanh|relu",
    lr=r"[0-9][0-9.e+-]*",
    wd=r"[0-9][0-9.e+-]*",
    seed=r"\d+",


def number_in_path(x):
    """The one spelling of a number in a path: the shortest that reads back exactly (0.001, 1e-05)."""
    return repr(float(x))


def experiment_runs(experiment):
    """Wildcard values of every run of one experiment, one dict per (activation, seed)."""
    return [
        dict(
            backend=experiment["backend"],
            activation=activation,
            lr=number_in_path(experiment["lr"]),
            wd=number_in_path(experiment.get("weight_decay", 0)),
            seed=seed,
        )
        for activation in experiment["activations"]
        for seed in config["train"]["seeds"]
    ]


def all_runs():
    """Every distinct run of the study; experiments that share a run share its job."""
    runs = [
        run for exp in config["experiments"].values() for run in experiment_runs(exp)
    ]
    return list({tuple(run.items()): run for run in runs}.values())


def run_paths(pattern):
    """``pattern`` (with the run wildcards) filled in for every run."""
    return [pattern.format(**run) for run in all_runs()]


def experiment_run_records():
    """One record per (experiment, run) for aggregation: its keys, folder and benchmark file."""
    titles = experiment_titles()
    return [
        dict(
            experiment=exp_id,
            title=titles[exp_id],
            backend=run["backend"],
            activation=run["activation"],
            lr=float(run["lr"]),
            weight_decay=float(run["wd"]),
            seed=run["seed"],
            dir=RUN_DIR.format(**run),
            benchmark=BENCHMARK.format(**run),
        )
        for exp_id, exp in config["experiments"].items()
        for run in experiment_runs(exp)
    ]


def experiment_titles():
    return {
        exp_id: exp.get("title", exp_id)
        for exp_id, exp in config["experiments"].items()
    }


def load_study(path):
    """The study's reported values, claims and figure list (config key study_reported)."""
    if not os.path.isfile(path):
        raise WorkflowError(
            f"Invalid config, key study_reported: {path} not found (relative to the working "
            f"directory {os.getcwd()}); point it at the repository's config/study_reported.yaml."
        )
    with open(path) as f:
        return yaml.safe_load(f)


STUDY = load_study(config["study_reported"])


def figure_ids(kinds=None, exclude=()):
    return [
        fig["id"]
        for fig in STUDY["figures"]
        if (kinds is None or fig["kind"] in kinds) and fig["kind"] not in exclude
    ]


def figure_files(ids, ext):
    return [f"results/figures/{fig_id}.{ext}" for fig_id in ids]


def get_final_output():
    return ["report.html"]
