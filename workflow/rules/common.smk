import functools
import os

import yaml

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from mnist_mlp.runs.config_check import config_error, mapping_file_problem
from mnist_mlp.data.datasets import DATASET_INFO
from mnist_mlp.data.datasets import FILES as RAW_FILE_NAMES
from mnist_mlp.data.datasets import identify
from mnist_mlp.data.download import source_problem
from mnist_mlp.data.arrays import (
    DATA_STEM_PATTERN,
    data_stem,
    prepared_files,
    prepared_paths,
)
from mnist_mlp.runs.plan import (
    JOBS_BEFORE_TRAINING,
    SCOPE_KEYS,
    defaults,
    distinct_runs,
    experiment_runs,
    SECTION_JOBS,
    jobs_around_training,
    most_runs,
    multiverse_error,
    n_universes,
    option_text,
    split_error,
    sweep_variants,
    universe_variants,
    unknown_experiments,
)
from mnist_mlp.runs.cost import saved_calibration, size_error
from mnist_mlp.runs.layout import (
    RESERVED_IDS,
    find_study,
    misplaced,
    products_of,
    study_files,
)
from mnist_mlp.runs.provenance import git_commit
from mnist_mlp.runs.threads import cancel_pending_timers
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.aggregate import axis_column
from mnist_mlp.runs.run_format import FILES as RUN_FILES
from mnist_mlp.runs.run_format import path as run_file
from mnist_mlp.judge.study import (
    BARS_FIGURE,
    EXTRA_FIGURES,
    choices_figure,
    figure_list,
    GRID_FIGURE,
    load_study,
    multiverse_figure,
    sensitivity_figure,
    study_error,
)


class ConfigFault(WorkflowError):
    """Something the user gave is wrong (a config key, a study file, a file where a folder should
    be): the message is whole, with its fix. The console logger prints it alone, without the lines
    Snakemake adds on where in this file it was raised."""


def study_folder(value):
    """The study folder ``value`` (config key ``study``) names; one line naming it if there is none."""
    folder, problem = find_study(str(value), os.getcwd(), workflow.basedir)
    if problem:
        raise ConfigFault(f"Invalid config, key study: {problem}.")
    return folder


def default_study():
    """The study config/config.yaml names: the one whose report is report.html."""
    with open(os.path.join(workflow.basedir, "config", "config.yaml")) as f:
        value = (yaml.safe_load(f) or {}).get("study")
    return find_study(str(value), os.getcwd(), workflow.basedir)[0] if value else None


if "study" not in config:
    raise ConfigFault(
        "Invalid config, key study: missing; config/config.yaml names the study to build "
        "(study: studies/sarkar2022), or give one with --config study=studies/<id>."
    )
STUDY_FOLDER = study_folder(config["study"])
STUDY_FILES = study_files(STUDY_FOLDER)


def check_study_files():
    """The study's two files are YAML mappings; else one line naming the file (Snakemake's own
    message, for its config, names none, and a file that is not text ends in a traceback).
    """
    for path in STUDY_FILES.values():
        problem = mapping_file_problem(path)
        if problem:
            raise ConfigFault(f"Invalid study file {path}, {problem}.")


check_study_files()


# The study's own runs, under the command line's config files and --config, which Snakemake applies again after it
configfile: STUDY_FILES["config"]


PRODUCTS = products_of(STUDY_FOLDER, default_study(), os.getcwd())
if PRODUCTS.own in RESERVED_IDS:
    raise ConfigFault(
        f"Invalid config, key study: a study may not be named {PRODUCTS.own!r}, which results/ "
        f"uses for {RESERVED_IDS[PRODUCTS.own]}; rename the folder {STUDY_FOLDER}."
    )


def validate_config():
    """Validate against the schema, strictly typed first, and say in one line which key is wrong and why."""
    schema_path = workflow.source_path("../schemas/config.schema.yaml")
    with open(schema_path) as f:
        error = config_error(config, yaml.safe_load(f))
    if error:
        key, message = error
        raise ConfigFault(
            f"Invalid config, key {key}: {message}. "
            "See workflow/schemas/config.schema.yaml for every key."
        )
    validate(config, "../schemas/config.schema.yaml")  # fills in the defaults


validate_config()


def check_data_source():
    """data.source is one the dataset has."""
    problem = source_problem(config["data"]["dataset"], config["data"]["source"])
    if problem:
        raise ConfigFault(f"Invalid config, key data.source: {problem}.")


check_data_source()


def check_sweeps():
    """Every sweep varies experiments that exist."""
    for sweep, experiment in unknown_experiments(config["experiments"], SWEEPS):
        raise ConfigFault(
            f"Invalid config, key sensitivity.{sweep}.variants_of: no experiment {experiment!r}; "
            f"the experiments are {', '.join(config['experiments'])}."
        )


SWEEPS = config.get("sensitivity") or {}
check_sweeps()

RAW_FILES = list(RAW_FILE_NAMES)  # train images, train labels, test images, test labels


DEFAULTS = defaults(config)  # each setting an experiment does not give


def check_splits():
    """Every experiment's training images fit beside its validation set, which it evaluates on only if it holds one."""
    error = split_error(config["experiments"], DEFAULTS)
    if error:
        raise ConfigFault(f"Invalid config, key {error[0]}: {error[1]}.")


check_splits()
# The preprocessed data of the config's own training subset: its summary holds the test set's
# class counts (chance), the same for every subset.
DATA_SUMMARY = prepared_paths(
    DEFAULTS["dataset"], DEFAULTS["n_train"], DEFAULTS["subset"], DEFAULTS["validation"]
)["summary"]


wildcard_constraints:
    **RunKey.wildcard_constraints(),


def runs_of(experiment):
    """Every run (a RunKey) of one experiment (a config dict), per activation and seed."""
    return experiment_runs(experiment, config["train"]["seeds"], DEFAULTS)


SWEEP_VARIANTS = sweep_variants(config["experiments"], SWEEPS)


@functools.cache  # the config is fixed once parsed; the rules and checks ask for it many times
def all_runs():
    """Every distinct run of the study, its sweeps and its universes; runs that coincide are one job."""
    experiments = (
        list(config["experiments"].values())
        + [v["experiment"] for v in SWEEP_VARIANTS]
        + [v["experiment"] for v in MULTIVERSE_VARIANTS]
    )
    return list(dict.fromkeys(run for exp in experiments for run in runs_of(exp)))


def datasets_used():
    """The datasets the runs train on, the config's own first."""
    return list(dict.fromkeys(run.dataset for run in all_runs()))


def data_stems():
    """The preprocessed data every run trains on, one per (dataset, training-subset size)."""
    return list(
        dict.fromkeys(
            data_stem(run.dataset, run.n_train, run.subset, run.validation)
            for run in all_runs()
        )
    )


def run_paths(kind):
    """The file of ``kind`` (a key of run_format.FILES) of every run."""
    return [str(run_file(run.path("dir"), kind)) for run in all_runs()]


def run_record(run, **labels):
    """A run's settings, folder and benchmark file, with ``labels`` saying where it belongs."""
    return dict(
        **labels,
        **run.row(),
        dir=run.path("dir"),
        benchmark=run.path("benchmark"),
    )


def experiment_run_records():
    """One record per (experiment, run) for aggregation."""
    titles = experiment_titles()
    return [
        run_record(run, experiment=exp_id, title=titles[exp_id])
        for exp_id, exp in config["experiments"].items()
        for run in runs_of(exp)
    ]


def sweep_run_records():
    """One record per (sweep, experiment it varies, setting, run) for aggregation."""
    return [
        run_record(
            run,
            sweep=v["sweep"],
            variant_of=v["variant_of"],
            setting=v["setting"],
            position=v["position"],
        )
        for v in SWEEP_VARIANTS
        for run in runs_of(v["experiment"])
    ]


def experiment_titles():
    return {
        exp_id: exp.get("title", exp_id)
        for exp_id, exp in config["experiments"].items()
    }


def read_study(path):
    """What the study reports: its numbers, claims and figure list (the study folder's study.yaml),
    checked against its schema and the config's experiments: any fault is one line naming file and key.
    """
    # YAML that reads as a mapping: check_study_files holds that
    study = load_study(path)
    with open(workflow.source_path("../schemas/study_reported.schema.yaml")) as f:
        error = config_error(study, yaml.safe_load(f))
    if error is None:
        error = study_error(
            study, config["experiments"], config["train"]["seeds"], DEFAULTS
        )
    if error is None and config["multiverse"].get("axes") and "robustness" not in study:
        error = (
            "robustness",
            "a multiverse (multiverse.axes) labels each claim by the study's robustness rules: add them",
        )
    if error:
        raise ConfigFault(f"Invalid study file {path}, key {error[0]}: {error[1]}.")
    return study


STUDY = read_study(STUDY_FILES["study"])


def check_multiverse():
    """Every axis a setting the runs carry, over experiments that exist and leave it unstated."""
    error = multiverse_error(
        config["multiverse"], config["experiments"], STUDY.get("stated", {})
    )
    if error:
        raise ConfigFault(f"Invalid config, key {error[0]}: {error[1]}.")


check_multiverse()
MULTIVERSE_AXES = list(config["multiverse"].get("axes", {}))


def check_multiverse_size():
    """A multiverse of more distinct training jobs than multiverse.max_training_jobs stops here,
    before any universe is built or Snakemake plans (and prints) every job: the runs are counted
    from the axes' options, one past the limit at most, so a runaway overlay is refused at once.
    """
    if not MULTIVERSE_AXES:
        return
    others = [v["experiment"] for v in SWEEP_VARIANTS]
    seeds, limit = config["train"]["seeds"], config["multiverse"]["max_training_jobs"]
    runs = distinct_runs(
        config["experiments"], others, config["multiverse"], seeds, DEFAULTS, limit
    )
    error = size_error(
        n_universes(config["multiverse"]),
        [run.row() for run in runs],
        limit,
        config["train"]["epochs"],
        workflow.cores if isinstance(workflow.cores, int) else 2,
        saved_calibration(),
        most_runs(config["experiments"], others, config["multiverse"], len(seeds)),
    )
    if error:
        raise ConfigFault(f"Invalid config, key multiverse.max_training_jobs: {error}.")


check_multiverse_size()
MULTIVERSE_VARIANTS = universe_variants(
    config["experiments"], config["multiverse"], DEFAULTS
)


def check_layout():
    """A file where one of the build's folders should be (results/, a run's folder), or a folder
    where a run's file should be, stops the build here in one line with the fix: Snakemake would
    stop on it with a traceback."""
    runs = [run.path("dir") for run in all_runs()]
    folders = [*runs, PRODUCTS.results_dir, "logs", "benchmarks"]
    files = [str(run_file(run, kind)) for run in runs for kind in RUN_FILES]
    files += [
        PRODUCTS.results("runs.csv"),
        PRODUCTS.results("claims.json"),
        PRODUCTS.report,
    ]
    error = misplaced(folders, files)
    if error:
        raise ConfigFault(error)


check_layout()
# The axes that widen the study's scope (more data) rather than choose what it left open
MULTIVERSE_SCOPE = [axis for axis in MULTIVERSE_AXES if axis in SCOPE_KEYS]
OWN_SCOPE = {
    key: DEFAULTS[key] for key in SCOPE_KEYS
}  # the study's own data: its scope


def multiverse_run_records():
    """One record per (universe, experiment, run) for aggregation, with the universe's options."""
    return [
        run_record(
            run,
            universe=v["universe"],
            position=v["position"],
            default=v["default"],
            experiment=v["experiment_id"],
            **{
                axis_column(axis): option_text(option)
                for axis, option in v["options"].items()
            },
        )
        for v in MULTIVERSE_VARIANTS
        for run in runs_of(v["experiment"])
    ]


def caption_words(dataset):
    """What the figures' captions (report/*.rst) say of the runs' dataset: its name, what one class
    is, and chance (always answering its test set's commonest class)."""
    info = DATASET_INFO[dataset]
    return {
        "dataset": info.title,
        "noun": info.noun,
        "chance": f"{info.chance_pct:.2f} %",
    }


CAPTION_WORDS = caption_words(config["data"]["dataset"])


def project_path(path):
    """A file of this repository (``path`` relative to its root), as a path relative to the working
    directory: an input named so stays the same input when the whole project folder moves.
    """
    return os.path.relpath(os.path.join(workflow.basedir, path))


def figure_ids(kinds=None, exclude=(), experiment=None):
    return [
        fig["id"]
        for fig in figure_list(STUDY)
        if (kinds is None or fig["kind"] in kinds)
        and fig["kind"] not in exclude
        and experiment in (None, fig["experiment"])
    ]


# The experiments with figures of the study, each drawn by a job of its own as soon as its runs end.
FIGURE_SECTIONS = list(dict.fromkeys(fig["experiment"] for fig in figure_list(STUDY)))
# Each run of a section with figures, by the most figures a section of its waits to draw.
SECTION_FIGURES_OF_RUN = {}
for section in FIGURE_SECTIONS:
    size = len(figure_ids(experiment=section))
    for run in runs_of(config["experiments"][section]):
        SECTION_FIGURES_OF_RUN[run] = max(SECTION_FIGURES_OF_RUN.get(run, 0), size)


def training_priority(wildcards):
    """Snakemake's priority of a training job: the longest jobs first (PyTorch's), so that short
    ones fill the cores at the end; then, among one backend's, the runs of the sections with the
    most figures, so that the section drawn after the last run, in the tail, is a small one. Any
    training job comes before a section's figures (priority 0), which fill the cores' gaps.
    """
    run = RunKey.from_wildcards(wildcards)
    return (2000 if run.backend == "torch" else 1000) + SECTION_FIGURES_OF_RUN.get(
        run, 0
    )


def epochs_of(wildcards):
    """The epochs a training job trains: its run's own (an experiment's), else train.epochs."""
    return RunKey.from_wildcards(wildcards).epochs or config["train"]["epochs"]


def experiment_records(exp_ids):
    """The aggregation records (experiment_run_records) of the runs of ``exp_ids``."""
    return [r for r in experiment_run_records() if r["experiment"] in exp_ids]


def experiment_inputs(exp_ids):
    """What a figure of ``exp_ids``' runs reads of each run: its metrics, batch and epoch files and
    its benchmark (its cost)."""
    records = experiment_records(exp_ids)
    return {
        **{
            kind: list(dict.fromkeys(str(run_file(r["dir"], kind)) for r in records))
            for kind in ("metrics", "batches", "epochs")
        },
        "benchmarks": list(dict.fromkeys(r["benchmark"] for r in records)),
    }


def figure_files(ids, ext):
    return [PRODUCTS.results(f"figures/{fig_id}.{ext}") for fig_id in ids]


def job_benchmark(job):
    """The benchmark file of a job around training (a name ``jobs_around_training`` gives): the data
    jobs' are every study's, the rest this study's own."""
    shared = job.split("/")[0] in JOBS_BEFORE_TRAINING
    return f"benchmarks/{job}.tsv" if shared else PRODUCTS.benchmark(job)


def raw_paths(dataset):
    """The four raw files of ``dataset``, as the download rule writes them."""
    return [f"resources/{dataset}/{name}" for name in RAW_FILE_NAMES]


def get_final_output():
    """The report, and every file of every run (a deleted run folder is rebuilt)."""
    return [PRODUCTS.report] + [path for kind in RUN_FILES for path in run_paths(kind)]


def check_raw_files():
    """A raw file that is not the dataset's (changed after a build) stops the run before any job,
    in one line with its fix; a missing one is fetched by the download rule when a job needs it.
    """
    for dataset in datasets_used():
        for path in raw_paths(dataset):
            problem = os.path.exists(path) and identify(path, dataset)
            if problem:
                raise ConfigFault(
                    f"Data file {os.path.dirname(path)}/{problem}. Delete it and run again: what was "
                    "built from the verified file is kept, and the file is fetched and verified again when "
                    "a job needs it."
                )


check_raw_files()


JOBS_AROUND_TRAINING = jobs_around_training(
    datasets_used(), data_stems(), FIGURE_SECTIONS, bool(SWEEPS), bool(MULTIVERSE_AXES)
)


def overlay_files():
    """The config files read on top of config/config.yaml, as the command line gave them: relative
    to the project when they lie in it (so that moving the project reruns nothing), else absolute.
    """
    base = os.path.join(workflow.basedir, "config", "config.yaml")
    files = []
    for f in workflow.overwrite_configfiles or []:
        path = os.path.realpath(f)
        if path != os.path.realpath(base):
            inside = os.path.relpath(path, workflow.basedir)
            files.append(path if inside.startswith("..") else inside)
    return list(dict.fromkeys(files))
